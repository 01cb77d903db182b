#!/usr/bin/python3
"""Uses LinkDrop's desktop entry the way a desktop does, through GIO (what GNOME Files, the
launcher and `gio open` use).

    desktop_entry.py offers ENTRY TYPE...     print {"TYPE": true|false, ...}: whether a file
                                              manager offers the entry for files of each type
    desktop_entry.py open ENTRY FILE...       "Open with LinkDrop" on FILEs
    desktop_entry.py action ENTRY NAME        the entry's action NAME (a launcher's menu)

The entry's Exec runs `linkdrop` from PATH. Needs Debian's python3-gi.
"""
import json
import sys

from gi.repository import Gio


def offered(app, content_type):
    """A file manager lists an application for a file when it handles the file's type or a type
    the file's type is a kind of (every file is an application/octet-stream)."""
    return any(Gio.content_type_is_a(content_type, t) for t in app.get_supported_types())


def main():
    command, entry, rest = sys.argv[1], sys.argv[2], sys.argv[3:]
    app = Gio.DesktopAppInfo.new_from_filename(entry)
    if app is None:
        sys.exit(f"{entry} is not a desktop entry GIO can use")
    if command == "offers":
        print(json.dumps({t: offered(app, t) for t in rest}))
    elif command == "open":
        app.launch([Gio.File.new_for_path(p) for p in rest], None)
    elif command == "action":
        app.launch_action(rest[0], None)
    else:
        sys.exit(f"unknown command {command}")


if __name__ == "__main__":
    main()
