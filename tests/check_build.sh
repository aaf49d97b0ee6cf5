#!/bin/sh
# SPDX-License-Identifier: MIT
# Checks what the Makefile promises about the build, so a change that
# breaks it fails `make test` (docs/testing.md, "Build checks"):
#
#  1. The unit tests build with no clang and no bpftool: nothing they use
#     waits for the BPF skeleton (a fresh build dir, both commands failing).
#  2. A changed BPF source rebuilds no unit test, and in the agent only the
#     objects whose source includes tokentap.skel.h; only .c files include it.
#  3. A changed header rebuilds only the objects that include it.
#  4. Unit tests link no libbpf, libcurl or libmicrohttpd.
#
# Checks 2-4 read `make -n -W FILE` (what make would do were FILE newer)
# and change no file. Check 2's agent half needs build/tokentap built (make
# test builds it first); without it that half says SKIP.
# Usage: tests/check_build.sh   (from any directory; exit 1 on a failure)
set -u
cd "$(dirname "$0")/.." || exit 1
MAKE=${MAKE:-make}
# Run from make test: the make below must not inherit that make's flags
# and variables (B=, -n, its job server); it gets its own.
unset MAKEFLAGS MFLAGS MAKELEVEL
SCRATCH=$(mktemp -d /tmp/tokentap-check-build.XXXXXX) || exit 1
trap 'rm -rf "$SCRATCH"' EXIT
failed=0

fail() { echo "FAIL check_build: $*"; failed=1; }
pass() { echo "PASS check_build: $*"; }

# Stand-ins that fail loudly, first on PATH, so a recipe calling clang or
# bpftool by name (not through $(CLANG)/$(BPFTOOL)) fails too.
mkdir -p "$SCRATCH/bin"
for tool in clang bpftool; do
	printf '#!/bin/sh\necho "%s called: the unit tests must not need it" >&2\nexit 1\n' \
		"$tool" > "$SCRATCH/bin/$tool"
	chmod +x "$SCRATCH/bin/$tool"
done
# GO= : the Go test programs are not what this checks (and need no BPF).
NOBPF="B=$SCRATCH/build CLANG=false BPFTOOL=false GO="

# 1. Unit tests from a fresh build dir, with no clang or bpftool.
if PATH="$SCRATCH/bin:$PATH" $MAKE --no-print-directory -j"$(nproc)" $NOBPF \
	unit-bins > "$SCRATCH/unit.log" 2>&1; then
	if [ -e "$SCRATCH/build/tokentap.skel.h" ]; then
		fail "building the unit tests made the BPF skeleton"
	else
		pass "unit tests build without clang and bpftool"
	fi
else
	tail -20 "$SCRATCH/unit.log"
	fail "unit tests do not build without clang and bpftool"
fi

# What `make -n -W FILE TARGET ARGS` would compile: the -o of each -c.
planned() {
	file=$1 target=$2
	shift 2
	$MAKE --no-print-directory -n -W "$file" "$@" "$target" 2>&1 |
		grep -- ' -c ' | sed -n 's/.* -o \([^ ]*\).*/\1/p' | sort
}

# 2a. The BPF source against the unit tests: nothing to do at all.
out=$($MAKE --no-print-directory -n -W bpf/tokentap.bpf.c $NOBPF unit-bins 2>&1)
if echo "$out" | grep -q "Nothing to be done"; then
	pass "a changed BPF source rebuilds no unit test"
else
	echo "$out" | head -20
	fail "a changed BPF source would rebuild unit tests"
fi

# 2b. Only .c files include the skeleton (the Makefile greps them for it).
hdrs=$(grep -rl 'tokentap\.skel\.h' user tests --include='*.h')
if [ -n "$hdrs" ]; then
	fail "headers include the skeleton (the Makefile would miss their users): $hdrs"
else
	pass "only .c files include tokentap.skel.h"
fi

# 2c. The BPF source against the agent: the BPF object and the skeleton's
# includers, nothing else.
if [ -x build/tokentap ] && $MAKE -q build/tokentap 2>/dev/null; then
	want=$( (echo build/bpf/tokentap.bpf.o
		grep -l 'tokentap\.skel\.h' user/*.c user/*/*.c |
			sed 's|^\(.*\)\.c$|build/\1.o|') | sort)
	got=$(planned bpf/tokentap.bpf.c all)
	if [ "$got" = "$want" ]; then
		pass "a changed BPF source recompiles only the skeleton's includers"
	else
		echo "want:" $want
		echo "got: " $got
		fail "a changed BPF source recompiles more (or less) than the skeleton's includers"
	fi
else
	echo "SKIP check_build: build/tokentap is not built and up to date (make first)"
fi

# 3. A header recompiles its includers only: h1.h is included by h1.c, the
# exchange and h1_test.c, never by the pricing code or the SSE test.
got=$(planned user/http/h1.h unit-bins $NOBPF)
if ! echo "$got" | grep -q '/user/http/h1\.o$' ||
	! echo "$got" | grep -q '/tests/h1_test\.o$'; then
	echo "$got"
	fail "a changed h1.h does not recompile h1.o and h1_test.o"
fi
if echo "$got" | grep -q -e pricing -e sse_test; then
	echo "$got"
	fail "a changed h1.h recompiles objects that do not include it"
else
	pass "a changed header recompiles only its includers"
fi

# 4. Libraries: unit tests and fuzzers link none of the agent adapters'
# (their link lines, from a dry run of a full rebuild, and what the built
# unit tests record as NEEDED; the linker here drops unused ones by itself,
# so the link lines are the real check).
links=$($MAKE --no-print-directory -n -B $NOBPF unit-bins fuzz 2>&1 |
	grep -e ' -o [^ ]*/tests/[a-z0-9_]*_test ' -e ' -o [^ ]*/fuzz/[a-z0-9_]*_fuzz ')
nlinks=$(echo "$links" | grep -c .)
bad=$(echo "$links" | grep -e '-lbpf' -e '-lcurl' -e '-lmicrohttpd' |
	sed -n 's|.* -o [^ ]*/\([^ /]*\) .*|\1|p')
for bin in "$SCRATCH"/build/tests/*_test; do
	[ -x "$bin" ] || continue
	if readelf -d "$bin" | grep NEEDED | grep -q -e libbpf -e libcurl -e libmicrohttpd; then
		bad="$bad $(basename "$bin")"
	fi
done
if [ "$nlinks" -lt 2 ]; then
	fail "found no unit test or fuzzer link line in make -n"
elif [ -n "$bad" ]; then
	fail "linked with libbpf, libcurl or libmicrohttpd:" $bad
else
	pass "$nlinks unit test and fuzzer links name no libbpf, libcurl or libmicrohttpd"
fi

exit $failed
