#!/bin/bash
# make bench: the cost of the feature on a production kernel, against the
# same kernel unpatched.  tools/testing/bench/bench.sh runs in one boot of
# each kernel (build/out/base/: pristine 6.12; build/out/prod/: with the
# series and the module) under QEMU -icount, on one vCPU, so guest time
# counts the instructions of everything a row makes the guest do, auditd's
# included.  The rows of both boots become one table of ratios, each
# against the reference it names, with the goal of issue 10 beside it.
# Output: the table, also in build/out/bench/table.txt.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/build/out/bench
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out"
gcc -static -O2 -Wall -Wextra -o "$tmp/bench_contid" "$top/tools/testing/bench/bench_contid.c"
cp "$top/tools/testing/bench/bench.sh" "$tmp/"

# boot NAME KERNELDIR: the guest half on one kernel; its rows in $out/NAME.rows.
boot() {
	local name=$1 dir=$2
	echo "bench: $name kernel ($dir), under -icount shift=0,sleep=off"
	ACID_KERNEL=$dir/bzImage ACID_INITRD=$dir/initramfs.cpio.gz \
		ACID_GUEST_FILES=$tmp ACID_TIMEOUT=${ACID_TIMEOUT:-3600} \
		ACID_SMP=1 ACID_MEM=3072 ACID_QEMU_EXTRA="-icount shift=0,sleep=off" \
		"$top/scripts/qemu-run.sh" job "$top/tools/testing/bench/bench.sh" \
		> "$out/$name.log" 2>&1 || {
		tail -30 "$out/$name.log"
		echo "bench: the $name boot failed; its log is $out/$name.log" >&2
		exit 1
	}
	# A row may share its line with the console's escape codes.
	tr -d '\r' < "$out/$name.log" |
		awk -v k="$name" 'i = index($0, "ROW ") { split(substr($0, i), f, " "); print k "." f[2], f[3] }' \
		> "$out/$name.rows"
}
boot base "$top/build/out/base"
boot patched "$top/build/out/prod"

