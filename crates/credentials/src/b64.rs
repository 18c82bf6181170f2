//! base64url without padding (RFC 7515 §2), strict on decode: padding, `+`, `/` and stray bits
//! are all refused, so one value has exactly one spelling.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// Encodes bytes as unpadded base64url.
pub fn encode(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Encodes into a buffer of exactly the encoded length (e.g. 43 bytes for a SHA-256 digest).
pub fn encode_into(bytes: impl AsRef<[u8]>, out: &mut [u8]) {
    let n = URL_SAFE_NO_PAD.encode_slice(bytes, out).expect("output buffer sized for the input");
    debug_assert_eq!(n, out.len());
}

/// Appends the encoding to `out`.
pub fn encode_append(bytes: impl AsRef<[u8]>, out: &mut String) {
    URL_SAFE_NO_PAD.encode_string(bytes, out);
}

/// Appends the encoding to a byte buffer in place: no intermediate chunks, no UTF-8 re-check
/// (the hot path of issuing, where every disclosure and the JWS parts are encoded).
pub fn encode_append_bytes(bytes: impl AsRef<[u8]>, out: &mut Vec<u8>) {
    let bytes = bytes.as_ref();
    let start = out.len();
    let n = base64::encoded_len(bytes.len(), false).expect("input length fits in usize");
    out.resize(start + n, 0);
    encode_into(bytes, &mut out[start..]);
}

/// Decodes unpadded base64url; `None` on any deviation from the canonical alphabet.
pub fn decode(text: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padding_and_standard_alphabet_are_refused() {
        assert_eq!(decode("YQ"), Some(b"a".to_vec()));
        assert_eq!(decode("YQ=="), None);
        assert_eq!(decode("+/"), None);
        assert_eq!(encode([0xfb, 0xff]), "-_8");
        let mut buf = b"x.".to_vec();
        encode_append_bytes([0xfb, 0xff, 0x01, 0x02], &mut buf);
        assert_eq!(buf, format!("x.{}", encode([0xfb, 0xff, 0x01, 0x02])).into_bytes());
    }
}
