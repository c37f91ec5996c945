//! `docker.*`: base images, users, health checks, stages, ADD, apt, sudo,
//! TLS bypasses, secrets and exec form.

use std::collections::HashSet;
use std::sync::Arc;

use platform_model::{Severity, Span};

use super::secrets::{secret_name, secret_value};
use super::support::{meta, rule};
use super::tls_bypass::no_tls_bypass;
use crate::dockerfile::{
    Arguments, Dockerfile, Instruction, Stage, parse_arg, parse_env, shell_words,
};
use crate::finding::{ArtefactKind as A, Finding};
use crate::inputs::DockerfileArtefact;
use crate::joins::ImageRef;
use crate::rule::{OptionKind, Profile, Rule, RuleContext, RuleOption};

pub(super) fn rules() -> Vec<Arc<dyn Rule>> {
    use Profile::{Baseline, Restricted};
    use Severity::{Error, Info, Warning};
    let d = &[A::Dockerfile];
    vec![
        rule(meta("docker.base-image-pinned", "Base images have a pinned tag", Error, d, Baseline,
            "`FROM image` without a tag, or with `latest`, builds from whatever the registry serves today: builds stop being reproducible. Pin a version tag or a digest. Stage aliases, `scratch` and ARGs without a default are not judged.").with_tag("security"), base_image_pinned),
        rule(meta("docker.base-image-digest", "The final base image is pinned by digest", Info, d, Restricted,
            "Tags can be moved; `FROM image:tag@sha256:…` names exactly one image. Required by the strict profile.").with_strict_severity(Warning).with_tag("security"), base_image_digest),
        rule(meta("docker.trusted-registry", "Base images come from trusted registries", Warning, d, Baseline,
            "Base images from an allow-list of registries (option `registries`, prefixes such as `registry.acme.internal` or `gcr.io/distroless`; `docker.io` for Docker Hub). Off until configured.")
            .with_off_by_default()
            .with_tag("security")
            .with_option(RuleOption::new("registries", OptionKind::StringList, "allowed registry or repository prefixes")), trusted_registry),
        rule(meta("docker.non-root-user", "The image runs as a non-root user", Error, d, Baseline,
            "The final stage must switch to a non-root USER; without any USER the container runs as root unless Kubernetes overrides it, and `USER root`/`USER 0` does so explicitly.").with_tag("security"), non_root_user),
        rule(meta("docker.numeric-user", "The final USER is numeric", Warning, d, Restricted,
            "With `runAsNonRoot: true` the kubelet can only verify a numeric user; a name such as `nonroot` fails with CreateContainerConfigError unless the pod also sets `runAsUser`. Use `USER 65532:65532`."), numeric_user),
        rule(meta("docker.healthcheck", "The image declares a HEALTHCHECK", Info, d, Restricted,
            "A HEALTHCHECK documents how to probe the service and helps plain Docker; Kubernetes ignores it (probes do that job, see `xref.healthcheck-not-probe`)."), healthcheck),
        rule(meta("docker.multi-stage", "Build toolchains stay out of the final image", Warning, d, Restricted,
            "Compilers and package managers in the final image add attack surface and size: build in one stage and copy the artefact into a slim runtime. `COPY --from` must name an earlier stage (or an image), never a later one or itself."), multi_stage),
        rule(meta("docker.no-add-url", "ADD does not fetch URLs without a checksum", Error, d, Baseline,
            "`ADD https://…` downloads whatever the server returns at build time. Download with curl or wget and verify a checksum, or use `ADD --checksum=sha256:…`.").with_tag("security"), no_add_url),
        rule(meta("docker.copy-over-add", "COPY is used for local files", Warning, d, Restricted,
            "ADD also extracts archives and fetches URLs; for plain local files COPY says what it does."), copy_over_add),
        rule(meta("docker.apt-pinned", "apt-get install pins package versions", Warning, d, Restricted,
            "`apt-get install pkg` installs whatever version the mirror has that day; pin `pkg=1.2.3-1` for reproducible images."), apt_pinned),
        rule(meta("docker.apt-hygiene", "apt-get is used non-interactively and cleans up", Info, d, Restricted,
            "Use `apt-get` (not `apt`), `-y`, `--no-install-recommends`, run `update` and `install` in one RUN, and remove `/var/lib/apt/lists` in the same layer."), apt_hygiene),
        rule(meta("docker.no-sudo", "No sudo in RUN", Error, d, Baseline,
            "Build steps already run as the current USER; sudo in an image adds a setuid binary and hides privilege changes. Switch USER instead.").with_tag("security"), no_sudo),
        rule(meta("docker.no-tls-bypass", "Downloads verify TLS and signatures", Error, d, Baseline,
            "`curl -k`, `wget --no-check-certificate`, `pip --trusted-host`, `GIT_SSL_NO_VERIFY`, `NODE_TLS_REJECT_UNAUTHORIZED=0`, `--allow-unauthenticated`, `--force-yes`, `--nogpgcheck`, `--allow-untrusted` and friends let anyone on the path replace what is installed.").with_tag("security"), no_tls_bypass),
        rule(meta("docker.no-secrets-in-env", "No secrets in ARG or ENV", Error, d, Baseline,
            "ARG and ENV values are stored in the image's history and metadata; anyone who can pull the image reads them. Use build secrets (`RUN --mount=type=secret`) and runtime Secrets.").with_tag("security"), no_secrets_in_env),
        rule(meta("docker.exec-form", "CMD and ENTRYPOINT use the exec form", Info, d, Restricted,
            "In shell form the process runs under `/bin/sh -c` and does not receive SIGTERM, so pods are killed after the grace period instead of shutting down cleanly."), exec_form),
    ]
}

