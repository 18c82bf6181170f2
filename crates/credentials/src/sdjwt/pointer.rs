//! JSON Pointer (RFC 6901) segment escaping, used to name claims in issue and present plans.

/// Escapes one reference token: `~` → `~0`, `/` → `~1`.
pub fn escape(segment: &str) -> String {
    if segment.contains(['~', '/']) { segment.replace('~', "~0").replace('/', "~1") } else { segment.to_owned() }
}

/// Appends `/`-less `segment`, escaped, to `path` without an intermediate allocation.
pub fn push_escaped(path: &mut String, segment: &str) {
    if segment.contains(['~', '/']) {
        path.push_str(&escape(segment));
    } else {
        path.push_str(segment);
    }
}

/// True when `prefix` equals `path` or is an ancestor of it, segment-wise.
pub fn is_prefix(prefix: &str, path: &str) -> bool {
    path == prefix || (path.starts_with(prefix) && path.as_bytes().get(prefix.len()) == Some(&b'/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_and_prefixes() {
        assert_eq!(escape("a/b~c"), "a~1b~0c");
        assert!(is_prefix("/address", "/address/street"));
        assert!(!is_prefix("/address", "/addressee"));
        assert!(is_prefix("/a", "/a"));
    }
}
