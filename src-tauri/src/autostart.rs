//! Starting Kinboard at login (`--autostart` / `--no-autostart`): an XDG
//! autostart entry on Linux (a launch agent on macOS, the Run key on
//! Windows), through auto-launch. The entry starts the installed program
//! ([`program`]) with this instance's own choices — profile, server,
//! kiosk — and never with a secret: the session comes back from the
//! keyring.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

/// The name of the entry: one per profile, so a kitchen screen and a
/// parent's window on one computer do not replace each other's.
pub(crate) fn entry_name(profile: &str) -> String {
    if profile == "default" {
        "Kinboard".to_owned()
    } else {
        format!("Kinboard-{profile}")
    }
}

/// Turns starting at login on (with `args`) or off for `profile`.
pub(crate) fn set(enabled: bool, profile: &str, args: &[String]) -> anyhow::Result<()> {
    // auto-launch writes the arguments into the desktop entry unquoted.
    if let Some(bad) = args.iter().find(|a| !is_plain(a)) {
        bail!(
            "cannot start at login with the argument {bad:?}: only letters, digits and ._:/@+=,- are allowed"
        );
    }
    let exe = program(
        &std::env::current_exe().context("where this program is")?,
        std::env::var_os("APPIMAGE").map(PathBuf::from),
        installed(),
    );
    let exe = exe.to_str().context("this program's path is not UTF-8")?;
    if !is_plain(exe) {
        bail!(
            "cannot start at login from {exe:?}: move the program to a path without spaces or quotes"
        );
    }
    let launch = auto_launch::AutoLaunchBuilder::new()
        .set_app_name(&entry_name(profile))
        .set_app_path(exe)
        .set_args(args)
        .build()
        .context("setting up start at login")?;
    if enabled {
        launch.enable().context("turning start at login on")?;
        tracing::info!(entry = %entry_name(profile), ?args, "Kinboard starts at login");
    } else if launch.is_enabled().unwrap_or(false) {
        launch.disable().context("turning start at login off")?;
        tracing::info!(entry = %entry_name(profile), "Kinboard no longer starts at login");
    }
    Ok(())
}

/// The program a login entry starts: an AppImage's own file (not the
/// mount it runs from, which is gone after logout); the installed
/// `kinboard` when this one runs from a build directory (`target/debug`,
/// `target/release`), which the next build or clean replaces; otherwise
/// this program where it is.
pub(crate) fn program(
    current: &Path,
    appimage: Option<PathBuf>,
    installed: Option<PathBuf>,
) -> PathBuf {
    if let Some(image) = appimage {
        return image;
    }
    match installed {
        Some(installed) if in_build_dir(current) => installed,
        _ => current.to_owned(),
    }
}

/// Whether `program` is a cargo build's (`…/target/debug/kinboard`,
/// `…/target/<triple>/release/kinboard`), which the next build replaces
/// or a `cargo clean` removes.
fn in_build_dir(program: &Path) -> bool {
    let Some(profile) = program.parent() else {
        return false;
    };
    let named = |p: &Path, names: &[&str]| {
        p.file_name()
            .is_some_and(|n| names.iter().any(|name| n == *name))
    };
    named(profile, &["debug", "release"])
        && profile
            .ancestors()
            .skip(1)
            .take(2)
            .any(|dir| named(dir, &["target"]))
}

/// The installed `kinboard`: the package's `/usr/bin/kinboard`, or else
/// the first on PATH that is not a build's.
fn installed() -> Option<PathBuf> {
    let package = Path::new("/usr/bin/kinboard");
    if package.is_file() {
        return Some(package.to_owned());
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join("kinboard"))
        .find(|p| p.is_file() && !in_build_dir(p))
}

fn is_plain(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "._:/@+=,-".contains(c))
}

#[cfg(test)]
mod tests {
    use std::process::Command;

    use super::*;

    const CHILD: &str = "KINBOARD_AUTOSTART_CHILD";

