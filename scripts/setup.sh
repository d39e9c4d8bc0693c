#!/bin/bash
# Install everything the build needs on a Debian 12 machine (idempotent).
# Runs as root. Prints what it does; quiet when everything is already there.
set -euo pipefail

PKGS="linux-source-6.12 rustc-web rust-web-src rust-web-clippy clang-19 lld-19 llvm-19 libclang-19-dev
flex bison bc libelf-dev libssl-dev cpio kmod xz-utils qemu-system-x86 busybox-static
dpkg-dev build-essential autoconf automake libtool pkg-config libcap-ng-dev
git rsync python3 perl gawk iptables nftables"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done

src=/etc/apt/sources.list.d/audit-containerid-src.sources
if [ ! -f "$src" ]; then
	echo "setup: adding deb-src entry for bookworm ($src)"
	cat > "$src" <<'SRC'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
	need_update=1
fi

if [ -n "$missing" ] || [ -n "${need_update:-}" ]; then
	echo "setup: apt-get update"
	DEBIAN_FRONTEND=noninteractive apt-get update -qq
fi
if [ -n "$missing" ]; then
	echo "setup: apt-get install$missing"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

export PATH="$HOME/.cargo/bin:$PATH"
if ! command -v bindgen >/dev/null 2>&1; then
	echo "setup: cargo install --locked bindgen-cli (about 75 s)"
	cargo install --locked bindgen-cli >/dev/null 2>&1 || cargo install --locked bindgen-cli
fi
