#!/bin/sh
# Regenerates vmlinux/<arch>/vmlinux.h from a kernel's BTF.
#
#   vmlinux/gen.sh [BTF_FILE [ARCH]]
#
# BTF_FILE defaults to this machine's /sys/kernel/btf/vmlinux and ARCH to
# x86. CO-RE relocates field offsets at load time, so one header built from
# any recent kernel serves every kernel with BTF; regenerate only to use
# types or fields the checked-in header lacks.
set -eu
btf=${1:-/sys/kernel/btf/vmlinux}
arch=${2:-x86}
dir=$(dirname "$0")/$arch
[ -r "$btf" ] || { echo "gen.sh: $btf: no BTF to read" >&2; exit 1; }
mkdir -p "$dir"
tmp=$(mktemp "$dir/vmlinux.h.XXXXXX")
trap 'rm -f "$tmp"' EXIT
bpftool btf dump file "$btf" format c > "$tmp"
mv "$tmp" "$dir/vmlinux.h"
trap - EXIT
echo "gen.sh: wrote $dir/vmlinux.h from $btf ($(uname -r))"
