#!/usr/bin/env bash
# Starts the LinkDrop window for `make run`. On a desktop it simply runs the app. Where a desktop piece
# is missing (a fresh server or container), it supplies a stand-in and says so: Xvfb for the display,
# and a throwaway Secret Service with throwaway LinkDrop dirs for the keychain, so the real ones are
# never mixed with a keyring that disappears after the run.
set -euo pipefail
bin=${1:?usage: run-app.sh PATH-TO-LINKDROP}
here=$(cd "$(dirname "$0")" && pwd)

if [[ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]]; then
    echo "run-app: no display; starting LinkDrop under Xvfb (invisible). Run 'make run' in a desktop session to see the window." >&2
    exec xvfb-run -a -s "-screen 0 1280x800x24" "$0" "$bin"
fi

has_secret_service() {
    [[ -n "${DBUS_SESSION_BUS_ADDRESS:-}" ]] &&
        dbus-send --session --print-reply=literal --reply-timeout=2000 \
            --dest=org.freedesktop.DBus /org/freedesktop/DBus \
            org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q true
}

if ! has_secret_service; then
    demo=$(mktemp -d "${TMPDIR:-/tmp}/linkdrop-demo.XXXXXX")
    echo "run-app: no Secret Service on this session; using a temporary keyring and $demo for this run only." >&2
    export LINKDROP_CONFIG_DIR="$demo/config" LINKDROP_DATA_DIR="$demo/data"
    trap 'pkill -f "$bin serve" 2>/dev/null || true; rm -rf "$demo"' EXIT
    "$here/secret-session.sh" "$bin"
    exit
fi

exec "$bin"
