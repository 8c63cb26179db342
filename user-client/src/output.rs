//! Where results go. Text on standard output and messages on standard error; with `--json`,
//! everything (errors too) as one JSON document on standard output. A reader that went away
//! (a closed pipe: `hgctl selftest | head`) ends hgctl quietly: nothing more is written, not
//! even a message, and the exit code is what the command came to.
use crate::failure::{Exit, Failure};
use crate::report::{Head, Rendered};
use std::io::{IsTerminal as _, Write as _};

/// Text or JSON.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// For a user.
    Text,
    /// For a program.
    Json,
}

/// Standard output could not take more: the reader closed it, or it failed (then a message
/// went to standard error).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Closed;

/// Writes all of `text` to standard output and flushes it.
///
/// # Errors
/// [`Closed`] when standard output is gone.
pub fn stdout(text: &str) -> Result<(), Closed> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => Err(Closed),
        Err(error) => {
            stderr(&format!("hgctl: cannot write the output: {error}\n"));
            Err(Closed)
        }
    }
}

/// Writes `text` to standard error; a closed standard error is ignored (there is nowhere
/// left to say anything).
pub fn stderr(text: &str) {
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(text.as_bytes()).and_then(|()| err.flush());
}

/// How this run prints.
#[derive(Clone, Debug)]
pub struct Output {
    /// Text or JSON.
    pub format: Format,
    /// Columns to lay text out for.
    pub width: usize,
}

impl Output {
    /// Prints a command's report.
    ///
    /// # Errors
    /// [`Closed`] when standard output is gone.
    pub fn report(&self, head: &Head, rendered: &Rendered) -> Result<(), Closed> {
        match self.format {
            Format::Text => stdout(&rendered.text),
            Format::Json => stdout(&format!("{}\n", head.report(rendered))),
        }
    }

    /// Prints why a command failed: `hgctl: message` on standard error, or the JSON error.
    ///
    /// # Errors
    /// [`Closed`] when standard output is gone (JSON only).
    pub fn failure(&self, head: &Head, failure: &Failure) -> Result<(), Closed> {
        match self.format {
            Format::Text => {
                // One line for programs reading a pipe; fitted to a terminal a user reads.
                let message = format!("hgctl: {}", failure.message);
                let message = if std::io::stderr().is_terminal() {
                    crate::terminal::wrap(&message, self.width, 0, 2)
                } else {
                    message
                };
                stderr(&format!("{message}\n"));
                Ok(())
            }
            Format::Json => stdout(&format!("{}\n", head.failure(failure))),
        }
    }

    /// Prints an error that is already in words for a user (clap's usage errors, the panic
    /// hook's message): as it is on standard error, or inside the JSON envelope.
    pub fn message(&self, head: &Head, message: &str, exit: Exit) {
        match self.format {
            Format::Text => stderr(message),
            Format::Json => {
                let _ = stdout(&format!("{}\n", head.error(message.trim_end(), None, exit)));
            }
        }
    }
}
