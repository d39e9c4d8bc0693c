#!/bin/bash
# Build the Debian 12 (bookworm) guest: a root file system with real
# container runtimes (runc, crun, podman, conmon) for the test kernel,
# booted by scripts/qemu-run.sh with ACID_ROOT_IMG=build/debian/root.img.
#
#   scripts/debian.sh          build what is out of date, print the image
#
# Two cached stages under build/debian/:
#   base-<hash>.tar   mmdebstrap --variant=minbase of the package list below;
#                     <hash> covers the list and the rest of the base section
#                     of this script, so only a change there rebuilds it
#                     (it downloads ~120 MB from the Debian mirror).
#   root.img          an ext4 image (mkfs.ext4 -d, no loop mount) of the base
#                     plus the project's files: the static audit tools and
#                     /etc/audit, audit_containerid.ko, a busybox container
#                     rootfs (directory and tarball) under /opt/acid, the
#                     guest init (/sbin/acid-init), the runtime tests
#                     (/opt/acid/tests) and, if built, the OCI hook.
#                     Reassembled only when one of these inputs changed
#                     (root.img.stamp holds their hashes).
# The image is never modified by a boot (QEMU attaches it with snapshot=on).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
self=$top/scripts/debian.sh
dir=$top/build/debian
out=$top/build/out
mkdir -p "$dir"

