# Shared code of the network namespace shell tests (tests/netns_*.sh):
# the NETFILTER_PKT/CONTAINER_INFO check of a ping, the marker wait, the
# /proc/audit_containerid counters and the plumbing of background tasks
# started and released through fifos.  POSIX sh (busybox).  Not a test
# itself: check.sh runs only tests/*.sh.
#
# A test sets NETNS_TAG (a short name, unique among the tests: its temp
# dir is /tmp/$NETNS_TAG.$$, its markers acid-$NETNS_TAG-$$-<n>), defines
# undo_rules (removes the packet-logging rules it adds; called by cleanup,
# so it must not fail the test), then sources this file:
#
#	NETNS_TAG=nsx
#	undo_rules() { iptables -D ... 2>/dev/null; }
#	. /guest/lib/netns.sh
#
# It sets -u, LOG, T (created), PIDS (the tasks cleanup kills: add the
# pids of what the test starts in the background) and nmark.
set -u
LOG=/var/log/audit/audit.log
T=/tmp/$NETNS_TAG.$$
PIDS=""
mkdir -p $T

# cleanup: kill the test's background tasks, remove its packet-logging
# rules (undo_rules, defined by the test) and its temp dir.
cleanup() {
	for p in $PIDS; do kill -9 $p 2>/dev/null; done
	wait 2>/dev/null
	undo_rules
	rm -rf $T
}
fail() { echo "FAIL: $*"; cleanup; exit 1; }

# A marker user message, waited for in the log: every record queued before
# it has then been written.
nmark=0
mark() {
	nmark=$((nmark + 1))
	m=acid-$NETNS_TAG-$$-$nmark
	auditctl -m "$m" >/dev/null || fail "auditctl -m"
	i=0
	while ! grep -q "text=$m " $LOG; do
		i=$((i + 1))
		[ $i -lt 200 ] || fail "marker $m never reached $LOG"
		sleep 0.05
	done
}

stat() { awk -v k="$1" '$1 == k { print $2 }' /proc/audit_containerid; }

# stats_start: the start values T0 O0 N0 of the counters, the base of
# expect_stats.  Tagged tasks of an earlier test may still be on their way
# out (exit is seen a little after the reap), so first wait, briefly, for
# the counters to settle.
stats_start() {
	i=0 prev=
	while :; do
		cur=$(tr '\n' ' ' < /proc/audit_containerid)
		[ "$cur" = "$prev" ] && break
		prev=$cur
		i=$((i + 1))
		[ $i -lt 100 ] || break
		sleep 0.1
	done
	T0=$(stat tasks) O0=$(stat objects) N0=$(stat netns)
	[ -n "$T0" ] && [ -n "$O0" ] && [ -n "$N0" ] || fail "/proc/audit_containerid: $(cat /proc/audit_containerid)"
}

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

# pkt_check LABEL "ID,ID,..." FILE: the check of check on a log segment;
# prints a FAIL line for each fault and returns non-zero if any.
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