pub(super) fn each(
    cx: &RuleContext<'_>,
    mut f: impl FnMut(usize, &DockerfileArtefact, &str, &mut Vec<Finding>),
) -> Vec<Finding> {
    let mut out = Vec::new();
    for (i, d) in cx.inputs().dockerfiles().iter().enumerate() {
        let text = cx.inputs().source(&d.file).unwrap_or("");
        f(i, d, text, &mut out);
    }
    out
}

fn image_span(df: &Dockerfile, stage: &Stage, text: &str) -> Span {
    df.span_of(stage.from, &stage.image_raw, text)
        .unwrap_or_else(|| Span::file_start(Arc::clone(&df.file)))
}

/// Whether a stage's image is `scratch` or an earlier stage.
fn is_internal(df: &Dockerfile, stage: &Stage) -> bool {
    stage.image.eq_ignore_ascii_case("scratch")
        || df
            .stage_named_before(&stage.image.to_ascii_lowercase(), stage.index)
            .is_some()
}

fn base_image_pinned(cx: &RuleContext<'_>) -> Vec<Finding> {
    each(cx, |i, d, text, out| {
        let df = &d.dockerfile;
        for stage in &df.stages {
            if stage.image.is_empty() || stage.image_unresolved || is_internal(df, stage) {
                continue;
            }
            let image = ImageRef::parse(&stage.image);
            if image.digest.is_some() {
                continue;
            }
            let problem = match image.tag.as_deref() {
                None => format!(
                    "base image `{}` has no tag (it means `latest`)",
                    stage.image
                ),
                Some("latest") => format!("base image `{}` uses the `latest` tag", stage.image),
                Some(_) => continue,
            };
            out.push(cx.at_dockerfile(i, image_span(df, stage, text), problem));
        }
    })
}

/// The stage whose base image a stage ultimately builds on.
fn root_stage<'a>(df: &'a Dockerfile, mut stage: &'a Stage) -> &'a Stage {
    for _ in 0..df.stages.len() {
        let name = stage.image.to_ascii_lowercase();
        match df.stage_named_before(&name, stage.index) {
            Some(parent) => stage = parent,
            None => break,
        }
    }
    stage
}

