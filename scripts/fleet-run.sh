#!/bin/bash
# The fleet test (make fleet; a stage of make check): boot two nodes and a
# collector, three guests joined by QEMU socket links of their own (no
# host networking, no root network setup):
#
#   node1 --- 127.0.0.1:P1 --- collector --- 127.0.0.1:P2 --- node2
#
# and run tools/testing/fleet/guest.sh in each (role collector, node1,
# node2).  The nodes' auditd forward their records with audisp-remote to
# the collector's auditd (tcp_listen_port); the collector checks with
# ausearch --containerid / --node that every container's events arrived
# from the node that ran it, nested chains intact, and that killing and
# restarting the collector's auditd loses nothing the nodes queued.
#
# Environment: ACID_KERNEL, ACID_INITRD (as for qemu-run.sh; default
# build/out/bzImage and build/out/initramfs.cpio.gz), ACID_TIMEOUT (seconds
# per guest, default 1500; a run takes about 10 minutes on a loaded 2-core
# host), ACID_FLEET_LOGS (where the three consoles go, default
# build/fleet/), ACID_FLEET_TRACE=1 (the guests trace every command of
# tools/testing/fleet/guest.sh on their consoles).  Prints every guest's
# console, then one line
# "fleet: N passed, N failed" (every "ok -"/"not ok -" line of the three,
# plus a failure for each guest that crashed or did not finish); exits
# non-zero on any failure.  When a guest fails, the other two (which then
# wait for it in vain) are stopped a minute later.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
kernel=${ACID_KERNEL:-$top/build/out/bzImage}
initrd=${ACID_INITRD:-$top/build/out/initramfs.cpio.gz}
logs=${ACID_FLEET_LOGS:-$top/build/fleet}
job=$top/tools/testing/fleet/guest.sh
export ACID_TIMEOUT=${ACID_TIMEOUT:-1500}
# Three guests under TCG share the host's cores: one vCPU each (two vCPUs
# of a guest whose host thread is descheduled stall each other: RCU stall
# reports, minutes-long boots).  pci=noacpi: route the NIC's interrupt
# from the BIOS's PIRQ table; ACPI's _PRT method of QEMU's i440fx machine
# loops over every PCI slot, and on a loaded host the AML interpreter gives
# up on it (AE_AML_LOOP_TIMEOUT), leaving virtio-net without an interrupt
# (NETDEV WATCHDOG: transmit queue timed out).
export ACID_SMP=${ACID_SMP:-1} ACID_MEM=${ACID_MEM:-1024}
export ACID_APPEND="${ACID_APPEND:-} pci=noacpi"
[ -n "${ACID_FLEET_TRACE:-}" ] && ACID_APPEND="$ACID_APPEND acid.fleet.trace"

die() { echo "fleet: ERROR: $*" >&2; exit 2; }
[ -f "$kernel" ] || die "no kernel $kernel (make kernel, or set ACID_KERNEL)"
[ -f "$initrd" ] || die "no initramfs $initrd (make initramfs, or set ACID_INITRD)"
[ -f "$job" ] || die "no $job"
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 is not installed (scripts/setup.sh installs it)"
export ACID_KERNEL=$kernel ACID_INITRD=$initrd

# listening PORT: is a TCP socket on the host listening on PORT?  (From
# /proc/net/tcp{,6}: state 0A is LISTEN; no ss/netstat needed.)
listening() {
	local hex
	hex=$(printf '%04X' "$1")
	cat /proc/net/tcp /proc/net/tcp6 2>/dev/null |
		awk -v p=":$hex" '$4 == "0A" && substr($2, length($2) - 4) == p { f = 1 } END { exit !f }'
}
# free_port: a port nothing listens on (QEMU fails clearly if it is taken
# in between).
free_port() {
	local p i
	for i in $(seq 1 100); do
		p=$((20000 + RANDOM % 40000))
		listening "$p" || { echo "$p"; return 0; }
	done
	die "no free TCP port found for the socket links"
}
p1=$(free_port)
p2=$(free_port)
while [ "$p2" = "$p1" ]; do p2=$(free_port); done

mkdir -p "$logs"
rm -f "$logs"/{collector,node1,node2}.log
declare -A pid rc
start=$(date +%s)

