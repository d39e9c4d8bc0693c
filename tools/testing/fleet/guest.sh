# The fleet test, in one guest: scripts/fleet-run.sh boots three guests and
# runs this file in each with its role as $1: "collector", "node1" or
# "node2".  (qemu-run.sh puts a "#!/bin/sh" and the arguments in front.)
#
# The network: two QEMU socket links, each a /24 of its own:
#   node1 10.13.1.2 <-> 10.13.1.1 collector 10.13.2.1 <-> 10.13.2.2 node2
# Each node's auditd (name_format = user, name = nodeK) runs audisp-remote,
# which forwards every record to the collector's auditd (tcp_listen_port).
#
# The guests agree on what to do and when through busybox httpd: each one
# serves /srv/fleet on port 8000, and the others poll for the files it puts
# there (state flags, the records a node logged, the ids it chose).
#
# The phases:
#   up    each node tags containers (top level; nested, chain Q,^P with a
#         random Q; and a contid that both nodes use) whose tasks write
#         files under a watched directory.  On the collector, ausearch
#         --containerid (with and without --node) must find every event of
#         every contid, from the node that ran it, with the exact chain and
#         the record= link, byte for byte the records the node logged.
#   kill  while a nested container logs on each node, the collector's
#         auditd is frozen (SIGSTOP: records wait unread in its sockets)
#         and killed (SIGKILL: its kernel resets the connections), the
#         nodes go on logging, auditd is started again; audisp-remote must
#         connect again while the nodes still log, and every record they
#         logged must reach the collector, in particular those of the
#         events they logged while it was down (between two markers).
#   term  the same with SIGTERM: auditd tells its clients that it ends
#         (audisp-remote's remote_ending_action = reconnect).
# Each check prints "ok - ..." or "not ok - ..."; fleet-run.sh counts them.
set -eu
# (No "grep -q" at the end of a pipe: it may quit before the writer is
# done, which then fails with SIGPIPE, and so does the pipe.)
set -o pipefail

role=${1:?usage: guest.sh collector|node1|node2}
# ACID_FLEET_TRACE=1 make fleet: trace every command on the console.
grep -qw acid.fleet.trace /proc/cmdline && set -x
case "$role" in
collector | node1 | node2) ;;
*) echo "not ok - fleet: unknown role '$role' (collector, node1 or node2)"; exit 2 ;;
esac

PORT=60              # the collector's tcp_listen_port; audisp-remote's port
CTL=8000             # busybox httpd: the guests' coordination files
SRV=/srv/fleet
# Every wait has a deadline in seconds of wall time (the guests run under
# TCG on a loaded host: generous).
WAIT_BOOT=600        # for another guest to boot and set up
WAIT_STEP=300        # for another guest's next step
WAIT_RECORDS=180     # for forwarded records to reach the collector
WAIT_LOCAL=60        # for auditd to log, start, stop; for audisp-remote
HEARTBEAT=10         # audisp-remote heartbeat_timeout
DOWN_S=6             # seconds the nodes log while the collector is down
AFTER_S=3            # and after it is back

# The contids.  A node puts its number in the high 16 bits (one of the
# schemes of Documentation/admin-guide/audit-containerid-fleet.rst); the
# nested contid of phase up is a random 64-bit number, the other scheme;
# SHARED is the same number on both nodes, as uncoordinated orchestrators
# would pick it: only node= tells their events apart.
SHARED=7
# Events (writes to watched files) per contid in phase up.
N_X=3 N_P=2 N_Q=4 N_S1=1 N_S2=2

passed=0
failed=0
phase=setup
finished=
ok() { echo "ok - $role: $*"; passed=$((passed + 1)); }
nok() { echo "not ok - $role: $*"; failed=$((failed + 1)); }
# fatal MSG: a failure the later checks cannot survive; count it and stop.
fatal() {
	nok "$*"
	finish
}
finish() {
	finished=1
	dump_logs
	echo "fleet-$role: $passed passed, $failed failed"
	[ "$failed" -eq 0 ] && exit 0
	exit 1
}
dump_logs() {
	[ -s /tmp/messages ] || return 0
	echo "# $role: syslog of auditd and audisp-remote (last 40 lines):"
	# (qemu-run.sh fails a run whose console shows "WARNING:" & co.)
	grep -E 'audisp-remote|auditd' /tmp/messages | tail -40 |
		sed -E -e 's/^/#   /' -e 's/(WARNING|BUG|Oops|UBSAN):/\1 -/g' || true
}
trap '[ -n "$finished" ] || { nok "the script stopped in phase $phase (a command failed)"; finished=1; dump_logs; echo "fleet-$role: $passed passed, $failed failed"; }' EXIT