fn base_image_digest(cx: &RuleContext<'_>) -> Vec<Finding> {
    each(cx, |i, d, text, out| {
        let df = &d.dockerfile;
        let Some(last) = df.final_stage() else { return };
        let base = root_stage(df, last);
        if base.image_unresolved
            || base.image.eq_ignore_ascii_case("scratch")
            || base.image.is_empty()
        {
            return;
        }
        if ImageRef::parse(&base.image).digest.is_none() {
            out.push(cx.at_dockerfile(
                i,
                image_span(df, base, text),
                format!(
                    "the final image builds on `{}`, pinned by tag, not by digest",
                    base.image
                ),
            ));
        }
    })
}

fn trusted_registry(cx: &RuleContext<'_>) -> Vec<Finding> {
    let Some(allowed) = cx.option_strings("registries") else {
        return Vec::new();
    };
    each(cx, |i, d, text, out| {
        let df = &d.dockerfile;
        for stage in &df.stages {
            if stage.image_unresolved || is_internal(df, stage) || stage.image.is_empty() {
                continue;
            }
            let image = ImageRef::parse(&stage.image);
            let full = image.full_name();
            if !allowed.iter().any(|a| {
                full == *a
                    || full.starts_with(&format!("{}/", a.trim_end_matches('/')))
                    || image.registry == *a
            }) {
                out.push(cx.at_dockerfile(
                    i,
                    image_span(df, stage, text),
                    format!(
                        "base image `{}` comes from `{}`, which is not a trusted registry",
                        stage.image, image.registry
                    ),
                ));
            }
        }
    })
}

/// The last USER of a stage, following `FROM <stage>` chains, with its
/// instruction joins.
pub(super) fn final_user(df: &Dockerfile, stage: &Stage) -> Option<(usize, String)> {
    let mut current = Some(stage);
    let mut guard = 0;
    while let Some(s) = current {
        if let Some(&idx) = s.instructions.iter().rev().find(|&&i| {
            df.instructions
                .get(i)
                .is_some_and(|ins| ins.keyword == "USER")
        }) {
            let vars = df.stage_variables(s);
            let text = df.instructions[idx].text();
            return Some((idx, df.expand(text.trim(), &vars)));
        }
        let name = s.image.to_ascii_lowercase();
        current = df.stage_named_before(&name, s.index);
        guard += 1;
        if guard > df.stages.len() {
            break;
        }
    }
    None
}

fn from_span(df: &Dockerfile, stage: &Stage) -> Span {
    df.instructions.get(stage.from).map_or_else(
        || Span::file_start(Arc::clone(&df.file)),
        |i| i.span.clone(),
    )
}

pub(super) fn user_part(user: &str) -> &str {
    user.split(':').next().unwrap_or(user).trim()
}

fn non_root_user(cx: &RuleContext<'_>) -> Vec<Finding> {
    each(cx, |i, d, _, out| {
        let df = &d.dockerfile;
        let Some(last) = df.final_stage() else { return };
        match final_user(df, last) {
            None => out.push(
                cx.at_dockerfile(
                    i,
                    from_span(df, last),
                    "the final stage sets no USER, so the container runs as root",
                )
                .with_label("add `USER 65532:65532` (or another non-root UID) to this stage"),
            ),
            Some((idx, user)) => {
                let name = user_part(&user);
                if name == "root" || name == "0" {
                    out.push(cx.at_dockerfile(
                        i,
                        df.instructions[idx].span.clone(),
                        format!("the final USER is `{user}` (root)"),
                    ));
                }
            }
        }
    })
}

fn numeric_user(cx: &RuleContext<'_>) -> Vec<Finding> {
    each(cx, |i, d, _, out| {
        let df = &d.dockerfile;
        let Some(last) = df.final_stage() else { return };
        if let Some((idx, user)) = final_user(df, last) {
            let name = user_part(&user);
            if !name.is_empty() && !name.chars().all(|c| c.is_ascii_digit()) && name != "root" {
                out.push(cx.at_dockerfile(i, df.instructions[idx].span.clone(), format!("the final USER `{user}` is a name; Kubernetes cannot verify `runAsNonRoot` for it without a numeric `runAsUser`")));
            }
        }
    })
}

