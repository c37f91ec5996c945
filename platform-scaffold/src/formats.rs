//! The string formats the scaffolder backend's parameter, secret and
//! action-input validation knows (the `jsonschema` 1.5.0 package behind
//! its router), as that package checks them: `time` is `hh:mm:ss` without
//! an offset, `date-time` takes a space or `t` for `T`, `duration` and
//! `uri-template` are searched for rather than matched whole, an unknown
//! format always passes. The crate's own (RFC-exact) checks are replaced by
//! these, which is what agreeing with Backstage asks for.
//!
//! The patterns are written here from the behaviour recorded by
//! `tools/scaffolder-oracle/format-oracle.js`; every one is linear-time.

use std::sync::OnceLock;

use regex::Regex;

/// Whether a string is of a format.
pub(crate) type Check = fn(&str) -> bool;

/// Every format name Backstage's validation knows, with its check.
pub(crate) const FORMATS: [(&str, Check); 29] = [
    ("date-time", date_time),
    ("date", date),
    ("time", time),
    ("duration", duration),
    ("email", email),
    ("idn-email", idn_email),
    ("hostname", hostname),
    ("host-name", hostname),
    ("idn-hostname", anything),
    ("ip-address", ipv4),
    ("ipv4", ipv4),
    ("ipv6", ipv6),
    ("uri", uri),
    ("iri", uri),
    ("uri-reference", uri_reference),
    ("iri-reference", iri_reference),
    ("uuid", uuid),
    ("uri-template", anything),
    ("json-pointer", json_pointer),
    ("relative-json-pointer", relative_json_pointer),
    ("utc-millisec", utc_millisec),
    ("regex", regex),
    ("regexp", regex),
    ("pattern", regex),
    ("style", style),
    ("color", color),
    ("phone", phone),
    ("alpha", alpha),
    ("alphanumeric", alphanumeric),
];

