#!/bin/bash
# The OCI hook (samples/oci-hook) with real runtimes: runc and crun run a
# busybox bundle whose config.json installs the hook (createRuntime and
# poststop), podman runs the image with the hook from hooks.d.  For each:
#
# - a file the container's process writes is logged by an exit rule on its
#   contid, with CONTAINER_INFO, and ausearch --containerid finds it;
# - the hook's VIRT_CONTROL record names the container and its contid;
# - "exec" into the container is attributed to its contid;
# - a second container (contid derived from its id) gets another contid;
# - a container whose hook fails does not start;
# - once the containers are gone, no contid is live.
. "${0%/*}/lib.sh"

work=$(mktemp -d /var/tmp/hook.XXXXXX)
trap 'rm -rf "$work"' EXIT

need_hook

# expect_exec WHAT CONTID COMMAND...: COMMAND starts "sleep 4711" inside the
# container; that process must carry CONTID.
expect_exec() {
	local what=$1 cid=$2 pid got
	shift 2
	timeout 300 "$@" >/dev/null 2>&1 &
	if ! pid=$(wait_pid "sleep 4711"); then
		not_ok "$what: exec is attributed" "no exec'd process: $*"
		return
	fi
	got=$(contid_of "$pid")
	kill "$pid" 2>/dev/null
	wait
	if [ "$got" = "$cid" ]; then
		ok "$what: exec is attributed"
	else
		not_ok "$what: exec is attributed" "contid '$got', expected $cid"
	fi
}

# expect_distinct WHAT CID1 PID: PID has a contid, other than CID1
expect_distinct() {
	local got
	got=$(contid_of "$3")
	if [ -n "$got" ] && [ "$got" != 18446744073709551615 ] && [ "$got" != "$2" ]; then
		ok "$1: a second container gets another contid ($got)"
	else
		not_ok "$1: a second container gets another contid" "'$got' (first $2)"
	fi
}

auditctl -D >/dev/null

# --- runc and crun: the hook from config.json ----------------------------
n=0
for rt in crun runc; do
	n=$((n + 1))
	cid=$((4240 + n))
	key=acid-hook-$rt
	auditctl -a exit,always -F arch=b64 -S openat -F containerid=$cid -F success=1 -k "$key"
	a=acid-a-$rt-$$
	b=acid-b-$rt-$$
	c=acid-c-$rt-$$
	# The bundles share the busybox root read-only: the write goes to the
	# container's /dev/shm.
	if ! hooked_bundle "$work/$rt-a" "$rt" "$cid" /bin/sh -c \
		'sleep 1; echo x > /dev/shm/acid-write; exec sleep 1000' ||
		! hooked_bundle "$work/$rt-b" "$rt" "" /bin/sleep 1001 ||
		! hooked_bundle "$work/$rt-c" "$rt" 18446744073709551615 /bin/sleep 1002; then
		not_ok "$rt: bundles with the hook" "cannot make them"
		continue
	fi
	# runc's container process is "runc init", a Go program whose runtime
	# threads already run when the hook does: all of them are tagged.
	if run_detached "$rt: run -d a container with the hook" \
		"$rt" run -d --bundle "$work/$rt-a" "$a"; then
		pid=$(wait_pid "sleep 1000")
		got=$(contid_of "$pid")
		if [ "$got" = "$cid" ]; then
			ok "$rt: the container's process has the annotated contid"
		else
			not_ok "$rt: the container's process has the annotated contid" "'$got'"
		fi
		expect_write_logged "$rt" "$cid" /dev/shm/acid-write "$key"
		expect_lifecycle "$rt" "$cid" "$a" "acid-$rt"
		expect_exec "$rt" "$cid" "$rt" exec "$a" sleep 4711
	fi
	if run_detached "$rt: run -d a second container (derived contid)" \
		"$rt" run -d --bundle "$work/$rt-b" "$b"; then
		pid=$(wait_pid "sleep 1001")
		expect_distinct "$rt" "$cid" "$pid"
	fi
	# The unset value is refused by the hook: the container must not start.
	if detached timeout 120 "$rt" run -d --bundle "$work/$rt-c" "$c" >"$work/c.out" 2>&1; then
		not_ok "$rt: a container whose hook fails does not start" "it started"
	elif pgrep -f "sleep 1002\$" >/dev/null; then
		not_ok "$rt: a container whose hook fails does not start" "its process runs"
	elif ! grep -q 'audit-containerid-hook' "$work/c.out"; then
		not_ok "$rt: a container whose hook fails does not start" \
			"no message from the hook: $(tr '\n' ' ' <"$work/c.out")"
	else
		ok "$rt: a container whose hook fails does not start"
	fi
	for id in "$a" "$b" "$c"; do
		timeout 60 "$rt" kill "$id" KILL >/dev/null 2>&1
		timeout 60 "$rt" delete -f "$id" >/dev/null 2>&1
	done
	auditctl -d exit,always -F arch=b64 -S openat -F containerid=$cid -F success=1 -k "$key"
	expect_no_live "$rt"