fn healthcheck(cx: &RuleContext<'_>) -> Vec<Finding> {
    each(cx, |i, d, _, out| {
        let df = &d.dockerfile;
        let Some(last) = df.final_stage() else { return };
        // A HEALTHCHECK (`NONE` included: a decision) in the final stage or
        // in a stage it is built `FROM`, whose settings it inherits.
        let mut stage = Some(last);
        let mut has = false;
        for _ in 0..df.stages.len() {
            let Some(current) = stage else { break };
            if df
                .stage_instructions(current)
                .any(|ins| ins.keyword == "HEALTHCHECK")
            {
                has = true;
                break;
            }
            stage = df.stage_named_before(&current.image.to_ascii_lowercase(), current.index);
        }
        if !has {
            out.push(cx.at_dockerfile(
                i,
                from_span(df, last),
                "the final stage declares no HEALTHCHECK",
            ));
        }
    })
}

const TOOLCHAIN_IMAGES: &[&str] = &[
    "golang",
    "rust",
    "maven",
    "gradle",
    "openjdk",
    "eclipse-temurin-jdk",
    "dotnet/sdk",
    "gcc",
    "buildpack-deps",
];
const BUILD_PACKAGES: &[&str] = &[
    "build-essential",
    "gcc",
    "g++",
    "make",
    "build-base",
    "python3-dev",
    "libc-dev",
];

fn multi_stage(cx: &RuleContext<'_>) -> Vec<Finding> {
    each(cx, |i, d, text, out| {
        let df = &d.dockerfile;
        let Some(last) = df.final_stage() else { return };
        let base = root_stage(df, last);
        let image = ImageRef::parse(&base.image);
        let repo = image.repository.to_ascii_lowercase();
        let tag = image.tag.clone().unwrap_or_default();
        let toolchain = TOOLCHAIN_IMAGES
            .iter()
            .any(|t| repo == *t || repo.ends_with(&format!("/{t}")))
            || (repo.ends_with("eclipse-temurin") && tag.contains("jdk"));
        let installs_build_deps = df.stage_instructions(last).any(|ins| {
            ins.keyword == "RUN" && {
                let script = ins.script();
                (script.contains("apt-get install")
                    || script.contains("apk add")
                    || script.contains("yum install")
                    || script.contains("dnf install"))
                    && shell_words(&script)
                        .iter()
                        .any(|w| BUILD_PACKAGES.contains(&w.as_str()))
            }
        });
        if toolchain || installs_build_deps {
            let why = if toolchain {
                format!(
                    "the final image builds on the toolchain image `{}`",
                    base.image
                )
            } else {
                "the final stage installs compilers and build packages".to_owned()
            };
            out.push(cx.at_dockerfile(
                i,
                image_span(df, base, text),
                format!(
                    "{why}; build in an earlier stage and copy the result into a slim runtime image"
                ),
            ));
        }
        for stage in &df.stages {
            for ins in df.stage_instructions(stage) {
                if ins.keyword != "COPY" {
                    continue;
                }
                let Some(from) = ins.flag("from") else {
                    continue;
                };
                let from_lower = from.to_ascii_lowercase();
                if let Ok(n) = from.parse::<usize>() {
                    if n >= stage.index {
                        out.push(cx.at_dockerfile(
                            i,
                            ins.span.clone(),
                            format!(
                                "`COPY --from={n}` names stage {n}, which is not an earlier stage"
                            ),
                        ));
                    }
                    continue;
                }
                let earlier = df.stage_named_before(&from_lower, stage.index).is_some();
                let later_or_self = df.stage_named_from(&from_lower, stage.index);
                if !earlier && (later_or_self || !(from.contains(':') || from.contains('/'))) {
                    out.push(cx.at_dockerfile(
                        i,
                        ins.span.clone(),
                        format!("`COPY --from={from}` does not name an earlier stage"),
                    ));
                }
            }
        }
    })
}

