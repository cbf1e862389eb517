//! Fuzzes the HTTP API signature verifier. A request is signed, optionally
//! tampered with (body, a parameter, the path, the method), and checked
//! against a clock that may be skewed. The verifier must never panic, must
//! accept every untampered request within the ±600 s window, and must
//! refuse every tampered one and every one outside the window.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use pusher_protocol::AppCredentials;

#[derive(Debug, Arbitrary)]
enum Tamper {
    Body(Vec<u8>),
    ParamValue { index: u8, value: String },
    DropParam(u8),
    Path(String),
    Method(String),
}

#[derive(Debug, Arbitrary)]
struct Input {
    post: bool,
    path: String,
    params: Vec<(String, String)>,
    body: Vec<u8>,
    timestamp: u32,
    skew: i16,
    tamper: Option<Tamper>,
}

fuzz_target!(|input: Input| {
    let app = AppCredentials::new("1", "key", "secret");
    let method = if input.post { "POST" } else { "GET" };
    // The verifier looks parameters up case-insensitively, so the
    // caller's own parameters must not shadow the signing ones.
    let params: Vec<(String, String)> = input
        .params
        .into_iter()
        .filter(|(k, _)| {
            let k = k.to_ascii_lowercase();
            !k.starts_with("auth_") && k != "body_md5"
        })
        .collect();
    let timestamp = u64::from(input.timestamp);
    let mut query = app.sign_request(method, &input.path, &params, &input.body, timestamp);
    let now = timestamp.saturating_add_signed(i64::from(input.skew));
    let in_window = now.abs_diff(timestamp) <= 600;

    let (mut path, mut method, mut body) = (input.path.clone(), method.to_owned(), input.body.clone());
    let mut changed = false;
    match input.tamper {
        None => {}
        Some(Tamper::Body(b)) => {
            changed = b != body;
            body = b;
        }
        Some(Tamper::ParamValue { index, value }) => {
            let i = usize::from(index) % query.len();
            changed = query[i].1 != value;
            query[i].1 = value;
        }
        Some(Tamper::DropParam(index)) => {
            let i = usize::from(index) % query.len();
            query.remove(i);
            changed = true;
        }
        Some(Tamper::Path(p)) => {
            changed = p != path;
            path = p;
        }
        Some(Tamper::Method(m)) => {
            changed = !m.eq_ignore_ascii_case(&method);
            method = m;
        }
    }
    let verdict = app.verify_request(&method, &path, &query, &body, now);
    if changed || !in_window {
        assert!(verdict.is_err(), "accepted a tampered or stale request: {verdict:?}");
    } else {
        assert!(verdict.is_ok(), "refused a good request: {verdict:?}");
    }
});
