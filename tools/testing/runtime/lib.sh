# Shared code of the runtime tests (tools/testing/runtime/*.sh, run in the
# Debian guest under bash; installed as /opt/acid/tests).  Not a test itself:
# check.sh runs every other *.sh.
#
# A test sources it, reports each case with ok/not_ok (or run_case), and
# ends with summary, which prints "N passed, N failed" and sets the exit
# status:
#
#	. "${0%/*}/lib.sh"
#	run_case "runc: echo hello" expect_out hello runc run ...
#	summary
set -u
passed=0
failed=0
ACID=/opt/acid
LOG=/var/log/audit/audit.log

ok() { echo "ok - $*"; passed=$((passed + 1)); }

# not_ok WHAT [REASON]
not_ok() {
	echo "not ok - $1${2:+: $2}"
	failed=$((failed + 1))
}

# note TEXT...: a diagnostic line (TAP comment)
note() { echo "# $*"; }

# indent: a command's output as TAP comments
indent() { sed 's/^/#   /'; }

# now: hundredths of a second since boot (builtins only: an exec is slow
# in this guest)
now() {
	local up _
	read -r up _ < /proc/uptime
	echo "${up/./}"
}

# elapsed T0: seconds since now() returned T0, one decimal
elapsed() {
	local d=$(($(now) - $1))
	echo "$((d / 100)).$((d % 100 / 10))"
}

# run_case WHAT EXPECT COMMAND...: run COMMAND (at most CASE_TIMEOUT s,
# default 600), record ok if it exits 0 and its output has a line equal to
# EXPECT (any output if EXPECT is empty), not ok with the reason otherwise.
# The output of a failed case, and the time of every case, are printed as
# comments.  Sets OUT to the output.
run_case() {
	local what=$1 expect=$2 t0 rc
	shift 2
	t0=$(now)
	OUT=$(timeout "${CASE_TIMEOUT:-600}" "$@" 2>&1)
	rc=$?
	note "$what: $(elapsed "$t0") s"
	if [ $rc -eq 124 ]; then
		echo "$OUT" | tail -20 | indent
		not_ok "$what" "timed out after ${CASE_TIMEOUT:-600} s: $*"
	elif [ $rc -ne 0 ]; then
		echo "$OUT" | tail -20 | indent
		not_ok "$what" "exit $rc: $*"
	elif [ -n "$expect" ] && ! grep -qxF -- "$expect" <<<"$OUT"; then
		echo "$OUT" | tail -20 | indent
		not_ok "$what" "no line '$expect' in the output of: $*"
	else
		ok "$what"
	fi
	[ $rc -eq 0 ]
}

# summary: the result line; exit status 0 if nothing failed
summary() {
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
}

# make_bundle DIR RUNTIME ARGS...: an OCI bundle in DIR whose root is the
# busybox rootfs (read-only, shared by every bundle) and whose process runs
# ARGS without a terminal, from RUNTIME's own "spec" template.
make_bundle() {
	local dir=$1 rt=$2 args="" a
	shift 2
	for a in "$@"; do
		args+="${args:+, }\"${a//\"/\\\"}\""
	done
	rm -rf "$dir"
	mkdir -p "$dir"
	(cd "$dir" && "$rt" spec) || return 1
	# runc and crun write the same template: "terminal": true, "args": [
	# "sh" ], "root": { "path": "rootfs" }.
	sed -i -e 's/"terminal": true/"terminal": false/' \
		-e "s|^\([[:space:]]*\)\"sh\"\$|\1$(printf '%s' "$args" | sed 's/[|&\\]/\\&/g')|" \
		-e "s|\"path\": \"rootfs\"|\"path\": \"$ACID/busybox-rootfs\"|" "$dir/config.json"
	grep -q '"terminal": false' "$dir/config.json" &&
		grep -qF "$args" "$dir/config.json" &&
		grep -qF "\"path\": \"$ACID/busybox-rootfs\"" "$dir/config.json" || {
		echo "make_bundle: cannot adjust the $rt spec:"
		cat "$dir/config.json"
		return 1
	}
}

# --- The OCI hook (samples/oci-hook) --------------------------------------
# Helpers of the tests that run containers with the hook (hook.sh,
# nested.sh).  detached and run_detached need the test's scratch directory
# in $work.
HOOK=/usr/local/bin/audit-containerid-hook

# need_hook: end the test (one failure) unless the image has the hook
need_hook() {
	[ -x "$HOOK" ] && return
	not_ok "the hook is installed" "no $HOOK in the image"
	summary
	exit
}

# counter NAME: a line of /proc/audit_containerid
counter() {
	sed -n "s/^$1 //p" /proc/audit_containerid
}

# contid_of PID
contid_of() {
	cat "/proc/$1/containerid" 2>/dev/null
}

# wait_pid CMDLINE: the host pid of the process whose command line is
# CMDLINE (its program with or without /bin/), within 120 s by the clock
# (each pgrep and sleep is an exec, and an exec is slow here)
wait_pid() {
	local t0 pid
	t0=$(now)
	while [ $(($(now) - t0)) -lt 12000 ]; do
		pid=$(pgrep -f "^(/bin/)?$1\$")
		[ -n "$pid" ] && echo "${pid%%$'\n'*}" && return 0
		sleep 0.1
	done
	return 1
}

