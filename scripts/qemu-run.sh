#!/bin/bash
# Boot the guest and run one job in it.
#
#   scripts/qemu-run.sh shell            interactive root shell
#   scripts/qemu-run.sh job FILE [ARGS]  run FILE with /bin/sh as root once
#                                       auditd is up; exit with its status
#
# Environment: ACID_GUEST_FILES (a directory copied to /guest/ for the job),
# ACID_KERNEL (another bzImage), ACID_INITRD (another initramfs), ACID_APPEND (more kernel command line),
# ACID_TIMEOUT (seconds, default 600), ACID_SMP (vCPUs, default 2),
# ACID_MEM (MiB, default 1024; threads-max is free memory / 256 KiB with
# KASAN's 32 KiB stacks),
# ACID_QEMU_EXTRA (more QEMU options, e.g. "-icount shift=0,sleep=off"),
# ACID_ROOT_IMG (an ext4 root file system image instead of the initramfs:
# the Debian guest of scripts/debian.sh, build/debian/root.img, with its
# init scripts/guest/debian-init; attached with snapshot=on, so never
# modified; the job goes in as a tar archive on a second disk and runs with
# bash; default memory 2048 MiB).
# The guest's console goes to stdout.  A kernel panic, oops, BUG (KASAN included), WARNING (refcount
# included), UBSAN or kmemleak report, lockdep splat, or a guest that
# does not finish in time, is a failure.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/build/out
mode=${1:-shell}
timeout_s=${ACID_TIMEOUT:-600}

accel() {
	local cache=$top/build/.accel
	if [ -f "$cache" ]; then
		cat "$cache"
		return
	fi
	local a=tcg
	if [ -w /dev/kvm ] && [ -z "${ACID_NO_KVM:-}" ]; then
		# KVM exists on some hosts but hangs nested guests: trust it only
		# if a guest boots to its init and back within a short time.
		if timeout 20 qemu-system-x86_64 -accel kvm -m 256 -nographic -no-reboot \
			-kernel "$out/bzImage" -initrd "$out/initramfs.cpio.gz" \
			-append "console=ttyS0 quiet panic=-1 acid.mode=probe" </dev/null 2>/dev/null |
			grep -q "ACID-EXIT 0"; then
			a=kvm
		fi
	fi
	echo "$a" > "$cache"
	echo "$a"
}

initrd=${ACID_INITRD:-$out/initramfs.cpio.gz}
append="console=ttyS0 audit=1 audit_backlog_limit=8192 panic=-1 oops=panic loglevel=4 ${ACID_APPEND:-}"
kernel=${ACID_KERNEL:-$out/bzImage}
rootimg=${ACID_ROOT_IMG:-}
mem=${ACID_MEM:-1024}
# The Debian guest: the root on a virtio disk, its own init.
disks=()
if [ -n "$rootimg" ]; then
	if [ ! -f "$rootimg" ]; then
		echo "qemu-run: no root image $rootimg (scripts/debian.sh builds it)" >&2
		exit 2
	fi
	disks+=(-drive "file=$rootimg,format=raw,if=virtio,snapshot=on")
	# acpi=noirq: PCI interrupts from the BIOS's $PIR table, not ACPI.  The
	# i440fx _PRT method is a 128-step AML loop that the test kernel's
	# interpreter (KASAN, lockdep, kmemleak under TCG) does not finish
	# within ACPICA's 30 s loop timeout: without it each virtio disk costs
	# 30 s of boot and an "ACPI Error: ... AE_AML_LOOP_TIMEOUT".
	append="root=/dev/vda rw rootfstype=ext4 init=/sbin/acid-init acpi=noirq $append"
	mem=${ACID_MEM:-2048}
fi
if [ "$mode" = job ]; then
	job=${2:?job file}
	shift 2
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	mkdir -p "$tmp/guest"
	{
		printf '#!/bin/sh\n'
		printf 'set --'
		for a in "$@"; do printf " '%s'" "${a//\'/\'\\\'\'}"; done
		printf '\n'
		cat "$job"
	} > "$tmp/guest/job.sh"
	# Extra files for the job (e.g. freshly built tests), under /guest/.
	if [ -n "${ACID_GUEST_FILES:-}" ]; then
		cp -r "$ACID_GUEST_FILES/." "$tmp/guest/"
	fi
	if [ -n "$rootimg" ]; then
		# The Debian init extracts this disk to /guest/.
		tar --numeric-owner --owner=0 --group=0 -cf "$tmp/job.tar" -C "$tmp/guest" .
		disks+=(-drive "file=$tmp/job.tar,format=raw,if=virtio,readonly=on")
	else
		(cd "$tmp" && find guest | cpio -o -H newc --quiet) | gzip -1 > "$tmp/job.cpio.gz"
		cat "$initrd" "$tmp/job.cpio.gz" > "$tmp/initrd.cpio.gz"
		initrd=$tmp/initrd.cpio.gz
	fi
	append="$append acid.mode=job"
else
	append="$append acid.mode=shell"
fi

a=$(accel)
# -icount needs TCG.
case "${ACID_QEMU_EXTRA:-}" in *icount*) a=tcg ;; esac
qemu=(qemu-system-x86_64 -accel "$a" -m "$mem" -smp "${ACID_SMP:-2}" -nographic -no-reboot
	-kernel "$kernel")
if [ -n "$rootimg" ]; then
	qemu+=("${disks[@]}")
else
	qemu+=(-initrd "$initrd")
fi
qemu+=(-append "$append" ${ACID_QEMU_EXTRA:-})
# No LA57: with 5-level paging, KASAN misreports a per-CPU access by an
# interrupt that lands while the boot CPU re-identifies its features
# (identify_cpu() clears X86_FEATURE_LA57 for a moment, so KASAN takes the
# direct map for a wild address); seen in 1 of 3 boots under TCG.
[ "$a" = tcg ] && qemu+=(-cpu max,la57=off)
# No default NIC (and its boot ROM) unless the caller wires a network.
case "${ACID_QEMU_EXTRA:-}" in *-netdev*) ;; *) qemu+=(-nic none) ;; esac

if [ "$mode" = shell ]; then
	exec "${qemu[@]}"
fi

log=$(mktemp)
set +e
timeout --foreground "$timeout_s" "${qemu[@]}" </dev/null | tee "$log" | sed -u -e '/=== ACID-EXIT/d'
qrc=${PIPESTATUS[0]}
set -e
rc=$(sed -n 's/.*=== ACID-EXIT \([0-9]*\) ===.*/\1/p' "$log" | tail -1)
bad=$(grep -E "Kernel panic|Oops:|BUG:|WARNING:|possible circular locking|inconsistent lock state|suspicious RCU usage|general protection fault|UBSAN:|refcount_t:|suspected memory leak|ODEBUG:" "$log" | head -5 || true)
rm -f "$log"
if [ -n "$bad" ]; then
	echo "qemu-run: FAIL: the kernel reported:" >&2
	echo "$bad" >&2
	exit 125
fi
if [ -z "$rc" ]; then
	echo "qemu-run: FAIL: the guest did not finish (qemu exit $qrc; timeout ${timeout_s}s)" >&2
	exit 124
fi
exit "$rc"
