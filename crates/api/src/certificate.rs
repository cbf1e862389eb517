//! How a household server's TLS certificate is named between screens: by
//! the SHA-256 of its DER bytes in lower-case hex (the *fingerprint* a
//! device pins), and by a *check code* made of the fingerprint's first 60
//! bits (`7KQ2-M9XD-4TNB`), short enough for a person to read off one
//! screen and compare with another. Sixty bits are far beyond what anyone
//! on the network could match with a certificate of their own while a
//! person looks.

/// The check code of a fingerprint: its first 60 bits as twelve
/// characters of Crockford's base32, in three groups of four. A string
/// that is not hex gives the code of nothing (`0000-0000-0000`): it never
/// matches a real certificate's.
pub fn check_code(fingerprint_hex: &str) -> String {
    const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let mut bits: u64 = 0;
    let digits = fingerprint_hex.get(..16).unwrap_or("");
    if let Ok(value) = u64::from_str_radix(digits, 16)
        && digits.len() == 16
    {
        bits = value;
    }
    let chars: Vec<char> = (0..12)
        .map(|i| ALPHABET[((bits >> (64 - 5 * (i + 1))) & 31) as usize] as char)
        .collect();
    chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

/// Whether `text` is a fingerprint as devices keep it: 64 lower-case hex
/// digits.
pub fn is_fingerprint(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_check_code_reads_the_fingerprints_first_sixty_bits() {
        assert_eq!(check_code(&"ff".repeat(32)), "ZZZZ-ZZZZ-ZZZZ");
        assert_eq!(check_code(&"00".repeat(32)), "0000-0000-0000");
        // 0x08 = 00001 000…: the first five bits are 1.
        assert_eq!(&check_code(&format!("08{}", "00".repeat(31)))[..1], "1");
        // Bits past the sixtieth change nothing.
        assert_eq!(
            check_code(&format!("{}0f{}", "00".repeat(7), "00".repeat(24))),
            "0000-0000-0000"
        );
        assert_eq!(
            check_code("not hex at all, not hex at all!"),
            "0000-0000-0000"
        );
    }

    #[test]
    fn fingerprints_are_sixty_four_lower_case_hex_digits() {
        assert!(is_fingerprint(&"ab".repeat(32)));
        assert!(!is_fingerprint(&"AB".repeat(32)));
        assert!(!is_fingerprint(&"ab".repeat(31)));
        assert!(!is_fingerprint(&"zz".repeat(32)));
    }
}
