//! Fuzzes the frame decoder: any input either decodes or is refused with an
//! error, never a panic; whatever decodes re-encodes to a frame that decodes
//! to the same message.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pusher_protocol::Message;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(message) = Message::decode(text) {
        let again = Message::decode(&message.encode()).expect("our own encoding decodes");
        assert_eq!(again, message);
    }
});
