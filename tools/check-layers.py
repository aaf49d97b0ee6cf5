#!/usr/bin/python3
"""Checks the include graph of user/ between folders: no folder may depend,
directly or through others, on a folder that depends on it (no cycles).

Usage: check-layers.py [--print]   (--print: the folder graph, bottom up)
Exit 0 when there is no cycle, 1 with the cycle printed otherwise.
"""
import os
import re
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
USER = os.path.join(ROOT, "user")
INC = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def folder_of(path):
    rel = os.path.relpath(path, USER)
    return rel.split(os.sep)[0] if os.sep in rel else "."


def graph():
    edges = {}
    for dirpath, _, files in os.walk(USER):
        for name in files:
            if not name.endswith((".c", ".h")):
                continue
            path = os.path.join(dirpath, name)
            src = folder_of(path)
            edges.setdefault(src, set())
            with open(path, errors="replace") as f:
                for inc in INC.findall(f.read()):
                    if "/" not in inc:
                        # "tt_abi.h" (include path user/abi) or a generated
                        # header in build/: the ABI room, or nothing of ours.
                        dst = "abi" if inc == "tt_abi.h" else None
                    else:
                        dst = inc.split("/")[0]
                        if not os.path.isdir(os.path.join(USER, dst)):
                            dst = None
                    if dst and dst != src:
                        edges[src].add(dst)
    return edges


def cycles(edges):
    """Tarjan's strongly connected components of more than one folder."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


def layers(edges):
    """Folders bottom up: each after every folder it uses."""
    order, done = [], set()
    pending = dict((k, set(v)) for k, v in edges.items())
    while pending:
        ready = sorted(k for k, v in pending.items() if v <= done)
        if not ready:
            break
        order.append(ready)
        done.update(ready)
        for k in ready:
            del pending[k]
    return order


def main():
    edges = graph()
    bad = cycles(edges)
    if "--print" in sys.argv:
        for i, floor in enumerate(layers(edges)):
            print("%2d  %s" % (i, "  ".join(floor)))
    for comp in bad:
        print("cycle: %s" % " <-> ".join(comp))
        for a in comp:
            for b in sorted(edges[a] & set(comp)):
                print("  %s -> %s" % (a, b))
    if bad:
        return 1
    print("layers: no folder cycle (%d folders)" % len(edges))
    return 0


if __name__ == "__main__":
    sys.exit(main())
