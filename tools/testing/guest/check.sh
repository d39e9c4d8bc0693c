#!/bin/sh
# Runs in the guest: every kselftest, then every shell test in /guest/tests.
# Ends with "N passed, N failed" over all of them.
passed=0
failed=0
out=/tmp/selftests.out

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
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
