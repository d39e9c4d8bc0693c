#!/bin/bash
# Runs in the Debian guest (ACID_ROOT_IMG=build/debian/root.img
# scripts/qemu-run.sh job tools/testing/runtime/check.sh): every runtime
# test of /opt/acid/tests (the copy in the image), or of the directories
# given as arguments.  Ends with "N passed, N failed" over all of them.
passed=0
failed=0
dirs=("$@")
[ ${#dirs[@]} -gt 0 ] || dirs=(/opt/acid/tests)
for d in "${dirs[@]}"; do
	for t in "$d"/*.sh; do
		name=$(basename "$t" .sh)
		case "$name" in lib | check) continue ;; esac
		echo "# runtime test: $name"
		bash "$t" > /tmp/rttest.out 2>&1
		rc=$?
		# The test's own result line, as a comment: only the total counts.
		sed -E 's/^([0-9]+ passed, [0-9]+ failed)$/# '"$name"': \1/' /tmp/rttest.out
		line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' /tmp/rttest.out | tail -1)
		if [ -n "$line" ]; then
			passed=$((passed + ${line%% passed*}))
			f=${line##*, }
			failed=$((failed + ${f%% failed*}))
			if [ $rc -ne 0 ] && [ "${f%% failed*}" -eq 0 ]; then
				echo "not ok - $name exited $rc after its result line"
				failed=$((failed + 1))
			fi
		else
			echo "not ok - $name produced no result line (exit $rc)"
			failed=$((failed + 1))
		fi
	done
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
