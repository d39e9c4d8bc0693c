#!/bin/sh
# The classic example with the real tools: an exit rule on
# dir=/tmp perm=wa containerid=X key=K logs a write to /tmp/K by a task of
# container X, with its CONTAINER_INFO record, and not the same write by a
# task of another container.  ausearch --containerid finds the events.
set -u
fail() { echo "FAIL: $*"; auditctl -D >/dev/null 2>&1; exit 1; }
X=$((100000 + $$))
Y=$((200000 + $$))
K=classic$$
rm -f /tmp/$K /tmp/go-$K-a /tmp/go-$K-b
auditctl -a exit,always -F arch=b64 -F dir=/tmp -F perm=wa -F containerid=$X -k $K || fail "auditctl -a"
auditctl -l | grep -qx -- "-a always,exit -F arch=b64 -S all -F dir=/tmp -F perm=wa -F containerid=$X -F key=$K" ||
	fail "rule does not list back: $(auditctl -l)"

mkfifo /tmp/go-$K-a /tmp/go-$K-b
sh -c "read x < /tmp/go-$K-a; echo a >> /tmp/$K" &
A=$!
sh -c "read x < /tmp/go-$K-b; echo b >> /tmp/$K" &
B=$!
echo $X > /proc/$A/containerid || fail "set $X"
echo $Y > /proc/$B/containerid || fail "set $Y"
echo go > /tmp/go-$K-a; wait $A
echo go > /tmp/go-$K-b; wait $B
sleep 1

out=$(ausearch -i -k $K -m SYSCALL,CONTAINER_INFO 2>/dev/null)
echo "$out"
echo "$out" | grep -q "type=CONTAINER_INFO .* record=1 contid=$X " || fail "no CONTAINER_INFO contid=$X"
echo "$out" | grep -q "type=SYSCALL .* pid=$A .* key=$K record=1 " || fail "no SYSCALL of pid $A ending in record=1"
echo "$out" | grep -q "pid=$B " && fail "the write of container $Y was logged"
echo "$out" | grep -q "contid=$Y" && fail "contid $Y appears"

# ausearch --containerid finds the CONTAINER record of each set and the filtered event.
n=$(ausearch --containerid $X 2>/dev/null | grep -c "^type=CONTAINER")
[ "$n" -ge 2 ] || fail "ausearch --containerid $X found $n CONTAINER/CONTAINER_INFO records, want >= 2"
ausearch --containerid $Y 2>/dev/null | grep -q "type=CONTAINER .*op=set opid=$B contid=$Y old-contid=-1 res=1" ||
	fail "ausearch --containerid $Y misses the set"

# The rule deletes with the same text and then nothing more is logged.
auditctl -d exit,always -F arch=b64 -F dir=/tmp -F perm=wa -F containerid=$X -k $K || fail "auditctl -d"
[ -z "$(auditctl -l | grep containerid)" ] || fail "rule still listed"
rm -f /tmp/$K /tmp/go-$K-a /tmp/go-$K-b
echo "classic example: ok"