# guest ROLE QEMU-OPTIONS: boot one guest in the background, in a process
# group of its own (so that stop_guest can end it and its QEMU), its
# console in $logs/ROLE.log and its exit status in $logs/ROLE.rc.
guest() {
	local role=$1
	shift
	rm -f "$logs/$role.rc"
	ACID_QEMU_EXTRA="$*" setsid bash -c '"$0" job "$1" "$2" >"$3" 2>&1 </dev/null; echo $? >"$4.tmp"; mv "$4.tmp" "$4"' \
		"$top/scripts/qemu-run.sh" "$job" "$role" "$logs/$role.log" "$logs/$role.rc" &
	pid[$role]=$!
}
stop_guest() {
	kill -TERM -- "-${pid[$1]}" 2>/dev/null || true
}

cleanup() {
	local r
	for r in "${!pid[@]}"; do
		stop_guest "$r"
	done
}
trap 'cleanup; exit 130' INT TERM

echo "fleet: booting the collector (links on 127.0.0.1:$p1 and :$p2; consoles in $logs/)"
guest collector \
	-netdev socket,id=l1,listen=127.0.0.1:$p1 -device virtio-net-pci,netdev=l1,mac=52:54:00:13:01:01,romfile= \
	-netdev socket,id=l2,listen=127.0.0.1:$p2 -device virtio-net-pci,netdev=l2,mac=52:54:00:13:02:01,romfile=

# A node's QEMU connects at start: wait for the collector's QEMU to listen.
i=0
until listening "$p1" && listening "$p2"; do
	if [ -f "$logs/collector.rc" ]; then
		cat "$logs/collector.log"
		die "the collector's QEMU stopped before listening on $p1 and $p2"
	fi
	i=$((i + 1))
	[ "$i" -lt 600 ] || die "the collector's QEMU does not listen on 127.0.0.1:$p1 and :$p2 after 60 s"
	sleep 0.1
done

echo "fleet: booting node1 and node2"
guest node1 -netdev socket,id=l1,connect=127.0.0.1:$p1 -device virtio-net-pci,netdev=l1,mac=52:54:00:13:01:02,romfile=
guest node2 -netdev socket,id=l1,connect=127.0.0.1:$p2 -device virtio-net-pci,netdev=l1,mac=52:54:00:13:02:02,romfile=

# Wait for the three.  Once one has failed, the others wait for it in
# vain: give them a minute to report, then stop them.
giveup=
while :; do
	running=0
	for r in collector node1 node2; do
		if [ -f "$logs/$r.rc" ]; then
			if [ "$(cat "$logs/$r.rc")" != 0 ] && [ -z "$giveup" ]; then
				echo "fleet: $r failed; stopping the others in 60 s"
				giveup=$(($(date +%s) + 60))
			fi
		elif kill -0 "${pid[$r]}" 2>/dev/null; then
			running=$((running + 1))
		fi
	done
	[ "$running" -gt 0 ] || break
	if [ -n "$giveup" ] && [ "$(date +%s)" -ge "$giveup" ]; then
		for r in collector node1 node2; do
			[ -f "$logs/$r.rc" ] || stop_guest "$r"
		done
	fi
	sleep 2
done
for r in collector node1 node2; do
	wait "${pid[$r]}" 2>/dev/null || true
	rc[$r]=$(cat "$logs/$r.rc" 2>/dev/null || echo "stopped")
done
end=$(date +%s)

passed=0
failed=0
for r in collector node1 node2; do
	echo "=== fleet: $r (exit ${rc[$r]}) ==="
	tr -d '\r' <"$logs/$r.log"
	p=$(tr -d '\r' <"$logs/$r.log" | grep -c '^ok - ' || true)
	f=$(tr -d '\r' <"$logs/$r.log" | grep -c '^not ok - ' || true)
	passed=$((passed + p))
	failed=$((failed + f))
	if ! tr -d '\r' <"$logs/$r.log" | grep -E "^fleet-$r: [0-9]+ passed, [0-9]+ failed" >/dev/null; then
		echo "not ok - $r: the guest did not finish its checks (qemu-run exit ${rc[$r]})"
		failed=$((failed + 1))
	elif [ "${rc[$r]}" != 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - $r: the guest failed (qemu-run exit ${rc[$r]}: a kernel report, or a timeout)"
		failed=$((failed + 1))
	fi
done
echo "fleet: wall time $((end - start)) s"
echo "fleet: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
