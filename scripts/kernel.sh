#!/bin/bash
# Fetch, patch, configure and build the Linux 6.12 kernel under build/.
#
#   scripts/kernel.sh prepare   extract Debian's linux-source-6.12 and apply patches/linux-6.12
#   scripts/kernel.sh config    allnoconfig + the feature's config fragment (the selftests')
#                               + the QEMU guest's (scripts/guest/config) + the test
#                               kernel's debug options (scripts/guest/config-debug) and what
#                               the container runtimes need (scripts/guest/config-runtime)
#   scripts/kernel.sh build     bzImage (and the Rust support the module links against)
#   scripts/kernel.sh prod      the production kernel and module of make bench: the same
#                               configuration without the debug options (build/out/prod/)
#   scripts/kernel.sh base      the unpatched kernel of make bench: pristine 6.12 with the
#                               production configuration (build/out/base/bzImage)
#   scripts/kernel.sh noacid    a second, small bzImage of the same tree with
#                               CONFIG_AUDIT_CONTAINERID off (build/out/bzImage-noacid)
#
# The source tree is a git repository tagged "base" at the pristine tarball; the series is
# applied as commits on top of it and checked out, so a changed series rewrites only the
# files whose content changes and the out-of-tree build in build/kbuild rebuilds only that.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
src=$top/build/linux-source-6.12
obj=$top/build/kbuild
series_dir=$top/patches/linux-6.12
# What the feature and its tests need, and what the guest (boot, debug) needs.
fragments=("$top/tools/testing/selftests/audit_containerid/config" "$top/scripts/guest/config"
	"$top/scripts/guest/config-debug" "$top/scripts/guest/config-runtime")
tarball=/usr/src/linux-source-6.12.tar.xz
jobs=$(nproc)
export PATH="$HOME/.cargo/bin:$PATH"
kmake=(make -s -C "$src" O="$obj" LLVM=-19 RUSTC=/usr/bin/rustc -j"$jobs")
git_id=(-c user.name="audit-containerid build" -c user.email=build@localhost)

series_list() {
	grep -v -e '^#' -e '^$' "$series_dir/series" || true
}

series_hash() {
	(cd "$series_dir" && cat series && series_list | xargs -r cat) | sha256sum | cut -d' ' -f1
}

prepare() {
	if [ ! -d "$src/.git" ]; then
		echo "kernel: extracting $tarball"
		rm -rf "$src"
		mkdir -p "$top/build"
		tar -C "$top/build" -xf "$tarball"
		echo "kernel: recording the pristine tree"
		git -C "$src" init -q
		git -C "$src" add -f .
		git -C "$src" "${git_id[@]}" commit -q -m "Linux $(make -s -C "$src" kernelversion) (Debian linux-source-6.12)"
		git -C "$src" tag base
	fi
	local want have
	want=$(series_hash)
	have=$(cat "$top/build/.series-applied" 2>/dev/null || true)
	[ "$want" = "$have" ] && return 0
	echo "kernel: applying patches/linux-6.12 ($(series_list | wc -l) patches)"
	# Build the patched tree in a scratch index, then check it out: only
	# files whose content differs from what is there now are rewritten,
	# so the build stays incremental when the series changes.
	local idx=$top/build/.series-index commit p
	rm -f "$idx"
	GIT_INDEX_FILE=$idx git -C "$src" read-tree base
	commit=$(git -C "$src" rev-parse base)
	for p in $(series_list); do
		if ! GIT_INDEX_FILE=$idx git -C "$src" apply --cached "$series_dir/$p"; then
			rm -f "$idx"
			echo "kernel: ERROR: patch $p does not apply to $(git -C "$src" log -1 --format=%s base)" >&2
			exit 1
		fi
		commit=$(GIT_INDEX_FILE=$idx git -C "$src" "${git_id[@]}" commit-tree \
			"$(GIT_INDEX_FILE=$idx git -C "$src" write-tree)" -p "$commit" \
			-m "$(sed -n 's/^Subject: //p' "$series_dir/$p" | head -1)")
	done
	rm -f "$idx"
	git -C "$src" checkout -q -f --detach "$commit"
	echo "$want" > "$top/build/.series-applied"
}