# detached COMMAND...: run COMMAND (a "run -d") with its output in a file
# of $work, then print it: the container's process inherits the standard
# streams, so a pipe would stay open as long as the container runs.
detached() {
	local rc
	"$@" >"$work/detached.out" 2>&1 </dev/null
	rc=$?
	cat "$work/detached.out"
	return $rc
}

# run_detached WHAT COMMAND...: run_case for a "run -d" (see detached)
run_detached() {
	local what=$1
	shift
	if detached timeout "${CASE_TIMEOUT:-600}" "$@" >/dev/null; then
		ok "$what"
		return 0
	fi
	indent <"$work/detached.out"
	not_ok "$what" "failed: $*"
	return 1
}

# hook_spec RUNTIME [CONTID [NAME]]: members of a config.json, each ending
# in a comma, that install the hook (createRuntime and poststop) and, with
# CONTID, the annotations org.linux.audit.containerid=CONTID and
# org.linux.audit.containername=NAME (default acid-RUNTIME).
hook_spec() {
	local rt=$1 ann=${2:-} name=${3:-acid-$1} s
	s="\"hooks\": {\"createRuntime\": [{\"path\": \"$HOOK\", \"args\": [\"audit-containerid-hook\", \"--runtime\", \"$rt\", \"createRuntime\"]}],"
	s+=" \"poststop\": [{\"path\": \"$HOOK\", \"args\": [\"audit-containerid-hook\", \"--runtime\", \"$rt\", \"poststop\"]}]},"
	[ -n "$ann" ] && s+=" \"annotations\": {\"org.linux.audit.containerid\": \"$ann\", \"org.linux.audit.containername\": \"$name\"},"
	echo "$s"
}

# hooked_bundle DIR RUNTIME ANNOTATION ARGS...: make_bundle, with the hook
# and, unless ANNOTATION is empty, the annotation
# org.linux.audit.containerid=ANNOTATION (see hook_spec).
hooked_bundle() {
	local dir=$1 rt=$2 ann=$3
	shift 3
	make_bundle "$dir" "$rt" "$@" || return 1
	# After the opening brace of the spec.
	sed -i "0,/{/s||{ $(hook_spec "$rt" "$ann")|" "$dir/config.json"
	grep -q '"createRuntime"' "$dir/config.json"
}

# expect_write_logged WHAT CONTID FILE KEY [CHAIN]: the container's write of
# FILE was logged by the rule with KEY, ausearch --containerid CONTID finds
# it, and its CONTAINER_INFO reads contid=CHAIN (default CONTID: a top-level
# container).
expect_write_logged() {
	local what=$1 cid=$2 file=$3 key=$4 chain=${5:-$2} i ev
	for i in $(seq 100); do
		ev=$(ausearch -k "$key" --containerid "$cid" 2>/dev/null)
		grep -q "name=\"$file\"" <<<"$ev" && break
		sleep 0.2
	done
	# contid= is the last field of CONTAINER_INFO; "^" is literal in a chain.
	if ! grep -q "name=\"$file\"" <<<"$ev"; then
		not_ok "$what: the write is logged with its contid" \
			"ausearch -k $key --containerid $cid has no $file"
		ausearch -k "$key" 2>&1 | tail -12 | indent
	elif ! grep -q "type=CONTAINER_INFO .* contid=${chain//^/\\^}\$" <<<"$ev"; then
		not_ok "$what: the write is logged with its contid" "no CONTAINER_INFO contid=$chain"
		echo "$ev" | tail -12 | indent
	else
		ok "$what: the write is logged with its contid"
	fi
}

# expect_lifecycle WHAT CONTID ID NAME: the hook's VIRT_CONTROL op=start
# record links the contid to the container's id and name.
expect_lifecycle() {
	local what=$1 cid=$2 id=$3 name=$4 rec
	rec=$(ausearch -m VIRT_CONTROL --containerid "$cid" 2>/dev/null | grep 'op=start')
	if [ -z "$rec" ]; then
		sleep 2
		rec=$(ausearch -m VIRT_CONTROL --containerid "$cid" 2>/dev/null | grep 'op=start')
	fi
	if grep -q "vm=\"$name\" uuid=$id .*contid=$cid .*res=success" <<<"$rec"; then
		ok "$what: VIRT_CONTROL names the container"
	else
		not_ok "$what: VIRT_CONTROL names the container" "no op=start record for $id"
		ausearch -m VIRT_CONTROL 2>&1 | tail -6 | indent
	fi
}

# expect_no_live WHAT: no tagged task and no object left (60 s to settle)
expect_no_live() {
	local i
	for i in $(seq 300); do
		[ "$(counter tasks)" = 0 ] && [ "$(counter objects)" = 0 ] && break
		sleep 0.2
	done
	if [ "$(counter tasks)" = 0 ] && [ "$(counter objects)" = 0 ]; then
		ok "$1: no contid left once the containers are gone"
	else
		not_ok "$1: no contid left once the containers are gone" \
			"$(tr '\n' ' ' </proc/audit_containerid)"
	fi
}
