//! The verifier: where Driver Verifier would bug check, the model records a [`Stop`] (code,
//! four parameters, a message), makes the offending call fail or do nothing so execution can
//! go on safely, and the user-side API panics with the stop when control returns to it (a
//! panic cannot cross the driver's `extern "C"` frames).
//!
//! Codes are Windows' bug check codes where Windows has one; checks Windows makes only
//! through other means (static rules, I/O verification details) use [`codes::NTMODEL_CHECK`]
//! with a subcode in parameter 1.
use std::fmt;

pub mod codes;
pub mod trace;

use trace::{Trace, TraceEvent};

/// One verifier stop.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stop {
    /// Bug check code (`0xC4`, `0x93`, ...).
    pub code: u32,
    /// The four bug check parameters (parameter 1 is the subcode where the code has them).
    pub params: [u64; 4],
    /// What happened, in words.
    pub message: String,
}

impl Stop {
    /// The bug check's name.
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self.code {
            codes::DRIVER_VERIFIER_DETECTED_VIOLATION => "DRIVER_VERIFIER_DETECTED_VIOLATION",
            codes::INVALID_KERNEL_HANDLE => "INVALID_KERNEL_HANDLE",
            codes::MULTIPLE_IRP_COMPLETE_REQUESTS => "MULTIPLE_IRP_COMPLETE_REQUESTS",
            codes::BAD_POOL_CALLER => "BAD_POOL_CALLER",
            codes::DRIVER_VERIFIER_IOMANAGER_VIOLATION => "DRIVER_VERIFIER_IOMANAGER_VIOLATION",
            codes::IRQL_GT_ZERO_AT_SYSTEM_SERVICE => "IRQL_GT_ZERO_AT_SYSTEM_SERVICE",
            codes::IRQL_UNEXPECTED_VALUE => "IRQL_UNEXPECTED_VALUE",
            codes::NTMODEL_CHECK => "NTMODEL_CHECK",
            _ => "BUGCHECK",
        }
    }

    /// Whether this is `code` with parameter 1 equal to `subcode`.
    #[must_use]
    pub fn is(&self, code: u32, subcode: u64) -> bool {
        self.code == code && self.params[0] == subcode
    }
}

impl fmt::Display for Stop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [p1, p2, p3, p4] = self.params;
        write!(
            f,
            "{} ({:#X}) {p1:#X}: {} [params {p1:#x}, {p2:#x}, {p3:#x}, {p4:#x}]",
            self.name(),
            self.code,
            self.message
        )
    }
}

/// The verifier's and the debugger's view of one kernel: the stops so far, the `DbgPrint`
/// output, and the call trace.
#[derive(Debug, Default)]
pub struct Verifier {
    /// Verifier stops, in order.
    pub stops: Vec<Stop>,
    /// `DbgPrint` output, one entry per call.
    pub debug_log: Vec<String>,
    /// The call trace (recorded only when enabled).
    pub trace: Trace,
    /// Stops are held for the test to take ([`crate::Kernel::hold_verifier_stops`]): the
    /// user-side API returns instead of panicking with them.
    pub held: bool,
}

impl Verifier {
    /// Records a verifier stop.
    pub fn stop(&mut self, code: u32, params: [u64; 4], message: impl Into<String>) {
        let stop = Stop {
            code,
            params,
            message: message.into(),
        };
        eprintln!("ntmodel: verifier stop: {stop}");
        self.trace.record(TraceEvent::Stop(stop.clone()));
        self.stops.push(stop);
    }

    /// Records a line of `DbgPrint` output.
    pub fn debug_print(&mut self, line: String) {
        self.trace.record(TraceEvent::DbgPrint(line.clone()));
        self.debug_log.push(line);
    }
}
