#!/usr/bin/python3
"""Stand-in tray host for the end-to-end tests: a StatusNotifierWatcher with a host registered,
as a desktop panel provides, on the test's private session bus. Tray icons (libayatana-appindicator)
register with it instead of falling back to the X tray.

    tray_host.py serve          own org.kde.StatusNotifierWatcher; print {"ready": true}, then one
                                {"registered": service, "sender": name} per item
    tray_host.py menu           print the registered item's menu as JSON: [{"id", "label",
                                "enabled", "children"}]
    tray_host.py click LABEL    click the menu item whose label starts with LABEL (as a panel does)
    tray_host.py props          print the item's icon and label as JSON: {"icon": IconName,
                                "theme_path": IconThemePath, "label": XAyatanaLabel}

Needs Debian's python3-gi (GLib/Gio introspection).
"""
import json
import sys

from gi.repository import Gio, GLib

NAME = "org.kde.StatusNotifierWatcher"
PATH = "/StatusNotifierWatcher"
XML = """
<node>
  <interface name="org.kde.StatusNotifierWatcher">
    <method name="RegisterStatusNotifierItem"><arg type="s" direction="in"/></method>
    <method name="RegisterStatusNotifierHost"><arg type="s" direction="in"/></method>
    <property name="RegisteredStatusNotifierItems" type="as" access="read"/>
    <property name="IsStatusNotifierHostRegistered" type="b" access="read"/>
    <property name="ProtocolVersion" type="i" access="read"/>
    <signal name="StatusNotifierItemRegistered"><arg type="s"/></signal>
    <signal name="StatusNotifierItemUnregistered"><arg type="s"/></signal>
    <signal name="StatusNotifierHostRegistered"/>
  </interface>
</node>
"""

items = []


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def on_call(conn, sender, path, iface, method, params, invocation):
    if method == "RegisterStatusNotifierItem":
        (service,) = params.unpack()
        # Items register with their bus name or their object path; keep both to find them again.
        entry = f"{sender}{service}" if service.startswith("/") else service
        items.append(entry)
        emit({"registered": service, "sender": sender})
        conn.emit_signal(None, PATH, NAME, "StatusNotifierItemRegistered", GLib.Variant("(s)", (entry,)))
        invocation.return_value(None)
    elif method == "RegisterStatusNotifierHost":
        invocation.return_value(None)
    else:
        invocation.return_dbus_error("org.freedesktop.DBus.Error.UnknownMethod", method)


def on_get(conn, sender, path, iface, prop):
    if prop == "RegisteredStatusNotifierItems":
        return GLib.Variant("as", items)
    if prop == "IsStatusNotifierHostRegistered":
        return GLib.Variant("b", True)
    if prop == "ProtocolVersion":
        return GLib.Variant("i", 0)
    return None


def serve():
    loop = GLib.MainLoop()
    conn = Gio.bus_get_sync(Gio.BusType.SESSION, None)
    node = Gio.DBusNodeInfo.new_for_xml(XML)
    conn.register_object(PATH, node.interfaces[0], on_call, on_get, None)
    Gio.bus_own_name_on_connection(
        conn,
        NAME,
        Gio.BusNameOwnerFlags.DO_NOT_QUEUE,
        lambda *_: emit({"ready": True}),
        lambda *_: (emit({"error": f"cannot own {NAME}"}), loop.quit()),
    )
    loop.run()


def call(conn, name, path, iface, method, args, reply):
    return conn.call_sync(name, path, iface, method, args, GLib.VariantType(reply) if reply else None,
                          Gio.DBusCallFlags.NONE, 5000, None)


def item(conn):
    """The bus name and object path of the (one) registered item."""
    registered = call(conn, NAME, PATH, "org.freedesktop.DBus.Properties", "Get",
                      GLib.Variant("(ss)", (NAME, "RegisteredStatusNotifierItems")), "(v)").unpack()[0]
    if not registered:
        sys.exit("no tray item registered")
    entry = registered[-1]
    name, _, path = entry.partition("/")
    return name, "/" + path if path else "/StatusNotifierItem"


def prop(conn, name, path, key):
    return call(conn, name, path, "org.freedesktop.DBus.Properties", "Get",
                GLib.Variant("(ss)", ("org.kde.StatusNotifierItem", key)), "(v)").unpack()[0]


def item_menu(conn):
    """The bus name and dbusmenu path of the (one) registered item."""
    name, path = item(conn)
    return name, prop(conn, name, path, "Menu")


def layout(conn, name, menu):
    _, root = call(conn, name, menu, "com.canonical.dbusmenu", "GetLayout",
                   GLib.Variant("(iias)", (0, -1, [])), "(u(ia{sv}av))").unpack()

    def walk(node):
        ident, props, children = node
        return {
            "id": ident,
            "label": props.get("label", "").replace("_", ""),
            "enabled": props.get("enabled", True),
            "type": props.get("type", "standard"),
            "toggle": props.get("toggle-state", None),
            "children": [walk(c) for c in children],
        }

    return walk(root)["children"]


def find(nodes, prefix):
    for node in nodes:
        if node["label"].startswith(prefix):
            return node
        found = find(node["children"], prefix)
        if found:
            return found
    return None


def main():
    command = sys.argv[1] if len(sys.argv) > 1 else "serve"
    if command == "serve":
        return serve()
    conn = Gio.bus_get_sync(Gio.BusType.SESSION, None)
    if command == "props":
        name, path = item(conn)
        keys = {"icon": "IconName", "theme_path": "IconThemePath", "label": "XAyatanaLabel"}
        out = {}
        for key, dbus_key in keys.items():
            try:
                out[key] = prop(conn, name, path, dbus_key)
            except GLib.Error:
                out[key] = None
        return print(json.dumps(out))
    name, menu = item_menu(conn)
    nodes = layout(conn, name, menu)
    if command == "menu":
        print(json.dumps(nodes))
    elif command == "click":
        node = find(nodes, sys.argv[2])
        if node is None:
            sys.exit(f"no menu item {sys.argv[2]!r} in {json.dumps(nodes)}")
        try:
            call(conn, name, menu, "com.canonical.dbusmenu", "Event",
                 GLib.Variant("(isvu)", (node["id"], "clicked", GLib.Variant("i", 0), 0)), None)
        except GLib.Error as e:
            # An item that ends the program (Quit) may end it before the reply is sent: the
            # click was delivered, which is all a panel knows too. Any other error is real.
            if "NoReply" not in str(e) and "ServiceUnknown" not in str(e):
                raise
        print(json.dumps(node))
    else:
        sys.exit(f"unknown command {command}")


if __name__ == "__main__":
    main()
