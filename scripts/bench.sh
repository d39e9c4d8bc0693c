#!/bin/bash
# make bench: build the benchmark and run every configuration in one guest
# boot under QEMU -icount (guest time counts instructions, immune to host
# noise), so the numbers compare side by side.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
gcc -static -O2 -Wall -o "$tmp/bench_contid" "$top/tools/testing/bench/bench_contid.c"
cp "$top/tools/testing/bench/bench.sh" "$tmp/"
echo "bench: booting under -icount shift=0,sleep=off (slower than usual)"
ACID_GUEST_FILES=$tmp ACID_TIMEOUT=${ACID_TIMEOUT:-1800} \
	ACID_QEMU_EXTRA="-icount shift=0,sleep=off" \
	"$top/scripts/qemu-run.sh" job "$top/tools/testing/bench/bench.sh" 2>&1 |
	grep -v -E '^\[ *[0-9]+\.[0-9]+\]|SeaBIOS|iPXE|Booting|^$'
