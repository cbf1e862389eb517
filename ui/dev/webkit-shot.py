#!/usr/bin/python3
"""webkit-shot.py — dev only: screenshot a page with WebKitGTK, the engine the
Tauri app uses on Linux, to catch CSS or JS that only Chromium accepts.

    xvfb-run -a -s "-screen 0 1280x800x24" /usr/bin/python3 ui/dev/webkit-shot.py \
        "http://127.0.0.1:8765/dev/preview.html?kiosk=1" /tmp/webkit.png [1280 800] [dark]

Needs python3-gi and gir1.2-webkit2-4.1. Serve ui/ first (python3 -m http.server).
Prints the page's console messages so module errors show up.
"""
import sys

import gi

gi.require_version("Gtk", "3.0")
gi.require_version("WebKit2", "4.1")
from gi.repository import GLib, Gtk, WebKit2  # noqa: E402

url, out = sys.argv[1], sys.argv[2]
width = int(sys.argv[3]) if len(sys.argv) > 3 else 1280
height = int(sys.argv[4]) if len(sys.argv) > 4 else 800
dark = len(sys.argv) > 5 and sys.argv[5] == "dark"

if dark:
    Gtk.Settings.get_default().set_property("gtk-application-prefer-dark-theme", True)

win = Gtk.OffscreenWindow()
win.set_default_size(width, height)
view = WebKit2.WebView()
settings = view.get_settings()
settings.set_enable_write_console_messages_to_stdout(True)
view.set_size_request(width, height)
win.add(view)
win.show_all()


def done(source, result):
    surface = view.get_snapshot_finish(result)
    surface.write_to_png(out)
    print("wrote", out)
    Gtk.main_quit()


def snap():
    view.get_snapshot(WebKit2.SnapshotRegion.VISIBLE, WebKit2.SnapshotOptions.NONE, None, done)
    return False


def on_load(v, event):
    if event == WebKit2.LoadEvent.FINISHED:
        GLib.timeout_add(2500, snap)


view.connect("load-changed", on_load)
view.load_uri(url)
GLib.timeout_add(20000, Gtk.main_quit)
Gtk.main()
