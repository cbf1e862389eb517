//! Test support for the desktop end-to-end tests: the server and app
//! windows a scenario drives ([`app`]), a small W3C WebDriver client
//! ([`webdriver`]) for tauri-driver + WebKitWebDriver, child processes
//! that are killed when dropped ([`process`]), waiting for a condition
//! with a deadline ([`wait`]), and the X server's view of a window
//! ([`x11`]).

pub mod app;
pub mod process;
pub mod wait;
pub mod webdriver;
pub mod x11;
