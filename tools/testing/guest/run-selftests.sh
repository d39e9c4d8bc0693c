#!/bin/sh
# Runs in the guest: every kselftest binary in /selftests (or the directory
# given as $1), prints its TAP output, and ends with exactly one line
# "N passed, N failed" counting individual test cases.  A binary that dies
# without reporting a plan's worth of results counts its missing cases as
# failed.  Exits non-zero if anything failed.
dir=${1:-/selftests}
passed=0
failed=0
out=/tmp/kselftest.$$

for t in "$dir"/*; do
	[ -f "$t" ] && [ -x "$t" ] || continue
	name=$(basename "$t")
	echo "# selftest: $name"
	"$t" > "$out" 2>&1
	rc=$?
	cat "$out"
	# Only the test binary's own result lines: "ok N name" / "not ok N name"
	# (kselftest_harness prints nested diagnostics with a leading '#').
	p=$(grep -cE '^ok [0-9]+ ' "$out")
	f=$(grep -cE '^not ok [0-9]+ ' "$out")
	s=$(grep -E '^ok [0-9]+ .*# *SKIP' "$out" | wc -l)
	# A skip is not a pass: these tests have no reason to skip.
	p=$((p - s))
	f=$((f + s))
	plan=$(sed -n 's/^1\.\.\([0-9][0-9]*\).*/\1/p' "$out" | head -1)
	if [ -n "$plan" ] && [ $((p + f)) -lt "$plan" ]; then
		echo "not ok - $name: only $((p + f)) of $plan results (exit $rc)"
		f=$((plan - p))
	elif [ -z "$plan" ]; then
		echo "not ok - $name: no TAP plan (exit $rc)"
		f=$((f + 1))
	elif [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - $name: exit status $rc with no failed case"
		f=1
	fi
	passed=$((passed + p))
	failed=$((failed + f))
done
rm -f "$out"
if [ $((passed + failed)) -eq 0 ]; then
	echo "not ok - no selftest found in $dir"
	failed=1
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
