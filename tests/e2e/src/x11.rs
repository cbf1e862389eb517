//! A window as the X server sees it, for what WebDriver cannot tell: found
//! by its title, whether it is mapped (shown) at all, where it is, moved
//! and resized as a person would, and closed the way a window manager's
//! close button does it — a `WM_DELETE_WINDOW` message the app may answer
//! by hiding instead.

use anyhow::{Context, Result};
use x11rb::connection::Connection as _;
use x11rb::protocol::xproto::{
    AtomEnum, ClientMessageEvent, ConfigureWindowAux, ConnectionExt as _, EventMask, MapState,
    Window,
};
use x11rb::rust_connection::RustConnection;
use x11rb::wrapper::ConnectionExt as _;

/// A connection to the display in `DISPLAY`.
pub struct Display {
    conn: RustConnection,
    root: Window,
}

/// A top-level window of the display.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TopLevel(pub Window);

impl Display {
    pub fn open() -> Result<Self> {
        let (conn, screen) = x11rb::connect(None).context("connecting to the X display")?;
        let root = conn.setup().roots[screen].root;
        Ok(Self { conn, root })
    }

    fn atom(&self, name: &str) -> Result<u32> {
        Ok(self.conn.intern_atom(false, name.as_bytes())?.reply()?.atom)
    }

    fn title(&self, window: Window) -> Result<Option<String>> {
        for (property, kind) in [
            (self.atom("_NET_WM_NAME")?, self.atom("UTF8_STRING")?),
            (u32::from(AtomEnum::WM_NAME), u32::from(AtomEnum::STRING)),
        ] {
            let reply = self
                .conn
                .get_property(false, window, property, kind, 0, 1024)?
                .reply()?;
            if !reply.value.is_empty() {
                return Ok(Some(String::from_utf8_lossy(&reply.value).into_owned()));
            }
        }
        Ok(None)
    }

    /// Every window under the root whose title is `title` (GTK puts the
    /// title on its top-level window; without a window manager it is a
    /// child of the root).
    pub fn find(&self, title: &str) -> Result<Vec<TopLevel>> {
        let tree = self.conn.query_tree(self.root)?.reply()?;
        let mut found = Vec::new();
        for window in tree.children {
            if self.title(window)?.as_deref() == Some(title) {
                found.push(TopLevel(window));
            }
        }
        Ok(found)
    }

    /// Whether the window is shown (mapped and viewable).
    pub fn is_shown(&self, window: TopLevel) -> Result<bool> {
        let attrs = self.conn.get_window_attributes(window.0)?.reply()?;
        Ok(attrs.map_state == MapState::VIEWABLE)
    }

    /// Where the window is and how big: (x, y, width, height).
    pub fn geometry(&self, window: TopLevel) -> Result<(i32, i32, u32, u32)> {
        let g = self.conn.get_geometry(window.0)?.reply()?;
        let at = self
            .conn
            .translate_coordinates(window.0, self.root, 0, 0)?
            .reply()?;
        Ok((
            i32::from(at.dst_x),
            i32::from(at.dst_y),
            u32::from(g.width),
            u32::from(g.height),
        ))
    }

    /// Moves and resizes it, as dragging its edges would.
    pub fn place(&self, window: TopLevel, x: i32, y: i32, width: u32, height: u32) -> Result<()> {
        let aux = ConfigureWindowAux::new()
            .x(x)
            .y(y)
            .width(width)
            .height(height);
        self.conn.configure_window(window.0, &aux)?;
        self.conn.sync()?;
        Ok(())
    }

    /// Asks the window to close, as a window manager's close button does.
    pub fn close(&self, window: TopLevel) -> Result<()> {
        let protocols = self.atom("WM_PROTOCOLS")?;
        let delete = self.atom("WM_DELETE_WINDOW")?;
        let event = ClientMessageEvent::new(32, window.0, protocols, [delete, 0, 0, 0, 0]);
        self.conn
            .send_event(false, window.0, EventMask::NO_EVENT, event)?;
        self.conn.sync()?;
        Ok(())
    }
}