node_prefix() { echo $(($1 << 48)); }   # node number -> its contid base
oneline() { printf '%s' "$1" | tr '\n' ';'; }
now() { local u rest; read -r u rest < /proc/uptime; echo "${u%%.*}"; }
say() { echo "# $role [$(now) s]: $*"; }

# --- network -------------------------------------------------------------
# up_link MAC ADDR: configure the interface with that MAC (QEMU sets them)
# as ADDR/24.
up_link() {
	local f dev=
	for f in /sys/class/net/*/address; do
		[ "$(cat "$f")" = "$1" ] && dev=$(basename "$(dirname "$f")")
	done
	[ -n "$dev" ] || fatal "no network interface with MAC $1 (is virtio-net in the kernel, and did fleet-run.sh pass -device virtio-net-pci?): $(ls /sys/class/net | tr '\n' ' ')"
	ip link set "$dev" up
	ip addr add "$2/24" dev "$dev"
	say "$dev ($1) is $2/24"
}

# --- coordination ----------------------------------------------------------
publish() { # NAME [FILE]: make NAME (FILE's content, or empty) visible
	if [ $# -ge 2 ]; then cp "$2" "$SRV/$1.tmp"; else : > "$SRV/$1.tmp"; fi
	mv "$SRV/$1.tmp" "$SRV/$1"
}
# fetch HOST NAME DEST: copy a published file; fails if it is not there.
# (timeout, not wget -T: busybox 1.35's wget crashes with -T.)
fetch() {
	timeout 10 wget -q -O "$3.tmp" "http://$1:$CTL/$2" 2>/dev/null && mv "$3.tmp" "$3"
}
# await HOST NAME SECONDS [DEST]: wait for another guest to publish NAME.
await() {
	local end=$(($(now) + $3)) dest=${4:-/tmp/await.last}
	fetch "$1" "$2" "$dest" && return 0
	say "waiting for $1's $2"
	while ! fetch "$1" "$2" "$dest"; do
		[ "$(now)" -lt "$end" ] || fatal "phase $phase: $1 did not publish '$2' within $3 s"
		sleep 1
	done
}

# --- audit -------------------------------------------------------------------
stop_auditd() { # SIGNAL: stop auditd with it and wait until it is gone
	local pid end=$(($(now) + WAIT_LOCAL))
	pid=$(pidof auditd) || fatal "auditd is not running"
	kill "-$1" $pid
	while kill -0 $pid 2>/dev/null; do
		[ "$(now)" -lt "$end" ] || fatal "auditd (pid $pid) did not stop on SIG$1"
		sleep 0.1
	done
}
start_auditd() {
	local end=$(($(now) + WAIT_LOCAL))
	/sbin/auditd || fatal "auditd did not start (see its syslog below)"
	while ! pidof auditd >/dev/null; do
		[ "$(now)" -lt "$end" ] || fatal "auditd exited right after starting (see its syslog below)"
		sleep 0.1
	done
}
# auditd_conf EXTRA...: the guest's auditd.conf, naming this guest in every
# record (name_format = user, name = ROLE), plus EXTRA lines.
auditd_conf() {
	grep -v -E '^(name_format|name|q_depth|overflow_action) *=' /etc/audit/auditd.conf > /tmp/auditd.conf
	{
		echo "name_format = user"
		echo "name = $role"
		# The dispatcher's queue (records on their way to audisp-remote)
		# holds what arrives while audisp-remote waits for a retry.
		echo "q_depth = 8192"
		echo "overflow_action = syslog"
		for l in "$@"; do echo "$l"; done
	} >> /tmp/auditd.conf
	cp /tmp/auditd.conf /etc/audit/auditd.conf
	chmod 0640 /etc/audit/auditd.conf
}

# records AUSEARCH-OPTIONS...: the raw records of the events ausearch
# finds, but for rule changes (auditctl's CONFIG_CHANGE event carries the
# key of the rule it adds).
records() {
	{ ausearch --raw "$@" 2>/dev/null || true; } | awk '
	match($0, /msg=audit\([0-9.:]+\)/) {
		ev = $1 " " substr($0, RSTART, RLENGTH)
		line[NR] = $0
		evof[NR] = ev
		if ($0 ~ / type=CONFIG_CHANGE /) cfg[ev] = 1
	}
	END { for (i = 1; i <= NR; i++) if ((i in line) && !(evof[i] in cfg)) print line[i] }'
}

# events AUSEARCH-OPTIONS...: what ausearch finds, one line per kind of
# event: "COUNT NODE CHAIN LINK", sorted.  CHAIN is the contid= of the
# event's CONTAINER_INFO record ("none" without one); LINK is "linked"
# when that record's record=R is the " record=R" that ends the event's
# SYSCALL record, else "unlinked:SYSCALL-R/INFO-R".
events() {
	records "$@" | awk '
	{
		node = "-"
		if ($1 ~ /^node=/) node = substr($1, 6)
		if (!match($0, /msg=audit\([0-9.:]+\)/)) next
		ev = node " " substr($0, RSTART + 10, RLENGTH - 11)
		seen[ev] = node
		if ($0 ~ / type=CONTAINER_INFO /) {
			if (match($0, / record=[0-9]+ /)) info[ev] = substr($0, RSTART + 8, RLENGTH - 9)
			if (match($0, / contid=[^ ]+/)) chain[ev] = substr($0, RSTART + 8, RLENGTH - 8)
		}
		if ($0 ~ / type=SYSCALL / && match($0, / record=[0-9]+$/))
			sys[ev] = substr($0, RSTART + 8)
	}
	END {
		for (ev in seen) {
			c = (ev in chain) ? chain[ev] : "none"
			l = (ev in info && ev in sys && info[ev] == sys[ev]) ? "linked" : "unlinked:" sys[ev] "/" info[ev]
			print seen[ev] " " c " " l
		}
	}' | sort | uniq -c | sed 's/^ *//' | sort
}
# serials AUSEARCH-OPTIONS...: the serial numbers of the events found.
serials() {
	records "$@" |
		sed -n -E 's/.* msg=audit\([0-9.]+:([0-9]+)\).*/\1/p' | sort -n -u
}
# expect_events WHAT EXPECTED AUSEARCH-OPTIONS...: the events ausearch
# finds must be exactly EXPECTED (lines of events(), in any order).
expect_events() {
	local what=$1 want got
	want=$(printf '%s\n' "$2" | sort)
	shift 2
	got=$(events "$@")
	if [ "$got" = "$want" ]; then
		ok "$what: $(oneline "$got")"
	else
		nok "$what: want [$(oneline "$want")] got [$(oneline "$got")] (ausearch $*)"
	fi
}

