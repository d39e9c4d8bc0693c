# audit-containerid: the front door.
#
#   make check   install what is needed, build everything, boot QEMU, run the tests
#   make demo    boot the kernel and show a contid being set, recorded and filtered
#   make shell   boot the guest with an interactive root shell
#   make run SCRIPT=file | CMD='...'   run a script or a command in the guest
#   make bench   what the feature costs on a production kernel, against it unpatched
#   make stress  the races, fuzzers and fault sweeps at full count (test kernel)
#   make fleet   two nodes and a collector: audisp-remote, ausearch --containerid --node
#   make runtime runc, crun and podman with the OCI hook in a Debian guest
#
# Build outputs live under build/ (final artifacts in build/out/).

SHELL := /bin/bash
TOP := $(CURDIR)
KSRC := $(TOP)/build/linux-source-6.12
KOBJ := $(TOP)/build/kbuild
OUT := $(TOP)/build/out
export PATH := $(HOME)/.cargo/bin:$(PATH)
KMAKE := $(MAKE) -s -C $(KSRC) O=$(KOBJ) LLVM=-19 RUSTC=/usr/bin/rustc

.PHONY: all setup oci-hook debian debian-shell runtime kernel kernel-noacid kernel-prod initramfs-prod kernel-base initramfs-base stress fleet module selftests audit samples initramfs check demo shell run bench \
	host-tests rustfmt clippy checkpatch clean

all: initramfs

setup:
	@scripts/setup.sh

kernel: setup
	@scripts/kernel.sh prepare config build

kernel-noacid: kernel
	@scripts/kernel.sh noacid

kernel-prod: kernel
	@scripts/kernel.sh prod

module: kernel
	@echo "module: building audit_containerid.ko"
	@$(KMAKE) M=$(TOP) modules
	@mkdir -p $(OUT) && cp $(TOP)/audit_containerid.ko $(OUT)/

selftests: kernel
	@scripts/build-selftests.sh

audit: setup
	@scripts/build-audit.sh

samples: setup
	@mkdir -p $(OUT)
	@gcc -static -O2 -Wall -Wextra -o $(OUT)/contid-launch samples/contid-launch.c
# The OCI runtime hook (a cargo crate); its unit tests run in make check.
oci-hook: setup
	@echo "oci-hook: cargo build --release (samples/oci-hook)"
	@CARGO_TARGET_DIR=$(TOP)/build/cargo cargo build -q --release --locked \
		--manifest-path samples/oci-hook/Cargo.toml
	@mkdir -p $(OUT) && cp $(TOP)/build/cargo/release/audit-containerid-hook $(OUT)/

initramfs: module selftests audit samples
	@echo "initramfs: packing build/out/initramfs.cpio.gz"
	@scripts/initramfs.sh

initramfs-prod: kernel-prod selftests audit samples
	@scripts/initramfs.sh prod

kernel-base: kernel
	@scripts/kernel.sh base

initramfs-base: kernel-base selftests audit samples
	@scripts/initramfs.sh base

# The Debian guest of the runtime tests (runc, crun, podman; cached image).
debian: module audit samples oci-hook
	@scripts/debian.sh
debian-shell: debian
	@ACID_ROOT_IMG=$(TOP)/build/debian/root.img scripts/qemu-run.sh shell
runtime: debian
	@ACID_ROOT_IMG=$(TOP)/build/debian/root.img ACID_TIMEOUT=1800 \
		scripts/qemu-run.sh job tools/testing/runtime/check.sh
check: initramfs kernel-noacid debian
	@scripts/run-tests.sh

stress: initramfs
	@scripts/stress.sh

fleet: initramfs
	@scripts/fleet-run.sh

demo: initramfs debian
	@scripts/qemu-run.sh job samples/demo.sh
	@ACID_ROOT_IMG=$(TOP)/build/debian/root.img scripts/qemu-run.sh job samples/demo-runtime.sh

shell: initramfs
	@scripts/qemu-run.sh shell

run: initramfs
	@if [ -n "$(SCRIPT)" ]; then scripts/qemu-run.sh job "$(SCRIPT)"; \
	elif [ -n "$(CMD)" ]; then f=$$(mktemp); printf '%s\n' "$(CMD)" > $$f; \
		scripts/qemu-run.sh job $$f; rc=$$?; rm -f $$f; exit $$rc; \
	else echo "usage: make run SCRIPT=file | CMD='command'" >&2; exit 2; fi

bench: initramfs-prod initramfs-base
	@scripts/bench.sh

rustfmt:
	@rustfmt --config-path $(KSRC)/.rustfmt.toml --edition 2021 --check \
		rust/audit_containerid.rs tools/testing/rust-host/contid_test.rs

clippy: kernel
	@touch rust/audit_containerid.rs
	@$(KMAKE) M=$(TOP) CLIPPY=1 CLIPPY_DRIVER=/usr/bin/clippy-driver modules

checkpatch: kernel
	@# From the kernel tree: elsewhere checkpatch misreads the patches.  CHECKs
	@# are advisory; an ERROR or a WARNING on any patch fails.
	@bad=0; for p in $$(grep -v '^#' patches/linux-6.12/series); do \
		out=$$(cd $(KSRC) && ./scripts/checkpatch.pl --strict --no-tree -q \
			$(TOP)/patches/linux-6.12/$$p); \
		if echo "$$out" | grep -qE '^(ERROR|WARNING)'; then echo "$$out"; bad=1; \
		else echo "checkpatch: ok $$p"; fi; done; exit $$bad

clean:
	@rm -rf $(OUT) $(TOP)/build/initramfs
	@$(KMAKE) M=$(TOP) clean 2>/dev/null || true
