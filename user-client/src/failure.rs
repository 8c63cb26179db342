//! Why a command did not come to a result, and the exit codes hgctl ends with.
use crate::explain::{Op, explain_for};
use crate::status::Status;

/// The exit codes hgctl returns: these and no others (the help and the README list them).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Exit {
    /// 0: the command did what it shows.
    Success = 0,
    /// 1: the command failed, the driver answered with an error status, or a self-test case
    /// failed.
    Failed = 1,
    /// 2: the arguments (or a script's line) are wrong.
    Usage = 2,
    /// 3: the model kernel stopped the driver where Driver Verifier would bug check, or hgctl
    /// hit an internal error.
    Stopped = 3,
}

impl Exit {
    /// The process exit code.
    #[must_use]
    pub fn code(self) -> u8 {
        self as u8
    }
}

/// A command that did not come to a result: a message, the status behind it if there is one,
/// and the exit code it ends with.
#[derive(Debug)]
pub struct Failure {
    /// What went wrong, for a user.
    pub message: String,
    /// The status behind it.
    pub status: Option<Status>,
    /// [`Exit::Failed`] or [`Exit::Usage`].
    pub exit: Exit,
}

impl Failure {
    /// A failure with no status behind it.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            status: None,
            exit: Exit::Failed,
        }
    }

    /// Arguments that cannot work together, or a malformed value clap could not check.
    pub fn usage(message: impl Into<String>) -> Self {
        Self {
            exit: Exit::Usage,
            ..Self::new(message)
        }
    }

    /// `op` came back with `status`: the message tells the rule behind it.
    pub fn status(op: Op, status: Status) -> Self {
        Self {
            message: explain_for(op, status),
            status: Some(status),
            exit: Exit::Failed,
        }
    }

    /// The message with `prefix` in front (`"C:\x: "`).
    #[must_use]
    pub fn with_prefix(mut self, prefix: &str) -> Self {
        self.message.insert_str(0, prefix);
        self
    }

    /// The message with `more` after it, as a sentence of its own.
    #[must_use]
    pub fn with_hint(mut self, more: Option<String>) -> Self {
        if let Some(more) = more {
            self.message.push_str(". ");
            self.message.push_str(&more);
        }
        self
    }
}

impl Failure {
    /// The same failure, its message prefixed with a script's line number.
    #[must_use]
    pub fn at_line(&self, line: usize) -> Self {
        Self {
            message: format!("line {line}: {}", self.message),
            status: self.status,
            exit: self.exit,
        }
    }
}

impl From<String> for Failure {
    fn from(message: String) -> Self {
        Self::new(message)
    }
}

impl From<&str> for Failure {
    fn from(message: &str) -> Self {
        Self::new(message)
    }
}
