#!/bin/bash
# make stress: the long runs of the reliability tests on the test kernel
# (KASAN, UBSAN, kmemleak, lockdep): the races at 10,000 iterations and
# more, the fuzzers at 100,000 inputs and more, the fault sweeps and the
# module load/unload cycles at full count (ACID_STRESS=1), then a kmemleak
# scan.  Seeded: ACID_SEED=<n> replays a run (the default is the time).
# Ends with "N passed, N failed", like make check.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
seed=${ACID_SEED:-$(date +%s)}
tests=${ACID_STRESS_TESTS:-"integrity_test race_test fuzz_test lost_test fault_test netns_fault_test netns_scale_test"}
job=$(mktemp)
trap 'rm -f "$job"' EXIT
cat > "$job" <<JOB
export ACID_STRESS=1 ACID_SEED=$seed
mkdir -p /tmp/stress
for t in $tests; do
	[ -x /selftests/\$t ] && cp /selftests/\$t /tmp/stress/
done
/guest/run-selftests.sh /tmp/stress 2>&1 | tee /tmp/stress.out
line=\$(grep -E '^[0-9]+ passed, [0-9]+ failed' /tmp/stress.out | tail -1)
p=0
f=1
if [ -n "\$line" ]; then
	p=\${line%% passed*}
	f=\${line##*, }
	f=\${f%% failed*}
fi
. /guest/lib/kmemleak.sh
if kmemleak_clean; then p=\$((p + 1)); else f=\$((f + 1)); fi
echo "\$p passed, \$f failed"
[ "\$f" -eq 0 ]
JOB
echo "stress: seed $seed (ACID_SEED=$seed replays it); tests: $tests"
# 4 GiB: netns_scale_test runs 10,000 processes, over threads-max in 1 GiB.
ACID_MEM=${ACID_MEM:-4096} ACID_TIMEOUT=${ACID_TIMEOUT:-7200} "$top/scripts/qemu-run.sh" job "$job"
