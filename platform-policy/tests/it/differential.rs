//! Our verdicts on pass/fail cases in the shape the peer tools' fixture
//! suites use (Polaris, kube-score, kube-linter, hadolint, Checkov): one
//! case per file under `tests/fixtures/differential/<family>/`, checked
//! alone, with headers
//!
//! ```text
//! # rule: k8s.privileged        one of our rule ids
//! # expect: fail                the peers' verdict on the equivalent check
//! # peers: kube-score …         which checks (informational)
//! # profile: strict             optional, the profile to check with
//! # ours: pass                  optional: where we deliberately differ,
//! # why: …                      and why (listed in the README's table)
//! ```
//!
//! Our verdict is `fail` when an unsuppressed finding of the rule is
//! reported. Per family, recall on the peers' failing cases must reach
//! 95 % and false positives on their passing cases stay at or below 2 %;
//! every deliberate difference must hold exactly.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use platform_policy::{CheckOptions, Profile, Registry, check_sources};

use crate::fixture;

/// One case file.
struct Case {
    path: PathBuf,
    family: String,
    rule: String,
    expect_fail: bool,
    ours_fail: Option<bool>,
    profile: Profile,
}

fn verdict(word: &str, path: &Path) -> bool {
    match word {
        "fail" => true,
        "pass" => false,
        other => panic!(
            "{}: verdict `{other}` is neither pass nor fail",
            path.display()
        ),
    }
}

fn read_case(path: &Path, family: &str) -> Case {
    let text = std::fs::read_to_string(path).expect("case is readable");
    let mut header = BTreeMap::new();
    for line in text.lines().take_while(|l| l.starts_with('#')) {
        if let Some((k, v)) = line.trim_start_matches('#').split_once(':') {
            header.insert(k.trim().to_owned(), v.trim().to_owned());
        }
    }
    let get = |k: &str| header.get(k).cloned();
    let rule = get("rule").unwrap_or_else(|| panic!("{}: no `# rule:`", path.display()));
    let expect = get("expect").unwrap_or_else(|| panic!("{}: no `# expect:`", path.display()));
    let ours = get("ours");
    if ours.is_some() {
        assert!(
            get("why").is_some_and(|w| !w.is_empty()),
            "{}: `# ours:` needs a `# why:`",
            path.display()
        );
    }
    let profile = match get("profile").as_deref() {
        None | Some("restricted") => Profile::Restricted,
        Some("baseline") => Profile::Baseline,
        Some("strict") => Profile::Strict,
        Some(other) => panic!("{}: unknown profile `{other}`", path.display()),
    };
    Case {
        path: path.to_owned(),
        family: family.to_owned(),
        rule,
        expect_fail: verdict(&expect, path),
        ours_fail: ours.map(|o| verdict(&o, path)),
        profile,
    }
}

fn cases() -> Vec<Case> {
    let root = fixture("differential");
    let mut out = Vec::new();
    let mut families: Vec<_> = std::fs::read_dir(&root)
        .expect("differential fixtures exist")
        .filter_map(Result::ok)
        .filter(|e| e.path().is_dir())
        .collect();
    families.sort_by_key(std::fs::DirEntry::file_name);
    for family in families {
        let name = family.file_name().to_string_lossy().into_owned();
        let mut files: Vec<_> = std::fs::read_dir(family.path())
            .expect("family is readable")
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_file())
            .collect();
        files.sort();
        out.extend(files.iter().map(|p| read_case(p, &name)));
    }
    out
}

/// Whether checking the case alone reports a finding of its rule.
fn we_fail(case: &Case) -> bool {
    let text = std::fs::read_to_string(&case.path).expect("case is readable");
    let name = case
        .path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let options = CheckOptions::new().with_profile(case.profile);
    let report = check_sources([(name.as_str(), text.as_str())], &options).expect("check runs");
    report.active().any(|f| f.rule() == case.rule)
}

#[derive(Default)]
struct Tally {
    fail_cases: usize,
    caught: usize,
    pass_cases: usize,
    false_alarms: usize,
    deliberate: usize,
    misses: Vec<String>,
}

#[test]
fn verdicts_agree_with_the_peers_where_the_rules_mean_the_same() {
    let registry = Registry::builtin();
    let all = cases();
    assert!(
        all.len() >= 200 || std::env::var_os("DIFF_PARTIAL").is_some(),
        "only {} cases",
        all.len()
    );
    let mut tallies: BTreeMap<String, Tally> = BTreeMap::new();
    let mut wrong_deliberate = Vec::new();
    for case in &all {
        assert!(
            registry.get(&case.rule).is_some(),
            "{}: no rule `{}`",
            case.path.display(),
            case.rule
        );
        let ours = we_fail(case);
        let tally = tallies.entry(case.family.clone()).or_default();
        let file = case
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if let Some(deliberate) = case.ours_fail {
            tally.deliberate += 1;
            if ours != deliberate {
                wrong_deliberate.push(format!("{}/{file}", case.family));
            }
            continue;
        }
        if case.expect_fail {
            tally.fail_cases += 1;
            if ours {
                tally.caught += 1;
            } else {
                tally.misses.push(format!("missed {file}"));
            }
        } else {
            tally.pass_cases += 1;
            if ours {
                tally.false_alarms += 1;
                tally.misses.push(format!("false alarm {file}"));
            }
        }
    }
    let mut table =
        String::from("family | fail cases | caught | pass cases | false alarms | deliberate\n");
    let mut below = Vec::new();
    for (family, t) in &tallies {
        let _ = writeln!(
            table,
            "{family} | {} | {} | {} | {} | {}",
            t.fail_cases, t.caught, t.pass_cases, t.false_alarms, t.deliberate
        );
        // recall ≥ 95 %, false positives ≤ 2 %, in integers.
        let recall_ok = t.caught * 100 >= t.fail_cases * 95;
        let fp_ok = t.false_alarms * 100 <= t.pass_cases * 2;
        if !recall_ok || !fp_ok {
            below.push(format!("{family}: {:?}", t.misses));
        }
    }
    assert!(
        wrong_deliberate.is_empty(),
        "deliberate differences that no longer hold: {wrong_deliberate:#?}"
    );
    assert!(below.is_empty(), "{table}\nbelow target: {below:#?}");
    insta::assert_snapshot!("differential_tally", table);
}
