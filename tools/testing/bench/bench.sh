#!/bin/sh
# Runs in the guest (make bench), once per kernel: on the kernel with the
# series (the module in the image) and on the unpatched one (no module).
# Prints "ROW <key> <value>" lines; scripts/bench.sh on the host turns the
# rows of both boots into the table of ratios.  Under -icount, guest
# nanoseconds count instructions; every timed row is the median of
# BENCH_ROUNDS rounds and includes auditd logging what the round logged.
B=/guest/bench_contid
N=${BENCH_N:-20000}
F=${BENCH_F:-1000}
P=${BENCH_P:-2000}
S=${BENCH_S:-300}
row() { echo "ROW $1 $2"; }
fail() { echo "bench: $*"; exit 1; }

# A session of sleeping tasks (see bench_contid populate); its id is
# in $pop until unpopulate kills it.
populate() {
	pop=$($B populate "$@") || fail "populate $*"
}
unpopulate() {
	$B unpopulate "$pop" || fail "unpopulate $pop"
	while ! grep -qx 'objects 0' /proc/audit_containerid; do
		sleep 0.1
	done
}

# Bytes of the small kmalloc caches' objects in use, where the module's
# objects, members, chains and registry nodes are (SLUB's count: every
# object of a slab a CPU holds counts), once auditd has the records of the
# sets and objects freed after a grace period are gone.  Not the dentries
# and inodes of /proc that the writers looked up, nor the records' skbs.
slab() {
	$B drain
	sleep 1
	awk 'NR > 2 && $1 ~ /^kmalloc-([0-9]+)$/ && substr($1, 9) + 0 <= 512 { n += $2 * $4 }
		END { print n }' /proc/slabinfo
}

# Replaces auditd with bench_contid sink, which reads records and keeps
# none: the rows after it measure the kernel's part of a logged event.
sink() {
	killall auditd
	while pidof auditd >/dev/null; do sleep 0.1; done
	$B sink > /tmp/sink.out &
	while ! grep -q ready /tmp/sink.out; do sleep 0.1; done
	auditctl -s | grep -qx "pid $!" || fail "the sink is not the audit daemon"
	export BENCH_SINK=1
}

# The rules of the rows: none, or one exit rule on getppid.
rule() {
	auditctl -D >/dev/null
	[ $# -eq 0 ] || auditctl -a exit,always -F arch=b64 -S getppid "$@" >/dev/null ||
		fail "auditctl $*"
}

row task_struct "$(cat /sys/kernel/slab/task_struct/object_size)"

if [ ! -e /lib/modules/audit_containerid.ko ]; then
	# The unpatched kernel: the references.
	rule
	row syscall "$($B syscall "$N")"
	rule -F sessionid=12345
	row syscall.session "$($B syscall "$N")"
	rule -F key=bench
	row logged "$($B syscall $((N / 10)))"
	rule
	row fork "$($B fork "$F")"
	iptables -A OUTPUT -o lo -p udp --dport 9 -j AUDIT --type accept
	row packet "$($B udp "$P")"
	sink
	rule -F key=bench
	row logged.sink "$($B syscall $((N / 10)))"
	exit 0
fi

grep -qx 'objects 0' /proc/audit_containerid || fail "contids live before the bench"

# Syscall path.
rule
rmmod audit_containerid || fail "cannot unload the module"
row syscall.unloaded "$($B syscall "$N")"
insmod /lib/modules/audit_containerid.ko || fail "cannot load the module"
row syscall.untagged "$($B syscall "$N")"
row syscall.tagged "$($B tag 101 $B syscall "$N")"
rule -F sessionid=12345
row syscall.session.tagged "$($B tag 102 $B syscall "$N")"
rule -F containerid=999
row syscall.contid.untagged "$($B syscall "$N")"
row syscall.contid.tagged "$($B tag 103 $B syscall "$N")"
populate 10000 1000 1000000 nested
grep . /proc/audit_containerid | tr '\n' ' ' >&2
echo >&2
row syscall.contid.crowd "$($B tag 104 $B syscall "$N")"
rule
row fork.crowd.untagged "$($B fork "$F")"
row fork.crowd.tagged "$($B tag 105 $B fork "$F")"
unpopulate
# The same 10,000 tasks without contids: what the contids themselves add.
populate 10000 1000 1000000 none
rule -F containerid=999
row syscall.contid.crowd.none "$($B tag 109 $B syscall "$N")"
rule
unpopulate
rule -F key=bench
row logged.untagged "$($B syscall $((N / 10)))"
row logged.tagged "$($B tag 106 $B syscall $((N / 10)))"
rule

# Fork path.
row fork.untagged "$($B fork "$F")"
row fork.tagged "$($B tag 107 $B fork "$F")"

# Set latency, with no other id live and with 10,000.
row set.0 "$($B set "$S" 2000000)"
populate 10000 10000 3000000 flat
row set.10000 "$($B set "$S" 2000000)"
unpopulate

# Memory: 10,000 tasks untagged, under 1,000 contids, under 100; each
# against the same moment after the tasks are gone, so that slab pages
# kept for reuse do not count.
for m in none:1000 1000:1000 100:100; do
	populate 10000 "${m#*:}" 4000000 "$([ "${m%%:*}" = none ] && echo none || echo nested)"
	alive=$(slab)
	unpopulate
	row "slab.${m%%:*}" $((alive - $(slab)))
done

# Packet path: a datagram through an iptables AUDIT rule.
iptables -A OUTPUT -o lo -p udp --dport 9 -j AUDIT --type accept
rmmod audit_containerid || fail "cannot unload the module"
row packet.unloaded "$($B udp "$P")"
insmod /lib/modules/audit_containerid.ko || fail "cannot load the module"
row packet.loaded "$($B udp "$P")"
for n in 1 100 1000; do
	populate "$n" "$n" 6000000 flat
	row "packet.contids.$n" "$($B udp "$P")"
	unpopulate
done
iptables -F OUTPUT

# The kernel's part of a logged event, auditd replaced by the sink.
sink
rule -F key=bench
row logged.sink.untagged "$($B syscall $((N / 10)))"
row logged.sink.tagged "$($B tag 108 $B syscall $((N / 10)))"
rule