    #[test]
    fn the_login_entry_starts_this_profile_and_goes_away_when_turned_off() {
        if std::env::var_os(CHILD).is_some() {
            let home = std::path::PathBuf::from(std::env::var_os("HOME").unwrap());
            let entry = home.join(".config/autostart/Kinboard-kitchen.desktop");
            let args: Vec<String> = [
                "--profile",
                "kitchen",
                "--kiosk",
                "--server",
                "http://192.168.1.20:8080",
            ]
            .map(str::to_owned)
            .into();
            set(true, "kitchen", &args).unwrap();
            let text = std::fs::read_to_string(&entry).unwrap();
            let exe = std::env::current_exe().unwrap();
            assert!(
                text.contains(&format!(
                    "Exec={} --profile kitchen --kiosk --server http://192.168.1.20:8080",
                    exe.display()
                )),
                "{text}"
            );
            assert!(text.contains("Name=Kinboard-kitchen"), "{text}");
            set(false, "kitchen", &args).unwrap();
            assert!(!entry.exists());
            // Off when already off is fine; a quote is refused with a reason.
            set(false, "kitchen", &args).unwrap();
            let err = set(
                true,
                "kitchen",
                &["--server".into(), "http://x/\"a b".into()],
            )
            .unwrap_err();
            assert!(err.to_string().contains("only letters"), "{err}");
            assert!(!entry.exists());
            return;
        }
        // HOME is process-wide: run the checks in a child with its own.
        let home = tempfile::tempdir().unwrap();
        let out = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "autostart::tests::the_login_entry_starts_this_profile_and_goes_away_when_turned_off",
                "--test-threads=1",
            ])
            .env(CHILD, "1")
            .env("HOME", home.path())
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        eprint!("{stdout}{}", String::from_utf8_lossy(&out.stderr));
        assert!(out.status.success(), "{}", out.status);
        // A renamed test would make the child match nothing, and pass.
        assert!(
            kinboard_testkit::bus::ran_exactly_one(&stdout),
            "the child ran no test of that name (or more than one): renamed?"
        );
    }

    #[test]
    fn the_entry_starts_the_installed_program_not_a_build() {
        let installed = Some(PathBuf::from("/usr/bin/kinboard"));
        let build = Path::new("/home/ana/kinboard/target/release/kinboard");
        assert_eq!(
            program(build, None, installed.clone()),
            Path::new("/usr/bin/kinboard")
        );
        let debug = Path::new("/home/ana/kinboard/target/debug/kinboard");
        assert_eq!(
            program(debug, None, installed.clone()),
            Path::new("/usr/bin/kinboard")
        );
        // A cross build's directory is a build's too.
        let cross =
            Path::new("/home/ana/kinboard/target/x86_64-unknown-linux-gnu/release/kinboard");
        assert_eq!(
            program(cross, None, installed.clone()),
            Path::new("/usr/bin/kinboard")
        );
        assert!(in_build_dir(cross) && in_build_dir(build) && in_build_dir(debug));
        // A directory merely called release is not.
        assert!(!in_build_dir(Path::new("/opt/release/kinboard")));
        assert!(!in_build_dir(Path::new("/usr/bin/kinboard")));
        // Not installed: the build it is (better than no entry at all).
        assert_eq!(program(build, None, None), build);
        // Installed, or anywhere else: itself.
        let usr = Path::new("/usr/bin/kinboard");
        assert_eq!(program(usr, None, installed.clone()), usr);
        let opt = Path::new("/opt/kinboard/kinboard");
        assert_eq!(program(opt, None, installed.clone()), opt);
        // An AppImage: its own file, not the mount it runs from.
        let mount = Path::new("/tmp/.mount_KinboaXYZ/usr/bin/kinboard");
        let image = PathBuf::from("/home/ana/Apps/Kinboard.AppImage");
        assert_eq!(program(mount, Some(image.clone()), installed), image);
    }

    #[test]
    fn entries_are_per_profile() {
        assert_eq!(entry_name("default"), "Kinboard");
        assert_eq!(entry_name("kitchen"), "Kinboard-kitchen");
    }
}
