//! The page's bindings, `ui/js/commands.js`, generated from the command
//! table ([`COMMANDS`]) and the schemas of the types the commands take
//! and return (utoipa's, the same that document the server's API): a
//! function per command with its JSDoc, a typedef per type, the events
//! with their payload types, and every error code the page must have
//! words for. The page has no build step, so the file is committed; the
//! test below fails when it is stale, and with `KINBOARD_BLESS=1` writes
//! it instead.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use kinboard_core::DashboardView;
use kinboard_core::app::{DesktopStatus, PairingView, SessionView, SoundSettings};
use kinboard_core::discovery::FoundHousehold;
use kinboard_core::error::CertificateSeen;
use kinboard_core::kinboard_api::{ErrorCode, ServerInfo, StarsResponse};
use kinboard_core::view::KioskView;
use serde_json::Value;
use utoipa::OpenApi;

use super::parent::{HostDefaults, InviteCode, OpenSessionView};
use super::{
    ACTION_ERROR_EVENT, ActionError, COMMANDS, CommandSpec, DESKTOP_EVENT, QUIT_EVENT,
    SESSION_EVENT, VIEW_EVENT,
};
use crate::window::QuitRequest;

/// Every event the shell emits to the page: its name and the type of its
/// payload.
const EVENTS: [(&str, &str); 5] = [
    (VIEW_EVENT, "DashboardView"),
    (SESSION_EVENT, "SessionView"),
    (DESKTOP_EVENT, "DesktopStatus"),
    (ACTION_ERROR_EVENT, "ActionError"),
    (QUIT_EVENT, "QuitRequest"),
];

/// Where the bindings live, from this crate's directory.
const PATH: &str = "../ui/js/commands.js";

#[derive(OpenApi)]
#[openapi(components(schemas(
    DashboardView,
    SessionView,
    PairingView,
    DesktopStatus,
    ActionError,
    ErrorCode,
    HostDefaults,
    InviteCode,
    KioskView,
    OpenSessionView,
    FoundHousehold,
    ServerInfo,
    StarsResponse,
    QuitRequest,
    SoundSettings,
    CertificateSeen
)))]
struct PageTypes;

/// `pause_timer` → `pauseTimer`.
fn camel(snake: &str) -> String {
    let mut out = String::with_capacity(snake.len());
    let mut upper = false;
    for c in snake.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// The JSDoc type of a JSON schema.
fn schema_type(schema: &Value) -> String {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        return reference.rsplit('/').next().unwrap_or(reference).to_owned();
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(items) = schema.get(key).and_then(Value::as_array) {
            let parts: Vec<String> = items.iter().map(schema_type).collect();
            return parts.join("|");
        }
    }
    if let Some(items) = schema.get("allOf").and_then(Value::as_array) {
        let parts: Vec<String> = items.iter().map(schema_type).collect();
        return parts.join("&");
    }
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        let parts: Vec<String> = values
            .iter()
            .map(|v| match v {
                Value::String(s) => format!("'{s}'"),
                Value::Null => "null".to_owned(),
                other => other.to_string(),
            })
            .collect();
        return parts.join("|");
    }
    let types: Vec<&str> = match schema.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    if types.is_empty() {
        return "*".to_owned();
    }
    let parts: Vec<String> = types
        .iter()
        .map(|t| match *t {
            "string" => "string".to_owned(),
            "integer" | "number" => "number".to_owned(),
            "boolean" => "boolean".to_owned(),
            "null" => "null".to_owned(),
            "array" => format!(
                "Array<{}>",
                schema
                    .get("items")
                    .map_or_else(|| "*".to_owned(), schema_type)
            ),
            "object" => object_type(schema),
            other => other.to_owned(),
        })
        .collect();
    parts.join("|")
}

/// An inline object type: `{a: string, b?: number}`.
fn object_type(schema: &Value) -> String {
    let Some(properties) = schema.get("properties").and_then(Value::as_object) else {
        return "Object".to_owned();
    };
    let required = required(schema);
    let fields: Vec<String> = properties
        .iter()
        .map(|(name, property)| {
            let optional = if required.contains(&name.as_str()) {
                ""
            } else {
                "?"
            };
            format!("{name}{optional}: {}", schema_type(property))
        })
        .collect();
    format!("{{{}}}", fields.join(", "))
}

