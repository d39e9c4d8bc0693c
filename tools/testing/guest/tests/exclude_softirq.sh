#!/bin/sh
# Issue 8 item 9: the containerid field of an exclude rule outside task
# context.  An iptables AUDIT rule on the INPUT chain logs NETFILTER_PKT
# records in softirq: a datagram to 127.0.0.1 is delivered when the
# sender re-enables bottom halves, on the sender's own stack, so the task
# the softirq interrupted is the (tagged) sender itself.  Outside task
# context the field has no task and is treated as unset:
#  - exclude msgtype=NETFILTER_PKT containerid=X keeps the records of a
#    datagram that a task of X sent;
#  - exclude msgtype=NETFILTER_PKT containerid=unset drops them (and no
#    CONTAINER_INFO of theirs is left behind).
# Each datagram is sent by busybox nslookup (one UDP query, refused);
# every sender exits, nothing stays tagged.
set -u
NETNS_TAG=exsq
PORT=$((20000 + $$ % 20000))
X=$((3000000 + $$ * 10 + 1))
Y=$((3000000 + $$ * 10 + 2))
undo_rules() {
	iptables -D INPUT -i lo -p udp --dport $PORT -j AUDIT --type accept 2>/dev/null
	auditctl -d always,exclude -F msgtype=NETFILTER_PKT -F containerid=$X >/dev/null 2>&1
	auditctl -d always,exclude -F msgtype=NETFILTER_PKT -F containerid=unset >/dev/null 2>&1
}
. /guest/lib/netns.sh

# send LABEL ID: a task tagged ID (untagged if empty) sends one datagram;
# its log segment is in $T/seg, the number of its NETFILTER_PKT records
# in $npkt and of CONTAINER_INFO records with contid=ID in $ninfo.
nsend=0
send() {
	nsend=$((nsend + 1))
	n0=$(wc -l < $LOG)
	start s$nsend "read x < $T/s$nsend.go; exec nslookup acid-$nsend 127.0.0.1:$PORT"
	s=$pid
	[ -z "$2" ] || tag $s $2
	go s$nsend
	# nslookup fails (no server answers): only its datagram matters.
	wait $s > /dev/null 2>&1
	mark
	tail -n +$((n0 + 1)) $LOG > $T/seg
	npkt=$(grep -c '^type=NETFILTER_PKT .* proto=17' $T/seg)
	ninfo=0
	[ -z "$2" ] || ninfo=$(grep -c "^type=CONTAINER_INFO .* contid=$2\$" $T/seg)
	echo "$1: $npkt NETFILTER_PKT, $ninfo CONTAINER_INFO"
}

# logged LABEL ID: the datagram was logged; for a tagged sender, with one
# CONTAINER_INFO (the sender's netns) per NETFILTER_PKT, in its event.
logged() {
	[ "$npkt" -ge 1 ] || { cat $T/seg; fail "$1: no NETFILTER_PKT record"; }
	[ -z "$2" ] && return 0
	awk -v id="$2" -v who="$1" '
	{
		if (!match($0, /msg=audit\([0-9.]+:[0-9]+\): /))
			next
		ser = substr($0, RSTART, RLENGTH)
		sub(/^[^:]*:/, "", ser)
		sub(/\).*$/, "", ser)
	}
	$1 == "type=NETFILTER_PKT" && / proto=17/ {
		pkt[ser] = $0
	}
	$1 == "type=CONTAINER_INFO" && $0 ~ (" contid=" id "$") {
		ci[ser]++
	}
	END {
		for (s in pkt) {
			if (pkt[s] !~ / record=1$/) {
				print "FAIL: " who ": NETFILTER_PKT without record=1: " pkt[s]
				bad++
			}
			if (ci[s] != 1) {
				print "FAIL: " who ": " ci[s] + 0 " CONTAINER_INFO contid=" id " in event " s
				bad++
			}
		}
		exit bad ? 1 : 0
	}' $T/seg || { cat $T/seg; fail "$1"; }
}

# dropped LABEL ID: nothing of the datagram was logged.
dropped() {
	[ "$npkt" -eq 0 ] || { cat $T/seg; fail "$1: $npkt NETFILTER_PKT records, want none"; }
	[ "$ninfo" -eq 0 ] || { cat $T/seg; fail "$1: $ninfo orphan CONTAINER_INFO records"; }
}

stats_start
iptables -A INPUT -i lo -p udp --dport $PORT -j AUDIT --type accept || fail "iptables -A"

send "no exclude rule, untagged" ""
logged "no exclude rule, untagged" ""
send "no exclude rule, tagged X" $X
logged "no exclude rule, tagged X" $X

auditctl -a always,exclude -F msgtype=NETFILTER_PKT -F containerid=$X > /dev/null ||
	fail "auditctl -a exclude containerid=$X"
send "exclude containerid=X, sender X" $X
logged "exclude containerid=X, sender X" $X
send "exclude containerid=X, sender Y" $Y
logged "exclude containerid=X, sender Y" $Y
send "exclude containerid=X, untagged sender" ""
logged "exclude containerid=X, untagged sender" ""
auditctl -d always,exclude -F msgtype=NETFILTER_PKT -F containerid=$X > /dev/null ||
	fail "auditctl -d exclude containerid=$X"

auditctl -a always,exclude -F msgtype=NETFILTER_PKT -F containerid=unset > /dev/null ||
	fail "auditctl -a exclude containerid=unset"
send "exclude containerid=unset, sender X" $X
dropped "exclude containerid=unset, sender X" $X
send "exclude containerid=unset, untagged sender" ""
dropped "exclude containerid=unset, untagged sender" ""
auditctl -d always,exclude -F msgtype=NETFILTER_PKT -F containerid=unset > /dev/null ||
	fail "auditctl -d exclude containerid=unset"

send "rules deleted, sender X" $X
logged "rules deleted, sender X" $X

expect_stats 0 0 0 "every sender gone"
cleanup
echo "exclude_softirq: ok"