done

# --- podman: the hook from hooks.d ----------------------------------------
# The install files of samples/oci-hook, as an administrator would use
# them; a longer timeout, for this emulated guest.
mkdir -p /usr/share/containers/oci/hooks.d /usr/libexec/oci/hooks.d
ln -sf "$HOOK" /usr/libexec/oci/hooks.d/audit-containerid-hook
for f in /opt/acid/oci-hook/hooks.d/*.json; do
	[ -f "$f" ] || { not_ok "podman: the hooks.d files are in the image" "none"; break; }
	sed 's/"timeout": 10/"timeout": 120/' "$f" >"/usr/share/containers/oci/hooks.d/${f##*/}"
done
if podman image exists acid/busybox ||
	run_case "podman: import the busybox rootfs" "" \
		podman import /opt/acid/busybox-rootfs.tar acid/busybox; then
	cid=4251
	key=acid-hook-podman
	auditctl -a exit,always -F arch=b64 -S openat -F containerid=$cid -F success=1 -k "$key"
	if run_case "podman: run -d a container with the hook" "" \
		podman run -d --name acid-pa --network none \
		--annotation org.linux.audit.containerid=$cid \
		--annotation org.linux.audit.containername=acid-pa acid/busybox \
		/bin/sh -c 'sleep 1; echo x > /tmp/acid-write; exec sleep 1000'; then
		id=$(podman inspect -f '{{.Id}}' acid-pa)
		pid=$(wait_pid "sleep 1000")
		got=$(contid_of "$pid")
		if [ "$got" = "$cid" ]; then
			ok "podman: the container's process has the annotated contid"
		else
			not_ok "podman: the container's process has the annotated contid" "'$got'"
		fi
		expect_write_logged podman "$cid" /tmp/acid-write "$key"
		expect_lifecycle podman "$cid" "$id" acid-pa
		expect_exec podman "$cid" podman exec acid-pa sleep 4711
	fi
	if run_case "podman: run -d a second container (derived contid)" "" \
		podman run -d --name acid-pb --network none acid/busybox /bin/sleep 1001; then
		pid=$(wait_pid "sleep 1001")
		expect_distinct podman "$cid" "$pid"
	fi
	if timeout 300 podman run -d --name acid-pc --network none \
		--annotation org.linux.audit.containerid=abc acid/busybox /bin/sleep 1002 \
		>"$work/c.out" 2>&1; then
		not_ok "podman: a container whose hook fails does not start" "it started"
	elif pgrep -f "sleep 1002\$" >/dev/null; then
		not_ok "podman: a container whose hook fails does not start" "its process runs"
	else
		ok "podman: a container whose hook fails does not start"
	fi
	timeout 300 podman rm -f -t 0 acid-pa acid-pb acid-pc >/dev/null 2>&1
	auditctl -d exit,always -F arch=b64 -S openat -F containerid=$cid -F success=1 -k "$key"
	expect_no_live podman
else
	not_ok "podman: the hook from hooks.d" "no image"
fi

# Leave podman as the other tests expect it: without the hook.
rm -f /usr/share/containers/oci/hooks.d/audit-containerid*.json

summary
