#!/bin/bash
# Developer check: does every patch of patches/linux-6.12 compile on its
# own?  For each prefix of the series, apply it to a separate checkout of
# the pristine tree and build the objects the patches touch (and, for a
# patch to rust/, the Rust crates), in a separate build directory with the
# test configuration.  Also: checkpatch --strict on each patch (no error and
# no warning), the size of the series (at most 700 added lines of C and
# headers: 600 was the goal; AUDIT_SIGNAL_INFO2 and the CONTAINER_INFO
# delivery guarantee added 90), and the ABI file it carries against Documentation/ABI.
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
	# The test configuration, as far as this prefix of the series knows it.
	cp "$top/build/kbuild/.config" "$obj/.config"
	"${kmake[@]}" olddefconfig >/dev/null
	for f in $(git -C "$wt" diff --name-only HEAD~1 HEAD -- '*.c'); do
		case "$f" in
		rust/*) ;;
		# Only what the test configuration builds (security/selinux is
		# not in it): other files get checkpatch only.
		*) if [ -f "$top/build/kbuild/${f%.c}.o" ]; then objs="$objs ${f%.c}.o"; fi ;;
		esac
	done
	objs=$(echo $objs | tr ' ' '\n' | sort -u | xargs)
	# From the kernel tree: elsewhere checkpatch misreads the patches.
	if ! (cd "$src" && ./scripts/checkpatch.pl --strict --no-tree -q "$dir/$p") |
		grep -qE '^(ERROR|WARNING)'; then
		cp=ok
	else
		cp=WARNINGS
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
# The whole series with the feature configured out must build too.
"${kmake[@]}" olddefconfig >/dev/null
sed -i 's/^CONFIG_AUDIT_CONTAINERID=y/# CONFIG_AUDIT_CONTAINERID is not set/' "$obj/.config"
"${kmake[@]}" olddefconfig >/dev/null
objs=$(echo $objs | tr ' ' '\n' | grep -v '^kernel/audit_containerid.o$' | xargs)
if "${kmake[@]}" $objs >"$obj/log" 2>&1; then
	echo "ok   whole series with CONFIG_AUDIT_CONTAINERID=n (built: $objs)"
else
	echo "FAIL whole series with CONFIG_AUDIT_CONTAINERID=n"
	grep -E 'error' "$obj/log" | head -5
	fail=1
fi

# The layout guard of the bindgen patch must catch the bug it fixes: without
# the --opaque-type for sched_statistics the Rust bindings must not build.
cp "$top/build/kbuild/.config" "$obj/.config"
"${kmake[@]}" olddefconfig >/dev/null
sed -i 's/^--opaque-type sched_statistics$//' "$wt/rust/bindgen_parameters"
if "${kmake[@]}" rust/ >"$obj/log" 2>&1; then
	echo "FAIL the bindgen layout guard: the bindings built without the fix"
	fail=1
elif grep -q 'bindgen lays out task_struct.pid unlike C' "$obj/log"; then
	echo "ok   the bindgen layout guard fails the build without the fix"
else
	echo "FAIL the bindgen layout guard: the build failed for another reason"
	grep -E 'error' "$obj/log" | head -5
	fail=1
fi
git -C "$wt" checkout -q rust/bindgen_parameters

added=$(git -C "$wt" diff --numstat base HEAD -- '*.c' '*.h' | awk '{n += $1} END {print n}')
if [ "$added" -le 700 ]; then
	echo "ok   the series adds $added lines of C and headers (at most 700)"
else
	echo "FAIL the series adds $added lines of C and headers (more than 700)"
	fail=1
fi
abi=Documentation/ABI/testing/procfs-audit_containerid
if cmp -s "$wt/$abi" "$top/$abi"; then
	echo "ok   $abi is the one in Documentation/"
else
	echo "FAIL $abi differs from the one in Documentation/"
	fail=1
fi
exit $fail