fn add_sources(ins: &Instruction) -> Vec<String> {
    let mut words = match &ins.arguments {
        Arguments::Exec(v) => v.clone(),
        Arguments::Shell(s) => shell_words(s),
    };
    words.pop(); // destination
    words.into_iter().filter(|w| !w.starts_with("<<")).collect()
}

fn no_add_url(cx: &RuleContext<'_>) -> Vec<Finding> {
    each(cx, |i, d, _, out| {
        for ins in d
            .dockerfile
            .instructions
            .iter()
            .filter(|x| x.keyword == "ADD")
        {
            if ins.flag("checksum").is_some() {
                continue;
            }
            for src in add_sources(ins) {
                if src.starts_with("http://") || src.starts_with("https://") {
                    out.push(cx.at_dockerfile(
                        i,
                        ins.span.clone(),
                        format!("`ADD {src}` downloads without verifying a checksum"),
                    ));
                }
            }
        }
    })
}

fn copy_over_add(cx: &RuleContext<'_>) -> Vec<Finding> {
    const ARCHIVES: &[&str] = &[
        ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz", ".tar.zst",
    ];
    each(cx, |i, d, _, out| {
        for ins in d
            .dockerfile
            .instructions
            .iter()
            .filter(|x| x.keyword == "ADD")
        {
            let local: Vec<String> = add_sources(ins)
                .into_iter()
                .filter(|s| {
                    !s.contains("://")
                        && !s.starts_with("git@")
                        && !ARCHIVES.iter().any(|a| s.to_ascii_lowercase().ends_with(a))
                })
                .collect();
            if !local.is_empty() && ins.heredocs.is_empty() {
                out.push(cx.at_dockerfile(
                    i,
                    ins.span.clone(),
                    format!("use COPY for local files ({})", local.join(", ")),
                ));
            }
        }
    })
}

/// The commands of a shell script: split at `&&`, `||`, `;`, `|` and newlines.
pub(super) fn commands(script: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let normalised = script
        .replace("&&", "\n")
        .replace("||", "\n")
        .replace([';', '|'], "\n");
    for line in normalised.lines() {
        let words = shell_words(line);
        if !words.is_empty() {
            out.push(words);
        }
    }
    out
}

/// apt-get's quiet level of a command's words: each `q` of short flag
/// clusters and each `--quiet`, or the number of `-q=N`/`--quiet=N`.
fn quiet_level(words: &[String]) -> usize {
    let mut level = 0;
    for word in words {
        if let Some(n) = word
            .strip_prefix("-q=")
            .or_else(|| word.strip_prefix("--quiet="))
        {
            level = n.parse().unwrap_or(level);
        } else if word == "--quiet" {
            level += 1;
        } else if word.starts_with('-') && !word.starts_with("--") {
            level += word.chars().filter(|c| *c == 'q').count();
        }
    }
    level
}

/// `apt-get`, `apt` and `aptitude` commands (with `sudo` and env
/// assignments skipped): the tool and its arguments.
fn apt_installs(words: &[String]) -> Option<(&str, &[String])> {
    let start = words.iter().position(|w| !w.contains('=') && w != "sudo")?;
    let tool = words[start].as_str();
    if !matches!(tool, "apt-get" | "apt" | "aptitude") {
        return None;
    }
    Some((tool, &words[start + 1..]))
}

/// Options of apt-get and aptitude that take the next word as their value
/// (`-t bookworm-backports` names a release, not a package).
const APT_VALUE_OPTIONS: &[&str] = &[
    "-t",
    "--target-release",
    "--default-release",
    "-o",
    "--option",
    "-c",
    "--config-file",
];

