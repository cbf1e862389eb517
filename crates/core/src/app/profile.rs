//! A profile: the directories and names that keep one instance's state
//! apart from another's — the data directory (the hosted server's SQLite
//! file), the settings files (the saved session without its token, the
//! household it hosts, whether it is a kitchen screen, the family shown
//! last, this screen's sound, its window's place, the certificates pinned
//! for household servers) and the keyring service
//! the token is stored under.

use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::session::SessionInfo;

/// How this screen sounds when a timer runs out: a setting of the device
/// (the kitchen screen may be loud, a parent's laptop quiet), not of the
/// family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SoundSettings {
    /// The chime's volume, 0 to 100.
    pub volume: u8,
    /// No chime at all (notifications keep their own sound).
    pub muted: bool,
}

impl Default for SoundSettings {
    fn default() -> Self {
        Self {
            volume: 80,
            muted: false,
        }
    }
}

impl SoundSettings {
    /// The loudest volume.
    pub const MAX_VOLUME: u8 = 100;
}

/// The app's identifier (as in `tauri.conf.json`): the directory name under
/// the XDG data and config directories, and the keyring service's prefix.
pub const IDENTIFIER: &str = "org.kinboard.desktop";

#[derive(Debug, Clone)]
pub struct Profile {
    name: String,
    data_dir: PathBuf,
    config_dir: PathBuf,
}

/// A profile's directories hold a household's database and who is signed
/// in: its owner's only (unix).
#[cfg(unix)]
fn keep_private(dir: &Path) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(dir)?.permissions().mode() & 0o777;
    if mode != 0o700 {
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).map_err(|e| {
            io::Error::new(e.kind(), format!("making {} private: {e}", dir.display()))
        })?;
    }
    Ok(())
}

#[cfg(not(unix))]
fn keep_private(_dir: &Path) -> io::Result<()> {
    Ok(())
}

impl Profile {
    /// The profile `name` under the user's XDG directories, created if new.
    pub fn open(name: &str) -> io::Result<Self> {
        let base = directories::BaseDirs::new()
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no home directory"))?;
        Self::open_in(name, base.data_dir(), base.config_dir())
    }

    /// The profile `name` under the given base directories.
    pub fn open_in(name: &str, data_base: &Path, config_base: &Path) -> io::Result<Self> {
        let profile = Self {
            name: name.to_owned(),
            data_dir: data_base.join(IDENTIFIER).join("profiles").join(name),
            config_dir: config_base.join(IDENTIFIER).join("profiles").join(name),
        };
        for dir in [&profile.data_dir, &profile.config_dir] {
            std::fs::create_dir_all(dir).map_err(|e| {
                io::Error::new(e.kind(), format!("creating {}: {e}", dir.display()))
            })?;
            keep_private(dir)?;
        }
        Ok(profile)
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The keyring service this profile's tokens are stored under.
    pub fn keyring_service(&self) -> String {
        format!("{IDENTIFIER}/{}", self.name)
    }

    /// The SQLite database of a server this profile hosts (or its demo).
    pub fn database_url(&self, file: &str) -> String {
        format!("sqlite://{}", self.data_dir.join(file).display())
    }

    fn hosting_file(&self) -> PathBuf {
        self.config_dir.join("hosting.json")
    }

    /// Where this profile hosts its household, when it set one up from the
    /// welcome screen (so the next start hosts it again).
    pub fn load_hosting(&self) -> Option<std::net::SocketAddr> {
        let text = std::fs::read_to_string(self.hosting_file()).ok()?;
        serde_json::from_str::<serde_json::Value>(&text)
            .ok()?
            .get("bind")?
            .as_str()?
            .parse()
            .ok()
    }

    pub fn save_hosting(&self, bind: Option<std::net::SocketAddr>) -> io::Result<()> {
        match bind {
            Some(bind) => std::fs::write(
                self.hosting_file(),
                serde_json::to_vec(&serde_json::json!({ "bind": bind.to_string() }))
                    .map_err(io::Error::other)?,
            )?,
            None => match std::fs::remove_file(self.hosting_file()) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
                _ => {}
            },
        }
        Ok(())
    }

    fn kiosk_file(&self) -> PathBuf {
        self.config_dir.join("kiosk")
    }

    /// Whether this profile was set up as a kitchen screen (paired from
    /// the welcome screen): it starts as one from then on.
    pub fn is_kiosk(&self) -> bool {
        self.kiosk_file().exists()
    }

