//! The export wrappers' side of the call trace: a call is recorded when it starts and its
//! result when it returns, only while the kernel's trace is on (checked without the lock).
use crate::machine::context::Context;
use std::sync::atomic::Ordering;

/// Records the start of the call of `routine` if the trace is on; `arguments` renders them
/// (only then; output arguments render as nothing and are left out).
pub fn begin(
    context: &Context,
    routine: &'static str,
    arguments: impl FnOnce() -> Vec<String>,
) -> Option<u64> {
    if !context.machine.tracing.load(Ordering::Relaxed) {
        return None;
    }
    let mut arguments = arguments();
    arguments.retain(|argument| !argument.is_empty());
    let mut state = context.machine.lock();
    let driver = context
        .driver
        .and_then(|driver| state.io.drivers.get(&driver))
        .map(|record| record.service.clone());
    state.verifier.trace.start_call(routine, arguments, driver)
}

/// Records the result of a call [`begin`] recorded.
pub fn end(context: &Context, call: Option<u64>, result: impl FnOnce() -> Option<String>) {
    if let Some(sequence) = call {
        let result = result();
        context
            .machine
            .lock()
            .verifier
            .trace
            .finish_call(sequence, result);
    }
}
