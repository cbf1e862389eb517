//! The system tray: one menu item per running, paused or expired timer
//! ("Ada · Homework 12:34"), counted down once a second while a timer runs,
//! plus Show / Hide and Quit (a timer's line shows the window too; Quit
//! asks first on the computer hosting the household). Built in code so that a missing appindicator
//! library (which the tray loads at run time, and panics without) only
//! costs the tray. Linux trays have no click events and no tooltips; the
//! label beside the icon (`set_title`) is best effort.

use std::sync::Arc;
use std::time::Duration;

use kinboard_core::DashboardView;
use kinboard_core::kinboard_api::TimerState;
use tauri::menu::{Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::{TrayIcon, TrayIconBuilder};
use tauri::{AppHandle, Wry};
use tokio::sync::watch;

const SHOW: &str = "show";
const QUIT: &str = "quit";

/// One tray line per timer still in play, soonest first.
pub(crate) fn lines(view: &DashboardView, now_ms: i64) -> Vec<(String, String)> {
    let server_now = now_ms + view.server_offset_ms;
    let mut timers: Vec<_> = view
        .timers
        .iter()
        .filter(|t| {
            matches!(
                t.state,
                TimerState::Running | TimerState::Paused | TimerState::Expired
            )
        })
        .map(|t| {
            let left = match t.state {
                TimerState::Running => t.ends_at.map_or(0, |end| end - server_now).max(0),
                TimerState::Paused => t.remaining_ms.unwrap_or(0).max(0),
                _ => 0,
            };
            let who = view
                .member(&t.member_id)
                .map_or_else(String::new, |m| format!("{} · ", m.name));
            let status = match t.state {
                TimerState::Running if left > 0 => countdown(left),
                TimerState::Paused => format!("{} (paused)", countdown(left)),
                _ => "time's up!".to_owned(),
            };
            // Expired first, then running by time left, then paused.
            let rank = match t.state {
                TimerState::Running if left > 0 => 1,
                TimerState::Paused => 2,
                _ => 0,
            };
            (
                (rank, left),
                t.id.clone(),
                format!("{who}{} {status}", t.label),
            )
        })
        .collect();
    timers.sort_by_key(|t| t.0);
    timers.into_iter().map(|(_, id, text)| (id, text)).collect()
}

/// What the tray shows for a view at local time `now_ms`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TrayModel {
    /// (timer id, text) per menu line, the most urgent first.
    pub(crate) lines: Vec<(String, String)>,
    /// The label beside the icon, where the panel shows one: the first line.
    pub(crate) title: Option<String>,
    /// Whether a countdown runs, so the text must be rewritten every second.
    pub(crate) ticking: bool,
}

pub(crate) fn model(view: Option<&DashboardView>, now_ms: i64) -> TrayModel {
    let lines = view.map(|v| lines(v, now_ms)).unwrap_or_default();
    TrayModel {
        title: lines.first().map(|(_, text)| text.clone()),
        ticking: view.is_some_and(|v| v.timers.iter().any(|t| t.state == TimerState::Running)),
        lines,
    }
}