# =============================================================================
# node
# =============================================================================
node_main() {
	local k=${role#node} base X P Q ns q end
	cip=10.13.$k.1
	base=$(node_prefix "$k")
	X=$((base | 1)) P=$((base | 2))
	up_link "52:54:00:13:0$k:02" "10.13.$k.2"

	phase=wait-collector
	await "$cip" ready "$WAIT_BOOT"
	ok "the collector at $cip is up"

	phase=configure
	[ -x /sbin/audisp-remote ] || fatal "/sbin/audisp-remote is missing from the initramfs (scripts/build-audit.sh builds it, scripts/initramfs.sh installs it)"
	stop_auditd TERM
	auditd_conf
	# audisp-remote: the settings Documentation/admin-guide/
	# audit-containerid-fleet.rst explains.
	cat > /etc/audit/audisp-remote.conf <<EOF
remote_server = $cip
port = $PORT
transport = tcp
mode = immediate
queue_depth = 10240
format = managed
network_retry_time = 1
max_tries_per_record = 3
max_time_per_record = 5
heartbeat_timeout = $HEARTBEAT
network_failure_action = warn_once
disk_low_action = ignore
disk_full_action = warn_once
disk_error_action = warn_once
remote_ending_action = reconnect
generic_error_action = syslog
generic_warning_action = syslog
queue_error_action = stop
overflow_action = syslog
startup_failure_action = warn_once_continue
EOF
	cat > /etc/audit/plugins.d/au-remote.conf <<'EOF'
active = yes
direction = out
path = /sbin/audisp-remote
type = always
format = string
EOF
	chmod 0640 /etc/audit/audisp-remote.conf /etc/audit/plugins.d/au-remote.conf
	start_auditd
	end=$(($(now) + WAIT_LOCAL))
	while ! pidof audisp-remote >/dev/null; do
		[ "$(now)" -lt "$end" ] || fatal "auditd did not start /sbin/audisp-remote (plugins.d/au-remote.conf)"
		sleep 0.1
	done
	ok "auditd runs audisp-remote (pid $(pidof audisp-remote))"
	# It connects with the first record (auditd's DAEMON_START).
	end=$(($(now) + WAIT_LOCAL))
	while ! netstat -tn 2>/dev/null | grep -E " $cip:$PORT +ESTABLISHED" >/dev/null; do
		[ "$(now)" -lt "$end" ] || fatal "audisp-remote did not connect to $cip:$PORT"
		sleep 0.1
	done
	ok "audisp-remote is connected to $cip:$PORT"
	watch_dir mark

	# --- phase up ------------------------------------------------------
	phase=up
	say "phase up: tagging containers"
	Q=$(random_contid)
	printf 'Q=%s\n' "$Q" > /tmp/ids
	publish ids /tmp/ids
	watch_dir up
	launch "$X" run up X "$N_X"
	launch "$P" nest up P "$N_P" "$Q" Q "$N_Q"
	if [ "$k" = 1 ]; then ns=$N_S1; else ns=$N_S2; fi
	launch "$SHARED" run up S "$ns"
	expect_local up "$(printf '%s\n' \
		"$N_X $role $X linked" \
		"$N_P $role $P linked" \
		"$N_Q $role $Q,^$P linked" \
		"$ns $role $SHARED linked")"
	# The nested set, as its CONTAINER record tells it.
	if ausearch --raw -m CONTAINER --containerid "$Q" 2>/dev/null |
		grep -E "^node=$role type=CONTAINER msg=audit\([0-9.:]+\): op=set opid=[0-9]+ contid=$Q old-contid=$P res=1" >/dev/null; then
		ok "the nested set is logged: contid=$Q old-contid=$P"
	else
		nok "no CONTAINER record op=set contid=$Q old-contid=$P res=1"
	fi
	publish_records up

	# --- the collector's auditd is killed, then stopped, while we log ---
	node_round kill $((base | 3)) $((base | 4))
	node_round term $((base | 5)) $((base | 6))

	phase=wait-done
	await "$cip" done "$WAIT_STEP"
	# Everything reached the collector: nothing may stay queued.
	end=$(($(now) + 10))
	while q=$(queued_items) && [ "$q" != 0 ] && [ "$(now)" -lt "$end" ]; do
		sleep 1
	done
	if [ "$q" = 0 ]; then ok "audisp-remote's queue is empty at the end"; else nok "audisp-remote still queues $q records at the end"; fi
	# Tell the collector, and stay up until it has seen that: it stops
	# serving when it is done.
	phase=bye
	publish bye
	end=$(($(now) + 120))
	while fetch "$cip" ready /tmp/ready.last && [ "$(now)" -lt "$end" ]; do
		sleep 1
	done
	finish
}

# node_round PHASE OUTER INNER: a nested container (INNER below OUTER) logs
# all along while the collector's auditd goes down (the collector's
# down-PHASE) and comes back (up-PHASE).
node_round() {
	local ph=$1 outer=$2 inner=$3 pid m1 m2 got down conns end t
	phase=$ph
	await "$cip" "go-$ph" "$WAIT_STEP"
	say "phase $ph: containers $outer and $inner (nested) log"
	watch_dir "$ph"
	rm -f "/tmp/stop.$ph"
	launch_bg "$outer" nest "$ph" O "until:/tmp/stop.$ph" "$inner" I "until:/tmp/stop.$ph"
	pid=$launched
	conns=$(grep -c 'Connected to' /tmp/messages || true)
	publish "$ph.logging"
	await "$cip" "down-$ph" "$WAIT_STEP"
	m1=$(mark "$ph-down")
	say "phase $ph: the collector is down (marker event $m1)"
	sleep "$DOWN_S"
	expect_queued "$ph" "$m1"
	if [ "$ph" = term ]; then
		# auditd says goodbye to its clients, but a client that is
		# sending a record then may see the connection fail first: a
		# note, not a check.
		if grep -q 'remote server is going down' /tmp/messages; then
			say "phase $ph: audisp-remote was told that the collector's auditd ends"
		else
			say "phase $ph: audisp-remote lost the connection before auditd's goodbye"
		fi
	fi
	publish "$ph.down-logged"
	await "$cip" "up-$ph" "$WAIT_STEP"
	m2=$(mark "$ph-up")
	say "phase $ph: the collector is back (marker event $m2)"
	# audisp-remote must connect again while the containers still log.
	t=$(now)
	end=$((t + WAIT_RECORDS))
	while [ "$(grep -c 'Connected to' /tmp/messages || true)" -le "$conns" ] && [ "$(now)" -lt "$end" ]; do
		sleep 1
	done
	if [ "$(grep -c 'Connected to' /tmp/messages || true)" -gt "$conns" ]; then
		ok "phase $ph: audisp-remote connected again while the node logs ($(($(now) - t)) s after the collector was back)"
	else
		nok "phase $ph: audisp-remote did not connect again within $WAIT_RECORDS s while the node logs"
	fi
	sleep "$AFTER_S"
	touch "/tmp/stop.$ph"
	wait "$pid" || fatal "phase $ph: the workers of contids $outer/$inner failed"
	# Wait for the last events in the node's own log, then check them.
	sleep 1
	got=$(events -k "fleet-$ph")
	if echo "$got" | grep -xE "[1-9][0-9]* $role $outer linked" >/dev/null &&
		echo "$got" | grep -xE "[1-9][0-9]* $role $inner,\\^$outer linked" >/dev/null &&
		[ "$(echo "$got" | wc -l)" -eq 2 ]; then
		ok "phase $ph: the node logged $(oneline "$got")"
	else
		nok "phase $ph: the node logged [$(oneline "$got")], want events of $outer and of $inner,^$outer only, all linked"
	fi
	down=$(serials -k "fleet-$ph" | awk -v a="$m1" -v b="$m2" '$1 > a && $1 < b' | wc -l)
	if [ "$down" -gt 0 ]; then
		ok "phase $ph: $down events logged while the collector was down (serials $m1..$m2)"
	else
		nok "phase $ph: no event logged while the collector was down (serials $m1..$m2)"
	fi
	echo "$m1 $m2 $down" > "/tmp/$ph.window"
	publish "$ph.window" "/tmp/$ph.window"
	publish_records "$ph"
}

# random_contid: a random 64-bit contid (not the unset value).
random_contid() {
	local v
	while :; do
		v=$(od -An -tu8 -N8 /dev/urandom | tr -d ' \n')
		[ -n "$v" ] && [ "$v" != 18446744073709551615 ] && break
	done
	echo "$v"
}

# watch_dir NAME: an exit rule that logs writes under /tmp/fleet/NAME with
# key fleet-NAME.
watch_dir() {
	mkdir -p "/tmp/fleet/$1"
	auditctl -a exit,always -F arch=b64 -F dir="/tmp/fleet/$1" -F perm=wa -k "fleet-$1" >/dev/null ||
		fatal "auditctl -a ... -F dir=/tmp/fleet/$1 -k fleet-$1 failed"
}

# mark NAME: log a marker event (key fleet-mark) and print its serial.
mark() {
	local end=$(($(now) + WAIT_LOCAL)) s
	echo "$1" > "/tmp/fleet/mark/$1"
	while :; do
		s=$(grep -F "name=\"/tmp/fleet/mark/$1\"" /var/log/audit/audit.log |
			sed -n -E 's/.* msg=audit\([0-9.]+:([0-9]+)\).*/\1/p' | awk 'NR == 1')
		[ -n "$s" ] && break
		[ "$(now)" -lt "$end" ] || fatal "the marker event $1 is not in the node's log"
		sleep 0.1
	done
	echo "$s"
}

# The container's tasks.  worker.sh run FIFO DIR NAME N: wait for the
# orchestrator's go, then write files DIR/NAME-i (one audited open each):
# N of them, or, for N = until:FILE, one every 0.2 s until FILE exists.
# worker.sh nest FIFO DIR NAME N QID QNAME QN: the same, but first start a
# child and set QID on it (a nested set: this task runs under the contid
# its orchestrator gave it); the child writes as "run ... QNAME QN".
cat > /tmp/worker.sh <<'EOF'
mode=$1 fifo=$2 dir=$3 name=$4 n=$5
read -r go < "$fifo"
if [ "$mode" = nest ]; then
	mkfifo "$fifo.q"
	sh /tmp/worker.sh run "$fifo.q" "$dir" "$7" "$8" &
	c=$!
	if ! echo "$6" > /proc/$c/containerid; then
		echo "worker: cannot set the nested contid $6 on $c" >&2
		kill $c
		exit 3
	fi
	echo go > "$fifo.q"
fi
i=0
case "$n" in
until:*)
	while [ ! -e "${n#until:}" ]; do
		echo $i > "$dir/$name-$i"
		i=$((i + 1))
		sleep 0.2
	done ;;
