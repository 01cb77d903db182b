#!/usr/bin/python3
"""Stand-in desktop notification server for the end-to-end tests.

Owns org.freedesktop.Notifications on the session bus named by DBUS_SESSION_BUS_ADDRESS (the test's
private bus), answers like a real notification daemon, and prints one JSON object per line on stdout:
{"ready": true} once it owns the name, then one {"id", "app_name", "summary", "body", ...} per Notify.
Exits when the bus goes away. Needs Debian's python3-gi (GLib/Gio introspection).
"""
import json
import sys

from gi.repository import Gio, GLib

NAME = "org.freedesktop.Notifications"
PATH = "/org/freedesktop/Notifications"
XML = """
<node>
  <interface name="org.freedesktop.Notifications">
    <method name="Notify">
      <arg type="s" direction="in"/><arg type="u" direction="in"/><arg type="s" direction="in"/>
      <arg type="s" direction="in"/><arg type="s" direction="in"/><arg type="as" direction="in"/>
      <arg type="a{sv}" direction="in"/><arg type="i" direction="in"/><arg type="u" direction="out"/>
    </method>
    <method name="CloseNotification"><arg type="u" direction="in"/></method>
    <method name="GetCapabilities"><arg type="as" direction="out"/></method>
    <method name="GetServerInformation">
      <arg type="s" direction="out"/><arg type="s" direction="out"/>
      <arg type="s" direction="out"/><arg type="s" direction="out"/>
    </method>
    <signal name="NotificationClosed"><arg type="u"/><arg type="u"/></signal>
    <signal name="ActionInvoked"><arg type="u"/><arg type="s"/></signal>
  </interface>
</node>
"""

next_id = 0


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def plain(value):
    """Hints as JSON: scalars and strings as they are, anything bulky (image data) as its type."""
    if isinstance(value, (bool, int, float, str)) or value is None:
        return value
    return f"<{type(value).__name__}>"


def on_call(conn, sender, path, iface, method, params, invocation):
    global next_id
    if method == "Notify":
        app_name, replaces_id, icon, summary, body, actions, hints, timeout = params.unpack()
        if replaces_id:
            nid = replaces_id
        else:
            next_id += 1
            nid = next_id
        emit({
            "id": nid,
            "app_name": app_name,
            "replaces_id": replaces_id,
            "icon": icon,
            "summary": summary,
            "body": body,
            "actions": actions,
            "hints": {k: plain(v) for k, v in hints.items()},
            "timeout": timeout,
        })
        invocation.return_value(GLib.Variant("(u)", (nid,)))
    elif method == "CloseNotification":
        (nid,) = params.unpack()
        conn.emit_signal(None, PATH, NAME, "NotificationClosed", GLib.Variant("(uu)", (nid, 3)))
        invocation.return_value(None)
    elif method == "GetCapabilities":
        invocation.return_value(GLib.Variant("(as)", (["body", "actions"],)))
    elif method == "GetServerInformation":
        invocation.return_value(GLib.Variant("(ssss)", ("linkdrop-e2e-notifyd", "LinkDrop", "1", "1.2")))
    else:
        invocation.return_dbus_error("org.freedesktop.DBus.Error.UnknownMethod", method)


def main():
    loop = GLib.MainLoop()
    conn = Gio.bus_get_sync(Gio.BusType.SESSION, None)  # exits the process when the bus closes
    node = Gio.DBusNodeInfo.new_for_xml(XML)
    conn.register_object(PATH, node.interfaces[0], on_call, None, None)
    Gio.bus_own_name_on_connection(
        conn,
        NAME,
        Gio.BusNameOwnerFlags.DO_NOT_QUEUE,
        lambda *_: emit({"ready": True}),
        lambda *_: (emit({"error": f"cannot own {NAME}"}), loop.quit()),
    )
    loop.run()


if __name__ == "__main__":
    main()
