//! `docker.no-tls-bypass`: build steps that switch off certificate or
//! signature checks, read word by word: a flag of the program that has it
//! (`curl -k`, `wget --no-check-certificate`, `pip --trusted-host`, `apt-get
//! --allow-unauthenticated`, `npm config set strict-ssl false`), or a
//! variable assigned exactly (`GIT_SSL_NO_VERIFY=1`, not
//! `ASDFGIT_SSL_NO_VERIFY`). The words as arguments of `echo`, `grep` or
//! `unset`, or as package names, are not bypasses.

use crate::dockerfile::{parse_arg, parse_env};
use crate::finding::Finding;
use crate::rule::RuleContext;

use super::docker::{commands, each};

/// Flags that skip checks wherever they appear in a command's options.
const FLAGS: &[(&str, &str)] = &[
    ("--insecure", "curl --insecure skips certificate checks"),
    (
        "--no-check-certificate",
        "wget --no-check-certificate skips certificate checks",
    ),
    (
        "--trusted-host",
        "pip --trusted-host skips certificate checks",
    ),
    (
        "--allow-unauthenticated",
        "apt-get --allow-unauthenticated installs unsigned packages",
    ),
    (
        "--force-yes",
        "apt-get --force-yes installs unsigned packages",
    ),
    (
        "--allow-untrusted",
        "apk --allow-untrusted installs unsigned packages",
    ),
    ("--nogpgcheck", "--nogpgcheck installs unsigned packages"),
    (
        "--nosignature",
        "rpm --nosignature installs unsigned packages",
    ),
    ("--nodigest", "rpm --nodigest skips package digests"),
];

/// Variables that skip checks, with the values that do (`None`: any).
const VARIABLES: &[(&str, Option<&[&str]>, &str)] = &[
    (
        "GIT_SSL_NO_VERIFY",
        None,
        "GIT_SSL_NO_VERIFY skips certificate checks",
    ),
    (
        "PIP_TRUSTED_HOST",
        None,
        "PIP_TRUSTED_HOST skips certificate checks",
    ),
    (
        "NODE_TLS_REJECT_UNAUTHORIZED",
        Some(&["0"]),
        "NODE_TLS_REJECT_UNAUTHORIZED=0 skips certificate checks",
    ),
    (
        "PYTHONHTTPSVERIFY",
        Some(&["0"]),
        "PYTHONHTTPSVERIFY=0 skips certificate checks",
    ),
    (
        "NPM_CONFIG_STRICT_SSL",
        Some(&["false", "0"]),
        "NPM_CONFIG_STRICT_SSL=false skips certificate checks",
    ),
];

/// Programs whose arguments are text, not options.
const TEXT_PROGRAMS: &[&str] = &[
    "echo", "printf", "grep", "egrep", "fgrep", "rg", "unset", "test", "[",
];

fn variable_hit(name: &str, value: &str) -> Option<&'static str> {
    VARIABLES.iter().find_map(|(var, values, message)| {
        let value = value.trim_matches(['"', '\'']);
        (name == *var && values.is_none_or(|vs| vs.contains(&value))).then_some(*message)
    })
}

