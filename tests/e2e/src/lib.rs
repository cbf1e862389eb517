//! Test support for the desktop end-to-end test: a small W3C WebDriver
//! client ([`webdriver`]) for tauri-driver + WebKitWebDriver, child
//! processes that are killed when dropped ([`process`]), and waiting for
//! a condition with a deadline ([`wait`]).

pub mod process;
pub mod wait;
pub mod webdriver;