/// A compiled pattern of this module (all are valid; a failure to compile
/// would match nothing rather than panic).
fn pattern(cell: &'static OnceLock<Option<Regex>>, source: &str) -> Option<&'static Regex> {
    cell.get_or_init(|| Regex::new(source).ok()).as_ref()
}

macro_rules! matcher {
    ($name:ident, $source:expr) => {
        fn $name(text: &str) -> bool {
            static CELL: OnceLock<Option<Regex>> = OnceLock::new();
            pattern(&CELL, $source).is_some_and(|re| re.is_match(text))
        }
    };
}

const DAY: &str = r"[0-9]{4}-(?:0[0-9]|1[0-2])-(?:3[01]|0[1-9]|[12][0-9])";
const CLOCK: &str = r"(?:2[0-4]|[01][0-9]):[0-5][0-9]:(?:60|[0-5][0-9])";

fn date(text: &str) -> bool {
    static CELL: OnceLock<Option<Regex>> = OnceLock::new();
    pattern(&CELL, &format!("^{DAY}$")).is_some_and(|re| re.is_match(text))
}

fn time(text: &str) -> bool {
    static CELL: OnceLock<Option<Regex>> = OnceLock::new();
    pattern(&CELL, &format!("^{CLOCK}$")).is_some_and(|re| re.is_match(text))
}

fn date_time(text: &str) -> bool {
    static CELL: OnceLock<Option<Regex>> = OnceLock::new();
    let source =
        format!(r"^{DAY}[tT ]{CLOCK}(?:\.[0-9]+)?(?:[zZ]|[+-][0-5][0-9]:(?:60|[0-5][0-9]))$");
    pattern(&CELL, &source).is_some_and(|re| re.is_match(text))
}

// Searched for anywhere in the text, as the package does.
matcher!(
    duration,
    r"(?i)P(?:T[0-9]+(?:H(?:[0-9]+M(?:[0-9]+S)?)?|M(?:[0-9]+S)?|S)|[0-9]+(?:D|M(?:[0-9]+D)?|Y(?:[0-9]+M(?:[0-9]+D)?)?)(?:T[0-9]+(?:H(?:[0-9]+M(?:[0-9]+S)?)?|M(?:[0-9]+S)?|S))?|[0-9]+W)"
);

/// A DNS label of letters, digits and inner hyphens, up to 63 characters.
const LABEL: &str = r"[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?";
const OCTET: &str = r"(?:25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)";
const ATOM: &str = r"[A-Za-z0-9_!#$%&'*+/=?^`{|}~-]+";

fn email(text: &str) -> bool {
    static CELL: OnceLock<Option<Regex>> = OnceLock::new();
    let source =
        format!(r"^(?:{ATOM}\.)*{ATOM}@(?:(?:{LABEL}\.)+{LABEL}|\[(?:{OCTET}\.){{3}}{OCTET}\])$");
    pattern(&CELL, &source).is_some_and(|re| re.is_match(text))
}

// Printable characters but the specials, any non-ASCII character; a local
// part may also be quoted.
matcher!(
    idn_email,
    r#"^(?:"(?:[!#-\[\]-\x{10FFFF}]|\\[\t -\x{10FFFF}])*"|[!#-'*+\-/-9=?A-Z\^-\x{10FFFF}](?:\.?[!#-'*+\-/-9=?A-Z\^-\x{10FFFF}])*)@(?:[!#-'*+\-/-9=?A-Z\^-\x{10FFFF}](?:\.?[!#-'*+\-/-9=?A-Z\^-\x{10FFFF}])*|\[[!-Z\^-\x{10FFFF}]*\])$"#
);

fn hostname(text: &str) -> bool {
    static CELL: OnceLock<Option<Regex>> = OnceLock::new();
    let length = text.encode_utf16().count();
    (1..=255).contains(&length)
        && pattern(&CELL, &format!(r"^{LABEL}(?:\.{LABEL})*\.?$"))
            .is_some_and(|re| re.is_match(text))
}

fn ipv4(text: &str) -> bool {
    static CELL: OnceLock<Option<Regex>> = OnceLock::new();
    pattern(&CELL, &format!(r"^(?:{OCTET}\.){{3}}{OCTET}$")).is_some_and(|re| re.is_match(text))
}

/// An IPv6 address, with whitespace around it and a `%zone` allowed.
fn ipv6(text: &str) -> bool {
    let trimmed = text.trim();
    let address = match trimmed.split_once('%') {
        Some((address, zone)) if !zone.is_empty() => address,
        Some(_) => return false,
        None => trimmed,
    };
    address.contains(':') && address.parse::<std::net::Ipv6Addr>().is_ok()
}

matcher!(uri, r"^[a-zA-Z][a-zA-Z0-9+.-]*:\S*$");

/// Characters a URI reference may hold as they are (RFC 3986's unreserved,
/// sub-delims, `:`, `@`, `/`, `?`, `#`), and `%` escapes.
fn reference(text: &str, non_ascii: bool) -> bool {
    let bytes = text.as_bytes();
    let mut i = 0;
    let mut fragments = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'%' => {
                let hex = |j: usize| bytes.get(j).is_some_and(u8::is_ascii_hexdigit);
                if !(hex(i + 1) && hex(i + 2)) {
                    return false;
                }
                i += 3;
                continue;
            }
            b'#' => fragments += 1,
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' => {}
            b'-' | b'.' | b'_' | b'~' | b'!' | b'$' | b'&' | b'\'' | b'(' | b')' | b'*' | b'+'
            | b',' | b';' | b'=' | b':' | b'@' | b'/' | b'?' => {}
            _ if b >= 0x80 && non_ascii => {}
            _ => return false,
        }
        i += 1;
    }
    fragments <= 1
}

fn uri_reference(text: &str) -> bool {
    reference(text, false)
}

fn iri_reference(text: &str) -> bool {
    reference(text, true)
}

matcher!(
    uuid,
    r"^(?i)[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$"
);

/// `/`-separated tokens in which `~` is only `~0` or `~1`.
fn json_pointer(text: &str) -> bool {
    (text.is_empty() || text.starts_with('/')) && tokens_escape_well(text)
}

fn tokens_escape_well(text: &str) -> bool {
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '~' && !matches!(chars.next(), Some('0' | '1')) {
            return false;
        }
    }
    true
}

/// A non-negative integer, then `#` or a JSON pointer.
fn relative_json_pointer(text: &str) -> bool {
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return false;
    }
    let rest = &text[digits..];
    rest == "#" || json_pointer(rest)
}

/// JavaScript's `parseFloat(x) === parseInt(x, 10) && !isNaN(x)`: a whole
/// decimal number, optionally signed, with a fraction of zeros at most.
fn utc_millisec(text: &str) -> bool {
    static CELL: OnceLock<Option<Regex>> = OnceLock::new();
    pattern(&CELL, r"^\s*[+-]?[0-9]+(?:\.0*)?\s*$").is_some_and(|re| re.is_match(text))
}

