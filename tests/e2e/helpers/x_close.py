#!/usr/bin/python3
"""Asks an X window to close the way a window manager's close button does: a WM_DELETE_WINDOW
client message (the test display has no window manager to send it).

Usage: x_close.py WINDOW_ID   (DISPLAY from the environment). Needs Debian's python3-xlib.
"""
import sys

from Xlib import X, display, protocol


def main():
    d = display.Display()
    window = d.create_resource_object("window", int(sys.argv[1]))
    protocols = d.intern_atom("WM_PROTOCOLS")
    delete = d.intern_atom("WM_DELETE_WINDOW")
    event = protocol.event.ClientMessage(
        window=window, client_type=protocols, data=(32, [delete, X.CurrentTime, 0, 0, 0])
    )
    window.send_event(event, event_mask=X.NoEventMask)
    d.flush()
    d.close()


if __name__ == "__main__":
    main()