# The table: key, what it measures, the reference key, the goal ("-" for
# none).  Values are guest ns per operation.
cat "$out/base.rows" "$out/patched.rows" | awk '
function show(key, what, ref, goal,    v, r, ratio, mark) {
	v = val[key]
	if (v == "") { printf "%-66s %12s\n", what, "missing"; bad = 1; return }
	if (ref == "") { printf "%-66s %12d\n", what, v; return }
	r = val[ref]
	ratio = r > 0 ? v / r : 0
	mark = ""
	if (goal != "-") {
		mark = ratio <= goal + 0 ? "ok" : "OVER"
		if (mark == "OVER") over++
	}
	printf "%-66s %12d %7.3f  %-12s %s\n", what, v, ratio, goal == "-" ? "" : "<= " goal, mark
	printf "%-66s %12s   vs %s\n", "", "", refname[ref]
}
{ val[$1] = $2 }
END {
	refname["base.syscall"] = "unpatched, no rules"
	refname["base.syscall.session"] = "unpatched, sessionid rule"
	refname["patched.syscall.session.tagged"] = "sessionid rule, tagged"
	refname["patched.syscall.contid.tagged"] = "containerid rule, 1 tagged task"
	refname["patched.syscall.contid.crowd.none"] = "the 10,000 tasks untagged"
	refname["base.logged"] = "unpatched, logged"
	refname["patched.logged.untagged"] = "logged, untagged"
	refname["base.logged.sink"] = "unpatched, logged to the reader"
	refname["patched.logged.sink.untagged"] = "logged to the reader, untagged"
	refname["base.fork"] = "unpatched fork"
	refname["patched.fork.untagged"] = "fork, untagged"
	refname["patched.set.0"] = "a set with no other id live"
	refname["base.packet"] = "unpatched packet"
	refname["patched.packet.unloaded"] = "packet, module not loaded"
	refname["patched.packet.loaded"] = "packet, no tagged task in the netns"
	printf "%-66s %12s %7s  %-12s\n", "guest ns per operation (-icount, 1 vCPU)", "ns", "ratio", "goal"
	print "== getppid(), no rules =="
	show("base.syscall", "unpatched 6.12")
	show("patched.syscall.unloaded", "series, module not loaded", "base.syscall", "1.005")
	show("patched.syscall.untagged", "module loaded, untagged task", "base.syscall", "1.005")
	show("patched.syscall.tagged", "module loaded, tagged task", "base.syscall", "1.005")
	print "== getppid(), one exit rule on it that does not match =="
	show("base.syscall.session", "unpatched, -F sessionid=12345", "base.syscall", "-")
	show("patched.syscall.session.tagged", "series, -F sessionid=12345, tagged task", "base.syscall.session", "-")
	show("patched.syscall.contid.untagged", "-F containerid=999, untagged task", "patched.syscall.session.tagged", "-")
	show("patched.syscall.contid.tagged", "-F containerid=999, tagged task", "patched.syscall.session.tagged", "1.05")
	show("patched.syscall.contid.crowd.none", "the same, 10,000 other tasks alive, untagged", "patched.syscall.contid.tagged", "-")
	show("patched.syscall.contid.crowd", "the same, 10,000 tagged tasks, 1,000 contids 3 deep", "patched.syscall.contid.tagged", "1.01")
	show("patched.syscall.contid.crowd", "    the same, against those tasks untagged", "patched.syscall.contid.crowd.none", "1.01")
	print "== getppid(), every call logged (-F key=bench), auditd writing =="
	show("base.logged", "unpatched: SYSCALL + PROCTITLE")
	show("patched.logged.untagged", "series, untagged task", "base.logged", "-")
	show("patched.logged.tagged", "tagged task: + CONTAINER_INFO", "patched.logged.untagged", "1.10")
	print "== the same, auditd replaced by a reader that keeps nothing: the kernel part =="
	show("base.logged.sink", "unpatched: SYSCALL + PROCTITLE")
	show("patched.logged.sink.untagged", "series, untagged task", "base.logged.sink", "-")
	show("patched.logged.sink.tagged", "tagged task: + CONTAINER_INFO", "patched.logged.sink.untagged", "-")
	print "== fork() + exit + wait(), no rules =="
	show("base.fork", "unpatched 6.12")
	show("patched.fork.untagged", "series, untagged task", "base.fork", "-")
	show("patched.fork.tagged", "tagged task", "patched.fork.untagged", "1.05")
	show("patched.fork.crowd.untagged", "untagged, the netns holding 1,000 contids", "patched.fork.untagged", "-")
	show("patched.fork.crowd.tagged", "tagged, the netns holding 1,000 contids", "patched.fork.untagged", "1.05")
	print "== /proc/PID/containerid set: open + write + close =="
	show("patched.set.0", "no other id live")
	show("patched.set.10000", "10,000 ids live", "patched.set.0", "-")
	print "== UDP datagram through an iptables AUDIT rule, auditd writing =="
	show("base.packet", "unpatched 6.12")
	show("patched.packet.unloaded", "series, module not loaded", "base.packet", "-")
	show("patched.packet.loaded", "module loaded, no tagged task in the netns", "patched.packet.unloaded", "1.01")
	show("patched.packet.contids.1", "1 contid in the netns", "patched.packet.loaded", "-")
	show("patched.packet.contids.100", "100 contids in the netns", "patched.packet.loaded", "-")
	show("patched.packet.contids.1000", "1,000 contids in the netns", "patched.packet.loaded", "-")
	print "== memory (objects of kmalloc-8 to kmalloc-512, 10,000 sleeping tasks) =="
	o = (val["patched.slab.1000"] - val["patched.slab.100"]) / 900
	t = (val["patched.slab.100"] - val["patched.slab.none"] - 100 * o) / 10000
	printf "%-66s %12d bytes\n", "task_struct, unpatched", val["base.task_struct"]
	printf "%-66s %12d bytes\n", "task_struct, series (the slot of every task)", val["patched.task_struct"]
	printf "%-66s %12.0f bytes\n", "per contid (object, netns member, id registry)", o
	printf "%-66s %12.0f bytes\n", "per tagged task, beyond task_struct", t
	if (over) printf "%d rows over their goal\n", over
	exit bad
}' | tee "$out/table.txt"
