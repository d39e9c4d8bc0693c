#!/bin/bash
# Build the patched audit userspace (Debian's audit 3.0.9) as static binaries.
#
#   build/audit/audit-3.0.9/  pristine source from `apt-get source audit` (fetched once)
#   build/audit/work/         pristine copy + patches/audit-3.0.9/series, configured, built
#   build/out/{auditctl,ausearch,auditd,audisp-remote}  static, stripped binaries
#   build/out/audit-etc/      minimal /etc/audit for the guest
#
# Incremental: the series is re-applied (on a fresh copy) only when the
# patches or the configure flags change (hash stamp); make runs every time
# and does nothing when nothing changed. Runs as root on Debian 12.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VER=3.0.9
B="$ROOT/build/audit"
PRISTINE="$B/audit-$VER"
WORK="$B/work"
OUT="$ROOT/build/out"
PATCHDIR="$ROOT/patches/audit-$VER"
JOBS=$(nproc 2>/dev/null || echo 2)

CONFIGURE_FLAGS="--disable-shared --enable-static --without-python --without-python3
--without-golang --disable-zos-remote --without-libcap-ng --enable-listener
--without-libwrap --disable-systemd --disable-gssapi-krb5 --without-apparmor"

die() { echo "audit: ERROR: $*" >&2; exit 1; }
log() { echo "audit: $*"; }

# --- build dependencies ------------------------------------------------------
missing=""
for pair in autoreconf:autoconf automake:automake libtoolize:libtool \
	    pkg-config:pkg-config gcc:gcc make:make patch:patch \
	    dpkg-source:dpkg-dev strip:binutils; do
	command -v "${pair%%:*}" >/dev/null 2>&1 || missing="$missing ${pair#*:}"
done
libc_a=$(gcc -print-file-name=libc.a 2>/dev/null || true)
[ -f "$libc_a" ] || missing="$missing libc6-dev"
if [ -n "$missing" ]; then
	log "installing build dependencies:$missing"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends $missing >/dev/null ||
		die "apt-get install$missing failed"
fi

# --- source (cached) ---------------------------------------------------------
mkdir -p "$B"
if [ ! -f "$PRISTINE/.acid-fetched" ]; then
	log "fetching source (apt-get source audit)"
	rm -rf "$B/fetch"
	mkdir -p "$B/fetch"
	if ! (cd "$B/fetch" && apt-get source -qq audit >/dev/null 2>"$B/fetch.log"); then
		log "apt-get source failed, retrying after apt-get update"
		DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null 2>&1 || true
		(cd "$B/fetch" && apt-get source -qq audit >/dev/null 2>"$B/fetch.log") ||
			die "apt-get source audit failed (is deb-src configured? run scripts/setup.sh); see $B/fetch.log"
	fi
	[ -f "$B/fetch/audit-$VER/configure.ac" ] ||
		die "apt-get source did not produce audit-$VER (got: $(ls "$B/fetch" | tr '\n' ' '))"
	rm -rf "$PRISTINE"
	mv "$B/fetch/audit-$VER" "$PRISTINE"
	touch "$PRISTINE/.acid-fetched"
	rm -rf "$B/fetch"
fi

# --- patches (re-applied to a fresh copy only when the series changed) -------
[ -f "$PATCHDIR/series" ] || die "no series file in $PATCHDIR"
mapfile -t PATCHES < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$PATCHDIR/series")
stamp=$( { echo "$CONFIGURE_FLAGS"; for p in "${PATCHES[@]}"; do
		[ -f "$PATCHDIR/$p" ] || die "series lists missing patch $p"
		echo "$p"; cat "$PATCHDIR/$p"; done; } | sha256sum | cut -d' ' -f1)

if [ "$(cat "$WORK/.acid-series" 2>/dev/null || true)" != "$stamp" ]; then
	log "applying patches (${#PATCHES[@]} in series)"
	rm -rf "$B/work.new"
	cp -a "$PRISTINE" "$B/work.new"
	rm -f "$B/work.new/.acid-fetched"
	for p in "${PATCHES[@]}"; do
		if ! out=$(cd "$B/work.new" && patch -p1 --forward --batch -s \
				--no-backup-if-mismatch < "$PATCHDIR/$p" 2>&1); then
			echo "$out" >&2
			rm -rf "$B/work.new"
			die "patch $p does not apply to audit-$VER"
		fi
	done
	rm -rf "$WORK"
	mv "$B/work.new" "$WORK"
	echo "$stamp" > "$WORK/.acid-series"
fi

# --- configure (once per patched tree) ---------------------------------------
if [ ! -f "$WORK/.acid-configured" ]; then
	log "configuring (autoreconf + configure, about a minute)"
	(cd "$WORK" && autoreconf -fi >"$WORK/.acid-autoreconf.log" 2>&1) ||
		die "autoreconf failed, see $WORK/.acid-autoreconf.log"
	# shellcheck disable=SC2086
	(cd "$WORK" && ./configure $CONFIGURE_FLAGS >"$WORK/.acid-configure.log" 2>&1) ||
		die "configure failed, see $WORK/.acid-configure.log"
	touch "$WORK/.acid-configured"
