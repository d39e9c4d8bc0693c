#!/bin/bash
# make demo, second part: a real container, in the Debian guest (podman and
# crun, with the OCI hook of samples/oci-hook from podman's hooks.d).
say() { printf '\n\033[1m# %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; eval "$*"; }

say "podman runs the OCI hook at prestart and poststop (hooks.d)"
mkdir -p /usr/share/containers/oci/hooks.d /usr/libexec/oci/hooks.d
ln -sf /usr/local/bin/audit-containerid-hook /usr/libexec/oci/hooks.d/
for f in /opt/acid/oci-hook/hooks.d/*.json; do
	sed 's/"timeout": 10/"timeout": 120/' "$f" >"/usr/share/containers/oci/hooks.d/${f##*/}"
done
run "ls /usr/share/containers/oci/hooks.d/"
podman import /opt/acid/busybox-rootfs.tar acid/busybox >/dev/null

say "A rule: log the files that container 777 opens"
run "auditctl -a exit,always -F arch=b64 -S openat -F containerid=777 -F success=1 -k demo-web"

say "Start a container named web; the hook gives it contid 777 (the annotation)"
run "podman run -d --name web --network none --annotation org.linux.audit.containerid=777 \
--annotation org.linux.audit.containername=web acid/busybox \
sh -c 'sleep 2; echo hello > /tmp/hello; exec sleep 600' >/dev/null"
sleep 4
P=$(pgrep -f '^sleep 600$')
run "cat /proc/$P/containerid; echo"

say "Which container is 777? The hook's VIRT_CONTROL record says"
run "ausearch -m VIRT_CONTROL --containerid 777 2>/dev/null | grep -o 'virt=.*res=success'"

say "The container's write of /tmp/hello, with its CONTAINER_INFO"
run "ausearch -k demo-web --containerid 777 2>/dev/null | grep -E 'name=\"/tmp/hello\"|CONTAINER_INFO' | tail -2"

say "podman exec: what an operator runs inside is container 777's too"
run "podman exec web sh -c 'echo was-here > /tmp/exec-file'"
run "ausearch -k demo-web --containerid 777 2>/dev/null | grep -E 'name=\"/tmp/exec-file\"' | cut -c1-100"

say "Remove the container: no contid is left"
run "podman rm -f -t 0 web >/dev/null"
sleep 2
run "cat /proc/audit_containerid"
run "ausearch -m VIRT_CONTROL --containerid 777 2>/dev/null | grep -o 'op=stop.*res=success'"
