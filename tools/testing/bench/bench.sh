#!/bin/sh
# Runs in the guest (make bench): each configuration side by side, same
# kernel, same boot.  Under -icount, guest nanoseconds count instructions.
B=/guest/bench_contid
N=${BENCH_N:-20000}
F=${BENCH_F:-300}
row() { printf '%-58s %8s ns\n' "$1" "$2"; }

echo "== syscall path: getppid() x $N =="
rmmod audit_containerid
row "module not loaded (static key off)" "$($B syscall $N)"
insmod /lib/modules/audit_containerid.ko
row "module loaded, task without contid" "$($B syscall $N)"
row "module loaded, task with contid, no rules" "$($B tag 101 $B syscall $N)"
auditctl -a exit,never -F arch=b64 -S getppid >/dev/null
row "never-rule on getppid, untagged" "$($B syscall $N)"
row "never-rule on getppid, tagged" "$($B tag 102 $B syscall $N)"
auditctl -D >/dev/null
auditctl -a exit,never -F arch=b64 -S getppid -F containerid=999 >/dev/null
row "rule 'containerid=999' (no match), untagged" "$($B syscall $N)"
row "rule 'containerid=999' (no match), tagged" "$($B tag 103 $B syscall $N)"
# O(1) in the number of tagged tasks: 100 more tagged sleepers.
i=0
while [ $i -lt 100 ]; do
	$B tag $((2000 + i)) sleep 600 &
	i=$((i + 1))
done
sleep 2
row "same, with 100 other tagged tasks" "$($B tag 104 $B syscall $N)"
grep . /proc/audit_containerid | tr '\n' ' '; echo
auditctl -D >/dev/null
# Logged events: SYSCALL alone vs SYSCALL + CONTAINER_INFO.
auditctl -a exit,always -F arch=b64 -S getppid -F key=bench >/dev/null
row "every getppid logged, untagged (SYSCALL)" "$($B syscall $((N / 10)))"
row "every getppid logged, tagged (+CONTAINER_INFO)" "$($B tag 105 $B syscall $((N / 10)))"
auditctl -D >/dev/null

echo "== packet path: UDP datagram through an iptables AUDIT rule x $((N / 10)) =="
iptables -A OUTPUT -o lo -p udp --dport 9 -j AUDIT --type accept
killall sleep 2>/dev/null
wait
rmmod audit_containerid || echo "bench: cannot unload: $(cat /proc/audit_containerid | tr '\n' ' ')"
row "module not loaded" "$($B udp $((N / 10)))"
insmod /lib/modules/audit_containerid.ko
row "module loaded, no tagged task in the netns" "$($B udp $((N / 10)))"
$B tag 107 sleep 600 &
sleep 1
row "a tagged task in the netns (+CONTAINER_INFO)" "$($B udp $((N / 10)))"
iptables -F OUTPUT

echo "== fork path: fork()+exit+wait x $F =="
row "untagged" "$($B fork $F)"
row "tagged" "$($B tag 106 $B fork $F)"
killall sleep 2>/dev/null
wait
