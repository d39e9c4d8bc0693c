#!/bin/bash
# Smoke test of the container runtimes in the Debian guest, without the
# contid hook: runc and crun run a bundle of the busybox rootfs, podman
# imports the same rootfs and runs it offline (--network none) with crun and
# with runc.  Each case prints ok/not ok with the reason and its time.
. "${0%/*}/lib.sh"

work=$(mktemp -d /var/tmp/smoke.XXXXXX)
trap 'rm -rf "$work"' EXIT
note "kernel $(uname -r); $(runc --version | head -1); $(crun --version | head -1);" \
	"$(podman --version); $(conmon --version | head -1)"

for rt in runc crun; do
	id=acid-smoke-$rt-$$
	if ! out=$(make_bundle "$work/$rt" "$rt" /bin/sh -c 'echo hello' 2>&1); then
		echo "$out" | indent
		not_ok "$rt: run a busybox bundle" "cannot make the bundle"
		continue
	fi
	run_case "$rt: run a busybox bundle" hello "$rt" run --bundle "$work/$rt" "$id"
	"$rt" delete -f "$id" >/dev/null 2>&1
done

# podman: the image from the busybox rootfs tarball, then a container with
# each runtime.  Storage is overlay on the ext4 root, cgroups by cgroupfs,
# events to a file (/etc/containers/*.conf of the image).
if run_case "podman: import the busybox rootfs" "" \
	podman import /opt/acid/busybox-rootfs.tar acid/busybox; then
	for rt in crun runc; do
		run_case "podman --runtime $rt: run --rm --network none" hello \
			podman --runtime "$rt" run --rm --network none acid/busybox echo hello
	done
else
	for rt in crun runc; do
		not_ok "podman --runtime $rt: run --rm --network none" "no image"
	done
fi
left=$(podman ps -aq 2>&1)
if [ -n "$left" ]; then
	not_ok "podman: no container left behind" "$(echo $left)"
else
	ok "podman: no container left behind"
fi
if [ "$failed" -gt 0 ]; then
	note "podman info:"
	podman info 2>&1 | indent
fi

summary