# configure OBJ WHAT FRAGMENT...: allnoconfig + the fragments in OBJ, unless
# they are what OBJ was last configured with; every =y must hold.
configure() {
	local o=$1 what=$2
	shift 2
	local make_o=(make -s -C "$src" O="$o" LLVM=-19 RUSTC=/usr/bin/rustc)
	mkdir -p "$o"
	# The stamp is the fragments as last merged, one after the other.
	local stamp=$o/.config-fragment
	if [ -f "$o/.config" ] && cat "$@" | cmp -s - "$stamp"; then
		return 0
	fi
	echo "kernel: configuring $what (allnoconfig + ${*#"$top/"})"
	"${make_o[@]}" allnoconfig >/dev/null
	"$src/scripts/kconfig/merge_config.sh" -m -O "$o" "$o/.config" "$@" >/dev/null
	"${make_o[@]}" olddefconfig >/dev/null
	local missing
	missing=$(grep -h -E '^CONFIG_[A-Z0-9_]+=y' "$@" | while read -r line; do
		grep -qx "$line" "$o/.config" || echo "$line"
	done)
	if [ -n "$missing" ]; then
		echo "kernel: ERROR: the configuration lacks:" $missing >&2
		"${make_o[@]}" rustavailable >&2 || true
		exit 1
	fi
	cat "$@" > "$stamp"
}

config() {
	configure "$obj" "the test kernel" "${fragments[@]}"
}

build() {
	echo "kernel: building bzImage ($jobs jobs; about 6 minutes from scratch)"
	"${kmake[@]}" bzImage modules
	mkdir -p "$top/build/out"
	cp "$obj/arch/x86/boot/bzImage" "$top/build/out/bzImage"
}

noacid() {
	local nobj=$top/build/kbuild-noacid frag=$top/scripts/guest/config-noacid
	local nmake=(make -s -C "$src" O="$nobj" LLVM=-19 -j"$jobs")
	mkdir -p "$nobj"
	if [ ! -f "$nobj/.config" ] || ! cmp -s "$frag" "$nobj/.config-fragment"; then
		echo "kernel: configuring the CONFIG_AUDIT_CONTAINERID=n kernel"
		"${nmake[@]}" allnoconfig >/dev/null
		"$src/scripts/kconfig/merge_config.sh" -m -O "$nobj" "$nobj/.config" "$frag" >/dev/null
		"${nmake[@]}" olddefconfig >/dev/null
		if grep -q '^CONFIG_AUDIT_CONTAINERID=y' "$nobj/.config" ||
			! grep -q '^CONFIG_AUDITSYSCALL=y' "$nobj/.config"; then
			echo "kernel: ERROR: the CONFIG_AUDIT_CONTAINERID=n configuration is not" >&2
			exit 1
		fi
		cp "$frag" "$nobj/.config-fragment"
	fi
	echo "kernel: building the CONFIG_AUDIT_CONTAINERID=n bzImage"
	"${nmake[@]}" bzImage
	mkdir -p "$top/build/out"
	cp "$nobj/arch/x86/boot/bzImage" "$top/build/out/bzImage-noacid"
}

# The production kernel of make bench: the test kernel's configuration
# without its debug options (scripts/guest/config-debug), and the module
# built against it from a copy of the sources (the module's own build in
# the project directory belongs to the test kernel).
prod() {
	local pobj=$top/build/kbuild-prod mod=$top/build/mod-prod
	local pmake=(make -s -C "$src" O="$pobj" LLVM=-19 RUSTC=/usr/bin/rustc -j"$jobs")
	configure "$pobj" "the production kernel" "${fragments[@]:0:2}"
	echo "kernel: building the production bzImage"
	"${pmake[@]}" bzImage modules
	mkdir -p "$mod"
	(cd "$top" && git ls-files -z Kbuild rust) |
		rsync -a --from0 --files-from=- "$top/" "$mod/"
	"${pmake[@]}" M="$mod" modules
	mkdir -p "$top/build/out/prod"
	cp "$pobj/arch/x86/boot/bzImage" "$top/build/out/prod/bzImage"
	cp "$mod/audit_containerid.ko" "$top/build/out/prod/"
}

# The reference of make bench's ratios: the pristine tree (tag "base",
# checked out beside the patched one as a git worktree) built with the
# production configuration, less the option the series adds.
base() {
	local bsrc=$top/build/linux-base bobj=$top/build/kbuild-base
	if [ ! -d "$bsrc" ]; then
		echo "kernel: checking out the unpatched tree in ${bsrc#"$top/"}"
		git -C "$src" worktree prune
		git -C "$src" worktree add -q --detach "$bsrc" base
	fi
	mkdir -p "$bobj"
	grep -v AUDIT_CONTAINERID "${fragments[0]}" > "$bobj/feature.config"
	# configure() and its make read $src: the unpatched tree here.
	local src=$bsrc
	configure "$bobj" "the unpatched kernel" "$bobj/feature.config" "${fragments[1]}"
	echo "kernel: building the unpatched bzImage"
	make -s -C "$bsrc" O="$bobj" LLVM=-19 RUSTC=/usr/bin/rustc -j"$jobs" bzImage modules
	mkdir -p "$top/build/out/base"
	cp "$bobj/arch/x86/boot/bzImage" "$top/build/out/base/bzImage"
}

for step in "$@"; do
	"$step"
done
