//! The UI's commands as data: [`Action`] parses a command name and its
//! camelCase arguments exactly as `ui/js/bridge.js` sends them, so the
//! shell passes them through without knowing each one.

use serde::Deserialize;

use crate::error::CoreError;

/// A user action on the dashboard.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Action {
    #[serde(rename_all = "camelCase")]
    StartTimerFromTemplate {
        member_id: String,
        template_id: String,
    },
    #[serde(rename_all = "camelCase")]
    StartTimer {
        member_id: String,
        label: String,
        duration_seconds: i64,
        #[serde(default)]
        stars: i64,
    },
    #[serde(rename_all = "camelCase")]
    PauseTimer {
        timer_id: String,
    },
    #[serde(rename_all = "camelCase")]
    ResumeTimer {
        timer_id: String,
    },
    #[serde(rename_all = "camelCase")]
    ExtendTimer {
        timer_id: String,
        #[serde(default = "five_minutes")]
        seconds: i64,
    },
    #[serde(rename_all = "camelCase")]
    CancelTimer {
        timer_id: String,
        pin: Option<String>,
    },
    #[serde(rename_all = "camelCase")]
    ConfirmTimer {
        timer_id: String,
        pin: Option<String>,
    },
    #[serde(rename_all = "camelCase")]
    CompleteChore {
        chore_id: String,
        member_id: String,
    },
    #[serde(rename_all = "camelCase")]
    AddStars {
        member_id: String,
        amount: i64,
        #[serde(default)]
        reason: String,
        pin: Option<String>,
    },
    #[serde(rename_all = "camelCase")]
    RemoveStars {
        member_id: String,
        amount: i64,
        #[serde(default)]
        reason: String,
        pin: Option<String>,
    },
    Refresh,
}

fn five_minutes() -> i64 {
    300
}

/// The dashboard commands of `bridge.js`'s `COMMANDS` (the others —
/// `get_view`, `get_session`, `sign_in`, `sign_out`, `host_household` —
/// belong to the shell).
pub const COMMANDS: [&str; 11] = [
    "start_timer_from_template",
    "start_timer",
    "pause_timer",
    "resume_timer",
    "extend_timer",
    "cancel_timer",
    "confirm_timer",
    "complete_chore",
    "add_stars",
    "remove_stars",
    "refresh",
];

impl Action {
    /// Parses `command` (snake_case, as invoked) with its arguments.
    pub fn parse(command: &str, args: serde_json::Value) -> Result<Self, CoreError> {
        if !COMMANDS.contains(&command) {
            return Err(CoreError::UnknownCommand(command.to_owned()));
        }
        let variant: String = command
            .split('_')
            .enumerate()
            .map(|(i, part)| {
                if i == 0 {
                    part.to_owned()
                } else {
                    let mut chars = part.chars();
                    chars
                        .next()
                        .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                        .unwrap_or_default()
                }
            })
            .collect();
        let value = if command == "refresh" {
            serde_json::Value::String(variant)
        } else {
            let args = if args.is_null() {
                serde_json::json!({})
            } else {
                args
            };
            serde_json::json!({ variant: args })
        };
        serde_json::from_value(value).map_err(|e| CoreError::InvalidArguments {
            command: command.to_owned(),
            message: e.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn parses_every_bridge_command() {
        let cases = [
            (
                "start_timer_from_template",
                json!({"memberId": "m", "templateId": "t"}),
            ),
            (
                "start_timer",
                json!({"memberId": "m", "label": "Lego", "durationSeconds": 600, "stars": 1}),
            ),
            ("pause_timer", json!({"timerId": "t"})),
            ("resume_timer", json!({"timerId": "t"})),
            ("extend_timer", json!({"timerId": "t", "seconds": 300})),
            ("cancel_timer", json!({"timerId": "t"})),
            ("confirm_timer", json!({"timerId": "t", "pin": "1234"})),
            ("complete_chore", json!({"choreId": "c", "memberId": "m"})),
            (
                "add_stars",
                json!({"memberId": "m", "amount": 2, "reason": "kind"}),
            ),
            (
                "remove_stars",
                json!({"memberId": "m", "amount": 1, "reason": "rude", "pin": "1234"}),
            ),
            ("refresh", json!({})),
        ];
        for (command, args) in cases {
            Action::parse(command, args).unwrap_or_else(|e| panic!("{command}: {e}"));
        }
        assert_eq!(
            Action::parse("confirm_timer", json!({"timerId": "t", "pin": "1234"})).unwrap(),
            Action::ConfirmTimer {
                timer_id: "t".into(),
                pin: Some("1234".into())
            }
        );
        assert_eq!(
            Action::parse("extend_timer", json!({"timerId": "t"})).unwrap(),
            Action::ExtendTimer {
                timer_id: "t".into(),
                seconds: 300
            }
        );
    }

    #[test]
    fn refuses_unknown_commands_and_bad_arguments() {
        assert_eq!(
            Action::parse("sign_in", json!({})).unwrap_err(),
            CoreError::UnknownCommand("sign_in".into())
        );
        let err = Action::parse("pause_timer", json!({"id": "t"})).unwrap_err();
        assert!(matches!(err, CoreError::InvalidArguments { .. }), "{err:?}");
    }
}
