//! Which names (env vars, Dockerfile ARG/ENV) hold secrets.

/// Regex of names that hold secrets (env vars, ARG/ENV).
pub(super) fn secret_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    // Credentials whose names end like harmless ones: AWS's key id is one
    // half of the key pair.
    if matches!(lower.as_str(), "aws_access_key_id" | "aws_session_token") {
        return true;
    }
    let harmless = [
        "_file", "_path", "_dir", "_url", "_uri", "_name", "_id", "_ref", "_key_id",
    ];
    if harmless.iter().any(|s| lower.ends_with(s)) {
        return false;
    }
    [
        "secret",
        "token",
        "password",
        "passwd",
        "pwd",
        "apikey",
        "api_key",
        "api-key",
        "access_key",
        "accesskey",
        "private_key",
        "privatekey",
        "credential",
    ]
    .iter()
    .any(|s| lower.contains(s))
}

/// The kind of credential `value` is, when it has the shape of one whose
/// format is published: AWS access key ids, GitHub, GitLab and Slack
/// tokens, Google API keys, Stripe live keys, PEM private keys.
pub(super) fn secret_value(value: &str) -> Option<&'static str> {
    static PATTERNS: std::sync::OnceLock<Vec<(regex::Regex, &'static str)>> =
        std::sync::OnceLock::new();
    let patterns = PATTERNS.get_or_init(|| {
        [
            (r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b", "an AWS access key id"),
            (r"\bgh[pousr]_[A-Za-z0-9]{36,255}\b", "a GitHub token"),
            (r"\bgithub_pat_[A-Za-z0-9_]{22,255}\b", "a GitHub token"),
            (r"\bglpat-[A-Za-z0-9_-]{20,}\b", "a GitLab token"),
            (r"\bxox[abposr]-[A-Za-z0-9-]{10,}\b", "a Slack token"),
            (r"\bAIza[0-9A-Za-z_-]{35}\b", "a Google API key"),
            (r"\b[rs]k_live_[0-9A-Za-z]{16,}\b", "a Stripe live key"),
            (r"-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----", "a private key"),
        ]
        .into_iter()
        .filter_map(|(pattern, kind)| regex::Regex::new(pattern).ok().map(|r| (r, kind)))
        .collect()
    });
    // Bounded: a value is matched in its first 64 KiB (cut at a character).
    let mut end = value.len().min(65_536);
    while !value.is_char_boundary(end) {
        end -= 1;
    }
    let value = &value[..end];
    patterns
        .iter()
        .find(|(pattern, _)| pattern.is_match(value))
        .map(|(_, kind)| *kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_values() {
        assert_eq!(
            secret_value("AKIAIOSFODNN7EXAMPLE"),
            Some("an AWS access key id")
        );
        assert_eq!(
            secret_value("ghp_0123456789abcdefghijABCDEFGHIJ012345"),
            Some("a GitHub token")
        );
        assert_eq!(
            secret_value("-----BEGIN RSA PRIVATE KEY-----\nMII"),
            Some("a private key")
        );
        assert_eq!(secret_value("production"), None);
        assert_eq!(secret_value("AKIA-not-a-key"), None);
        // Long values are cut at a character boundary, never inside one.
        let long = format!("{}AKIAIOSFODNN7EXAMPLE", "€".repeat(30_000));
        assert_eq!(secret_value(&long), None, "beyond the first 64 KiB");
        assert!(secret_name("AWS_ACCESS_KEY_ID"));
    }

    #[test]
    fn secret_names() {
        assert!(secret_name("DB_PASSWORD"));
        assert!(secret_name("GITHUB_TOKEN"));
        assert!(!secret_name("TOKEN_URL"));
        assert!(!secret_name("OTEL_SERVICE_NAME"));
        assert!(!secret_name("PASSWORD_FILE"));
    }
}
