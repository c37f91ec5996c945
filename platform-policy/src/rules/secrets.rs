//! Which names (env vars, Dockerfile ARG/ENV) hold secrets.

/// Regex of names that hold secrets (env vars, ARG/ENV).
pub(super) fn secret_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_names() {
        assert!(secret_name("DB_PASSWORD"));
        assert!(secret_name("GITHUB_TOKEN"));
        assert!(!secret_name("TOKEN_URL"));
        assert!(!secret_name("OTEL_SERVICE_NAME"));
        assert!(!secret_name("PASSWORD_FILE"));
    }
}