*)
	while [ $i -lt "$n" ]; do
		echo $i > "$dir/$name-$i"
		i=$((i + 1))
	done ;;
esac
if [ "$mode" = nest ]; then wait $c || exit 4; fi
exit 0
EOF

# launch_bg CONTID MODE PHASE ARGS...: start a worker, tag it with CONTID
# before it runs anything and let it go; its pid in $launched.
launch_bg() {
	local id=$1 mode=$2 ph=$3 fifo pid
	shift 3
	fifo=/tmp/go.$ph.$1
	rm -f "$fifo" "$fifo.q"
	mkfifo "$fifo"
	sh /tmp/worker.sh "$mode" "$fifo" "/tmp/fleet/$ph" "$@" &
	pid=$!
	if ! echo "$id" > "/proc/$pid/containerid"; then
		kill $pid
		fatal "cannot set contid $id on the worker (pid $pid)"
	fi
	echo go > "$fifo"
	launched=$pid
}
# launch CONTID MODE PHASE ARGS...: the same, and wait for it.
launch() {
	local rc=0
	launch_bg "$@"
	wait "$launched" || rc=$?
	[ "$rc" -eq 0 ] || fatal "the worker of contid $1 ($*) failed with status $rc"
}

# expect_local PHASE EXPECTED: this node's own log has exactly these events
# of key fleet-PHASE (waiting up to 20 s for auditd to write them).
expect_local() {
	local end=$(($(now) + WAIT_LOCAL)) got want
	want=$(printf '%s\n' "$2" | sort)
	while :; do
		got=$(events -k "fleet-$1")
		[ "$got" = "$want" ] && break
		if [ "$(now)" -ge "$end" ]; then
			nok "phase $1: the node's own log: want [$(oneline "$want")] got [$(oneline "$got")]"
			return 0
		fi
		sleep 0.5
	done
	ok "phase $1: the node logged $(oneline "$got")"
}

