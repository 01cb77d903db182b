#!/usr/bin/python3
"""Drag source for the end-to-end tests: a real GTK 3 window that offers files the way a file
manager does, so a drag started on it with xdotool is a real XDND drag onto the LinkDrop window.

Usage: drag_source.py X Y PATH...   (X, Y: where to put the window on the screen)

Shows a small undecorated window at X,Y whose whole area is a drag source offering PATH... as
text/uri-list (file:// URIs) and text/plain. Prints one JSON object per line on stdout:
{"ready": true, "x", "y", "width", "height"} once mapped (root coordinates of its area),
{"data_requested": TARGET} when the drop target asks for the data, and {"end": true, "failed": RESULT
or null} when the drag is over; then exits. Needs Debian's python3-gi and gir1.2-gtk-3.0.
"""
import json
import sys
from pathlib import Path

# GTK's Python overrides hand sys.argv to gdk_init as UTF-8 text, which a path that is not UTF-8
# (kept by Python as surrogate escapes) cannot be: take the arguments before they look.
ARGS, sys.argv = sys.argv[1:], sys.argv[:1]

import gi  # noqa: E402

gi.require_version("Gtk", "3.0")
gi.require_version("Gdk", "3.0")
from gi.repository import Gdk, GLib, Gtk  # noqa: E402

URI_LIST, TEXT = 0, 1


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def main():
    x, y, paths = int(ARGS[0]), int(ARGS[1]), ARGS[2:]
    uris = [Path(p).resolve().as_uri() for p in paths]
    failed = None

    window = Gtk.Window(title="linkdrop-e2e-drag-source")
    window.set_decorated(False)
    window.set_default_size(160, 80)
    window.move(x, y)
    box = Gtk.EventBox()
    box.add(Gtk.Label(label="drag me"))
    window.add(box)

    targets = [
        Gtk.TargetEntry.new("text/uri-list", Gtk.TargetFlags.OTHER_APP, URI_LIST),
        Gtk.TargetEntry.new("text/plain", Gtk.TargetFlags.OTHER_APP, TEXT),
    ]
    box.drag_source_set(Gdk.ModifierType.BUTTON1_MASK, targets, Gdk.DragAction.COPY)

    def on_get(_widget, _ctx, data, info, _time):
        emit({"data_requested": data.get_target().name()})
        if info == URI_LIST:
            data.set_uris(uris)
        else:
            data.set_text("\n".join(uris), -1)

    def on_failed(_widget, _ctx, result):
        nonlocal failed
        failed = result.value_nick
        return False

    def on_end(*_):
        # drag-failed, when it comes, comes before drag-end.
        GLib.idle_add(lambda: (emit({"end": True, "failed": failed}), Gtk.main_quit()))

    box.connect("drag-data-get", on_get)
    box.connect("drag-failed", on_failed)
    box.connect("drag-end", on_end)

    def on_mapped(*_):
        def report():
            ox, oy = box.get_window().get_origin()[1:]
            alloc = box.get_allocation()
            emit({"ready": True, "x": ox, "y": oy, "width": alloc.width, "height": alloc.height})
            return False

        GLib.timeout_add(100, report)  # let the move and the size settle

    window.connect("map-event", on_mapped)
    window.connect("destroy", Gtk.main_quit)
    window.show_all()
    Gtk.main()


if __name__ == "__main__":
    main()
