//! What each exported routine does. Every function here implements the export of the same
//! name (the export list in `crate::exports` defines the `#[no_mangle]` symbol, its contract and
//! its trace format once, and calls in here with the caller's context); the checks the
//! routines share are below.
#![expect(
    non_snake_case,
    reason = "the routines keep NT's names for themselves and their parameters"
)]

pub mod ex;
mod file_io;
pub mod io;
pub mod io_file;
pub mod ke;
pub mod ob;
pub mod zw;
pub mod zw_event;
pub mod zw_file;
pub mod zw_key;

use crate::consts::{DISPATCH_LEVEL, PASSIVE_LEVEL};
use crate::machine::context::{self, Context};
use crate::verifier::codes;
use std::sync::OnceLock;

/// How `MmGetSystemRoutineAddress` finds an export by name: the export list registers its
/// table here (the routines never name the layer above them).
static ROUTINE_LOOKUP: OnceLock<fn(&str) -> Option<usize>> = OnceLock::new();

/// Registers the export table's lookup (done when a kernel is created).
pub fn register_routine_lookup(lookup: fn(&str) -> Option<usize>) {
    let _ = ROUTINE_LOOKUP.set(lookup);
}

/// The address of an export, by name.
fn routine_address(name: &str) -> Option<usize> {
    ROUTINE_LOOKUP.get().and_then(|lookup| lookup(name))
}

/// Runs `f` with the current context, or aborts (no kernel on this thread).
pub fn with_context<R>(routine: &str, f: impl FnOnce(&Context) -> R) -> R {
    if let Some(context) = context::current() {
        f(&context)
    } else {
        eprintln!(
            "ntmodel: {routine} was called on a thread that is not running in a model kernel \
             (create a Kernel on this thread, or call through Kernel::run_in / the user-side API)"
        );
        std::process::abort()
    }
}

/// Records a DDI-compliance stop if the IRQL is above `PASSIVE_LEVEL`; `false` then.
pub fn require_passive(context: &Context, routine: &str, subcode: u64) -> bool {
    let irql = context::irql();
    if irql == PASSIVE_LEVEL {
        return true;
    }
    context.machine.lock().verifier.stop(
        codes::DRIVER_VERIFIER_DETECTED_VIOLATION,
        [subcode, u64::from(irql), 0, 0],
        format!("{routine} called at IRQL {irql}; it must be called at PASSIVE_LEVEL"),
    );
    false
}

/// Records a model stop if the IRQL is above `DISPATCH_LEVEL`; `false` then.
pub fn require_dispatch_or_below(context: &Context, routine: &str) -> bool {
    let irql = context::irql();
    if irql <= DISPATCH_LEVEL {
        return true;
    }
    context.machine.lock().verifier.stop(
        codes::NTMODEL_CHECK,
        [
            codes::MODEL_WRONG_IRQL,
            u64::from(irql),
            u64::from(DISPATCH_LEVEL),
            0,
        ],
        format!("{routine} called at IRQL {irql}; it allows at most DISPATCH_LEVEL"),
    );
    false
}

/// Records a stop for a parameter Windows would fault on.
pub fn bad_parameter(context: &Context, routine: &str, what: &str) {
    context.machine.lock().verifier.stop(
        codes::NTMODEL_CHECK,
        [codes::MODEL_BAD_PARAMETER, 0, 0, 0],
        format!("{routine}: {what}"),
    );
}