# queued_items: audisp-remote's queue length (SIGUSR1 makes it log it).
queued_items() {
	local pid before end=$(($(now) + WAIT_LOCAL))
	pid=$(pidof audisp-remote) || { echo none; return 0; }
	before=$(grep -c 'queued_items=' /tmp/messages || true)
	kill -USR1 "$pid"
	while [ "$(grep -c 'queued_items=' /tmp/messages || true)" = "$before" ]; do
		if [ "$(now)" -ge "$end" ]; then echo unknown; return 0; fi
		sleep 0.1
	done
	grep 'queued_items=' /tmp/messages | tail -1 | sed -E 's/.*queued_items=([0-9]+).*/\1/'
}

# expect_queued PHASE MARK: with the collector down, audisp-remote must
# hold at least the records of the events logged since the marker MARK.
expect_queued() {
	local want got end=$(($(now) + WAIT_LOCAL))
	while :; do
		want=$(records -k "fleet-$1" |
			awk -v m="$2" 'match($0, /msg=audit\([0-9.]+:[0-9]+\)/) {
				s = substr($0, RSTART + 10, RLENGTH - 11); sub(/.*:/, "", s)
				if (s + 0 > m + 0) n++ } END { print n + 0 }')
		got=$(queued_items)
		case "$got" in
		none) fatal "phase $1: audisp-remote is not running any more" ;;
		unknown) fatal "phase $1: audisp-remote did not report its queue on SIGUSR1" ;;
		esac
		[ "$want" -gt 0 ] && [ "$got" -ge "$want" ] && break
		if [ "$(now)" -ge "$end" ]; then
			nok "phase $1: audisp-remote queues $got records while the collector is down; the node logged $want since it went down"
			return 0
		fi
		sleep 1
	done
	ok "phase $1: audisp-remote queues $got records while the collector is down (the node logged $want since it went down)"
}