/// The operands of an apt command's arguments: the words that are neither
/// options nor an option's value (the subcommand, then packages).
fn apt_operands(rest: &[String]) -> Vec<&str> {
    let mut out = Vec::new();
    let mut words = rest.iter();
    while let Some(w) = words.next() {
        if APT_VALUE_OPTIONS.contains(&w.as_str()) {
            words.next();
        } else if !w.starts_with('-') {
            out.push(w.as_str());
        }
    }
    out
}

fn runs(df: &Dockerfile) -> impl Iterator<Item = &Instruction> {
    df.instructions.iter().filter(|i| i.keyword == "RUN")
}

fn apt_pinned(cx: &RuleContext<'_>) -> Vec<Finding> {
    each(cx, |i, d, _, out| {
        for ins in runs(&d.dockerfile) {
            let mut unpinned = Vec::new();
            for cmd in commands(&ins.script()) {
                let Some((_, rest)) = apt_installs(&cmd) else {
                    continue;
                };
                let operands = apt_operands(rest);
                if operands.first() != Some(&"install") {
                    continue;
                }
                for pkg in &operands[1..] {
                    if !pkg.contains('=') && !pkg.ends_with(".deb") && !pkg.contains('$') {
                        unpinned.push((*pkg).to_owned());
                    }
                }
            }
            if !unpinned.is_empty() {
                out.push(cx.at_dockerfile(
                    i,
                    ins.span.clone(),
                    format!(
                        "apt-get installs unpinned packages: {}",
                        unpinned.join(", ")
                    ),
                ));
            }
        }
    })
}

/// The stages whose layers end up in the image: the final one and those it
/// is built `FROM`, transitively (a stage only copied from is not).
fn shipped_stages(df: &Dockerfile) -> HashSet<usize> {
    let mut shipped = HashSet::new();
    let mut stage = df.final_stage();
    while let Some(s) = stage {
        if !shipped.insert(s.index) {
            break;
        }
        stage = df.stage_named_before(&s.image.to_ascii_lowercase(), s.index);
    }
    shipped
}

fn apt_hygiene(cx: &RuleContext<'_>) -> Vec<Finding> {
    each(cx, |i, d, _, out| {
        let shipped = shipped_stages(&d.dockerfile);
        for ins in runs(&d.dockerfile) {
            let script = ins.script();
            let mut problems = Vec::new();
            let mut update = false;
            let mut install = false;
            for cmd in commands(&script) {
                let Some((tool, rest)) = apt_installs(&cmd) else {
                    continue;
                };
                let sub = apt_operands(rest).first().copied().unwrap_or("");
                if tool == "apt" {
                    problems.push("`apt` is meant for terminals; use `apt-get`".to_owned());
                }
                match sub {
                    "update" => update = true,
                    "install" => {
                        install = true;
                        // apt-get: quiet level 2 (`-qq`, `-q -q`,
                        // `--quiet --quiet`, `-q=2`) implies `-y`.
                        let yes = rest.iter().any(|w| {
                            w == "-y"
                                || w == "--yes"
                                || w == "--assume-yes"
                                || (w.starts_with('-') && !w.starts_with("--") && w.contains('y'))
                        }) || quiet_level(rest) >= 2;
                        if !yes {
                            problems.push("`install` without `-y`".to_owned());
                        }
                        // aptitude spells it `--without-recommends` (`-R`).
                        let lean = if tool == "aptitude" {
                            rest.iter()
                                .any(|w| w == "--without-recommends" || w == "-R")
                        } else {
                            rest.iter().any(|w| {
                                let lower = w.to_ascii_lowercase();
                                w == "--no-install-recommends"
                                    // `-o APT::Install-Recommends=false`
                                    || lower.ends_with("apt::install-recommends=false")
                                    || lower.ends_with("apt::install-recommends=0")
                            })
                        };
                        if !lean {
                            problems.push(if tool == "aptitude" {
                                "`install` without `--without-recommends`".to_owned()
                            } else {
                                "`install` without `--no-install-recommends`".to_owned()
                            });
                        }
                    }
                    _ => {}
                }
            }
            // A BuildKit cache or tmpfs mount keeps the lists out of the
            // layer, so there is nothing to remove.
            let mounted = ins.keyword == "RUN"
                && ins.flags.iter().any(|f| {
                    f.name == "mount"
                        && f.value.as_deref().is_some_and(|v| {
                            (v.contains("type=cache") || v.contains("type=tmpfs"))
                                && v.contains("/var/lib/apt")
                        })
                });
            // Lists left in a builder stage never ship (hadolint DL3009).
            let ships = ins.stage.is_none_or(|s| shipped.contains(&s));
            if install && ships && !mounted && !script.contains("/var/lib/apt/lists") {
                problems.push("`/var/lib/apt/lists` is not removed in the same RUN".to_owned());
            }
            if update && !install {
                problems.push(
                    "`update` without `install` in the same RUN leaves a stale cache layer"
                        .to_owned(),
                );
            }
            problems.dedup();
            if !problems.is_empty() {
                out.push(cx.at_dockerfile(
                    i,
                    ins.span.clone(),
                    format!("apt-get hygiene: {}", problems.join("; ")),
                ));
            }
        }
    })
}

