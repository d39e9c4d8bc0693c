#!/bin/bash
# A nested runtime with the OCI hook: an outer runc container, tagged by the
# hook with contid A, runs a runtime inside itself, which starts an inner
# busybox container with the hook too.  The inner hook runs under A with
# CAP_AUDIT_CONTROL in the initial user namespace (the outer container is
# privileged and has no user namespace), so the contid it sets nests below
# A.  For each inner runtime (runc, crun):
#
# - the outer container's process has contid A;
# - the inner container's process has contid B, and the hook's set is
#   logged as a nested one (old-contid=A);
# - the inner container's write is logged by a rule on B with the chain
#   contid=B,^A, and ausearch --containerid A finds it too (an ancestor in
#   a chain matches);
# - the inner hook's VIRT_CONTROL record names the inner container;
# - once both containers are deleted, no contid is live.
#
# A third case delegates to a user namespace: the outer runc container has
# its own user namespace (root mapped to the host's uids 0-65535), so the
# inner hook (run by crun) lacks CAP_AUDIT_CONTROL in the initial user
# namespace; it has it in the user namespace recorded on A, the outer
# container's, which is what lets it nest B below A
# (Documentation/admin-guide/audit-containerid.rst, "Delegation to user
# namespaces").  The same checks, and that the outer container has a user
# namespace of its own; but not the VIRT_CONTROL one: the kernel takes no
# user messages from outside the initial user namespace, so the inner hook
# only notes that its record is not logged (the kernel's CONTAINER record
# of the set stands) and, failing closed otherwise, lets the container
# start.
#
# The outer container's root is the guest's own root, read-only, so that
# the runtimes, the hook and this script are there; it runs this script
# again with "inside" as its first argument.
. "${0%/*}/lib.sh"

# inside RUNTIME ID BUNDLE [OPTION...]: in the outer container, start the
# inner container ID of BUNDLE with RUNTIME and its global OPTIONs, and say
# how that went ("inside: ...
# exit N"); then stay as the outer container's init, which reaps the inner
# container's process once it is killed (the inner runtime is not its
# parent).  The output goes to the outer container's log on the host.
inside() {
	local rt=$1 id=$2 bundle=$3
	shift 3
	# The outer container's own tmpfs, for detached's output.
	work=/tmp
	# The state in the outer container's /run (a tmpfs): it does not
	# clash with the host's runtime.
	detached "$rt" "$@" --root /run/acid-inner run -d --bundle "$bundle" "$id"
	echo "inside: $rt run -d exit $?"
	sleep 1004 &
	wait
}

if [ "${1:-}" = inside ]; then
	shift
	inside "$@"
	exit
fi

need_hook

