//! `hgctl kernel-event`: receive a handle to an event the driver created; you can wait on it,
//! not set it.
use crate::client::{self, PATIENCE_MS};
use crate::explain::{Op, explain_for};
use crate::failure::{Exit, Failure};
use crate::report::Report;
use crate::status::{self, Status};
use crate::transport::Transport;
use serde::Serialize;
use std::fmt::Write as _;

/// `hgctl kernel-event`'s options.
#[derive(clap::Args, Clone, Debug)]
pub struct Args {
    /// Milliseconds until the driver signals it; 0 asks it to signal on request
    /// (SIGNAL_KERNEL_EVENT) instead.
    #[arg(long, default_value_t = 50)]
    pub due_ms: u32,
}

/// What the handle the driver handed out allowed.
#[derive(Serialize)]
pub struct KernelEventReport {
    handle: u64,
    id: u64,
    signalled_before: bool,
    /// `SetEvent` through the handle: must be refused.
    #[serde(serialize_with = "status::serialize")]
    set_event: Status,
    signalled_after_set: bool,
    /// SIGNAL_KERNEL_EVENT's status (with `--due-ms 0`).
    #[serde(serialize_with = "status::serialize_option")]
    signal_kernel_event: Option<Status>,
    signalled_after_ms: Option<u64>,
    clock: &'static str,
}

/// Runs `hgctl kernel-event`.
///
/// # Errors
/// CREATE_KERNEL_EVENT's status, or a failed wait's.
pub fn run(device: &dyn Transport, args: &Args) -> Result<KernelEventReport, Failure> {
    let due_ms = args.due_ms;
    let reply = client::create_kernel_event(device, due_ms)
        .map_err(|failed| Failure::status(Op::CreateKernelEvent, failed))?;
    let before = device.is_signaled(reply.handle);
    let set = device.set_event(reply.handle);
    let after_set = device.is_signaled(reply.handle);
    let signal = (due_ms == 0).then(|| client::signal_kernel_event(device, reply.id));
    let waited = device.wait(reply.handle, due_ms.saturating_add(PATIENCE_MS));
    let _ = client::unregister(device, reply.id);
    device.close(reply.handle);
    let wait_failure = |failed| Failure::status(Op::Wait, failed);
    Ok(KernelEventReport {
        handle: reply.handle,
        id: reply.id,
        signalled_before: before.map_err(wait_failure)?,
        set_event: set,
        signalled_after_set: after_set.map_err(wait_failure)?,
        signal_kernel_event: signal,
        signalled_after_ms: waited.map_err(wait_failure)?,
        clock: device.clock(),
    })
}

impl Report for KernelEventReport {
    fn text(&self, width: usize) -> String {
        crate::terminal::wrap_lines(&self.unwrapped(), width)
    }

    /// The rule holds when the user could not set it and the driver could.
    fn exit(&self) -> Exit {
        if !status::is_success(self.set_event)
            && !self.signalled_after_set
            && self.signalled_after_ms.is_some()
        {
            Exit::Success
        } else {
            Exit::Failed
        }
    }
}

impl KernelEventReport {
    /// The text before it is fitted to the terminal.
    fn unwrapped(&self) -> String {
        let mut text = format!(
            "kernel event handle {:#x} (SYNCHRONIZE only)\n  signalled at first: {}\n  SetEvent through it: {}\n",
            self.handle,
            self.signalled_before,
            explain_for(Op::SetKernelEvent, self.set_event)
        );
        if let Some(signal) = self.signal_kernel_event {
            let _ = writeln!(
                text,
                "  SIGNAL_KERNEL_EVENT (the driver sets it): {}",
                status::label(signal)
            );
        }
        let _ = match self.signalled_after_ms {
            Some(ms) => writeln!(
                text,
                "  wait: signalled after {ms} ms ({} clock)",
                self.clock
            ),
            None => writeln!(text, "  wait: not signalled"),
        };
        text
    }
}
