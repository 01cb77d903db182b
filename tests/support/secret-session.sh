#!/usr/bin/env bash
# Usage: tests/support/secret-session.sh COMMAND [ARGS...]
#
# Runs COMMAND inside a private, throwaway D-Bus session bus that has a real
# Secret Service (gnome-keyring-daemon, "secrets" component) with an unlocked
# default "login" collection. Used so keyring tests hit a real Secret Service
# headless (CI, root, no X display, stdin /dev/null) without ever touching a
# developer's own session bus or keyring files. COMMAND's exit status is kept.
#
# Needs (Debian): dbus-daemon + dbus-bin (dbus-run-session, dbus-send) and
# gnome-keyring; libsecret-tools (secret-tool) is handy for debugging only.
set -euo pipefail

if [[ $# -eq 0 ]]; then
    echo "usage: $0 COMMAND [ARGS...]" >&2
    exit 2
fi

die() {
    echo "secret-session: $*" >&2
    exit 1
}

# True when the current session bus has an owner for org.freedesktop.secrets.
# NameHasOwner never triggers D-Bus activation, so it cannot start a second daemon.
secrets_owned() {
    dbus-send --session --print-reply=literal --reply-timeout=2000 \
        --dest=org.freedesktop.DBus /org/freedesktop/DBus \
        org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets \
        2>/dev/null | grep -q true
}

for tool in dbus-run-session dbus-send gnome-keyring-daemon; do
    command -v "$tool" >/dev/null 2>&1 ||
        die "'$tool' not found; install with: apt-get install -y dbus-daemon dbus-bin gnome-keyring"
done

# Already inside a session this script prepared (e.g. nested call): just run.
if [[ "${LINKDROP_SECRET_SESSION:-}" == ready ]] && secrets_owned; then
    exec "$@"
fi

# Stage 1: re-execute ourselves under a brand-new session bus. dbus-run-session
# sets DBUS_SESSION_BUS_ADDRESS for us and kills the bus when we exit.
if [[ "${LINKDROP_SECRET_SESSION:-}" != setup ]]; then
    export LINKDROP_SECRET_SESSION=setup
    exec dbus-run-session -- bash "${BASH_SOURCE[0]}" "$@"
fi

# Stage 2: we are the child of dbus-run-session.
work="$(mktemp -d "${TMPDIR:-/tmp}/linkdrop-secret-session.XXXXXX")"
daemon_pid=""
# shellcheck disable=SC2317  # called via trap
cleanup() {
    # The daemon would exit when the bus dies anyway; kill it explicitly so its
    # files are not in use when we remove the throwaway keyring directory.
    if [[ -n "$daemon_pid" ]]; then
        kill "$daemon_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT
# Make INT/TERM run the EXIT trap (bash skips it on an untrapped fatal signal).
trap 'exit 130' INT
trap 'exit 143' TERM

mkdir -m 700 "$work/home" "$work/data" "$work/config" "$work/cache" "$work/runtime"

# Start the daemon with throwaway HOME/XDG dirs (only in ITS environment, so
# COMMAND still sees the real HOME, e.g. for ~/.cargo): keyring files go to
# $XDG_DATA_HOME/keyrings and the control socket to $XDG_RUNTIME_DIR/keyring,
# never to a developer's real keychain or running daemon.
# --unlock reads the password from stdin (not a tty here) and creates/unlocks
# the "login" keyring, which becomes the default collection. Output goes to
# files, not $(...), so a daemonised child holding stdout cannot hang us.
printf '%s' 'linkdrop-test-keyring' |
    HOME="$work/home" \
    XDG_DATA_HOME="$work/data" \
    XDG_CONFIG_HOME="$work/config" \
    XDG_CACHE_HOME="$work/cache" \
    XDG_RUNTIME_DIR="$work/runtime" \
    gnome-keyring-daemon --daemonize --unlock --components=secrets \
    >"$work/daemon.env" 2>"$work/daemon.log" ||
    die "gnome-keyring-daemon failed to start: $(cat "$work/daemon.log")"

# Export what the daemon prints (e.g. GNOME_KEYRING_CONTROL=...), without eval.
while IFS='=' read -r name value; do
    if [[ "$name" =~ ^[A-Z_][A-Z0-9_]*$ ]]; then
        export "$name=$value"
    fi
done <"$work/daemon.env"

# Wait (bounded: 10 s) until the daemon owns org.freedesktop.secrets.
for _ in $(seq 1 100); do
    if secrets_owned; then
        break
    fi
    sleep 0.1
done
secrets_owned || die "timed out after 10s waiting for org.freedesktop.secrets on the session bus; daemon log: $(cat "$work/daemon.log")"

# Remember the owner's pid so cleanup can stop exactly the daemon we started.
daemon_pid="$(dbus-send --session --print-reply=literal --dest=org.freedesktop.DBus \
    /org/freedesktop/DBus org.freedesktop.DBus.GetConnectionUnixProcessID \
    string:org.freedesktop.secrets 2>/dev/null | awk '{print $NF}')" || daemon_pid=""

export LINKDROP_SECRET_SESSION=ready

# Not exec: the EXIT trap must still run. Keep COMMAND's exit status.
rc=0
"$@" || rc=$?
exit "$rc"
