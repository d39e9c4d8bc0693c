#!/bin/sh
# Host-side test of the patched ausearch (patches/audit-3.0.9) on sample.log:
# --containerid matching (own id, ancestors, netns chains, old-contid, unset,
# repeated option), grouping of CONTAINER with its SYSCALL, -m with the new
# record type names and -i interpretation of contid/old-contid.
# Needs only the built ausearch binary; POSIX sh so it also runs in the guest.
#
#   AUSEARCH=build/out/ausearch tools/testing/audit-userspace/run.sh
#
# Prints one line per check and "N passed, N failed"; exits 1 on any failure.

here=$(cd "$(dirname "$0")" && pwd)
LOG=${LOG:-$here/sample.log}
AUSEARCH=${AUSEARCH:-$here/../../../build/out/ausearch}
pass=0
fail=0

[ -x "$AUSEARCH" ] || { echo "ausearch not found at $AUSEARCH (run scripts/build-audit.sh)"; exit 2; }
[ -r "$LOG" ] || { echo "no sample log at $LOG"; exit 2; }

ok()  { pass=$((pass + 1)); echo "ok   $*"; }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }

# Serial numbers of the events ausearch prints, sorted, space separated.
serials() {
	"$AUSEARCH" -if "$LOG" "$@" 2>/dev/null |
		sed -n 's/.*msg=audit([^)]*:\([0-9][0-9]*\)).*/\1/p' |
		sort -n -u | tr '\n' ' ' | sed 's/ $//'
}

# expect "<serials>" ausearch-args...
expect() {
	want=$1
	shift
	got=$(serials "$@")
	if [ "$got" = "$want" ]; then
		ok "ausearch $* -> [$got]"
	else
		bad "ausearch $* -> [$got], want [$want]"
	fi
}

# expect_error ausearch-args...: must exit non-zero and say why
expect_error() {
	out=$("$AUSEARCH" -if "$LOG" "$@" 2>&1 >/dev/null)
	rc=$?
	if [ $rc -ne 0 ] && echo "$out" | grep -qi 'container id'; then
		ok "ausearch $* refused: $(echo "$out" | grep -i 'container id' | head -n1)"
	else
		bad "ausearch $* -> rc=$rc, output: $out"
	fi
}

# expect_output "<fixed string>" ausearch-args...
expect_output() {
	str=$1
	shift
	if "$AUSEARCH" -if "$LOG" "$@" 2>/dev/null | grep -qF -- "$str"; then
		ok "ausearch $* shows '$str'"
	else
		bad "ausearch $* does not show '$str'"
	fi
}

# --- --containerid matching ---------------------------------------------------
expect "42"          --containerid 123456            # contid= of a set
expect ""            --containerid 12345             # no prefix/substring match
expect ""            --containerid 1234567
expect "43"          --containerid 4                 # own id of a chain
expect "43 47"       --containerid 2                 # ancestor; netns chain
expect "43 45 47"    --containerid 1                 # deepest ancestor, old-contid chain
expect "47"          --containerid 3                 # second chain of a netns
expect "45"          --containerid 5                 # old-contid=5,^1
expect "45"          --containerid 7
expect "42 46"       --containerid unset             # old-contid=-1
expect "48"          --containerid 18446744073709551614
expect ""            --containerid 44                # serial 44 has no container
expect ""            --containerid 99
expect "45 46"       --containerid 7 --containerid 8 # repeatable, any matches
expect "42 43"       --containerid 123456 --containerid 4
expect "43"          --contid 4                      # alias
expect "43"          --containerid 2 -k k            # and-ed with other options
expect ""            --containerid 123456 -k k

expect_error --containerid abc
expect_error --containerid 0x10
expect_error --containerid 5x
expect_error --containerid 99999999999999999999999
if "$AUSEARCH" -if "$LOG" --containerid >/dev/null 2>&1; then
	bad "ausearch --containerid without a value accepted"
else
	ok "ausearch --containerid without a value refused"
fi

# --- record types and grouping ----------------------------------------------------
expect "42 45 46"    -m CONTAINER
expect "43 47 48"    -m CONTAINER_INFO
expect "42 43 45 46 47 48" -m CONTAINER,CONTAINER_INFO

# The CONTAINER record and the SYSCALL of the same serial form one event.
ev=$("$AUSEARCH" -if "$LOG" -a 42 2>/dev/null)
n=$(echo "$ev" | grep -c '^----')
if [ "$n" = 1 ] && echo "$ev" | grep -q '^type=CONTAINER ' &&
   echo "$ev" | grep -q '^type=SYSCALL ' && echo "$ev" | grep -q '^type=PROCTITLE '; then
	ok "serial 42: CONTAINER, SYSCALL and PROCTITLE are one event"
else
	bad "serial 42 is not one event: $ev"
fi
ev=$("$AUSEARCH" -if "$LOG" --containerid 8 2>/dev/null)
if echo "$ev" | grep -q 'comm="evil"'; then
	ok "--containerid 8 prints the SYSCALL record of the refused set"
else
	bad "--containerid 8 lost the SYSCALL record: $ev"
fi

# --- interpretation ----------------------------------------------------------------
expect_output "type=CONTAINER msg=audit("             -i --containerid 123456
expect_output "contid=123456 old-contid=unset res=yes" -i --containerid 123456
expect_output "old-contid=5,^1 "                      -i --containerid 5
expect_output "type=CONTAINER_INFO msg=audit("        -i --containerid 4
expect_output "record=1 contid=4,^2,^1"               -i --containerid 4
expect_output "contid=2,^1,3,^1"                      -i --containerid 3
expect_output "res=no"                                -i --containerid 8
expect_output "type=CONTAINER "                       --containerid 123456
if "$AUSEARCH" -if "$LOG" -i 2>/dev/null | grep -q 'UNKNOWN\['; then
	bad "ausearch -i prints UNKNOWN[] record types"
else
	ok "ausearch -i names every record type"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
