#!/bin/sh
# make demo: the classic example, live in the guest.
say() { printf '\n\033[1m# %s\033[0m\n' "$*"; }
# Commands run in this shell: it is the orchestrator, so its tags hold.
run() { printf '$ %s\n' "$*"; eval "$*"; }

say "The module is loaded and auditd is running"
run "lsmod | grep audit_containerid"
run "auditctl -s | grep -E 'enabled|pid'"

say "A rule: log writes under /tmp by tasks of container 123456"
run "auditctl -a exit,always -F arch=b64 -F dir=/tmp -F perm=wa -F containerid=123456 -k demo-write"
run "auditctl -l"

say "Start a process and tag it: it becomes container 123456"
sleep 30 &
P=$!
run "echo 123456 > /proc/$P/containerid"
run "cat /proc/$P/containerid; echo"

say "Refusals: a second set (EEXIST) and the unset value (EINVAL)"
run "echo 7 > /proc/$P/containerid"
run "echo 18446744073709551615 > /proc/$P/containerid"
kill $P; wait $P 2>/dev/null

say "A task in container 123456 writes /tmp/demo-file; one in container 654321 writes too"
mkfifo /tmp/f1 /tmp/f2
sh -c 'read x < /tmp/f1; echo inside-123456 >> /tmp/demo-file' &
A=$!
sh -c 'read x < /tmp/f2; echo inside-654321 >> /tmp/demo-file' &
B=$!
echo 123456 > /proc/$A/containerid
echo 654321 > /proc/$B/containerid
echo go > /tmp/f1; wait $A
echo go > /tmp/f2; wait $B
sleep 1

say "The CONTAINER records: every set attempt (res=0 when refused), and a drop when a contid's last task exits"
run "ausearch -m CONTAINER 2>/dev/null | grep -E '^type=CONTAINER'"

say "The rule logged only container 123456's write, with its CONTAINER_INFO record"
run "ausearch -i -k demo-write 2>/dev/null | grep -E 'type=(SYSCALL|CONTAINER_INFO)'"

say "ausearch --containerid finds every event of a container"
run "ausearch -i --containerid 654321 2>/dev/null | grep -E '^type=CONTAINER'"
run "auditctl -D >/dev/null"
exit 0