need() { # need COMMAND PACKAGE: install PACKAGE on the host if COMMAND is missing
	command -v "$1" >/dev/null 2>&1 && return
	echo "debian: installing $2 on the host"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$2" >/dev/null ||
		{ apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$2" >/dev/null; }
}

# >>> base: everything down to "<<< base" is hashed into the tarball's name.
# What runs in the guest besides the project's own static tools:
#   runc crun             the OCI runtimes under test
#   podman conmon         podman 4.3 and its monitor (podman pulls in
#                         golang-github-containers-common and -image)
#   netavark              the network stack podman's common package needs
#                         (one of netavark | containernetworking-plugins;
#                         netavark is the smaller and podman 4's default;
#                         the tests run --network none, so it never runs)
#   iptables              the netfilter tests (xt_AUDIT, mangle)
#   procps kmod iproute2  ps/pgrep, insmod, ip (lo up)
#   gpg                   the small alternative of gpgme's "gnupg | gpg":
#                         gnupg pulls in dirmngr, gpgsm, gpg-wks-*, ...
# apt installs usrmerge (and with it perl, ~55 MB) although mmdebstrap's
# usr-is-merged satisfies init-system-helpers: the first customize hook
# purges it again.
# No Recommends (mmdebstrap's default): no buildah, slirp4netns, uidmap,
# fuse-overlayfs (kernel overlayfs serves podman), criu.
packages=(runc crun podman conmon netavark iptables procps kmod iproute2 gpg)
base_opts=(--variant=minbase --include="$(IFS=,; echo "${packages[*]}")"
	--dpkgopt='path-exclude=/usr/share/man/*'
	--dpkgopt='path-exclude=/usr/share/locale/*'
	--dpkgopt='path-include=/usr/share/locale/locale.alias'
	--dpkgopt='path-exclude=/usr/share/doc/*'
	--dpkgopt='path-include=/usr/share/doc/*/copyright'
	--dpkgopt='path-exclude=/usr/share/info/*'
	--customize-hook='chroot "$1" apt-get purge -q -y usrmerge perl libperl5.36 perl-modules-5.36 libfile-find-rule-perl libnumber-compare-perl libtext-glob-perl >/dev/null 2>&1'
	--customize-hook='rm -rf "$1"/var/cache/apt/* "$1"/var/lib/apt/lists/*'
	bookworm)
# <<< base
base_hash=$(sed -n '/^# >>> base/,/^# <<< base/p' "$self" | sha256sum | cut -c1-16)
base=$dir/base-$base_hash.tar

if [ ! -f "$base" ]; then
	need mmdebstrap mmdebstrap
	echo "debian: building the base (mmdebstrap ${packages[*]}): $base"
	t0=$SECONDS
	# The output's name must end in .tar: mmdebstrap picks the format by it.
	tmp=$dir/.tmp-base-$base_hash.tar
	rm -rf "$tmp"
	mmdebstrap --quiet --mode=root "${base_opts[@]}" "$tmp"
	mv "$tmp" "$base"
	# Older bases (another package list) are of no further use.
	find "$dir" -maxdepth 1 -name 'base-*.tar' ! -name "base-$base_hash.tar" -delete
	echo "debian: base built in $((SECONDS - t0)) s ($(du -h "$base" | cut -f1) tar)"
fi

# >>> assemble
img=$dir/root.img
stamp=$img.stamp
hook=$top/build/cargo/release/audit-containerid-hook
# The static busybox (Debian's busybox package is dynamically linked and
# would not run in the container rootfs).
busybox=/bin/busybox
if ! dpkg-query -W -f '${Status}' busybox-static 2>/dev/null | grep -q 'ok installed'; then
	echo "debian: installing busybox-static on the host"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q busybox-static >/dev/null
fi
need mkfs.ext4 e2fsprogs

for f in "$out/audit_containerid.ko" "$out/auditd" "$out/auditctl" "$out/ausearch"; do
	if [ ! -f "$f" ]; then
		echo "debian: ERROR: $f is missing (make initramfs builds it)" >&2
		exit 1
	fi
done

# Every input, hashed: the base, this script, the guest init, the project's
# binaries, the tests, busybox and the hook.
inputs() {
	echo "base $base_hash"
	sha256sum "$self" "$top/scripts/guest/debian-init" "$busybox" \
		"$out/audit_containerid.ko" "$out/auditd" "$out/auditctl" "$out/ausearch"
	for f in "$out/audit-etc" "$top/tools/testing/runtime" "$top/samples/oci-hook/install"; do
		[ -d "$f" ] && (cd "$f" && find . -type f -print0 | sort -z | xargs -0 -r sha256sum)
	done
	[ -x "$out/audisp-remote" ] && sha256sum "$out/audisp-remote"
	[ -x "$out/contid-launch" ] && sha256sum "$out/contid-launch"
	[ -x "$hook" ] && sha256sum "$hook"
	true
}
want=$(inputs | sha256sum | cut -d' ' -f1)
if [ -f "$img" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
	echo "debian: $img is up to date ($(du -h --apparent-size "$img" | cut -f1))"
	exit 0
fi

echo "debian: assembling $img"
t0=$SECONDS
root=$dir/root
rm -rf "$root"
mkdir -p "$root"
tar --numeric-owner -xpf "$base" -C "$root"

# The project's audit tools (static) and their configuration.
for t in auditd auditctl ausearch audisp-remote; do
	[ -x "$out/$t" ] && install -m 0755 "$out/$t" "$root/usr/sbin/$t"
done
[ -x "$out/contid-launch" ] && install -m 0755 "$out/contid-launch" "$root/usr/bin/contid-launch"
mkdir -p "$root/etc/audit/rules.d" "$root/var/log/audit"
[ -d "$out/audit-etc" ] && cp -r "$out/audit-etc/." "$root/etc/audit/"
install -D -m 0644 "$out/audit_containerid.ko" "$root/usr/lib/modules/audit_containerid.ko"
[ -x "$hook" ] && install -D -m 0755 "$hook" "$root/usr/local/bin/audit-containerid-hook"
# The hook's install files (hooks.d for podman, the config.json snippet).
mkdir -p "$root/opt/acid/oci-hook"
cp -r "$top/samples/oci-hook/install/." "$root/opt/acid/oci-hook/"

# PID 1 (bookworm is merged-/usr: /sbin is /usr/sbin).
install -m 0755 "$top/scripts/guest/debian-init" "$root/usr/sbin/acid-init"

# A busybox container root file system, for runc/crun bundles, and the same
# as a tarball for podman import.
acid=$root/opt/acid
bb=$acid/busybox-rootfs
mkdir -p "$bb"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,tmp,root,run,var}
chmod 1777 "$bb/tmp"
cp "$busybox" "$bb/bin/busybox"
for applet in $("$busybox" --list-full); do
	[ -e "$bb/$applet" ] || ln -s /bin/busybox "$bb/$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' > "$bb/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' > "$bb/etc/group"
tar --numeric-owner --owner=0 --group=0 -cf "$acid/busybox-rootfs.tar" -C "$bb" .

# The runtime tests.
mkdir -p "$acid/tests"
cp -r "$top/tools/testing/runtime/." "$acid/tests/"
chmod 0755 "$acid/tests"/*.sh 2>/dev/null || true

# The system: no systemd, no network, root console.
echo acid-debian > "$root/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\tacid-debian\n::1\tlocalhost ip6-localhost ip6-loopback\n' > "$root/etc/hosts"
# Offline: podman copies this into containers; an empty file would make it
# add public resolvers.
echo 'nameserver 127.0.0.1' > "$root/etc/resolv.conf"
# What runc, crun and podman expect mounted; the init mounts proc, then the
# rest with one mount -a (every exec is slow in this guest).
cat > "$root/etc/fstab" <<'EOF'
# audit-containerid Debian guest (scripts/debian.sh); mounted by /sbin/acid-init.
/dev/vda	/		ext4	rw,relatime					0 1
proc		/proc		proc	nosuid,nodev,noexec				0 0
sysfs		/sys		sysfs	nosuid,nodev,noexec				0 0
devtmpfs	/dev		devtmpfs mode=0755,nosuid				0 0
devpts		/dev/pts	devpts	newinstance,ptmxmode=0666,mode=0620,gid=5,nosuid,noexec,X-mount.mkdir 0 0
tmpfs		/dev/shm	tmpfs	mode=1777,nosuid,nodev,X-mount.mkdir		0 0
mqueue		/dev/mqueue	mqueue	nosuid,nodev,noexec,X-mount.mkdir		0 0
tmpfs		/run		tmpfs	mode=0755,nosuid,nodev				0 0
tmpfs		/tmp		tmpfs	mode=1777,nosuid,nodev				0 0
cgroup2		/sys/fs/cgroup	cgroup2	nsdelegate,nosuid,nodev,noexec			0 0
EOF
# The links devtmpfs lacks, copied to /dev by the init.
mkdir -p "$root/usr/lib/acid/dev"
ln -s /proc/self/fd "$root/usr/lib/acid/dev/fd"
for i in 0:stdin 1:stdout 2:stderr; do
	ln -s "/proc/self/fd/${i%%:*}" "$root/usr/lib/acid/dev/${i#*:}"
done
# Podman without systemd or a network, storage on the ext4 root.
mkdir -p "$root/etc/containers"
cat > "$root/etc/containers/containers.conf" <<'EOF'
# audit-containerid Debian guest (scripts/debian.sh): no systemd, no network.
[containers]
log_driver = "k8s-file"

[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
runtime = "crun"

[network]
network_backend = "netavark"
EOF
cat > "$root/etc/containers/storage.conf" <<'EOF'
# audit-containerid Debian guest (scripts/debian.sh): kernel overlayfs on
# the ext4 root.
[storage]
driver = "overlay"
runroot = "/run/containers/storage"
graphroot = "/var/lib/containers/storage"
EOF
# A root login if anyone boots it in shell mode with a getty.
sed -i 's|^root:[^:]*:|root::|' "$root/etc/shadow"

# Content plus 512 MiB free for podman's storage and the tests, plus the
# file system's own overhead (inode tables, journal).
content=$(du -sm "$root" | cut -f1)
size=$((content + content / 8 + 512))
rm -f "$img.tmp"
truncate -s "${size}M" "$img.tmp"
mkfs.ext4 -q -F -L acid-root -d "$root" "$img.tmp"
mv "$img.tmp" "$img"
echo "$want" > "$stamp"
rm -rf "$root"
echo "debian: assembled in $((SECONDS - t0)) s: $img (${size} MiB, content ${content} MiB)"
# <<< assemble
