#!/bin/sh
# Network namespaces and the iptables AUDIT target: the NETFILTER_PKT
# records of a packet get a CONTAINER_INFO "record=1 contid=<list>" in the
# same event, listing (as a set) the contids of the tasks using the
# packet's netns, and end in " record=1"; a netns without tagged tasks gets
# neither.  The set follows set, fork (the child keeps the netns after its
# parent exits), exit, unshare -n and setns (nsenter into another task's
# netns and back), and /proc/audit_containerid (tasks, objects, netns)
# follows along and returns to its start values.
#
# Every check pings 127.0.0.1 in one netns, then waits for a marker user
# message in the log, so that every record of the ping is there.
set -u
LOG=/var/log/audit/audit.log
T=/tmp/nsx.$$
PIDS=""
mkdir -p $T

cleanup() {
	for p in $PIDS; do kill -9 $p 2>/dev/null; done
	wait 2>/dev/null
	iptables -D OUTPUT -o lo -p icmp -j AUDIT --type accept 2>/dev/null
	rm -rf $T
}
fail() { echo "FAIL: $*"; cleanup; exit 1; }

# A marker user message, waited for in the log: every record queued before
# it has then been written.
nmark=0
mark() {
	nmark=$((nmark + 1))
	m=acid-nsx-$$-$nmark
	auditctl -m "$m" >/dev/null || fail "auditctl -m"
	i=0
	while ! grep -q "text=$m " $LOG; do
		i=$((i + 1))
		[ $i -lt 200 ] || fail "marker $m never reached $LOG"
		sleep 0.05
	done
}

stat() { awk -v k="$1" '$1 == k { print $2 }' /proc/audit_containerid; }

# expect_stats TASKS OBJECTS NETNS: the counters, as deltas from the start
# (a task's exit may be seen a little after its parent reaps it).
expect_stats() {
	i=0
	while :; do
		t=$(($(stat tasks) - T0)) o=$(($(stat objects) - O0)) n=$(($(stat netns) - N0))
		[ "$t $o $n" = "$1 $2 $3" ] && return 0
		i=$((i + 1))
		[ $i -lt 100 ] || fail "$4: /proc/audit_containerid deltas tasks/objects/netns are $t $o $n, want $1 $2 $3"
		sleep 0.05
	done
}

# check LABEL NSPID "ID,ID,..." : ping in the netns of NSPID (or the
# current one if empty) and compare the contids of its NETFILTER_PKT
# records with the list (as sets; empty: no CONTAINER_INFO, no record=).
check() {
	label=$1 ns=$2 want=$3
	n0=$(wc -l < $LOG)
	if [ -n "$ns" ]; then
		nsenter --net=/proc/$ns/ns/net ping -c 1 -W 5 127.0.0.1 > /dev/null ||
			fail "$label: ping in the netns of $ns"
	else
		ping -c 1 -W 5 127.0.0.1 > /dev/null || fail "$label: ping"
	fi
	mark
	tail -n +$((n0 + 1)) $LOG > $T/seg
	pkt_check "$label" "$want" $T/seg || { cat $T/seg; fail "$label"; }
	echo "ok: $label: {$want}"
}

pkt_check() {
	awk -v who="$1" -v want="$2" '
	function norm(list,   a, n, i, j, t, out) {
		gsub(/,\^/, "^", list)	# keep a chain "4,^2" together
		n = split(list, a, ",")
		for (i = 2; i <= n; i++) {
			t = a[i]
			for (j = i - 1; j > 0 && a[j] "" > t ""; j--)
				a[j + 1] = a[j]
			a[j + 1] = t
		}
		out = ""
		for (i = 1; i <= n; i++)
			out = out (i > 1 ? "," : "") a[i]
		return out
	}
	function bad(s) { print "FAIL: " who ": " s; nbad++ }
	{
		if (!match($0, /msg=audit\([0-9.]+:[0-9]+\): /))
			next
		ser = substr($0, RSTART, RLENGTH)
		body = substr($0, RSTART + RLENGTH)
		sub(/^[^:]*:/, "", ser)
		sub(/\).*$/, "", ser)
		if ($1 == "type=NETFILTER_PKT") {
			np++
			pser[np] = ser
			pbody[np] = body
		} else if ($1 == "type=CONTAINER_INFO") {
			ci[ser]++
			cbody[ser] = body
		}
	}
	END {
		if (np < 1)
			bad("no NETFILTER_PKT record")
		w = norm(want)
		for (i = 1; i <= np; i++) {
			s = pser[i]
			b = pbody[i]
			if (b !~ /^mark=0x[0-9a-f]+ saddr=127\.0\.0\.1 daddr=127\.0\.0\.1 proto=1( record=1)?$/)
				bad("unexpected NETFILTER_PKT " b)
			if (want == "") {
				if (b ~ / record=/)
					bad("NETFILTER_PKT with record= in a netns without contids: " b)
				if (ci[s])
					bad("CONTAINER_INFO in event " s " of a netns without contids: " cbody[s])
				continue
			}
			if (b !~ / record=1$/)
				bad("NETFILTER_PKT does not end in record=1: " b)
			if (ci[s] != 1) {
				bad(ci[s] + 0 " CONTAINER_INFO records in event " s ", want 1")
				continue
			}
			c = cbody[s]
			if (c !~ /^record=1 contid=[^ ]+$/)
				bad("CONTAINER_INFO is not \"record=1 contid=<list>\": " c)
			sub(/^record=1 contid=/, "", c)
			if (norm(c) != w)
				bad("contids {" norm(c) "} in event " s ", want {" w "}")
		}
		exit nbad ? 1 : 0
	}' "$3"
}

# start NAME CMD: run sh -c CMD in the background (its first action must
# be to read fifo $T/NAME.go), pid in $pid.
start() {
	mkfifo $T/$1.go
	sh -c "$2" &
	pid=$!
	PIDS="$PIDS $pid"
}
go() { timeout 20 sh -c "echo go > $T/$1.go" || fail "$1 does not read $T/$1.go"; }
tag() { echo $2 > /proc/$1/containerid || fail "set $2 on $1"; }
netns() { readlink /proc/$1/ns/net; }
# wait_for DESC COND: poll a state condition (no record marks it).
wait_for() {
	i=0
	while ! eval "$2"; do
		i=$((i + 1))
		[ $i -lt 200 ] || fail "timed out waiting for $1"
		sleep 0.05
	done
}
gone() { [ ! -e /proc/$1 ] || grep -q '^State:.*Z' /proc/$1/status 2>/dev/null; }

T0=$(stat tasks) O0=$(stat objects) N0=$(stat netns)
[ -n "$T0" ] && [ -n "$O0" ] && [ -n "$N0" ] || fail "/proc/audit_containerid: $(cat /proc/audit_containerid)"
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

# exit of everything tagged: D's netns (kept by H1) and the init netns
# have no contid left.
kill $D $H2 $E
wait $D $H2 $E 2>/dev/null
expect_stats 1 1 1 "exit of D, H2, E"
check "exit: D's netns without tagged tasks" $H1 ""
check "exit: the init netns" "" "$X"
kill $A
wait $A 2>/dev/null
expect_stats 0 0 0 "exit of all"
check "exit of all: the init netns" "" ""
cleanup
echo "netns_xt_audit: ok"
