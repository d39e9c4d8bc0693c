#!/bin/sh
# Network namespaces and the iptables AUDIT target: the NETFILTER_PKT
# records of a packet get a CONTAINER_INFO "record=1 contid=<list>" in the
# same event, listing (as a set) the contids of the tasks using the
# packet's netns, and end in " record=1"; a netns without tagged tasks gets
# neither.  The set follows set, fork (the child keeps the netns after its
# parent exits), exit, unshare -n and setns (nsenter into another task's
# netns and back, also by a task whose contid stays in the netns it left),
# and /proc/audit_containerid (tasks, objects, netns)
# follows along and returns to its start values.
#
# Every check pings 127.0.0.1 in one netns, then waits for a marker user
# message in the log, so that every record of the ping is there.
set -u
NETNS_TAG=nsx
undo_rules() { iptables -D OUTPUT -o lo -p icmp -j AUDIT --type accept 2>/dev/null; }
. /guest/lib/netns.sh

stats_start
B=$((1000000 + $$ * 10))
X=$((B + 1)) Y=$((B + 2)) Z=$((B + 3)) W=$((B + 4)) V=$((B + 5)) U=$((B + 6))
INIT=$(netns $$)

iptables -A OUTPUT -o lo -p icmp -j AUDIT --type accept || fail "iptables -A"
check "init netns, no tagged task" "" ""

# set: two sibling sleepers.
sleep 1000 & A=$!
sleep 1000 & Bp=$!
PIDS="$PIDS $A $Bp"
tag $A $X
tag $Bp $Y
expect_stats 2 2 2 "set"
check "set X and Y" "" "$X,$Y"

# fork without CLONE_NEWNET: the child keeps the netns after its parent exits.
start c "read x < $T/c.go; sleep 1000 & echo \$! > $T/c.pid; read x < $T/c.go"
C=$pid
tag $C $Z
go c
wait_for "the child of C" "[ -s $T/c.pid ]"
S=$(cat $T/c.pid)
PIDS="$PIDS $S"
expect_stats 4 3 3 "fork"
check "fork: Z's parent and child" "" "$X,$Y,$Z"
go c
wait $C
expect_stats 3 3 3 "exit of the parent"
check "exit of Z's parent, its child stays" "" "$X,$Y,$Z"
kill $S
wait_for "the exit of $S" "gone $S"
expect_stats 2 2 2 "exit of the child"
check "exit of Z's last task" "" "$X,$Y"

# exit.
kill $Bp
wait $Bp 2>/dev/null
expect_stats 1 1 1 "exit of Y"
check "exit of Y" "" "$X"

# unshare -n by a tagged task: it leaves the init netns for a new one.
start d "read x < $T/d.go; exec unshare -n sleep 1000"
D=$pid
tag $D $W
go d
wait_for "unshare -n of D" "[ \"\$(cat /proc/$D/comm)\" = sleep ]"
DNS=$(netns $D)
[ "$DNS" != "$INIT" ] || fail "D did not unshare its netns"
nsenter --net=/proc/$D/ns/net sh -c "ip link set lo up &&
	iptables -A OUTPUT -o lo -p icmp -j AUDIT --type accept" || fail "set up D's netns"
expect_stats 2 2 2 "unshare -n"
check "unshare -n: the new netns" $D "$W"
check "unshare -n: the init netns" "" "$X"

# set in a netns other than the init one; an untagged task keeps D's
# netns alive after D exits.
nsenter --net=/proc/$D/ns/net sleep 1000 & H1=$!
nsenter --net=/proc/$D/ns/net sleep 1000 & H2=$!
PIDS="$PIDS $H1 $H2"
wait_for "nsenter of H1 and H2" "[ \"\$(netns $H1)\" = $DNS ] && [ \"\$(netns $H2)\" = $DNS ] &&
	[ \"\$(cat /proc/$H1/comm)\" = sleep ] && [ \"\$(cat /proc/$H2/comm)\" = sleep ]"
tag $H2 $U
expect_stats 3 3 3 "set in D's netns"
check "set in D's netns" $D "$W,$U"

# setns by a tagged task into D's netns, then back to the init netns.
start e "read x < $T/e.go; exec nsenter --net=/proc/$D/ns/net sh -c 'read x < $T/e.go; exec nsenter --net=/proc/1/ns/net sleep 1000'"
E=$pid
tag $E $V
expect_stats 4 4 4 "set V"
check "V in the init netns" "" "$X,$V"
go e
wait_for "setns of E into D's netns" "[ \"\$(netns $E)\" = $DNS ]"
expect_stats 4 4 4 "setns into D's netns"
check "setns into D's netns: D's netns" $D "$W,$U,$V"
check "setns into D's netns: the init netns" "" "$X"
go e
wait_for "setns of E back" "[ \"\$(cat /proc/$E/comm)\" = sleep ]"
[ "$(netns $E)" = "$INIT" ] || fail "E is not back in the init netns"
expect_stats 4 4 4 "setns back"
check "setns back: D's netns" $D "$W,$U"
check "setns back: the init netns" "" "$X,$V"

# A second task of X (injected by its owner, this shell) visits D's netns
# and comes back: it joins X's pair of the init netns again, which A kept,
# instead of listing X there twice.
start f "read x < $T/f.go; exec nsenter --net=/proc/$D/ns/net sh -c 'read x < $T/f.go; exec nsenter --net=/proc/1/ns/net sleep 1000'"
F=$pid
tag $F $X
expect_stats 5 4 4 "X injected into F"
go f
wait_for "setns of F into D's netns" "[ \"\$(netns $F)\" = $DNS ]"
expect_stats 5 4 5 "setns of F into D's netns"
check "F in D's netns: D's netns" $D "$W,$U,$X"
check "F in D's netns: the init netns" "" "$X,$V"
go f
wait_for "setns of F back" "[ \"\$(cat /proc/$F/comm)\" = sleep ]"
[ "$(netns $F)" = "$INIT" ] || fail "F is not back in the init netns"
expect_stats 5 4 4 "setns of F back"
check "F back: the init netns" "" "$X,$V"

# exit of everything tagged: D's netns (kept by H1) and the init netns
# have no contid left.
kill $D $H2 $E $F
wait $D $H2 $E $F 2>/dev/null
expect_stats 1 1 1 "exit of D, H2, E"
check "exit: D's netns without tagged tasks" $H1 ""
check "exit: the init netns" "" "$X"
kill $A
wait $A 2>/dev/null
expect_stats 0 0 0 "exit of all"
check "exit of all: the init netns" "" ""
cleanup
echo "netns_xt_audit: ok"