/// What JavaScript's `RegExp` constructor accepts, as near as a
/// backtracking-free check tells: fancy-regex's syntax (lookaround and
/// backreferences included), compiled but never run.
fn regex(text: &str) -> bool {
    static CELL: OnceLock<Option<Regex>> = OnceLock::new();
    // JavaScript refuses a repetition whose bounds are out of order.
    let reversed = pattern(&CELL, r"\{([0-9]+),([0-9]+)\}").is_some_and(|re| {
        re.captures_iter(text).any(|c| {
            let bound = |i: usize| c.get(i).and_then(|m| m.as_str().parse::<u64>().ok());
            matches!((bound(1), bound(2)), (Some(low), Some(high)) if low > high)
        })
    });
    text.len() <= 64 * 1024
        && group_depth(text) <= MAX_GROUP_DEPTH
        && !reversed
        && fancy_regex::Regex::new(text).is_ok()
}

/// The deepest group nesting `regex` hands to the (recursive) parser; a
/// deeper value is refused rather than risk the stack.
const MAX_GROUP_DEPTH: usize = 256;

/// How deep `(` groups nest in `text` (escapes and classes not told apart:
/// an over-estimate only refuses sooner).
fn group_depth(text: &str) -> usize {
    let (mut depth, mut deepest) = (0usize, 0usize);
    for b in text.bytes() {
        match b {
            b'(' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b')' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

// Searched for anywhere, as the package does: a declaration `name: value`.
matcher!(
    style,
    r"[\r\n\t ]*[^\r\n\t ][^:]*:[\r\n\t ]*[^\r\n\t ;]*[\r\n\t ]*;?"
);

matcher!(
    color,
    r"^(?:#?(?:[0-9A-Fa-f]{3}){1,2}\b|aqua|black|blue|fuchsia|gray|green|lime|maroon|navy|olive|orange|purple|red|silver|teal|white|yellow|rgb\(\s*\b(?:[0-9]|[1-9][0-9]|1[0-9][0-9]|2[0-4][0-9]|25[0-5])\b\s*,\s*\b(?:[0-9]|[1-9][0-9]|1[0-9][0-9]|2[0-4][0-9]|25[0-5])\b\s*,\s*\b(?:[0-9]|[1-9][0-9]|1[0-9][0-9]|2[0-4][0-9]|25[0-5])\b\s*\)|rgb\(\s*(?:[0-9]?[0-9]%|100%)+\s*,\s*(?:[0-9]?[0-9]%|100%)+\s*,\s*(?:[0-9]?[0-9]%|100%)+\s*\))$"
);

matcher!(phone, r"^\+(?:[0-9] ?){6,14}[0-9]$");
matcher!(alpha, r"^[a-zA-Z]+$");
matcher!(alphanumeric, r"^[a-zA-Z0-9]+$");

fn anything(_: &str) -> bool {
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pattern_compiles() {
        // A pattern that failed to compile would reject everything.
        for (name, check) in FORMATS {
            let sample = match name {
                "date-time" => "2024-01-01T00:00:00Z",
                "date" => "2024-01-01",
                "time" => "10:30:00",
                "duration" => "P1D",
                "email" | "idn-email" => "a@b.co",
                "hostname" | "host-name" | "idn-hostname" => "example.com",
                "ip-address" | "ipv4" => "1.2.3.4",
                "ipv6" => "::1",
                "uri" | "iri" | "uri-reference" | "iri-reference" => "https://x.y/",
                "uuid" => "123e4567-e89b-12d3-a456-426614174000",
                "json-pointer" => "/a",
                "relative-json-pointer" => "0/a",
                "utc-millisec" => "12",
                "style" => "a: b;",
                "color" => "#fff",
                "phone" => "+15555555555",
                "alpha" => "abc",
                "alphanumeric" => "ab1",
                _ => "a",
            };
            assert!(check(sample), "{name}: {sample}");
        }
    }

    #[test]
    fn hostile_regex_values_are_refused_without_recursing() {
        let deep = format!("{}a{}", "(".repeat(30_000), ")".repeat(30_000));
        assert!(!regex(&deep));
        assert!(!regex(&"a".repeat(70_000)));
        assert!(regex(&format!("{}a{}", "(".repeat(10), ")".repeat(10))));
    }
}
