#!/bin/bash
# Pack the guest initramfs: busybox, the module, the audit tools, the
# selftests and the guest init.  Output: build/out/initramfs.cpio.gz
#
#   scripts/initramfs.sh        for the test kernel (build/kbuild)
#   scripts/initramfs.sh prod   for the production kernel of make bench:
#                               build/out/prod/initramfs.cpio.gz
#   scripts/initramfs.sh base   for the unpatched kernel of make bench, without
#                               the module: build/out/base/initramfs.cpio.gz
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/build/out
root=$top/build/initramfs
kobj=$top/build/kbuild
module=$out/audit_containerid.ko
dest=$out/initramfs.cpio.gz
if [ "${1:-}" = prod ]; then
	root=$top/build/initramfs-prod
	kobj=$top/build/kbuild-prod
	module=$out/prod/audit_containerid.ko
	dest=$out/prod/initramfs.cpio.gz
elif [ "${1:-}" = base ]; then
	root=$top/build/initramfs-base
	kobj=$top/build/kbuild-base
	module=
	dest=$out/base/initramfs.cpio.gz
fi
rm -rf "$root"
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,lib/modules,etc/audit/rules.d,proc,sys,dev,tmp,run,var/log/audit,guest,selftests,root}

cp /bin/busybox "$root/bin/busybox"
for applet in $("$root/bin/busybox" --list-full); do
	[ -e "$root/$applet" ] || ln -s /bin/busybox "$root/$applet"
done

ln -s ../run "$root/var/run"
install -m 0755 "$top/scripts/guest/init" "$root/init"
[ -z "$module" ] || cp "$module" "$root/lib/modules/"
# In-tree modules the tests load (netfilter targets built as modules, as
# distributions build them), from the kernel build.
mkdir -p "$root/lib/modules/kernel"
for ko in net/netfilter/xt_AUDIT.ko net/netfilter/nft_log.ko; do
	if [ -f "$kobj/$ko" ]; then
		cp "$kobj/$ko" "$root/lib/modules/kernel/"
	fi
done
for t in auditctl ausearch auditd audisp-remote; do
	[ -x "$out/$t" ] && install -m 0755 "$out/$t" "$root/sbin/$t"
done
[ -x "$out/contid-launch" ] && install -m 0755 "$out/contid-launch" "$root/usr/bin/contid-launch"
if [ -d "$out/audit-etc" ]; then
	cp -r "$out/audit-etc/." "$root/etc/audit/"
fi
if [ -d "$top/build/selftests" ]; then
	cp -r "$top/build/selftests/." "$root/selftests/"
fi
cp -r "$top/tools/testing/guest/." "$root/guest/" 2>/dev/null || true

# Dynamically linked host tools for the netfilter tests, with their
# libraries at the same paths.
copy_dynamic() {
	local bin=$1 lib
	[ -x "$bin" ] || return 0
	mkdir -p "$root$(dirname "$bin")"
	cp -L "$bin" "$root$bin"
	for lib in $(ldd "$bin" | grep -o '/[^ ]*'); do
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
}
copy_dynamic /usr/sbin/xtables-legacy-multi
copy_dynamic /usr/sbin/nft
if [ -x "$root/usr/sbin/xtables-legacy-multi" ]; then
	rm -f "$root/sbin/iptables"
	ln -s /usr/sbin/xtables-legacy-multi "$root/sbin/iptables"
	xt=/usr/lib/x86_64-linux-gnu/xtables
	mkdir -p "$root$xt"
	cp "$xt"/libxt_*.so "$xt"/libipt_*.so "$root$xt/"
fi

cat > "$root/etc/passwd" <<'PW'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/:/bin/false
PW
cat > "$root/etc/group" <<'GR'
root:x:0:
nogroup:x:65534:
GR
echo "hosts: files" > "$root/etc/nsswitch.conf"
echo "127.0.0.1 localhost" > "$root/etc/hosts"

(cd "$root" && find . -print0 | cpio --null -o -H newc --quiet) | gzip -1 > "$dest.tmp"
mv "$dest.tmp" "$dest"
