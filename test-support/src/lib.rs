//! Test helpers shared by the workspace's adversarial suites.
//!
//! [`bounded`] runs one test's workload again in a child process (the same
//! test binary, filtered to that one test) and measures what the child
//! used: its peak resident memory (`VmHWM` of `/proc/self/status`, read by
//! the child just before it exits) and its wall time. A workload that
//! aborts, overflows its stack or runs past the time limit fails the
//! parent test instead of taking the whole test binary down with it.
//!
//! ```no_run
//! use platform_test_support::{Limits, bounded};
//!
//! #[test]
//! fn billion_laughs_stays_small() {
//!     bounded("billion_laughs_stays_small", Limits::mib(256).seconds(10), || {
//!         // parse the hostile input here; panics fail the test
//!     });
//! }
//! ```

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The environment variable that tells a test binary it is the child of
/// [`bounded`], and which test it is to run.
const CHILD_VAR: &str = "PLATFORM_TEST_SUPPORT_CHILD";
/// The marker before the peak memory figure on the child's standard output.
const PEAK_MARKER: &str = "platform-test-support peak-rss-kib=";

/// What a workload may use.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Peak resident memory of the whole child process, in bytes.
    pub max_rss_bytes: u64,
    /// Wall time of the whole child process.
    pub max_time: Duration,
}

impl Limits {
    /// `mib` MiB of memory and 30 seconds.
    #[must_use]
    pub fn mib(mib: u64) -> Self {
        Self {
            max_rss_bytes: mib * 1024 * 1024,
            max_time: Duration::from_secs(30),
        }
    }

    /// With this wall-time limit.
    #[must_use]
    pub fn seconds(mut self, seconds: u64) -> Self {
        self.max_time = Duration::from_secs(seconds);
        self
    }
}

/// What the child used.
#[derive(Clone, Copy, Debug)]
pub struct Measured {
    /// Peak resident memory, in bytes.
    pub peak_rss_bytes: u64,
    /// Wall time of the child process.
    pub elapsed: Duration,
}

/// The peak resident memory of this process so far, in bytes (`VmHWM`);
/// `None` where `/proc` does not tell.
#[must_use]
pub fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line
        .trim_start_matches("VmHWM:")
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kib * 1024)
}

/// Runs `work` in a child process and asserts that it finished within
/// `limits`; `test_name` is the test's name as the test harness knows it
/// (its path inside the test binary, or a unique suffix of it).
///
/// In the child, `work` runs and its peak memory is reported; in the
/// parent, the child is started, watched and measured.
///
/// # Panics
///
/// In the parent, when the child failed, was killed, ran past the time
/// limit or used more memory than allowed: that is the test failing.
pub fn bounded(test_name: &str, limits: Limits, work: impl FnOnce()) -> Option<Measured> {
    if std::env::var(CHILD_VAR).as_deref() == Ok(test_name) {
        work();
        let kib = peak_rss_bytes().unwrap_or(0) / 1024;
        // A line of its own: the harness may have printed the test name already.
        println!("\n{PEAK_MARKER}{kib}");
        return None;
    }
    let exe = std::env::current_exe().expect("the test binary's path");
    let started = Instant::now();
    let mut child = Command::new(exe)
        .args([test_name, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_VAR, test_name)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the child test process starts");
    let mut stdout = child.stdout.take().expect("piped stdout");
    let mut stderr = child.stderr.take().expect("piped stderr");
    let out_reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stdout.read_to_string(&mut text);
        text
    });
    let err_reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let status = loop {
        if let Some(status) = child.try_wait().expect("the child can be waited for") {
            break status;
        }
        if started.elapsed() > limits.max_time {
            let _ = child.kill();
            let _ = child.wait();
            let out = out_reader.join().unwrap_or_default();
            panic!(
                "{test_name}: ran past {:?} and was killed\n{out}",
                limits.max_time
            );
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let elapsed = started.elapsed();
    let out = out_reader.join().unwrap_or_default();
    let err = err_reader.join().unwrap_or_default();
    assert!(
        status.success(),
        "{test_name}: the child failed ({status})\n--- stdout\n{out}\n--- stderr\n{err}"
    );
    let kib: u64 = out
        .lines()
        .find_map(|l| {
            let at = l.find(PEAK_MARKER)? + PEAK_MARKER.len();
            let digits: String = l[at..].chars().take_while(char::is_ascii_digit).collect();
            digits.parse().ok()
        })
        .unwrap_or_else(|| {
            panic!("{test_name}: the child ran no workload (is the name exact?)\n{out}")
        });
    let measured = Measured {
        peak_rss_bytes: kib * 1024,
        elapsed,
    };
    assert!(
        measured.peak_rss_bytes <= limits.max_rss_bytes,
        "{test_name}: peak memory {} MiB is over the limit of {} MiB",
        measured.peak_rss_bytes / (1024 * 1024),
        limits.max_rss_bytes / (1024 * 1024)
    );
    Some(measured)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_small_workload_is_measured() {
        let measured = bounded(
            "tests::a_small_workload_is_measured",
            Limits::mib(64).seconds(20),
            || {
                let v = vec![1_u8; 1024 * 1024];
                assert_eq!(v.len(), 1024 * 1024);
            },
        );
        if let Some(m) = measured {
            assert!(m.peak_rss_bytes > 0);
        }
    }

    #[test]
    fn a_large_workload_fails() {
        let result = std::panic::catch_unwind(|| {
            bounded(
                "tests::a_large_workload_fails",
                Limits::mib(32).seconds(20),
                || {
                    let v = vec![7_u8; 128 * 1024 * 1024];
                    assert_eq!(
                        v.iter().map(|b| u64::from(*b)).sum::<u64>(),
                        7 * 128 * 1024 * 1024
                    );
                },
            )
        });
        if std::env::var(CHILD_VAR).is_err() {
            let message = result
                .err()
                .and_then(|e| e.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            assert!(message.contains("over the limit"), "{message}");
        }
    }
}