    pub fn set_kiosk(&self, kiosk: bool) -> io::Result<()> {
        if kiosk {
            std::fs::write(self.kiosk_file(), b"a kitchen screen\n")
        } else {
            match std::fs::remove_file(self.kiosk_file()) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
                _ => Ok(()),
            }
        }
    }

    fn family_file(&self) -> PathBuf {
        self.config_dir.join("family")
    }

    /// The family shown last, for a parent in several.
    pub fn load_family(&self) -> Option<String> {
        let id = std::fs::read_to_string(self.family_file()).ok()?;
        let id = id.trim();
        (!id.is_empty()).then(|| id.to_owned())
    }

    pub fn save_family(&self, family_id: &str) -> io::Result<()> {
        std::fs::write(self.family_file(), family_id)
    }

    fn certificates_file(&self) -> PathBuf {
        self.config_dir.join("certificates.json")
    }

    /// The certificate this screen pinned for the server at `origin` (a
    /// normalised base URL), when a person confirmed one.
    pub fn load_certificate(&self, origin: &str) -> Option<String> {
        self.load_certificates().remove(origin)
    }

    fn load_certificates(&self) -> std::collections::BTreeMap<String, String> {
        let Ok(text) = std::fs::read_to_string(self.certificates_file()) else {
            return Default::default();
        };
        serde_json::from_str(&text).unwrap_or_else(|e| {
            tracing::warn!(error = %e, "ignoring an unreadable certificates file");
            Default::default()
        })
    }

    /// Pins `fingerprint` for the server at `origin` (replacing an older
    /// pin: a person confirmed the new one).
    pub fn save_certificate(&self, origin: &str, fingerprint: &str) -> io::Result<()> {
        let mut pins = self.load_certificates();
        if pins.get(origin).map(String::as_str) == Some(fingerprint) {
            return Ok(());
        }
        pins.insert(origin.to_owned(), fingerprint.to_owned());
        write_replacing(
            &self.certificates_file(),
            &serde_json::to_vec_pretty(&pins).map_err(io::Error::other)?,
        )
    }

    fn session_file(&self) -> PathBuf {
        self.config_dir.join("session.json")
    }

    /// Where the window's size and place are kept (a parent's window only).
    pub fn window_state_file(&self) -> PathBuf {
        self.config_dir.join("window.json")
    }

    fn sound_file(&self) -> PathBuf {
        self.config_dir.join("sound.json")
    }

    /// This screen's sound; the default when never set or unreadable.
    pub fn load_sound(&self) -> SoundSettings {
        let Ok(text) = std::fs::read_to_string(self.sound_file()) else {
            return SoundSettings::default();
        };
        match serde_json::from_str::<SoundSettings>(&text) {
            Ok(mut sound) => {
                sound.volume = sound.volume.min(SoundSettings::MAX_VOLUME);
                sound
            }
            Err(e) => {
                tracing::warn!(error = %e, "ignoring an unreadable sound setting");
                SoundSettings::default()
            }
        }
    }

    /// Keeps this screen's sound (the volume capped at 100).
    pub fn save_sound(&self, sound: SoundSettings) -> io::Result<SoundSettings> {
        let sound = SoundSettings {
            volume: sound.volume.min(SoundSettings::MAX_VOLUME),
            ..sound
        };
        write_replacing(
            &self.sound_file(),
            &serde_json::to_vec(&sound).map_err(io::Error::other)?,
        )?;
        Ok(sound)
    }

    /// The session saved by the last sign-in, if any and readable.
    pub fn load_session(&self) -> Option<SessionInfo> {
        let text = std::fs::read_to_string(self.session_file()).ok()?;
        match serde_json::from_str(&text) {
            Ok(info) => Some(info),
            Err(e) => {
                tracing::warn!(error = %e, "ignoring an unreadable session file");
                None
            }
        }
    }

    /// Saves (or with `None`, forgets) the session to restore next time.
    pub fn save_session(&self, info: Option<&SessionInfo>) -> io::Result<()> {
        let path = self.session_file();
        match info {
            Some(info) => write_replacing(
                &path,
                &serde_json::to_vec_pretty(info).map_err(io::Error::other)?,
            )?,
            None => match std::fs::remove_file(&path) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
                _ => {}
            },
        }
        Ok(())
    }
}

