#!/bin/sh
# Network namespaces and nft "log level audit": the NETFILTER_PKT records
# of a packet get a CONTAINER_INFO "record=1 contid=<list>" in the same
# event listing (as a set) the chains of the contids of the tasks using the
# packet's netns, and end in " record=1"; a netns without tagged tasks gets
# neither.  Covers set, a nested contid (its chain is listed), exit,
# unshare -n (a rule in the new netns) and setns, and the counters of
# /proc/audit_containerid.
set -u
NETNS_TAG=nsn
undo_rules() { nft delete table inet acid$$ 2>/dev/null; }
. /guest/lib/netns.sh

# The rule, loaded into the netns nft runs in.
cat > $T/rules.nft <<NFT
table inet acid$$ {
	chain out {
		type filter hook output priority 0;
		oif lo ip protocol icmp log level audit
	}
}
NFT

stats_start
B=$((2000000 + $$ * 10))
X=$((B + 1)) Y=$((B + 2)) Z=$((B + 3)) W=$((B + 4)) V=$((B + 5))
INIT=$(netns $$)

nft -f $T/rules.nft || fail "nft rule"
check "init netns, no tagged task" "" ""

sleep 1000 & A=$!
sleep 1000 & Bp=$!
PIDS="$PIDS $A $Bp"
tag $A $X
tag $Bp $Y
expect_stats 2 2 2 "set"
check "set X and Y" "" "$X,$Y"

# A task of container Y gives its child the nested contid Z: the netns
# lists the chain "Z,^Y".
start n "read x < $T/n.go; sleep 1000 & echo \$! > $T/n.pid; echo $Z > /proc/\$!/containerid; echo \$? > $T/n.rc; read x < $T/n.go"
N=$pid
tag $N $Y
go n
wait_for "the nested set" "[ -s $T/n.rc ]"
[ "$(cat $T/n.rc)" = 0 ] || fail "nested set of $Z by a task of $Y"
NC=$(cat $T/n.pid)
PIDS="$PIDS $NC"
[ "$(cat /proc/$NC/containerid)" = $Z ] || fail "nested contid reads $(cat /proc/$NC/containerid)"
expect_stats 4 3 3 "nested set"
check "nested contid" "" "$X,$Y,$Z,^$Y"
go n
wait $N
expect_stats 3 3 3 "exit of the nested task's parent"
kill $NC
wait_for "the exit of $NC" "gone $NC"
expect_stats 2 2 2 "exit of the nested task"
check "exit of the nested task" "" "$X,$Y"

kill $Bp
wait $Bp 2>/dev/null
expect_stats 1 1 1 "exit of Y"
check "exit of Y" "" "$X"

# unshare -n by a tagged task; an untagged task keeps its netns.
start d "read x < $T/d.go; exec unshare -n sleep 1000"
D=$pid
tag $D $W
go d
wait_for "unshare -n of D" "[ \"\$(cat /proc/$D/comm)\" = sleep ]"
DNS=$(netns $D)
[ "$DNS" != "$INIT" ] || fail "D did not unshare its netns"
nsenter --net=/proc/$D/ns/net sh -c "ip link set lo up" || fail "lo in D's netns"
nsenter --net=/proc/$D/ns/net nft -f $T/rules.nft || fail "nft rule in D's netns"
nsenter --net=/proc/$D/ns/net sleep 1000 & H=$!
PIDS="$PIDS $H"
wait_for "nsenter of H" "[ \"\$(netns $H)\" = $DNS ] && [ \"\$(cat /proc/$H/comm)\" = sleep ]"
expect_stats 2 2 2 "unshare -n"
check "unshare -n: the new netns" $D "$W"
check "unshare -n: the init netns" "" "$X"

# setns of a tagged task into D's netns.
start e "read x < $T/e.go; exec nsenter --net=/proc/$D/ns/net sleep 1000"
E=$pid
tag $E $V
go e
wait_for "setns of E" "[ \"\$(cat /proc/$E/comm)\" = sleep ]"
[ "$(netns $E)" = "$DNS" ] || fail "E is not in D's netns"
expect_stats 3 3 3 "setns"
check "setns: D's netns" $D "$W,$V"
check "setns: the init netns" "" "$X"

kill $D $E
wait $D $E 2>/dev/null
expect_stats 1 1 1 "exit of D and E"
check "exit: D's netns without tagged tasks" $H ""
kill $A
wait $A 2>/dev/null
expect_stats 0 0 0 "exit of all"
check "exit of all: the init netns" "" ""
cleanup
echo "netns_nft_log: ok"
