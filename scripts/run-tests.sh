#!/bin/bash
# Run every test: host unit tests, then the kselftests and shell tests in
# the booted guest.  Ends with one line "N passed, N failed" summing all of
# them; exits non-zero on any failure, or if a stage could not run at all.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
passed=0
failed=0
broken=0

# count LOG WHAT [all]: add the last "N passed, N failed" line of LOG to the
# totals, or every such line with "all" (a log of several suites).
count() {
	local lines line p f
	lines=$(grep -E '^([A-Za-z-]+: )?[0-9]+ passed, [0-9]+ failed' "$1")
	[ "${3:-}" = all ] || lines=$(echo "$lines" | tail -1)
	if [ -z "$lines" ]; then
		echo "run-tests: ERROR: no result line from $2" >&2
		broken=$((broken + 1))
		return
	fi
	while read -r line; do
		p=$(echo "$line" | sed -E 's/^([A-Za-z-]+: )?([0-9]+) passed.*/\2/')
		f=$(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')
		passed=$((passed + p))
		failed=$((failed + f))
	done <<< "$lines"
}

log=$(mktemp)
trap 'rm -f "$log"' EXIT

echo "=== host: rust unit tests (rust/contid.rs) ==="
mkdir -p "$top/build/host"
if rustc --edition 2021 --test "$top/tools/testing/rust-host/contid_test.rs" \
	-o "$top/build/host/contid_test" >"$log" 2>&1 && "$top/build/host/contid_test" >"$log" 2>&1; then
	:
fi
cat "$log"
line=$(grep -E '^test result:' "$log" | tail -1)
if [ -n "$line" ]; then
	passed=$((passed + $(echo "$line" | sed -E 's/.* ([0-9]+) passed.*/\1/')))
	failed=$((failed + $(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')))
else
	echo "run-tests: ERROR: rust unit tests did not run" >&2
	broken=$((broken + 1))
fi

echo "=== host: OCI hook unit tests (samples/oci-hook, cargo test) ==="
if CARGO_TARGET_DIR="$top/build/cargo" cargo test -q --locked \
	--manifest-path "$top/samples/oci-hook/Cargo.toml" >"$log" 2>&1; then
	:
fi
cat "$log"
# cargo prints one "test result:" line per test target; sum them.
lines=$(grep -E '^test result:' "$log")
if [ -n "$lines" ]; then
	while read -r line; do
		passed=$((passed + $(echo "$line" | sed -E 's/.* ([0-9]+) passed.*/\1/')))
		failed=$((failed + $(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')))
	done <<< "$lines"
else
	echo "run-tests: ERROR: the OCI hook unit tests did not run" >&2
	broken=$((broken + 1))
fi

if [ -d "$top/tools/testing/audit-userspace" ]; then
	echo "=== host: audit userspace (auditctl rules, ausearch) ==="
	make -s -C "$top/tools/testing/audit-userspace" check >"$log" 2>&1
	cat "$log"
	count "$log" "audit userspace tests" all
fi

echo "=== series: every patch builds, passes checkpatch; size and ABI file ==="
"$top/scripts/check-series.sh" >"$log" 2>&1
rc=$?
cat "$log"
sp=$(grep -c '^ok ' "$log")
sf=$(grep -c '^FAIL ' "$log")
echo "series: $sp passed, $sf failed" | tee -a "$log"
count "$log" "the series check"
if [ "$rc" -ne 0 ] && [ "$sf" -eq 0 ]; then
	echo "run-tests: ERROR: the series check did not finish (exit $rc)" >&2
	broken=$((broken + 1))
fi

# guest_stage WHAT COMMAND...: run a guest stage, count its results; a
# stage that fails without a failed result is broken.
guest_stage() {
	local what=$1 rc before=$failed
	shift
	"$@" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	count "$log" "$what"
	if [ "$rc" -ne 0 ] && [ "$failed" -eq "$before" ]; then
		echo "run-tests: ERROR: $what failed (exit $rc)" >&2
		broken=$((broken + 1))
	fi
}

echo "=== guest: kselftests and shell tests (QEMU) ==="
guest_stage "the guest" env ACID_TIMEOUT="${ACID_TIMEOUT:-2400}" \
	"$top/scripts/qemu-run.sh" job "$top/tools/testing/guest/check.sh"

echo "=== guest: a kernel built without CONFIG_AUDIT_CONTAINERID ==="
nfiles=$(mktemp -d)
trap 'rm -f "$log" "$nfiles.job"; rm -rf "$nfiles"' EXIT
mkdir -p "$nfiles/noacid"
cp "$top/build/selftests-noacid/noacid_test" "$nfiles/noacid/"
printf '/guest/run-selftests.sh /guest/noacid\n' > "$nfiles.job"
guest_stage "the CONFIG_AUDIT_CONTAINERID=n guest" env \
	ACID_KERNEL="$top/build/out/bzImage-noacid" ACID_APPEND=acid.nomodule \
	ACID_GUEST_FILES="$nfiles" ACID_TIMEOUT=300 \
	"$top/scripts/qemu-run.sh" job "$nfiles.job"

echo "=== guest: runc, crun and podman with the OCI hook (Debian guest) ==="
guest_stage "the runtime tests" env ACID_ROOT_IMG="$top/build/debian/root.img" \
	ACID_TIMEOUT="${ACID_TIMEOUT_RUNTIME:-1800}" \
	"$top/scripts/qemu-run.sh" job "$top/tools/testing/runtime/check.sh"

echo "=== guest: a fleet, two nodes and a collector (audisp-remote) ==="
guest_stage "the fleet test" "$top/scripts/fleet-run.sh"

echo
if [ "$broken" -gt 0 ]; then
	failed=$((failed + broken))
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
