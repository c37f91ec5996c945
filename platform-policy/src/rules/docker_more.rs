//! More `docker.*` rules: apk and yum/dnf hygiene, `EXPOSE 22`, relative
//! `WORKDIR` and `chpasswd` (the apt, user, image and download rules are
//! in `docker`).

use std::sync::Arc;

use platform_model::Severity;

use super::docker::{commands, each};
use super::support::{meta, rule};
use crate::dockerfile::{Dockerfile, Instruction, shell_words};
use crate::finding::{ArtefactKind as A, Finding};
use crate::rule::{Profile, Rule, RuleContext};

pub(super) fn rules() -> Vec<Arc<dyn Rule>> {
    use Profile::{Baseline, Restricted};
    use Severity::{Error, Info, Warning};
    let d = &[A::Dockerfile];
    vec![
        rule(meta("docker.apk-hygiene", "apk leaves no cache and does not upgrade", Info, d, Restricted,
            "`apk add` without `--no-cache` keeps the package index in the layer (unless `/var/cache/apk` is removed in the same RUN or is a BuildKit cache mount); `apk upgrade` changes the base image's packages behind its tag. Pin the base image instead and add with `--no-cache`."), apk_hygiene),
        rule(meta("docker.yum-hygiene", "yum, dnf and microdnf run non-interactively and clean up", Info, d, Restricted,
            "`yum`, `dnf` and `microdnf` `install` need `-y` in a build, and `clean all` (or removing `/var/cache/yum`, `/var/cache/dnf`) in the same RUN keeps the metadata cache out of the layer."), yum_hygiene),
        rule(meta("docker.expose-ssh", "The image does not expose SSH", Warning, d, Baseline,
            "`EXPOSE 22` announces an SSH server in the image: another way in, with its own keys and users. Use `docker exec` or `kubectl exec`.").with_tag("security"), expose_ssh),
        rule(meta("docker.workdir-absolute", "WORKDIR is an absolute path", Warning, d, Restricted,
            "A relative WORKDIR is resolved against the previous one, so the directory depends on what the base image set; write the absolute path."), workdir_absolute),
        rule(meta("docker.chpasswd", "No passwords are set in the image", Error, d, Baseline,
            "`chpasswd` in a RUN writes a password into the image (and its build history); anyone who pulls the image can read or reuse it. Containers need no login password.").with_tag("security"), chpasswd),
    ]
}

fn runs(df: &Dockerfile) -> impl Iterator<Item = &Instruction> {
    df.instructions.iter().filter(|i| i.keyword == "RUN")
}

/// The command words with `sudo` and leading env assignments skipped.
fn program(words: &[String]) -> Option<(&str, &[String])> {
    let start = words.iter().position(|w| !w.contains('=') && w != "sudo")?;
    Some((words[start].as_str(), &words[start + 1..]))
}

/// Whether the RUN has a BuildKit cache or tmpfs mount of a path containing
/// `dir`.
fn mounts(ins: &Instruction, dir: &str) -> bool {
    ins.flags.iter().any(|f| {
        f.name == "mount"
            && f.value.as_deref().is_some_and(|v| {
                (v.contains("type=cache") || v.contains("type=tmpfs")) && v.contains(dir)
            })
    })
}

fn apk_hygiene(cx: &RuleContext<'_>) -> Vec<Finding> {
    each(cx, |i, d, _, out| {
        for ins in runs(&d.dockerfile) {
            let script = ins.script();
            let mut problems = Vec::new();
            for cmd in commands(&script) {
                let Some(("apk", rest)) = program(&cmd) else {
                    continue;
                };
                let sub = rest
                    .iter()
                    .find(|w| !w.starts_with('-'))
                    .map(String::as_str);
                match sub {
                    Some("add") => {
                        let no_cache = rest.iter().any(|w| w == "--no-cache");
                        let cleaned = script.contains("/var/cache/apk")
                            && (script.contains("rm ") || script.contains("rm\t"));
                        if !no_cache && !cleaned && !mounts(ins, "/var/cache/apk") {
                            problems.push("`apk add` without `--no-cache`");
                        }
                    }
                    Some("upgrade") => {
                        problems.push("`apk upgrade` changes the base image's packages")
                    }
                    _ => {}
                }
            }
            problems.dedup();
            if !problems.is_empty() {
                out.push(cx.at_dockerfile(
                    i,
                    ins.span.clone(),
                    format!("apk hygiene: {}", problems.join("; ")),
                ));
            }
        }
    })
}

