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
NETNS_TAG=nss
undo_rules() { iptables -D OUTPUT -o lo -p icmp -j AUDIT --type accept 2>/dev/null; }
. /guest/lib/netns.sh
export T

N=${1:-400}
P=${2:-4}
K=3
stats_start
B=$((3000000 + $$ * 1000000))

# Anchors: tagged tasks each in a netns of its own, with the AUDIT rule.
ANCH=""
k=1
while [ $k -le $K ]; do
	unshare -n sleep 100000 &
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
nsenter --net=/proc/$1/ns/net sleep 100000 & H=$!
PIDS="$PIDS $H"
wait_for "nsenter of H" "[ \"\$(cat /proc/$H/comm)\" = sleep ]"
kill $ANCH
wait $ANCH 2>/dev/null
expect_stats 0 0 0 "exit of the anchors"
check "end: a netns without tagged tasks" $H ""
check "end: the init netns" "" ""
cleanup
echo "netns_stress: ok"
