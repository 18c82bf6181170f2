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
    let bytes = bytes.as_ref();
    assert_eq!(out.len(), encoded_len(bytes.len()), "output buffer sized for the input");
    // Three input bytes are two 12-bit halves, each looked up as two output characters at once:
    // half the table look-ups of a character-at-a-time encoder (issuing encodes kilobytes).
    let mut wide_in = bytes.chunks_exact(6);
    let mut wide_out = out.chunks_exact_mut(8);
    for (i, o) in (&mut wide_in).zip(&mut wide_out) {
        let n = u64::from_be_bytes([0, 0, i[0], i[1], i[2], i[3], i[4], i[5]]) as usize;
        let a = PAIRS[(n >> 36) & 0xfff];
        let b = PAIRS[(n >> 24) & 0xfff];
        let c = PAIRS[(n >> 12) & 0xfff];
        let d = PAIRS[n & 0xfff];
        o.copy_from_slice(&[a[0], a[1], b[0], b[1], c[0], c[1], d[0], d[1]]);
    }
    let mut input = wide_in.remainder().chunks_exact(3);
    let mut output = wide_out.into_remainder().chunks_exact_mut(4);
    for (i, o) in (&mut input).zip(&mut output) {
        let n = (usize::from(i[0]) << 16) | (usize::from(i[1]) << 8) | usize::from(i[2]);
        let hi = PAIRS[(n >> 12) & 0xfff];
        let lo = PAIRS[n & 0xfff];
        o.copy_from_slice(&[hi[0], hi[1], lo[0], lo[1]]);
    }
    let rest = input.remainder();
    let o = output.into_remainder();
    match rest.len() {
        1 => {
            let n = usize::from(rest[0]) << 16;
            o[0] = ALPHABET[n >> 18];
            o[1] = ALPHABET[(n >> 12) & 63];
        }
        2 => {
            let n = (usize::from(rest[0]) << 16) | (usize::from(rest[1]) << 8);
            o[0] = ALPHABET[n >> 18];
            o[1] = ALPHABET[(n >> 12) & 63];
            o[2] = ALPHABET[(n >> 6) & 63];
        }
        _ => {}
    }
}

/// The unpadded base64url length of `n` bytes.
pub fn encoded_len(n: usize) -> usize {
    n / 3 * 4 + [0, 2, 3][n % 3]
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Every 12-bit value as its two base64url characters.
static PAIRS: [[u8; 2]; 4096] = {
    let mut t = [[0u8; 2]; 4096];
    let mut i = 0;
    while i < 4096 {
        t[i] = [ALPHABET[i >> 6], ALPHABET[i & 63]];
        i += 1;
    }
    t
};

/// Appends the encoding to `out`.
pub fn encode_append(bytes: impl AsRef<[u8]>, out: &mut String) {
    URL_SAFE_NO_PAD.encode_string(bytes, out);
}

/// Appends the encoding to a byte buffer in place: no intermediate chunks, no UTF-8 re-check
/// (the hot path of issuing, where every disclosure and the JWS parts are encoded).
pub fn encode_append_bytes(bytes: impl AsRef<[u8]>, out: &mut Vec<u8>) {
    let bytes = bytes.as_ref();
    let start = out.len();
    let n = encoded_len(bytes.len());
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

    #[test]
    fn the_pair_table_encoder_equals_the_base64_crate() {
        let data: Vec<u8> = (0..600u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
        for len in 0..data.len() {
            let input = &data[(len * 7) % 11..][..len.min(data.len() - (len * 7) % 11)];
            let mut out = vec![0u8; encoded_len(input.len())];
            encode_into(input, &mut out);
            assert_eq!(out, URL_SAFE_NO_PAD.encode(input).into_bytes(), "length {}", input.len());
        }
        let every: Vec<u8> = (0..=255).collect();
        let mut out = vec![0u8; encoded_len(every.len())];
        encode_into(&every, &mut out);
        assert_eq!(out, URL_SAFE_NO_PAD.encode(&every).into_bytes());
    }
}