# publish_records PHASE: the raw records of this phase, for the collector
# to compare with what it received: PHASE.last (the last one logged: once
# it is there, all are) and PHASE.records (all, sorted).
publish_records() {
	records -k "fleet-$1" > "/tmp/$1.log-order"
	[ -s "/tmp/$1.log-order" ] || fatal "phase $1: no records of key fleet-$1 in the node's own log"
	tail -1 "/tmp/$1.log-order" > "/tmp/$1.last"
	sort "/tmp/$1.log-order" > "/tmp/$1.records"
	publish "$1.last" "/tmp/$1.last"
	publish "$1.records" "/tmp/$1.records"
	say "phase $1: published $(wc -l < "/tmp/$1.records") records"
}

# =============================================================================
# collector
# =============================================================================
collector_main() {
	local k
	up_link 52:54:00:13:01:01 10.13.1.1
	up_link 52:54:00:13:02:01 10.13.2.1
	stop_auditd TERM
	# The collector logs what it receives, and its own records as node
	# "collector".  use_libwrap = no: the binary is built without it.
	# end_of_event_timeout (read by ausearch): the records of the nodes'
	# events interleave here, the nodes' clocks differ by seconds, and an
	# event can straddle an outage; with the default, 2 s, ausearch closes
	# an event as soon as a record 2 s newer arrives, from any node, and
	# splits it.
	auditd_conf "tcp_listen_port = $PORT" "tcp_listen_queue = 5" \
		"tcp_max_per_addr = 1" "use_libwrap = no" "tcp_client_max_idle = 0" \
		"end_of_event_timeout = 120"
	start_auditd
	expect_listening
	publish ready

	# --- phase up --------------------------------------------------------
	phase=up
	say "phase up: waiting for the nodes' records"
	for k in 1 2; do
		await "10.13.$k.2" up.records "$WAIT_BOOT" "/tmp/node$k.up.records"
		await "10.13.$k.2" up.last "$WAIT_STEP" "/tmp/node$k.up.last"
		await "10.13.$k.2" ids "$WAIT_STEP" "/tmp/node$k.ids"
	done
	for k in 1 2; do
		expect_records up "node$k"
	done
	for k in 1 2; do
		check_up "$k"
	done
	expect_events "contid $SHARED, run on both nodes: $N_S1 event of node1, $N_S2 of node2" \
		"$(printf '%s\n' "$N_S1 node1 $SHARED linked" "$N_S2 node2 $SHARED linked")" \
		--containerid "$SHARED" -k fleet-up
	expect_events "ausearch --containerid $SHARED --node node2" \
		"$N_S2 node2 $SHARED linked" --containerid "$SHARED" --node node2 -k fleet-up

	collector_round kill KILL 3 4
	collector_round term TERM 5 6

	phase=done
	publish done
	for k in 1 2; do
		await "10.13.$k.2" bye "$WAIT_STEP"
	done
	finish
}

