#!/bin/bash
# Developer check: does every patch of patches/linux-6.12 compile on its
# own?  For each prefix of the series, apply it to a separate checkout of
# the pristine tree and build the objects the patches touch (and, for a
# patch to rust/, the Rust crates), in a separate build directory with the
# test configuration.  Also runs checkpatch --strict on each patch.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
src=$top/build/linux-source-6.12
wt=$top/build/series-check
obj=$top/build/kbuild-series
dir=$top/patches/linux-6.12
kmake=(make -s -C "$wt" O="$obj" LLVM=-19 RUSTC=/usr/bin/rustc -j"$(nproc)")
git_id=(-c user.name=check -c user.email=check@localhost)

[ -d "$wt" ] || git -C "$src" worktree add -q --detach "$wt" base
git -C "$wt" am --abort >/dev/null 2>&1 || true
git -C "$wt" checkout -q --detach base
mkdir -p "$obj"
cp "$top/build/kbuild/.config" "$obj/.config"
"${kmake[@]}" olddefconfig >/dev/null
"${kmake[@]}" prepare >/dev/null

objs=""
fail=0
for p in $(grep -v -e '^#' -e '^$' "$dir/series"); do
	git -C "$wt" "${git_id[@]}" am -q "$dir/$p"
	for f in $(git -C "$wt" diff --name-only HEAD~1 HEAD -- '*.c'); do
		case "$f" in
		rust/*) ;;
		*) objs="$objs ${f%.c}.o" ;;
		esac
	done
	objs=$(echo $objs | tr ' ' '\n' | sort -u | tr '\n' ' ')
	if ! "$src/scripts/checkpatch.pl" --strict --no-tree -q "$dir/$p" | grep -q '^ERROR'; then
		cp=ok
	else
		cp=ERRORS
		fail=1
	fi
	if git -C "$wt" diff --name-only HEAD~1 HEAD | grep -q '^rust/'; then
		build=(rust/)
	else
		build=()
	fi
	if [ -z "$objs" ] && [ ${#build[@]} -eq 0 ]; then
		echo "ok   $p (checkpatch $cp; headers only)"
		continue
	fi
	if "${kmake[@]}" $objs "${build[@]}" >"$obj/log" 2>&1; then
		echo "ok   $p (checkpatch $cp; built:$objs${build:+ ${build[*]}})"
	else
		echo "FAIL $p"
		grep -E 'error' "$obj/log" | head -5
		fail=1
	fi
done
exit $fail