fn required(schema: &Value) -> Vec<&str> {
    schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

/// One line of documentation, as a JSDoc comment line.
fn doc_lines(out: &mut String, indent: &str, text: &str) {
    for line in text.lines() {
        let _ = writeln!(out, "{indent} * {}", line.trim_end());
    }
}

/// A named type's typedef.
fn typedef(out: &mut String, name: &str, schema: &Value) {
    out.push_str("/**\n");
    if let Some(description) = schema.get("description").and_then(Value::as_str) {
        doc_lines(out, "", description);
    }
    match schema.get("properties").and_then(Value::as_object) {
        Some(properties) if schema.get("oneOf").is_none() => {
            let _ = writeln!(out, " * @typedef {{Object}} {name}");
            let required = required(schema);
            for (field, property) in properties {
                let ty = schema_type(property);
                let shown = if required.contains(&field.as_str()) {
                    field.clone()
                } else {
                    format!("[{field}]")
                };
                match property.get("description").and_then(Value::as_str) {
                    Some(d) => {
                        let d = d.lines().collect::<Vec<_>>().join(" ");
                        let _ = writeln!(out, " * @property {{{ty}}} {shown} - {d}");
                    }
                    None => {
                        let _ = writeln!(out, " * @property {{{ty}}} {shown}");
                    }
                }
            }
        }
        _ => {
            let _ = writeln!(out, " * @typedef {{{}}} {name}", schema_type(schema));
        }
    }
    out.push_str(" */\n\n");
}

/// The JSDoc type of an argument or result as written in Rust, and
/// whether the page may leave it out.
fn rust_type(ty: &str, known: &BTreeMap<String, Value>) -> (String, bool) {
    if let Some(inner) = ty.strip_prefix("Option<").and_then(|t| t.strip_suffix('>')) {
        return (rust_type(inner, known).0, true);
    }
    if let Some(inner) = ty.strip_prefix("Vec<").and_then(|t| t.strip_suffix('>')) {
        return (format!("Array<{}>", rust_type(inner, known).0), false);
    }
    let js = match ty {
        "String" | "&str" => "string".to_owned(),
        "i64" | "i32" | "u8" | "u32" | "u64" | "usize" | "f64" => "number".to_owned(),
        "bool" => "boolean".to_owned(),
        "()" => "void".to_owned(),
        named => {
            assert!(
                known.contains_key(named),
                "a command uses {named}, which has no schema: add it to PageTypes in commands/bindings.rs"
            );
            named.to_owned()
        }
    };
    (js, false)
}

/// What a command resolves to: `Result<T, CoreError>` → `T`; an
/// `Option<T>` result resolves to `T|null`.
fn result_type(returns: &str, known: &BTreeMap<String, Value>) -> String {
    let ok = returns
        .strip_prefix("Result<")
        .and_then(|r| r.strip_suffix(",CoreError>"))
        .unwrap_or(returns);
    match rust_type(ok, known) {
        (ty, true) => format!("{ty}|null"),
        (ty, false) => ty,
    }
}

fn command(out: &mut String, spec: &CommandSpec, known: &BTreeMap<String, Value>) {
    out.push_str("    /**\n");
    for line in spec.docs {
        let _ = writeln!(out, "     * {line}");
    }
    let mut params = Vec::new();
    for (name, ty) in spec.args {
        let (js, optional) = rust_type(ty, known);
        let name = camel(name);
        let shown = if optional {
            format!("[{name}]")
        } else {
            name.clone()
        };
        let _ = writeln!(out, "     * @param {{{js}}} {shown}");
        params.push(name);
    }
    let _ = writeln!(
        out,
        "     * @returns {{Promise<{}>}} rejects with a {{@link CommandError}}",
        result_type(spec.returns, known)
    );
    out.push_str("     */\n");
    let sent = if params.is_empty() {
        "{}".to_owned()
    } else {
        format!("{{ {} }}", params.join(", "))
    };
    let _ = writeln!(
        out,
        "    {}: ({}) => invoke('{}', {sent}),",
        camel(spec.name),
        params.join(", "),
        spec.name,
    );
}

/// The whole of `ui/js/commands.js`.
fn render() -> String {
    let doc = serde_json::to_value(PageTypes::openapi()).expect("the schemas serialise");
    let known: BTreeMap<String, Value> = doc["components"]["schemas"]
        .as_object()
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default();
    let mut out = String::from(
        "// commands.js — the app core's commands and events, generated from their\n\
         // one definition in Rust (src-tauri/src/commands) by\n\
         // `KINBOARD_BLESS=1 cargo test -p kinboard bindings`. Do not edit: the\n\
         // test suite fails when this file is stale.\n\n",
    );
    out.push_str(
        "/**\n * How every command rejects.\n * @typedef {Object} CommandError\n * @property {ErrorCode} code\n * @property {string} message - a sentence for people; never matched\n * @property {number=} retryAfter - seconds until trying again is worth it, when the server said\n * @property {CertificateSeen=} certificate - the certificate a server showed, when one was refused (`certificate_unconfirmed`, `certificate_changed`)\n */\n\n",
    );
    for (name, schema) in &known {
        typedef(&mut out, name, schema);
    }
    out.push_str("/** Every error code a command or event can carry. */\nexport const ERROR_CODES = Object.freeze([\n");
    for code in ErrorCode::all() {
        let _ = writeln!(out, "  '{code}',");
    }
    out.push_str("]);\n\n/** The events the core emits, by name, with their payload types. */\nexport const EVENTS = Object.freeze({\n");
    for (name, payload) in EVENTS {
        let _ = writeln!(
            out,
            "  /** @type {{'{name}'}} payload: {{@link {payload}}} */"
        );
        let _ = writeln!(out, "  {}: '{name}',", camel(&name.replace('-', "_")));
    }
    out.push_str("});\n\n/** Every command, and which screens may call it (`every`, or `parent` windows only). */\nexport const COMMANDS = Object.freeze({\n");
    for spec in COMMANDS {
        let _ = writeln!(out, "  {}: '{}',", spec.name, spec.screens);
    }
    out.push_str(
        "});\n\n/**\n * The commands as functions, each sending its arguments by name.\n * @param {(command: string, args: Object) => Promise<*>} invoke\n */\nexport function bindCommands(invoke) {\n  return {\n",
    );
    for spec in COMMANDS {
        command(&mut out, spec, &known);
    }
    out.push_str("  };\n}\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bindings_are_current() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(PATH);
        let rendered = render();
        if std::env::var_os("KINBOARD_BLESS").is_some() {
            std::fs::write(&path, &rendered).unwrap();
            return;
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == rendered,
            "{} is stale: run `KINBOARD_BLESS=1 cargo test -p kinboard bindings`",
            path.display()
        );
    }

    #[test]
    fn every_command_is_bound_with_its_arguments_by_name() {
        let js = render();
        assert!(
            js.contains("cancelTimer: (timerId, pin) => invoke('cancel_timer', { timerId, pin }),")
        );
        assert!(
            js.contains("@param {string} [pin]"),
            "an Option is optional"
        );
        assert!(js.contains("@returns {Promise<DashboardView>}"));
        for spec in COMMANDS {
            assert!(
                js.contains(&format!("invoke('{}'", spec.name)),
                "{}",
                spec.name
            );
        }
        assert!(
            COMMANDS
                .iter()
                .any(|c| c.name == "create_kiosk_pairing" && c.screens == "parent"),
            "pairing a screen is a parent's"
        );
        assert!(
            COMMANDS
                .iter()
                .any(|c| c.name == "confirm_timer" && c.screens == "every")
        );
    }

    #[test]
    fn every_type_a_command_uses_has_a_typedef() {
        let js = render();
        for name in [
            "DashboardView",
            "TimerView",
            "SessionView",
            "ErrorCode",
            "ConnectionStatus",
        ] {
            assert!(js.contains(&format!("}} {name}\n")), "{name}");
        }
        for code in ErrorCode::all() {
            assert!(js.contains(&format!("'{code}'")), "{code}");
        }
    }

    #[test]
    fn names_are_camel_cased() {
        assert_eq!(camel("start_timer_from_template"), "startTimerFromTemplate");
        assert_eq!(camel("refresh"), "refresh");
    }
}