fi

# --- build (make is incremental) ---------------------------------------------
log "building"
MK=(make -s -j"$JOBS")
{
	"${MK[@]}" -C "$WORK/common" &&
	"${MK[@]}" -C "$WORK/lib" &&
	"${MK[@]}" -C "$WORK/auparse" &&
	"${MK[@]}" -C "$WORK/audisp" libdisp.la &&
	"${MK[@]}" -C "$WORK/src/libev" &&
	# -all-static makes libtool link every binary fully statically, so
	# they run in a busybox initramfs without any shared library.
	"${MK[@]}" -C "$WORK/src" LDFLAGS=-all-static auditctl ausearch auditd &&
	# The remote logging plugin of a fleet node (a node's auditd runs it,
	# the collector's auditd receives through its TCP listener, which the
	# configure flags enable: libev is bundled, libwrap and Kerberos off).
	"${MK[@]}" -C "$WORK/audisp/plugins/remote" LDFLAGS=-all-static audisp-remote
} >"$WORK/.acid-make.log" 2>&1 || {
	grep -E 'error|Error' "$WORK/.acid-make.log" | head -20 >&2
	die "build failed, see $WORK/.acid-make.log"
}

# --- install -----------------------------------------------------------------
mkdir -p "$OUT"
for bin in auditctl ausearch auditd audisp-remote; do
	src="$WORK/src/$bin"
	[ "$bin" = audisp-remote ] && src="$WORK/audisp/plugins/remote/$bin"
	if readelf -l "$src" | grep -q 'program interpreter'; then
		die "$bin is not statically linked"
	fi
	strip -o "$B/$bin.stripped" "$src"
	if ! cmp -s "$B/$bin.stripped" "$OUT/$bin"; then
		install -m 0755 "$B/$bin.stripped" "$OUT/$bin"
		log "installed build/out/$bin"
	fi
	rm -f "$B/$bin.stripped"
done

# Minimal /etc/audit for the guest: log locally to /var/log/audit/audit.log,
# no mail, no network, never halt or suspend on disk trouble.
ETC="$OUT/audit-etc"
mkdir -p "$ETC/rules.d" "$ETC/plugins.d"
rm -f "$ETC/rules.d/audit.rules"
cat > "$ETC/auditd.conf.new" <<'EOF'
# auditd.conf for the audit-containerid test guest (generated by
# scripts/build-audit.sh). Install as /etc/audit/auditd.conf (mode 0640,
# owned by root); /var/log/audit and /var/run must exist before auditd starts.
local_events = yes
write_logs = yes
log_file = /var/log/audit/audit.log
log_group = 0
log_format = RAW
flush = INCREMENTAL_ASYNC
freq = 50
max_log_file = 32
num_logs = 2
max_log_file_action = ROTATE
priority_boost = 4
name_format = NONE
verify_email = no
action_mail_acct = root
space_left = 2
space_left_action = IGNORE
admin_space_left = 1
admin_space_left_action = IGNORE
disk_full_action = IGNORE
disk_error_action = IGNORE
q_depth = 2000
overflow_action = IGNORE
max_restarts = 10
plugin_dir = /etc/audit/plugins.d
end_of_event_timeout = 2
EOF
cat > "$ETC/audit.rules.new" <<'EOF'
## audit-containerid guest: start with no rules; tests add their own.
-D
-b 8192
--backlog_wait_time 60000
-f 1
EOF
# The remote logging plugin's stock configuration, inactive: a fleet node
# turns it on (plugins.d/au-remote.conf active = yes) and names its collector
# in audisp-remote.conf; tools/testing/fleet/guest.sh writes both.
for f in audisp-remote.conf plugins.d/au-remote.conf; do
	cp "$WORK/audisp/plugins/remote/$(basename "$f")" "$ETC/$f.new"
done
cat > "$ETC/README.new" <<'EOF'
Copy this directory to /etc/audit in the guest:
  mkdir -p /etc/audit /var/log/audit /var/run
  cp -r audit-etc/. /etc/audit/ && chmod 0640 /etc/audit/auditd.conf
  auditd            # or: auditd -f for foreground
  auditctl -R /etc/audit/audit.rules
auditd.conf logs RAW records to /var/log/audit/audit.log, never mails,
never listens on the network and never suspends or halts on disk errors.
audisp-remote.conf and plugins.d/au-remote.conf are the stock files of the
remote logging plugin (/sbin/audisp-remote), inactive; see
Documentation/admin-guide/audit-containerid-fleet.rst to send a node's
records to a collector.
EOF
for f in auditd.conf audit.rules README audisp-remote.conf plugins.d/au-remote.conf; do
	if cmp -s "$ETC/$f.new" "$ETC/$f"; then rm -f "$ETC/$f.new"; else mv "$ETC/$f.new" "$ETC/$f"; fi
done
chmod 0640 "$ETC/auditd.conf" "$ETC/audisp-remote.conf" "$ETC/plugins.d/au-remote.conf"

log "done: build/out/auditctl build/out/ausearch build/out/auditd build/out/audisp-remote build/out/audit-etc/"