fn yum_hygiene(cx: &RuleContext<'_>) -> Vec<Finding> {
    each(cx, |i, d, _, out| {
        for ins in runs(&d.dockerfile) {
            let script = ins.script();
            let mut problems: Vec<String> = Vec::new();
            let mut tool_installs = None;
            let mut cleaned = false;
            for cmd in commands(&script) {
                let Some((tool, rest)) = program(&cmd) else {
                    continue;
                };
                if !matches!(tool, "yum" | "dnf" | "microdnf") {
                    continue;
                }
                let mut operands = rest.iter().filter(|w| !w.starts_with('-'));
                match operands.next().map(String::as_str) {
                    Some("install" | "groupinstall" | "localinstall" | "reinstall") => {
                        tool_installs = Some(tool.to_owned());
                        let yes = rest
                            .iter()
                            .any(|w| w == "-y" || w == "--assumeyes" || w == "--assume-yes");
                        // microdnf asks too since 3.8 (2021).
                        if !yes {
                            problems.push(format!("`{tool} install` without `-y`"));
                        }
                    }
                    // A clean before the install leaves the install's cache.
                    Some("clean") if operands.next().is_some_and(|w| w == "all") => {
                        cleaned = tool_installs.is_some();
                    }
                    _ => {}
                }
            }
            if let Some(tool) = tool_installs {
                let removed = shell_words(&script)
                    .iter()
                    .any(|w| w.starts_with("/var/cache/yum") || w.starts_with("/var/cache/dnf"));
                let mounted = mounts(ins, "/var/cache/yum") || mounts(ins, "/var/cache/dnf");
                if !cleaned && !removed && !mounted {
                    problems.push(format!("no `{tool} clean all` in the same RUN"));
                }
            }
            problems.dedup();
            if !problems.is_empty() {
                out.push(cx.at_dockerfile(
                    i,
                    ins.span.clone(),
                    format!("yum hygiene: {}", problems.join("; ")),
                ));
            }
        }
    })
}

fn expose_ssh(cx: &RuleContext<'_>) -> Vec<Finding> {
    each(cx, |i, d, _, out| {
        let df = &d.dockerfile;
        for ins in df.instructions.iter().filter(|x| x.keyword == "EXPOSE") {
            let vars = ins
                .stage
                .and_then(|s| df.stages.get(s))
                .map(|s| df.stage_variables(s))
                .unwrap_or_default();
            let text = df.expand(&ins.text(), &vars);
            let ssh = text.split_whitespace().any(|p| {
                let (port, proto) = p.split_once('/').unwrap_or((p, "tcp"));
                // A range (`20-25`) covers 22 too.
                let hit = match port.split_once('-') {
                    Some((a, b)) => matches!((a.parse::<u32>(), b.parse::<u32>()), (Ok(a), Ok(b)) if a <= 22 && 22 <= b),
                    None => port == "22",
                };
                hit && proto.eq_ignore_ascii_case("tcp")
            });
            if ssh {
                out.push(cx.at_dockerfile(
                    i,
                    ins.span.clone(),
                    "EXPOSE 22: the image announces an SSH server",
                ));
            }
        }
    })
}

fn workdir_absolute(cx: &RuleContext<'_>) -> Vec<Finding> {
    each(cx, |i, d, _, out| {
        for ins in d
            .dockerfile
            .instructions
            .iter()
            .filter(|x| x.keyword == "WORKDIR")
        {
            let text = ins.text();
            let path = text.trim().trim_matches(|c| c == '"' || c == '\'');
            // A variable may hold an absolute path; Windows paths are absolute
            // with a drive letter.
            let absolute = path.starts_with('/')
                || path.starts_with('$')
                || path.as_bytes().get(1) == Some(&b':')
                || path.starts_with('\\');
            if !path.is_empty() && !absolute {
                out.push(cx.at_dockerfile(
                    i,
                    ins.span.clone(),
                    format!("WORKDIR `{path}` is relative; write the absolute path"),
                ));
            }
        }
    })
}

fn chpasswd(cx: &RuleContext<'_>) -> Vec<Finding> {
    each(cx, |i, d, text, out| {
        for (idx, ins) in d
            .dockerfile
            .instructions
            .iter()
            .enumerate()
            .filter(|(_, x)| x.keyword == "RUN")
        {
            let used = commands(&ins.script()).iter().any(|c| {
                program(c).is_some_and(|(p, _)| p == "chpasswd" || p.ends_with("/chpasswd"))
            });
            if used {
                let span = d
                    .dockerfile
                    .span_of(idx, "chpasswd", text)
                    .unwrap_or_else(|| ins.span.clone());
                out.push(cx.at_dockerfile(i, span, "RUN sets a password with chpasswd"));
            }
        }
    })
}
