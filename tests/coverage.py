#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Line coverage of the golden suite (`make coverage`).

The agent is built apart with gcc --coverage (build/cov/); this script
clears its counters, runs the golden runners it is given against it (the
Makefile's GOLDEN_RUNNERS, what `make golden` runs), then asks gcov for each source file's executed lines
and prints them by folder, with the files of the folders named by
--files (the pipeline core by default). No lcov: gcov, which comes with
gcc, is enough.

Usage: coverage.py --agent build/cov/tokentap --objdir build/cov
                   [--files user/pipeline] [--min-pipeline PCT] RUNNER...
Last line: "coverage: N% of N lines (golden)". Exits non-zero when a
golden runner fails, when gcov finds no data for the pipeline folder
(replay would then not have run the pipeline core), or when the pipeline's
coverage is under --min-pipeline.
"""
import argparse
import glob
import os
import re
import subprocess
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
LINES_RE = re.compile(r"Lines executed:\s*([0-9.]+)% of (\d+)")


def run_golden(agent, runners):
    ok = True
    for runner in runners:
        res = subprocess.run([sys.executable, os.path.join(ROOT, runner),
                              "--agent", agent], capture_output=True, text=True)
        last = (res.stdout.strip().splitlines() or ["(no output)"])[-1]
        print("  %-18s %s" % (os.path.basename(runner), last))
        if res.returncode:
            sys.stdout.write(res.stdout[-3000:] + res.stderr[-2000:])
            ok = False
    return ok


def gcov_lines(src, objdir):
    """(executed, total) lines of one source file, or None when gcc did
    not build it here (no .gcno). A file the suite never ran has no
    .gcda: gcov counts all its lines as missed."""
    obj = os.path.join(objdir, os.path.dirname(src))
    if not os.path.exists(os.path.join(obj, os.path.basename(src)[:-2] + ".gcno")):
        return None
    res = subprocess.run(["gcov", "-n", "-o", obj, src], cwd=ROOT,
                         capture_output=True, text=True)
    # gcov prints a block per file it read (headers with inline code
    # too): take the block of this source.
    cur = None
    for line in res.stdout.splitlines():
        if line.startswith("File "):
            cur = line[5:].strip().strip("'")
        m = LINES_RE.search(line)
        if m and cur and os.path.normpath(cur) == os.path.normpath(src):
            total = int(m.group(2))
            return round(float(m.group(1)) * total / 100), total
    return 0, 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--agent", required=True)
    ap.add_argument("--objdir", required=True)
    ap.add_argument("--files", action="append", default=None,
                    help="folders whose files are listed one by one")
    ap.add_argument("--min-pipeline", type=float, default=0.0)
    ap.add_argument("runners", nargs="+",
                    help="the golden runners, as make golden runs them")
    args = ap.parse_args()
    files_of = args.files or ["user/pipeline"]
    for gcda in glob.glob(os.path.join(args.objdir, "**", "*.gcda"), recursive=True):
        os.unlink(gcda)
    print("coverage: running the golden suite on %s" % args.agent)
    ok = run_golden(args.agent, args.runners)
    srcs = sorted(os.path.relpath(p, ROOT) for p in
                  glob.glob(os.path.join(ROOT, "user", "**", "*.c"), recursive=True))
    by_dir, per_file = {}, {}
    for src in srcs:
        got = gcov_lines(src, args.objdir)
        if got is None:
            continue
        d = os.path.dirname(src)
        per_file[src] = got
        e, t = by_dir.get(d, (0, 0))
        by_dir[d] = (e + got[0], t + got[1])
    print("\n%-22s %8s %8s %7s" % ("folder", "lines", "run", "cover"))
    all_e = all_t = 0
    for d in sorted(by_dir):
        e, t = by_dir[d]
        all_e, all_t = all_e + e, all_t + t
        print("%-22s %8d %8d %6.1f%%" % (d, t, e, 100.0 * e / t if t else 0))
        if d in files_of:
            for src in sorted(s for s in per_file if os.path.dirname(s) == d):
                fe, ft = per_file[src]
                print("  %-20s %8d %8d %6.1f%%" % (os.path.basename(src), ft, fe,
                                                  100.0 * fe / ft if ft else 0))
    pe, pt = by_dir.get("user/pipeline", (0, 0))
    if not pe:
        print("FAIL coverage: the golden suite ran no line of user/pipeline")
        ok = False
    elif 100.0 * pe / pt < args.min_pipeline:
        print("FAIL coverage: user/pipeline at %.1f%%, under %.1f%%"
              % (100.0 * pe / pt, args.min_pipeline))
        ok = False
    print("coverage: %.1f%% of %d lines (golden)"
          % (100.0 * all_e / all_t if all_t else 0, all_t))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