/// m:ss, or h:mm:ss from an hour; rounded up so 0:00 means done.
pub(crate) fn countdown(ms: i64) -> String {
    let s = (ms.max(0) + 999) / 1000;
    let (h, m, s) = (s / 3600, (s / 60) % 60, s % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}

/// Whether the appindicator library the Linux tray loads is installed.
fn appindicator_installed() -> bool {
    if !cfg!(target_os = "linux") {
        return true;
    }
    const NAMES: [&str; 4] = [
        "libayatana-appindicator3.so.1",
        "libappindicator3.so.1",
        "libayatana-appindicator3.so",
        "libappindicator3.so",
    ];
    let mut dirs: Vec<std::path::PathBuf> = std::env::var("LD_LIBRARY_PATH")
        .unwrap_or_default()
        .split(':')
        .filter(|d| !d.is_empty())
        .map(Into::into)
        .collect();
    for base in ["/usr/lib", "/lib", "/usr/lib64", "/lib64", "/usr/local/lib"] {
        dirs.push(base.into());
        dirs.push(std::path::Path::new(base).join(format!("{}-linux-gnu", std::env::consts::ARCH)));
    }
    dirs.iter()
        .any(|d| NAMES.iter().any(|n| d.join(n).exists()))
}

/// Whether the desktop shows tray icons now: a StatusNotifier watcher
/// (the protocol the appindicator library speaks) is on the session bus
/// with a host registered — a panel that draws the icons. Stock GNOME has
/// none without its extension; there a window hidden to the tray could
/// not be brought back, so closing it must not hide it.
pub(crate) fn shows_icons() -> bool {
    let asked = (|| -> zbus::Result<bool> {
        let bus = zbus::blocking::Connection::session()?;
        let reply = bus.call_method(
            Some("org.kde.StatusNotifierWatcher"),
            "/StatusNotifierWatcher",
            Some("org.freedesktop.DBus.Properties"),
            "Get",
            &(
                "org.kde.StatusNotifierWatcher",
                "IsStatusNotifierHostRegistered",
            ),
        )?;
        let value: zbus::zvariant::OwnedValue = reply.body().deserialize()?;
        Ok(bool::try_from(value).unwrap_or(false))
    })();
    match asked {
        Ok(shown) => shown,
        Err(e) => {
            tracing::debug!(error = %e, "no tray host on the session bus");
            false
        }
    }
}

/// Builds the tray and keeps it in step with `views`; `None` when this
/// desktop cannot show one.
pub(crate) fn install(
    app: &AppHandle,
    views: watch::Receiver<Option<Arc<DashboardView>>>,
) -> Option<TrayIcon> {
    if std::env::var_os("KINBOARD_NO_TRAY").is_some() {
        return None;
    }
    if !appindicator_installed() {
        tracing::warn!("no tray: libayatana-appindicator3 is not installed");
        return None;
    }
    let built = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| build(app)));
    match built {
        Ok(Ok((tray, menu))) => {
            tauri::async_runtime::spawn(follow(tray.clone(), menu, views));
            Some(tray)
        }
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "no tray");
            None
        }
        Err(_) => {
            tracing::warn!("no tray: building it panicked");
            None
        }
    }
}

fn build(app: &AppHandle) -> tauri::Result<(TrayIcon, Menu<Wry>)> {
    let menu = Menu::with_items(
        app,
        &[
            &MenuItem::with_id(app, "none", "No timers running", false, None::<&str>)?,
            &PredefinedMenuItem::separator(app)?,
            &MenuItem::with_id(app, SHOW, "Show / Hide Kinboard", true, None::<&str>)?,
            &MenuItem::with_id(app, QUIT, "Quit Kinboard", true, None::<&str>)?,
        ],
    )?;
    let mut builder = TrayIconBuilder::with_id("kinboard")
        .menu(&menu)
        .on_menu_event(|app, event| match event.id().as_ref() {
            SHOW => crate::window::toggle(app),
            QUIT => crate::window::quit_from_tray(app),
            // A timer's line: show it in the window.
            id if id.starts_with("timer:") => crate::window::show(app),
            _ => {}
        });
    if let Some(icon) = app.default_window_icon() {
        builder = builder.icon(icon.clone());
    }
    Ok((builder.build(app)?, menu))
}

/// Rebuilds the timer items when timers come or go, and rewrites their
/// text every second while any runs.
async fn follow(
    tray: TrayIcon,
    menu: Menu<Wry>,
    mut views: watch::Receiver<Option<Arc<DashboardView>>>,
) {
    let app = tray.app_handle().clone();
    let mut shown: Vec<String> = vec!["none".into()];
    let mut items: Vec<MenuItem<Wry>> = Vec::new();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        let view = views.borrow_and_update().clone();
        let TrayModel {
            lines,
            title,
            ticking,
        } = model(view.as_deref(), now_ms());
        let ids: Vec<String> = lines.iter().map(|(id, _)| id.clone()).collect();
        let wanted = if ids.is_empty() {
            vec!["none".to_owned()]
        } else {
            ids
        };
        if wanted != shown {
            if let Err(e) = relist(&app, &menu, &mut items, &lines) {
                tracing::warn!(error = %e, "tray menu not updated");
            }
            shown = wanted;
        } else {
            for (item, (_, text)) in items.iter().zip(&lines) {
                let _ = item.set_text(text);
            }
        }
        let _ = tray.set_title(title.as_deref());
        tokio::select! {
            changed = views.changed() => if changed.is_err() { return },
            _ = tick.tick(), if ticking => {}
        }
    }
}

