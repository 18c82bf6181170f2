//! `application/x-www-form-urlencoded` (WHATWG URL §5) and RFC 3986 percent-encoding, small
//! enough to own: the token request (OpenID4VCI §6.1), offer and request links, and the
//! `direct_post` response (OpenID4VP §8.2) all travel this way. Decoding is strict: a `%` not
//! followed by two hex digits, or bytes that are not UTF-8, are refused rather than guessed.

/// Percent-encodes everything but RFC 3986 unreserved characters (so `:`, `/`, `+`, `=` and
/// `&` are always escaped and the output is safe in any query component).
pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 2);
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(char::from(HEX[(b >> 4) as usize]));
            out.push(char::from(HEX[(b & 15) as usize]));
        }
    }
    out
}

const HEX: &[u8; 16] = b"0123456789ABCDEF";

/// Decodes one form component: `+` is a space, `%XX` a byte. `None` on a bad escape or
/// non-UTF-8 result.
pub fn decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hi = bytes.get(i + 1).and_then(|c| (*c as char).to_digit(16))?;
                let lo = bytes.get(i + 2).and_then(|c| (*c as char).to_digit(16))?;
                out.push((hi * 16 + lo) as u8);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// Serialises name/value pairs in order.
pub fn serialize<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut out = String::new();
    for (k, v) in pairs {
        if !out.is_empty() {
            out.push('&');
        }
        out.push_str(&encode(k));
        out.push('=');
        out.push_str(&encode(v));
    }
    out
}

/// Parses a form body or query string. Empty segments are skipped; a segment without `=` is a
/// name with an empty value. `None` when any component fails to decode.
pub fn parse(body: &str) -> Option<Vec<(String, String)>> {
    body.split('&')
        .filter(|s| !s.is_empty())
        .map(|seg| {
            let (k, v) = seg.split_once('=').unwrap_or((seg, ""));
            Some((decode(k)?, decode(v)?))
        })
        .collect()
}

/// The one value of `name`; `Err` names the problem when it is repeated (RFC 6749 §3.1: request
/// parameters MUST NOT be included more than once).
pub fn single<'a>(pairs: &'a [(String, String)], name: &str) -> Result<Option<&'a str>, String> {
    let mut found = None;
    for (k, v) in pairs {
        if k == name {
            if found.is_some() {
                return Err(format!("{name} is repeated"));
            }
            found = Some(v.as_str());
        }
    }
    Ok(found)
}

/// The query string of a URL-like text (after the first `?`, before any `#`), parsed.
pub fn query_of(url: &str) -> Option<Vec<(String, String)>> {
    let q = url.split_once('?').map(|(_, q)| q).unwrap_or("");
    parse(q.split('#').next().unwrap_or(""))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn spec_offer_link_decodes() {
        // OpenID4VCI §4.1.3, the QR example.
        let link = "openid-credential-offer://?credential_offer_uri=https%3A%2F%2Fserver%2Eexample%2Ecom%2Fcredential-offer%2FGkurKxf5T0Y-mnPFCHqWOMiZi4VS138cQO_V7PZHAdM";
        let q = query_of(link).unwrap();
        assert_eq!(q[0].0, "credential_offer_uri");
        assert_eq!(q[0].1, "https://server.example.com/credential-offer/GkurKxf5T0Y-mnPFCHqWOMiZi4VS138cQO_V7PZHAdM");
    }

    #[test]
    fn bad_escapes_and_repeats_are_refused() {
        assert_eq!(decode("%4"), None);
        assert_eq!(decode("%zz"), None);
        assert_eq!(decode("%ff"), None);
        assert_eq!(decode("a+b%2B"), Some("a b+".into()));
        let pairs = parse("a=1&a=2").unwrap();
        assert!(single(&pairs, "a").is_err());
    }

    proptest! {
        #[test]
        fn form_round_trips(pairs in proptest::collection::vec((".{0,12}", ".{0,24}"), 0..6)) {
            let refs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            let text = serialize(refs.iter().copied());
            let back = parse(&text).unwrap();
            let expected: Vec<(String, String)> =
                pairs.iter().filter(|(k, v)| !(k.is_empty() && v.is_empty())).cloned().collect();
            // A pair with an empty name and value serialises to "=" and parses back as ("", "").
            let back: Vec<(String, String)> = back.into_iter().filter(|(k, v)| !(k.is_empty() && v.is_empty())).collect();
            prop_assert_eq!(back, expected);
        }
    }
}
