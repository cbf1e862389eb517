//! The command line: which server the app talks to (a demo family on an
//! embedded server, a server elsewhere, or a household hosted here), the
//! profile that keeps settings and credentials apart, and kiosk mode.

use std::net::SocketAddr;

use clap::Parser;
pub(crate) use kinboard_core::app::Mode;

/// Kinboard: the family dashboard. Chore timers, chores and stars, in sync
/// on every screen of the household.
#[derive(Debug, Clone, Parser, PartialEq, Eq)]
#[command(name = "kinboard", version)]
pub(crate) struct Args {
    /// Start a Kinboard server inside the app (SQLite in the profile's data
    /// directory, embedded relay) with a demo family, and sign in to it.
    #[arg(long, conflicts_with = "server")]
    pub(crate) demo: bool,
    /// Connect to the household server at this URL (e.g. http://192.168.1.20:8080).
    #[arg(long, value_name = "URL")]
    pub(crate) server: Option<String>,
    /// Host the household server on this computer, listening on ADDR
    /// (e.g. 0.0.0.0:8080) for the other screens on the LAN.
    #[arg(long, value_name = "ADDR", conflicts_with = "server")]
    pub(crate) host: Option<SocketAddr>,
    /// Keep settings and credentials under this name, so several instances
    /// (or households) can run side by side.
    #[arg(long, value_name = "NAME", default_value = "default", value_parser = parse_profile)]
    pub(crate) profile: String,
    /// Fullscreen kitchen-screen mode: no window decorations, always on top,
    /// the cursor hidden when idle, the display kept awake, large type;
    /// confirming timers and changing stars ask for the parent PIN.
    #[arg(long)]
    pub(crate) kiosk: bool,
    /// Start Kinboard at login from now on, with the options given here
    /// (profile, server, kiosk, ...).
    #[arg(long, conflicts_with = "no_autostart")]
    pub(crate) autostart: bool,
    /// Stop starting Kinboard at login (for this profile).
    #[arg(long)]
    pub(crate) no_autostart: bool,
    /// Open the app's window with nothing in it (same size, WebKit settings
    /// and allocator, a blank page, no server, tray or plugins): the floor
    /// `kinboard-bench app --baseline` measures the app's memory against.
    #[arg(long, hide = true, conflicts_with_all = ["demo", "server", "host", "kiosk", "autostart", "no_autostart"])]
    pub(crate) empty_window: bool,
}

impl Args {
    pub(crate) fn mode(&self) -> Mode {
        match (self.demo, self.host, &self.server) {
            (true, bind, _) => Mode::Demo {
                bind: bind.unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 0))),
            },
            (false, Some(bind), _) => Mode::Host { bind },
            (false, None, server) => Mode::Client {
                server: server.clone(),
            },
        }
    }
}

impl Args {
    /// The options that start this same instance again (at login): where
    /// its server is, its profile, kiosk mode.
    pub(crate) fn launch_args(&self) -> Vec<String> {
        let mut args = vec!["--profile".to_owned(), self.profile.clone()];
        if self.demo {
            args.push("--demo".into());
        }
        if let Some(bind) = self.host {
            args.extend(["--host".into(), bind.to_string()]);
        }
        if let Some(server) = &self.server {
            args.extend(["--server".into(), server.clone()]);
        }
        if self.kiosk {
            args.push("--kiosk".into());
        }
        args
    }
}

/// A profile name becomes a directory name and part of a keyring service
/// name: letters, digits, `-` and `_`, at most 40 of them.
fn parse_profile(name: &str) -> Result<String, String> {
    let ok = !name.is_empty()
        && name.len() <= 40
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(name.to_owned())
    } else {
        Err("use 1 to 40 letters, digits, '-' or '_'".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Args, clap::Error> {
        Args::try_parse_from(std::iter::once("kinboard").chain(args.iter().copied()))
    }

    #[test]
    fn no_arguments_is_a_client_of_the_saved_server() {
        let args = parse(&[]).unwrap();
        assert_eq!(args.mode(), Mode::Client { server: None });
        assert_eq!(args.profile, "default");
        assert!(!args.kiosk);
    }

    #[test]
    fn demo_binds_loopback_on_a_free_port_unless_hosting() {
        assert_eq!(
            parse(&["--demo"]).unwrap().mode(),
            Mode::Demo {
                bind: "127.0.0.1:0".parse().unwrap()
            }
        );
        assert_eq!(
            parse(&["--demo", "--host", "0.0.0.0:8080"]).unwrap().mode(),
            Mode::Demo {
                bind: "0.0.0.0:8080".parse().unwrap()
            }
        );
    }

    #[test]
    fn server_host_and_profile() {
        let args = parse(&[
            "--server",
            "http://h:8080",
            "--profile",
            "kitchen-2",
            "--kiosk",
        ])
        .unwrap();
        assert_eq!(
            args.mode(),
            Mode::Client {
                server: Some("http://h:8080".into())
            }
        );
        assert_eq!(args.profile, "kitchen-2");
        assert!(args.kiosk);
        assert_eq!(
            parse(&["--host", "0.0.0.0:9000"]).unwrap().mode(),
            Mode::Host {
                bind: "0.0.0.0:9000".parse().unwrap()
            }
        );
    }

    #[test]
    fn launch_args_start_the_same_instance_again() {
        let args = parse(&[
            "--server",
            "http://h:8080",
            "--profile",
            "kitchen",
            "--kiosk",
            "--autostart",
        ])
        .unwrap();
        assert!(args.autostart);
        let again = parse(
            &args
                .launch_args()
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>(),
        )
        .unwrap();
        assert_eq!(again.mode(), args.mode());
        assert_eq!(
            (again.profile.as_str(), again.kiosk, again.autostart),
            ("kitchen", true, false)
        );
        assert!(parse(&["--autostart", "--no-autostart"]).is_err());
    }

    #[test]
    fn refuses_contradictions_and_unsafe_profile_names() {
        assert!(parse(&["--demo", "--server", "http://h"]).is_err());
        assert!(parse(&["--host", "0.0.0.0:1", "--server", "http://h"]).is_err());
        assert!(parse(&["--profile", "../etc"]).is_err());
        assert!(parse(&["--profile", ""]).is_err());
        assert!(parse(&["--host", "not-an-address"]).is_err());
    }
}
