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