fn relist(
    app: &AppHandle,
    menu: &Menu<Wry>,
    items: &mut Vec<MenuItem<Wry>>,
    lines: &[(String, String)],
) -> tauri::Result<()> {
    // The first entries are the timers (or the "none" line); the rest stay.
    let old = items.len().max(1);
    for _ in 0..old {
        menu.remove_at(0)?;
    }
    items.clear();
    if lines.is_empty() {
        menu.insert(
            &MenuItem::with_id(app, "none", "No timers running", false, None::<&str>)?,
            0,
        )?;
        return Ok(());
    }
    for (i, (id, text)) in lines.iter().enumerate() {
        let item = MenuItem::with_id(app, format!("timer:{id}"), text, true, None::<&str>)?;
        menu.insert(&item, i)?;
        items.push(item);
    }
    Ok(())
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use kinboard_core::Role;
    use kinboard_core::view::{MemberView, TimerView};

    use super::*;

    fn timer(
        id: &str,
        state: TimerState,
        ends_at: Option<i64>,
        remaining: Option<i64>,
    ) -> TimerView {
        TimerView {
            id: id.into(),
            member_id: "m_1".into(),
            label: id.to_uppercase(),
            state,
            ends_at,
            remaining_ms: remaining,
            duration_ms: 600_000,
            stars: 1,
            template_id: None,
        }
    }

    #[test]
    fn countdowns_round_up_and_grow_hours() {
        assert_eq!(countdown(0), "0:00");
        assert_eq!(countdown(1), "0:01");
        assert_eq!(countdown(59_001), "1:00");
        assert_eq!(countdown(754_000), "12:34");
        assert_eq!(countdown(3_600_000), "1:00:00");
        assert_eq!(countdown(-5), "0:00");
    }

    fn family(timers: Vec<TimerView>) -> DashboardView {
        let mut view = DashboardView::empty(Role::Parent);
        view.members.push(MemberView {
            id: "m_1".into(),
            name: "Ada".into(),
            color: "#e4572e".into(),
            balance: 0,
            weekly_stars: 0,
        });
        view.timers = timers;
        view
    }

    #[test]
    fn the_title_counts_down_the_soonest_timer_and_follows_when_another_is_sooner() {
        let mut view = family(vec![timer(
            "tidy",
            TimerState::Running,
            Some(100_000),
            None,
        )]);
        let at = |view: &DashboardView, now| model(Some(view), now);
        assert_eq!(at(&view, 10_000).title.as_deref(), Some("Ada · TIDY 1:30"));
        assert_eq!(at(&view, 11_000).title.as_deref(), Some("Ada · TIDY 1:29"));
        assert!(at(&view, 11_000).ticking);
        // A sooner timer takes the first line and the title.
        view.timers
            .push(timer("quick", TimerState::Running, Some(40_000), None));
        let m = at(&view, 20_000);
        assert_eq!(m.title.as_deref(), Some("Ada · QUICK 0:20"));
        assert_eq!(m.lines[1].1, "Ada · TIDY 1:20");
        // Paused, it steps back behind the running one.
        view.timers[1] = timer("quick", TimerState::Paused, None, Some(20_000));
        assert_eq!(at(&view, 20_000).title.as_deref(), Some("Ada · TIDY 1:20"));
        // Run out, it comes first again, and says so.
        view.timers[1] = timer("quick", TimerState::Expired, Some(40_000), None);
        assert_eq!(
            at(&view, 41_000).title.as_deref(),
            Some("Ada · QUICK time's up!")
        );
        // Nothing running: no title, no ticking.
        let idle = family(vec![timer("gone", TimerState::Cancelled, None, None)]);
        let m = at(&idle, 0);
        assert_eq!((m.title, m.lines.len(), m.ticking), (None, 0, false));
        assert_eq!(model(None, 0).title, None);
    }

    #[test]
    fn lines_put_expired_first_then_running_by_time_left_then_paused() {
        let mut view = DashboardView::empty(Role::Parent);
        view.server_offset_ms = 1_000;
        view.members.push(MemberView {
            id: "m_1".into(),
            name: "Ada".into(),
            color: "#e4572e".into(),
            balance: 0,
            weekly_stars: 0,
        });
        view.timers = vec![
            timer("long", TimerState::Running, Some(11_000 + 600_000), None),
            timer("held", TimerState::Paused, None, Some(65_000)),
            timer("short", TimerState::Running, Some(11_000 + 30_000), None),
            timer("done", TimerState::Expired, Some(5_000), None),
            timer("gone", TimerState::Cancelled, None, None),
        ];
        // Local 10 s = server 11 s.
        let got = lines(&view, 10_000);
        let texts: Vec<&str> = got.iter().map(|(_, t)| t.as_str()).collect();
        assert_eq!(
            texts,
            [
                "Ada · DONE time's up!",
                "Ada · SHORT 0:30",
                "Ada · LONG 10:00",
                "Ada · HELD 1:05 (paused)"
            ]
        );
    }
}
