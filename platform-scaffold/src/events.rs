//! The structured event stream of a run, and cancellation.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use serde::Serialize;

use crate::secrets::Redactor;

/// How a step ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StepStatus {
    /// It ran and succeeded.
    Completed,
    /// It ran and failed.
    Failed,
    /// It did not run (its `if` was false, or an earlier step failed).
    Skipped,
    /// The run was cancelled while it ran.
    Cancelled,
}

/// Something that happened during a run, in order. Log messages are
/// redacted before any event carries them.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "camelCase")]
#[non_exhaustive]
pub enum Event {
    /// A step is about to run.
    #[serde(rename_all = "camelCase")]
    StepStarted {
        /// Step id.
        step_id: String,
        /// Display name.
        name: String,
        /// Action id.
        action: String,
    },
    /// A step was skipped.
    #[serde(rename_all = "camelCase")]
    StepSkipped {
        /// Step id.
        step_id: String,
        /// Why.
        reason: String,
    },
    /// A step ran to its end.
    #[serde(rename_all = "camelCase")]
    StepFinished {
        /// Step id.
        step_id: String,
        /// How it ended.
        status: StepStatus,
        /// How long it took.
        #[serde(serialize_with = "millis")]
        duration: Duration,
    },
    /// A log line (from the runner or an action).
    #[serde(rename_all = "camelCase")]
    Log {
        /// The step it belongs to, if any.
        step_id: Option<String>,
        /// The (redacted) message.
        message: String,
    },
}

#[allow(clippy::trivially_copy_pass_by_ref)] // serde's `serialize_with` signature
fn millis<S: serde::Serializer>(duration: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_u64(u64::try_from(duration.as_millis()).unwrap_or(u64::MAX))
}

/// One line of a run's log, as Backstage's dry-run returns it
/// (`{body: {message, stepId?, status?}}`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct LogLine {
    /// The line.
    pub body: LogBody,
}

/// The body of a [`LogLine`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct LogBody {
    /// The (redacted) message.
    pub message: String,
    /// The step, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step_id: Option<String>,
    /// The step status this line reports, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<StepStatus>,
}

/// Stops a run between steps and inside cancellable actions (such as
/// `debug:wait`). Clones share the flag.
#[derive(Clone, Debug, Default)]
pub struct CancelToken(Arc<AtomicBool>);

impl CancelToken {
    /// A token not yet cancelled.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Cancels the run.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// Whether the run was cancelled.
    #[must_use]
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// Receives events as they happen.
pub type Observer = Arc<dyn Fn(&Event) + Send + Sync>;

/// Where a run's events and log go: redacted, kept, and passed to the
/// observer.
pub(crate) struct Journal {
    pub(crate) redactor: Redactor,
    pub(crate) events: Vec<Event>,
    pub(crate) log: Vec<LogLine>,
    observer: Option<Observer>,
}

impl Journal {
    pub(crate) fn new(redactor: Redactor, observer: Option<Observer>) -> Self {
        Self {
            redactor,
            events: Vec::new(),
            log: Vec::new(),
            observer,
        }
    }

    pub(crate) fn emit(&mut self, event: Event) {
        if let Some(observer) = &self.observer {
            observer(&event);
        }
        self.events.push(event);
    }

    pub(crate) fn log(&mut self, step_id: Option<&str>, message: &str, status: Option<StepStatus>) {
        let message = self.redactor.redact(message);
        self.log.push(LogLine {
            body: LogBody {
                message: message.clone(),
                step_id: step_id.map(str::to_owned),
                status,
            },
        });
        self.emit(Event::Log {
            step_id: step_id.map(str::to_owned),
            message,
        });
    }
}