/// Writes `bytes` to `path` whole or not at all: a temporary file beside
/// it, on disk before it is renamed over it. Each write has a temporary
/// file of its own, so two saves at once (a volume slider dragged) cannot
/// trip over each other; the last rename wins.
fn write_replacing(path: &Path, bytes: &[u8]) -> io::Result<()> {
    use std::io::Write as _;
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(
        ".{}.{}.tmp",
        std::process::id(),
        NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ));
    let written = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::SessionKind;

    #[test]
    fn saves_at_once_each_land_whole_and_leave_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let profile = Profile::open_in("a", dir.path(), dir.path()).unwrap();
        std::thread::scope(|scope| {
            for volume in 0..8u8 {
                let profile = &profile;
                scope.spawn(move || {
                    for _ in 0..20 {
                        profile
                            .save_sound(SoundSettings {
                                volume: volume * 10,
                                muted: false,
                            })
                            .expect("every save succeeds");
                    }
                });
            }
        });
        let kept = profile.load_sound();
        assert!(
            kept.volume.is_multiple_of(10) && kept.volume <= 70,
            "{kept:?}"
        );
        let leftovers: Vec<_> = std::fs::read_dir(profile.sound_file().parent().unwrap())
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
    }

    #[test]
    fn sound_settings_are_the_screens_own_and_capped() {
        let dir = tempfile::tempdir().unwrap();
        let a = Profile::open_in("a", dir.path(), dir.path()).unwrap();
        let b = Profile::open_in("b", dir.path(), dir.path()).unwrap();
        assert_eq!(a.load_sound(), SoundSettings::default());
        let saved = a
            .save_sound(SoundSettings {
                volume: 250,
                muted: true,
            })
            .unwrap();
        assert_eq!(
            saved,
            SoundSettings {
                volume: 100,
                muted: true
            }
        );
        assert_eq!(a.load_sound(), saved);
        assert_eq!(b.load_sound(), SoundSettings::default());
        std::fs::write(a.sound_file(), "{\"volume\": 200, \"muted\": false}").unwrap();
        assert_eq!(a.load_sound().volume, 100, "an edited file is capped too");
        std::fs::write(a.sound_file(), "not json").unwrap();
        assert_eq!(a.load_sound(), SoundSettings::default());
    }

    #[cfg(unix)]
    #[test]
    fn a_profiles_directories_are_its_owners_only_even_when_found_open() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let (data, config) = (dir.path().join("data"), dir.path().join("config"));
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let p = Profile::open_in("kitchen", &data, &config).unwrap();
        assert_eq!((mode(&p.data_dir), mode(&p.config_dir)), (0o700, 0o700));
        std::fs::set_permissions(&p.data_dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        let again = Profile::open_in("kitchen", &data, &config).unwrap();
        assert_eq!(mode(&again.data_dir), 0o700, "tightened when found open");
    }

    #[test]
    fn profiles_are_apart_and_sessions_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let (data, config) = (dir.path().join("data"), dir.path().join("config"));
        let a = Profile::open_in("a", &data, &config).unwrap();
        let b = Profile::open_in("b", &data, &config).unwrap();
        assert_ne!(a.keyring_service(), b.keyring_service());
        assert_ne!(a.database_url("k.sqlite3"), b.database_url("k.sqlite3"));
        assert!(a.database_url("k.sqlite3").starts_with("sqlite://"));

        assert_eq!(a.load_session(), None);
        let info = SessionInfo {
            server_url: "http://127.0.0.1:8080".into(),
            account: "ana@demo.kinboard".into(),
            kind: SessionKind::User,
            certificate: Some("ab".repeat(32)),
        };
        a.save_session(Some(&info)).unwrap();
        assert_eq!(a.load_session(), Some(info));
        assert_eq!(b.load_session(), None);
        a.save_session(None).unwrap();
        a.save_session(None).unwrap();
        assert_eq!(a.load_session(), None);

        let origin = "https://192.168.1.5:8080";
        assert_eq!(a.load_certificate(origin), None);
        a.save_certificate(origin, &"ab".repeat(32)).unwrap();
        a.save_certificate("https://10.0.0.2:8080", &"cd".repeat(32))
            .unwrap();
        assert_eq!(a.load_certificate(origin), Some("ab".repeat(32)));
        a.save_certificate(origin, &"ef".repeat(32)).unwrap();
        assert_eq!(a.load_certificate(origin), Some("ef".repeat(32)));
        assert_eq!(
            a.load_certificate("https://10.0.0.2:8080"),
            Some("cd".repeat(32))
        );
        assert_eq!(b.load_certificate(origin), None, "pins are the profile's");

        assert_eq!(a.load_hosting(), None);
        a.save_hosting(Some("0.0.0.0:8080".parse().unwrap()))
            .unwrap();
        assert_eq!(a.load_hosting(), Some("0.0.0.0:8080".parse().unwrap()));
        assert_eq!(b.load_hosting(), None);
        a.save_hosting(None).unwrap();
        assert_eq!(a.load_hosting(), None);

        assert!(!a.is_kiosk());
        a.set_kiosk(true).unwrap();
        assert!(a.is_kiosk() && !b.is_kiosk());
        a.set_kiosk(false).unwrap();
        a.set_kiosk(false).unwrap();
        assert!(!a.is_kiosk());

        assert_eq!(a.load_family(), None);
        a.save_family("fam_2").unwrap();
        assert_eq!(a.load_family().as_deref(), Some("fam_2"));
        assert_eq!(b.load_family(), None);
    }

    #[test]
    fn a_corrupt_session_file_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let p = Profile::open_in("x", dir.path(), dir.path()).unwrap();
        std::fs::write(p.session_file(), "{not json").unwrap();
        assert_eq!(p.load_session(), None);
    }
}