fn no_sudo(cx: &RuleContext<'_>) -> Vec<Finding> {
    each(cx, |i, d, text, out| {
        for (idx, ins) in d
            .dockerfile
            .instructions
            .iter()
            .enumerate()
            .filter(|(_, x)| x.keyword == "RUN")
        {
            // `sudo` as the command run, not as a package or an argument
            // (`apt-get install sudo`, `echo sudo`).
            if commands(&ins.script()).iter().any(|c| {
                c.iter()
                    .find(|w| !w.contains('=') || w.starts_with('-'))
                    .is_some_and(|w| w == "sudo")
            }) {
                let span = d
                    .dockerfile
                    .span_of(idx, "sudo", text)
                    .unwrap_or_else(|| ins.span.clone());
                out.push(cx.at_dockerfile(i, span, "RUN uses sudo"));
            }
        }
    })
}

fn no_secrets_in_env(cx: &RuleContext<'_>) -> Vec<Finding> {
    each(cx, |i, d, text, out| {
        for (idx, ins) in d.dockerfile.instructions.iter().enumerate() {
            // Names named like secrets, or whose value has a credential's
            // published shape (an `AKIA…` key id, a `ghp_…` token).
            let names: Vec<String> = match ins.keyword.as_str() {
                "ENV" => parse_env(&ins.text())
                    .into_iter()
                    .filter(|(k, v)| secret_name(k) || secret_value(v).is_some())
                    .map(|(k, _)| k)
                    .collect(),
                "ARG" => parse_arg(&ins.text())
                    .into_iter()
                    .map(|(k, _)| k)
                    .filter(|n| secret_name(n))
                    .collect(),
                _ => continue,
            };
            // Names come in order: each search starts past the previous hit.
            let mut from = 0;
            for name in names {
                let span = match d.dockerfile.span_of_from(idx, &name, text, from) {
                    Some((span, next)) => {
                        from = next;
                        span
                    }
                    None => ins.span.clone(),
                };
                out.push(cx.at_dockerfile(
                    i,
                    span,
                    format!(
                        "{} `{name}` looks like a secret; it is kept in the image history",
                        ins.keyword
                    ),
                ));
            }
        }
    })
}

fn exec_form(cx: &RuleContext<'_>) -> Vec<Finding> {
    each(cx, |i, d, _, out| {
        for ins in &d.dockerfile.instructions {
            if matches!(ins.keyword.as_str(), "CMD" | "ENTRYPOINT")
                && matches!(ins.arguments, Arguments::Shell(_))
            {
                out.push(cx.at_dockerfile(
                    i,
                    ins.span.clone(),
                    format!(
                        "{} uses the shell form; the process will not receive SIGTERM",
                        ins.keyword
                    ),
                ));
            }
        }
    })
}