/// The bypasses of one shell command (its words).
fn command_hits(words: &[String]) -> Vec<(String, &'static str)> {
    let mut hits = Vec::new();
    let mut at = 0;
    // Leading assignments (`GIT_SSL_NO_VERIFY=1 git clone …`), and those of
    // `export`/`env`.
    while let Some(word) = words.get(at) {
        if matches!(word.as_str(), "export" | "env") {
            at += 1;
            continue;
        }
        let Some((name, value)) = word.split_once('=') else {
            break;
        };
        if name.is_empty() || name.starts_with('-') {
            break;
        }
        if let Some(message) = variable_hit(name, value) {
            hits.push((name.to_owned(), message));
        }
        at += 1;
    }
    let Some(program) = words.get(at) else {
        return hits;
    };
    let program = program.rsplit('/').next().unwrap_or(program);
    if TEXT_PROGRAMS.contains(&program) {
        return hits;
    }
    let args = &words[at + 1..];
    for word in args {
        let flag = word.split_once('=').map_or(word.as_str(), |(f, _)| f);
        if let Some((needle, message)) = FLAGS.iter().find(|(f, _)| *f == flag) {
            hits.push(((*needle).to_owned(), *message));
        }
        let lower = word.to_ascii_lowercase();
        // `sslverify=0`, `--setopt=sslverify=false`, `--setopt=repo.sslverify=no`.
        let setting = lower.strip_prefix("--setopt=").unwrap_or(&lower);
        let off = setting.split_once('=').is_some_and(|(key, value)| {
            key.rsplit('.').next() == Some("sslverify") && matches!(value, "0" | "false" | "no")
        });
        if off {
            hits.push((
                word.clone(),
                "sslverify off skips repository certificate checks",
            ));
        }
    }
    if program == "curl"
        && args
            .iter()
            .any(|w| w.starts_with('-') && !w.starts_with("--") && w.contains('k'))
    {
        hits.push(("-k".to_owned(), "curl -k skips certificate checks"));
    }
    let lower: Vec<String> = args.iter().map(|w| w.to_ascii_lowercase()).collect();
    let pair = |key: &str, value: &str| {
        lower.windows(2).any(|w| w[0] == key && w[1] == value)
            || lower.iter().any(|w| *w == format!("{key}={value}"))
    };
    if program == "git" && (pair("http.sslverify", "false") || pair("http.sslverify", "0")) {
        hits.push((
            "http.sslVerify".to_owned(),
            "git http.sslVerify false skips certificate checks",
        ));
    }
    if matches!(program, "npm" | "yarn" | "pnpm")
        && (pair("strict-ssl", "false") && lower.iter().any(|w| w == "config" || w == "set")
            || pair("--strict-ssl", "false"))
    {
        hits.push((
            "strict-ssl".to_owned(),
            "npm/yarn strict-ssl false skips certificate checks",
        ));
    }
    hits
}

pub(super) fn no_tls_bypass(cx: &RuleContext<'_>) -> Vec<Finding> {
    each(cx, |i, d, text, out| {
        for (idx, ins) in d.dockerfile.instructions.iter().enumerate() {
            let hits: Vec<(String, &str)> = match ins.keyword.as_str() {
                "RUN" => commands(&ins.script())
                    .iter()
                    .flat_map(|words| command_hits(words))
                    .collect(),
                "ENV" => parse_env(&ins.text())
                    .into_iter()
                    .filter_map(|(name, value)| variable_hit(&name, &value).map(|m| (name, m)))
                    .collect(),
                // An ARG default is in the environment of later RUNs.
                "ARG" => parse_arg(&ins.text())
                    .into_iter()
                    .filter_map(|(name, value)| {
                        variable_hit(&name, value.as_deref()?).map(|m| (name, m))
                    })
                    .collect(),
                _ => continue,
            };
            for (needle, message) in hits {
                let span = d
                    .dockerfile
                    .span_of(idx, &needle, text)
                    .unwrap_or_else(|| ins.span.clone());
                out.push(cx.at_dockerfile(i, span, message));
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hits(line: &str) -> Vec<&'static str> {
        commands(line)
            .iter()
            .flat_map(|w| command_hits(w))
            .map(|(_, m)| m)
            .collect()
    }

    #[test]
    fn bypasses_are_flags_of_their_program_and_exact_variables() {
        assert_eq!(hits("curl -fsSLk https://x | sh").len(), 1);
        assert_eq!(hits("wget --no-check-certificate https://x").len(), 1);
        assert_eq!(hits("GIT_SSL_NO_VERIFY=1 git clone https://x").len(), 1);
        assert_eq!(hits("export NODE_TLS_REJECT_UNAUTHORIZED=0").len(), 1);
        assert_eq!(hits("git config --global http.sslVerify false").len(), 1);
        assert_eq!(hits("npm config set strict-ssl false").len(), 1);
        assert_eq!(hits("pip install --trusted-host pypi.org x").len(), 1);
        for clean in [
            "ASDFGIT_SSL_NO_VERIFY=1 make",
            "echo GIT_SSL_NO_VERIFY --insecure",
            "grep -r -- --no-check-certificate .",
            "unset GIT_SSL_NO_VERIFY",
            "npm install strict-ssl false",
            "NODE_TLS_REJECT_UNAUTHORIZED=1 node app.js",
            "curl --fail https://x",
        ] {
            assert_eq!(hits(clean), Vec::<&str>::new(), "{clean}");
        }
    }
}
