#!/bin/bash
# Build the kselftests of tools/testing/selftests/audit_containerid as static
# binaries into build/selftests (they run in the busybox guest).
#
# The directory is copied into the kernel tree so that its Makefile finds
# ../lib.mk and kselftest_harness.h where kselftests expect them; the uapi
# headers of the patched kernel are installed first, and the project's
# include/uapi/audit_containerid.h is checked against them.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
src=$top/build/linux-source-6.12
obj=$top/build/kbuild
name=audit_containerid
dst=$src/tools/testing/selftests/$name
out=$top/build/selftests

make -s -C "$src" O="$obj" LLVM=-19 RUSTC=/usr/bin/rustc headers >/dev/null
# Compile only: fails on any number that differs from the series' uapi.
gcc -Wall -Werror -fsyntax-only -isystem "$obj/usr/include" -I "$top/include" \
	"$top/tools/testing/include-check.c"
mkdir -p "$dst" "$out"
rsync -a --delete "$top/tools/testing/selftests/$name/" "$dst/"
echo "selftests: building $name"
make -s -C "$dst" OUTPUT="$out" CC=gcc \
	KHDR_INCLUDES="-isystem $obj/usr/include" ACID_INCLUDE="-I$top/include" \
	LDFLAGS=-static

# The test of a kernel without CONFIG_AUDIT_CONTAINERID, kept apart so that
# the normal run does not pick it up (it fails on a kernel with the feature).
mkdir -p "$top/build/selftests-noacid"
make -s -C "$dst" OUTPUT="$top/build/selftests-noacid" CC=gcc \
	KHDR_INCLUDES="-isystem $obj/usr/include" ACID_INCLUDE="-I$top/include" \
	LDFLAGS=-static "$top/build/selftests-noacid/noacid_test"