expect_listening() {
	local end=$(($(now) + WAIT_LOCAL))
	while ! netstat -ltn 2>/dev/null | grep -E "[:.]$PORT +[^ ]+ +LISTEN" >/dev/null; do
		[ "$(now)" -lt "$end" ] || fatal "auditd does not listen on TCP port $PORT (built with --disable-listener? tcp_listen_port in auditd.conf?)"
		sleep 0.1
	done
	ok "auditd listens on TCP port $PORT"
}

# collector_round PHASE SIGNAL OUTER INNER: the nodes log (contid
# prefix|INNER nested below prefix|OUTER); stop auditd with SIGNAL, let them
# log, start it again; every record they logged must arrive.
collector_round() {
	local ph=$1 k b want got m1 m2 down found
	phase=$ph
	publish "go-$ph"
	for k in 1 2; do
		await "10.13.$k.2" "$ph.logging" "$WAIT_STEP"
	done
	say "phase $ph: the nodes log; stopping auditd with SIG$2"
	sleep 2 # records flow to this auditd before it goes
	if [ "$2" = KILL ]; then
		# Frozen, it leaves the records that arrive unread in its
		# sockets: killed then, its kernel resets the connections.
		kill -STOP "$(pidof auditd)"
		sleep 2
	fi
	stop_auditd "$2"
	ok "phase $ph: auditd stopped with SIG$2 while the nodes log"
	publish "down-$ph"
	for k in 1 2; do
		await "10.13.$k.2" "$ph.down-logged" "$WAIT_STEP"
	done
	say "phase $ph: starting auditd again"
	start_auditd
	expect_listening
	publish "up-$ph"
	for k in 1 2; do
		await "10.13.$k.2" "$ph.records" "$WAIT_STEP" "/tmp/node$k.$ph.records"
		await "10.13.$k.2" "$ph.last" "$WAIT_STEP" "/tmp/node$k.$ph.last"
		await "10.13.$k.2" "$ph.window" "$WAIT_STEP" "/tmp/node$k.$ph.window"
		expect_records "$ph" "node$k"
		b=$(node_prefix "$k")
		got=$(events --containerid "$((b | $3))" --node "node$k" -k "fleet-$ph")
		if echo "$got" | grep -xE "[1-9][0-9]* node$k $((b | $3)) linked" >/dev/null &&
			echo "$got" | grep -xE "[1-9][0-9]* node$k $((b | $4)),\\^$((b | $3)) linked" >/dev/null &&
			[ "$(echo "$got" | wc -l)" -eq 2 ]; then
			ok "phase $ph: ausearch --containerid $((b | $3)) --node node$k: $(oneline "$got")"
		else
			nok "phase $ph: ausearch --containerid $((b | $3)) --node node$k: [$(oneline "$got")], want events of $((b | $3)) and $((b | $4)),^$((b | $3)), linked"
		fi
		read -r m1 m2 down < "/tmp/node$k.$ph.window"
		found=$(serials -k "fleet-$ph" --node "node$k" | awk -v a="$m1" -v b="$m2" '$1 > a && $1 < b' | wc -l)
		if [ "$found" -eq "$down" ] && [ "$down" -gt 0 ]; then
			ok "phase $ph: node$k logged $down events while auditd was down, all $found are here"
		else
			nok "phase $ph: node$k logged $down events while auditd was down, $found are here"
		fi
	done
}