# This script, as the outer container sees it (through its root).
self=$(cd "${0%/*}" && pwd)/${0##*/}
work=$(mktemp -d /var/tmp/nested.XXXXXX)
# The outer container's root: the guest's root, bound elsewhere (without
# its submounts), read-only.  "/" itself cannot be a bundle's root: the
# runtime's pivot_root into the current root fails (EBUSY).  Outside $work,
# so that removing $work can never reach into it.
root=/run/acid-nested-root
mkdir -p "$root"
trap 'umount "$root"; rmdir "$root"; rm -rf "$work"' EXIT
if ! mount --bind / "$root" || ! mount -o remount,bind,ro "$root"; then
	not_ok "a read-only bind mount of the guest's root" "mount failed"
	summary
	exit
fi

# Every capability of Linux 6.12, for the privileged outer container.
caps=$(printf '"CAP_%s", ' CHOWN DAC_OVERRIDE DAC_READ_SEARCH FOWNER FSETID \
	KILL SETGID SETUID SETPCAP LINUX_IMMUTABLE NET_BIND_SERVICE \
	NET_BROADCAST NET_ADMIN NET_RAW IPC_LOCK IPC_OWNER SYS_MODULE SYS_RAWIO \
	SYS_CHROOT SYS_PTRACE SYS_PACCT SYS_ADMIN SYS_BOOT SYS_NICE SYS_RESOURCE \
	SYS_TIME SYS_TTY_CONFIG MKNOD LEASE AUDIT_WRITE AUDIT_CONTROL SETFCAP \
	MAC_OVERRIDE MAC_ADMIN SYSLOG WAKE_ALARM BLOCK_SUSPEND AUDIT_READ \
	PERFMON BPF CHECKPOINT_RESTORE)
caps=${caps%, }

# outer_bundle DIR RUNTIME CONTID ARGS...: a privileged bundle whose root
# is $root, read-only: no user namespace, every capability, no seccomp, no
# masked paths, every device; cgroup2 read-write (for the inner runtime's
# cgroup), tmpfs on /run and /tmp (its state and scratch space); the hook
# with contid CONTID.  Written whole rather than edited from "runc spec":
# too much of the template changes.  With USERNS non-empty, the container
# has a user namespace instead, whose root is the host's root (uids and
# gids 0-65535 as themselves: the read-only root keeps its owners).
outer_bundle() {
	local dir=$1 rt=$2 cid=$3 userns=$4 args="" a ns="" maps=""
	shift 4
	if [ -n "$userns" ]; then
		ns=', {"type": "user"}'
		maps='"uidMappings": [{"containerID": 0, "hostID": 0, "size": 65536}],'
		maps+=' "gidMappings": [{"containerID": 0, "hostID": 0, "size": 65536}],'
	fi
	for a in "$@"; do
		args+="${args:+, }\"${a//\"/\\\"}\""
	done
	mkdir -p "$dir"
	cat >"$dir/config.json" <<EOF
{
	$(hook_spec "$rt" "$cid" acid-outer)
	"ociVersion": "1.0.2-dev",
	"process": {
		"terminal": false,
		"user": {"uid": 0, "gid": 0},
		"args": [$args],
		"env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root"],
		"cwd": "/",
		"capabilities": {"bounding": [$caps], "effective": [$caps], "permitted": [$caps]},
		"noNewPrivileges": false
	},
	"root": {"path": "$root", "readonly": true},
	"hostname": "acid-outer",
	"mounts": [
		{"destination": "/proc", "type": "proc", "source": "proc"},
		{"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
		{"destination": "/dev/pts", "type": "devpts", "source": "devpts", "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]},
		{"destination": "/dev/shm", "type": "tmpfs", "source": "shm", "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]},
		{"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue", "options": ["nosuid", "noexec", "nodev"]},
		{"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["nosuid", "noexec", "nodev"]},
		{"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup", "options": ["nosuid", "noexec", "nodev", "relatime", "rw"]},
		{"destination": "/run", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "nodev", "mode=755"]},
		{"destination": "/tmp", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "nodev", "mode=1777"]}
	],
	"linux": {
		"resources": {"devices": [{"allow": true, "access": "rwm"}]},
		"namespaces": [{"type": "pid"}, {"type": "network"}, {"type": "ipc"}, {"type": "uts"}, {"type": "mount"}, {"type": "cgroup"}$ns]${maps:+,
		${maps%,}}
	}
}
EOF
}

# state_pid RUNTIME ID: the host pid of the container's init
state_pid() {
	"$1" state "$2" 2>/dev/null | sed -n 's/^[[:space:]]*"pid": \([0-9]*\),*$/\1/p'
}

# wait_inner LOG: the host pid of the inner container's process, or nothing
# once the outer container's LOG says the inner runtime failed, or after
# 120 s (counted by the clock: each pgrep and sleep is an exec, and an exec
# is slow here)
wait_inner() {
	local t0 pid
	t0=$(now)
	while [ $(($(now) - t0)) -lt 12000 ]; do
		pid=$(pgrep -f '^(/bin/)?sleep 1003$')
		[ -n "$pid" ] && echo "${pid%%$'\n'*}" && return 0
		[[ $(<"$1") == *"run -d exit "[1-9]* ]] && return 1
		sleep 0.5
	done
	return 1
}

auditctl -D >/dev/null

outer_rt=runc
n=0
for c in runc crun crun-userns; do
	n=$((n + 1))
	A=$((4260 + 2 * n))
	B=$((A + 1))
	rt=${c%-userns}
	userns=
	opts=()
	[ "$c" != "$rt" ] && userns=1
	key=acid-nested-$c
	what="$rt in $outer_rt${userns:+ (user namespace)}"
	outer=acid-outer-$c-$$
	inner=acid-inner-$c-$$
	# The inner bundle is made here, not inside: every exec takes two to
	# three times as long in the outer container (a second or more).  The
	# outer container sees $work through its root, read-only, which is
	# all the runtimes need of a bundle.
	if ! out=$(hooked_bundle "$work/inner-$c" "$rt" "$B" /bin/sh -c \
		'sleep 1; echo x > /dev/shm/acid-nested; exec sleep 1003' 2>&1); then
		echo "$out" | indent
		not_ok "$what: bundles with the hook" "cannot make them"
		continue
	fi
	if [ -n "$userns" ]; then
		# In the outer user namespace: no cgroup for the inner
		# container (the host's cgroup files are not the outer
		# root's), hence no resources.
		opts=(--cgroup-manager=disabled)
		sed -i -e '/^\t\t"resources": {$/,/^\t\t},$/d' "$work/inner-$c/config.json"
		if grep -q '"resources"' "$work/inner-$c/config.json"; then
			not_ok "$what: bundles with the hook" "cannot adjust the inner one"
			continue
		fi
	fi
	outer_bundle "$work/outer-$c" "$outer_rt" "$A" "$userns" \
		/bin/bash "$self" inside "$rt" "$inner" "$work/inner-$c" "${opts[@]}"
	rule=(exit,always -F arch=b64 -S openat -F containerid=$B -F success=1 -k "$key")
	auditctl -a "${rule[@]}"

	t0=$(now)
	if ! timeout 300 "$outer_rt" run -d --bundle "$work/outer-$c" "$outer" \
		>"$work/outer-$c.log" 2>&1 </dev/null; then
		indent <"$work/outer-$c.log"
		not_ok "$what: run -d the outer container" "failed"
		auditctl -d "${rule[@]}"
		continue
	fi
	note "$what: outer container started in $(elapsed "$t0") s"
	t0=$(now)

	# 1. The outer container's init, tagged by the host's hook.
	pid=$(state_pid "$outer_rt" "$outer")
	got=$(contid_of "$pid")
	if [ "$got" = "$A" ]; then
		ok "$what: the outer container's process has contid $A"
	else
		not_ok "$what: the outer container's process has contid $A" "pid '$pid': '$got'"
	fi
	# Its own user namespace: without one, the inner set would prove no
	# delegation.
	if [ -n "$userns" ]; then
		got=$(readlink "/proc/$pid/ns/user" 2>/dev/null)
		if [ -n "$got" ] && [ "$got" != "$(readlink /proc/self/ns/user)" ]; then
			ok "$what: the outer container has its own user namespace"
		else
			not_ok "$what: the outer container has its own user namespace" \
				"pid '$pid': '$got'"
		fi
	fi

	# 2. The inner container's process, tagged by the inner hook.
	if pid=$(wait_inner "$work/outer-$c.log"); then
		note "$what: inner container started in $(elapsed "$t0") s"
		got=$(contid_of "$pid")
		if [ "$got" = "$B" ]; then
			ok "$what: the inner container's process has contid $B"
		else
			not_ok "$what: the inner container's process has contid $B" "pid $pid: '$got'"
			ps -e -o pid,ppid,args | indent
		fi
		# The set, as the kernel logged it: the inner hook's write on
		# the inner init (the same process as the sleep, after exec).
		if ausearch -m CONTAINER --containerid "$B" 2>/dev/null |
			grep -q "op=set opid=$pid contid=$B old-contid=$A res=1"; then
			ok "$what: the inner hook's set is a nested one"
		else
			not_ok "$what: the inner hook's set is a nested one" \
				"no CONTAINER op=set opid=$pid contid=$B old-contid=$A res=1"
			ausearch -m CONTAINER 2>&1 | tail -6 | indent
		fi
		# 3. Its write, on the rule on B, with the chain; and found by
		# a search on the outer contid.
		expect_write_logged "$what" "$B" /dev/shm/acid-nested "$key" "$B,^$A"
		if ausearch -k "$key" --containerid "$A" 2>/dev/null |
			grep -q 'name="/dev/shm/acid-nested"'; then
			ok "$what: ausearch --containerid $A finds the inner write"
		else
			not_ok "$what: ausearch --containerid $A finds the inner write" "not found"
		fi
		# 4. The inner hook's record: none from a user namespace (the
		# kernel refuses it; the hook notes that and goes on).
		if [ -z "$userns" ]; then
			expect_lifecycle "$what" "$B" "$inner" "acid-$rt"
		elif ausearch -m VIRT_CONTROL --containerid "$B" 2>/dev/null | grep -q 'op=start'; then
			not_ok "$what: no VIRT_CONTROL from a user namespace" "one was logged"
		else
			ok "$what: no VIRT_CONTROL from a user namespace, and the hook goes on"
		fi
	else
		not_ok "$what: the inner container's process has contid $B" \
			"the inner container did not start"
		indent <"$work/outer-$c.log"
		ps -e -o pid,ppid,args | indent
	fi

	# 5. Delete the inner container from inside (its poststop hook runs
	# there), then the outer one.
	t0=$(now)
	timeout 120 "$outer_rt" exec "$outer" "$rt" "${opts[@]}" --root /run/acid-inner delete -f "$inner" \
		>"$work/delete.out" 2>&1 || indent <"$work/delete.out"
	timeout 60 "$outer_rt" kill "$outer" KILL >/dev/null 2>&1
	timeout 60 "$outer_rt" delete -f "$outer" >/dev/null 2>&1
	note "$what: both containers deleted in $(elapsed "$t0") s"
	auditctl -d "${rule[@]}"
	expect_no_live "$what"
done

note "nested.sh: $SECONDS s"
summary
