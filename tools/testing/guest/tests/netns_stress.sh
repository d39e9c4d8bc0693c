#!/bin/sh
# Stress of the per-netns contid lists: P tagged drivers run in parallel,
# each N iterations of, in turn: a child that unshares its netns and exits;
# a child that enters the netns of another tagged task ("anchor") and
# exits; a child that unshares, enters an anchor's netns and comes back; a
# nested contid set on a child that is unsharing; a fork and exit inside an
# anchor's netns; a plain fork; a child that enters an anchor's netns and
# comes back; a child that hops from one anchor's netns to another's.
# Afterwards every anchor's netns lists exactly its anchor's contid, the
# init netns none, /proc/audit_containerid counts only the anchors, and
# once they exit the counters are back at their start values and a netns
# without tagged tasks logs no CONTAINER_INFO.
#
#   netns_stress.sh [N [P]]   (default N=400 iterations for each of P=4
#                              drivers: 1600 iterations, about 2800 netns
#                              creations and switches; measured at 26 ms an
#                              iteration under TCG, so about 42 s)
set -u
LOG=/var/log/audit/audit.log
T=/tmp/nss.$$
PIDS=""
mkdir -p $T
export T

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
	m=acid-nss-$$-$nmark
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


N=${1:-400}
P=${2:-4}
K=3
T0=$(stat tasks) O0=$(stat objects) N0=$(stat netns)
[ -n "$T0" ] && [ -n "$O0" ] && [ -n "$N0" ] || fail "/proc/audit_containerid: $(cat /proc/audit_containerid)"
B=$((3000000 + $$ * 1000000))

# Anchors: tagged tasks each in a netns of its own, with the AUDIT rule.
ANCH=""
k=1
while [ $k -le $K ]; do
	unshare -n sleep 1000 &
	a=$!
	PIDS="$PIDS $a"
	wait_for "unshare -n of anchor $k" "[ \"\$(cat /proc/$a/comm)\" = sleep ]"
	tag $a $((B + k))
	nsenter --net=/proc/$a/ns/net sh -c "ip link set lo up &&
		iptables -A OUTPUT -o lo -p icmp -j AUDIT --type accept" || fail "set up anchor $k"
	ANCH="$ANCH $a"
	k=$((k + 1))
done
iptables -A OUTPUT -o lo -p icmp -j AUDIT --type accept || fail "iptables -A"
expect_stats $K $K $K "anchors"

cat > $T/driver.sh <<'DRIVER'
# driver.sh P N BASE ANCHOR...: one driver's iterations (runs tagged);
# the number of failed ones goes to $T/d<P>.bad.
p=$1 n=$2 base=$3
shift 3
K=$#
bad=0
i=0
while [ $i -lt $n ]; do
	k=$((i % K + 1))
	eval a=\${$k}
	eval b=\${$((k % K + 1))}
	case $((i % 8)) in
	0) unshare -n true || bad=$((bad + 1)) ;;
	1) nsenter --net=/proc/$a/ns/net true || bad=$((bad + 1)) ;;
	2) unshare -n nsenter --net=/proc/$a/ns/net nsenter --net=/proc/1/ns/net true ||
		bad=$((bad + 1)) ;;
	3) unshare -n sleep 100 &
	   c=$!
	   echo $((base + i)) > /proc/$c/containerid || bad=$((bad + 1))
	   kill $c
	   wait $c 2>/dev/null ;;
	4) nsenter --net=/proc/$a/ns/net sh -c 'sleep 100 & kill $!; wait' 2>/dev/null ;;
	5) ( : ) ;;
	6) nsenter --net=/proc/$a/ns/net nsenter --net=/proc/1/ns/net true || bad=$((bad + 1)) ;;
	7) nsenter --net=/proc/$a/ns/net nsenter --net=/proc/$b/ns/net true || bad=$((bad + 1)) ;;
	esac
	i=$((i + 1))
done
echo $bad > $T/d$p.bad
DRIVER

t0=$(date +%s)
p=1
DRV=""
while [ $p -le $P ]; do
	start d$p "read x < $T/d$p.go; exec sh $T/driver.sh $p $N $((B + p * 100000)) $ANCH"
	tag $pid $((B + p * 100000))
	DRV="$DRV $pid"
	p=$((p + 1))
done
p=1
while [ $p -le $P ]; do
	go d$p
	p=$((p + 1))
done
for d in $DRV; do
	wait $d || fail "driver $d exited with $?"
done
t1=$(date +%s)
p=1
while [ $p -le $P ]; do
	[ "$(cat $T/d$p.bad 2>/dev/null)" = 0 ] ||
		fail "driver $p: $(cat $T/d$p.bad 2>/dev/null || echo '?') failed iterations"
	p=$((p + 1))
done
echo "ok: $P drivers x $N iterations in $((t1 - t0)) s"

expect_stats $K $K $K "after the stress"
k=1
for a in $ANCH; do
	check "after the stress: anchor $k's netns" $a "$((B + k))"
	k=$((k + 1))
done
check "after the stress: the init netns" "" ""

# An untagged task keeps the first anchor's netns when the anchors exit.
set -- $ANCH
nsenter --net=/proc/$1/ns/net sleep 1000 & H=$!
PIDS="$PIDS $H"
wait_for "nsenter of H" "[ \"\$(cat /proc/$H/comm)\" = sleep ]"
kill $ANCH
wait $ANCH 2>/dev/null
expect_stats 0 0 0 "exit of the anchors"
check "end: a netns without tagged tasks" $H ""
check "end: the init netns" "" ""
cleanup
echo "netns_stress: ok"
