#!/bin/sh
# Runs in the guest: every kselftest, then every shell test in /guest/tests.
# Ends with "N passed, N failed" over all of them.  After each suite and
# each shell test nothing may stay tagged: that is checked as a test too.
passed=0
failed=0
out=/tmp/selftests.out

# idle WHAT: wait (up to 10 s: an exit is seen a little after the reap) for
# every counter of /proc/audit_containerid to be 0, else count a failure
# for WHAT.
idle() {
	i=0
	while [ "$(grep -c ' 0$' /proc/audit_containerid)" != 3 ]; do
		i=$((i + 1))
		if [ $i -ge 100 ]; then
			echo "not ok - $1 left contids behind: $(tr '\n' ' ' < /proc/audit_containerid)"
			failed=$((failed + 1))
			return
		fi
		sleep 0.1
	done
}

idle "the guest before the tests"

if [ -x /guest/run-selftests.sh ]; then
	/guest/run-selftests.sh 2>&1 | tee "$out"
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$out" | tail -1)
	if [ -n "$line" ]; then
		passed=$((passed + ${line%% passed*}))
		f=${line##*, }
		failed=$((failed + ${f%% failed*}))
	else
		echo "not ok - kselftests produced no result line"
		failed=$((failed + 1))
	fi
	idle "the kselftests"
fi

for t in /guest/tests/*.sh; do
	[ -f "$t" ] || continue
	name=$(basename "$t" .sh)
	echo "# shell test: $name"
	if sh "$t" > /tmp/shtest.out 2>&1; then
		sed 's/^/#   /' /tmp/shtest.out
		echo "ok - $name"
		passed=$((passed + 1))
	else
		sed 's/^/#   /' /tmp/shtest.out
		echo "not ok - $name"
		failed=$((failed + 1))
	fi
	idle "$name"
done

# After the whole suite kmemleak must find nothing unreferenced.
. /guest/lib/kmemleak.sh
if kmemleak_clean; then
	passed=$((passed + 1))
else
	failed=$((failed + 1))
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