# expect_records PHASE NODE: the collector's records of key fleet-PHASE
# from NODE must be exactly the records NODE logged itself.  audisp-remote
# sends in order: once NODE's last record is here, all should be.
expect_records() {
	local want=/tmp/$2.$1.records last=/tmp/$2.$1.last got=/tmp/got.$2.$1 nw ng nu
	local end=$(($(now) + WAIT_RECORDS))
	nw=$(wc -l < "$want")
	say "phase $1: waiting for the last of $2's $nw records"
	while ! grep -qxF -f "$last" /var/log/audit/audit.log; do
		if [ "$(now)" -ge "$end" ]; then
			nok "phase $1: the last record $2 logged (key fleet-$1) did not arrive within $WAIT_RECORDS s: $(cat "$last")"
			break
		fi
		sleep 1
	done
	records -k "fleet-$1" --node "$2" | sort > "$got.all"
	sort -u "$got.all" > "$got"
	ng=$(wc -l < "$got.all")
	nu=$(wc -l < "$got")
	# A record whose acknowledgement was lost is sent again: not a loss.
	[ "$ng" -eq "$nu" ] || say "phase $1: $((ng - nu)) records of $2 arrived twice"
	if cmp -s "$want" "$got"; then
		ok "phase $1: the $nw records of $(serials -k "fleet-$1" --node "$2" | wc -l) events $2 logged (key fleet-$1) arrived intact"
	else
		nok "phase $1: $2 logged $nw records of key fleet-$1, the collector has $nu; the differences (< only on $2, > only here):"
		diff "$want" "$got" | head -20 | sed 's/^/#   /' || true
	fi
}

# check_up K: the searches an operator runs for node K's contids.
check_up() {
	local k=$1 b X P Q other nodes
	b=$(node_prefix "$k")
	X=$((b | 1)) P=$((b | 2))
	Q=$(sed -n 's/^Q=//p' "/tmp/node$k.ids")
	[ -n "$Q" ] || fatal "node$k did not say which random contid it nested"
	other=node$((3 - k))
	expect_events "node$k: ausearch --containerid $X (top level)" \
		"$N_X node$k $X linked" --containerid "$X" -k fleet-up
	expect_events "node$k: ausearch --containerid $X --node node$k" \
		"$N_X node$k $X linked" --containerid "$X" --node "node$k" -k fleet-up
	expect_events "node$k: ausearch --containerid $X --node $other finds nothing" \
		"" --containerid "$X" --node "$other"
	expect_events "node$k: ausearch --containerid $P finds its own events and its nested container's" \
		"$(printf '%s\n' "$N_P node$k $P linked" "$N_Q node$k $Q,^$P linked")" \
		--containerid "$P" -k fleet-up
	expect_events "node$k: ausearch --containerid $Q (random, nested below $P)" \
		"$N_Q node$k $Q,^$P linked" --containerid "$Q" -k fleet-up
	echo "# collector: ausearch -i --containerid $Q --node node$k -k fleet-up (the first event):"
	{ ausearch -i --containerid "$Q" --node "node$k" -k fleet-up 2>/dev/null || true; } |
		awk '/^----/ {n++} n <= 1' | sed 's/^/#   /'
	# Every record of every event of these contids, keyed or not (the
	# sets, the drops), came from node K.
	nodes=$({ ausearch --raw --containerid "$X" --containerid "$P" 2>/dev/null || true; } |
		awk '{print $1}' | sort -u | tr '\n' ' ')
	if [ "$nodes" = "node=node$k " ]; then
		ok "node$k: every record of the events of contids $X and $P names node$k"
	else
		nok "node$k: the records of contids $X and $P name [$nodes], want [node=node$k]"
	fi
	# The CONTAINER_INFO record of the nested chain, as the node wrote it.
	if ausearch --raw --containerid "$Q" --node "node$k" -k fleet-up 2>/dev/null |
		grep -E "^node=node$k type=CONTAINER_INFO msg=audit\([0-9.:]+\): record=[0-9]+ contid=$Q,\^$P$" >/dev/null; then
		ok "node$k: CONTAINER_INFO record=N contid=$Q,^$P arrived intact"
	else
		nok "node$k: no CONTAINER_INFO record=N contid=$Q,^$P on the collector"
	fi
}

# =============================================================================
mkdir -p "$SRV"
syslogd -O /tmp/messages
httpd -p "$CTL" -h "$SRV" || fatal "busybox httpd did not start"
case "$role" in
collector) collector_main ;;
*) node_main ;;
esac
