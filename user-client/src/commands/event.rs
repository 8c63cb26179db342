//! `hgctl event`: register an event the driver signals when due (or pend the request
//! itself), and wait for it.
use crate::access;
use crate::client::{self, PATIENCE_MS};
use crate::explain::{Op, explain_for};
use crate::failure::{Exit, Failure};
use crate::report::Report;
use crate::status::{self, Status};
use crate::transport::{Outcome, Transport};
use serde::Serialize;

/// `hgctl event`'s options.
#[derive(clap::Args, Clone, Debug)]
pub struct Args {
    /// Milliseconds until the driver signals it.
    #[arg(long, default_value_t = 100)]
    pub due_ms: u32,
    /// Pend the request itself until due instead of passing an event (no handle at all).
    #[arg(long)]
    pub pended: bool,
    /// Cancel before it is due: UNREGISTER (the event is then never signalled), or with
    /// --pended, CancelIoEx (the request completes with STATUS_CANCELLED).
    #[arg(long)]
    pub unregister: bool,
    /// Pass an event handle opened with SYNCHRONIZE only, to see the driver refuse it (no
    /// event is passed with --pended, so the two do not go together).
    #[arg(long, conflicts_with = "pended")]
    pub without_modify_state: bool,
}

/// What became of a registration.
#[derive(Serialize)]
pub struct EventReport {
    /// "event" (an event handle is passed) or "pended" (the request itself pends).
    mode: &'static str,
    due_ms: u32,
    /// Cancelled before due (UNREGISTER, or CancelIoEx with --pended).
    cancelled: bool,
    /// The registration's id (event mode).
    id: Option<u64>,
    /// UNREGISTER's status (event mode, --unregister).
    #[serde(serialize_with = "status::serialize_option")]
    unregistered: Option<Status>,
    /// The pended request's final status.
    #[serde(serialize_with = "status::serialize_option")]
    status: Option<Status>,
    /// Whether the event was signalled (event mode).
    signalled: Option<bool>,
    /// When it was signalled (event mode).
    signalled_after_ms: Option<u64>,
    /// When the pended request completed.
    waited_ms: Option<u64>,
    /// How late the driver was.
    latency_ms: Option<u64>,
    /// "virtual" (the model's clock) or "wall".
    clock: &'static str,
}

impl EventReport {
    fn new(mode: &'static str, args: &Args, clock: &'static str) -> Self {
        Self {
            mode,
            due_ms: args.due_ms,
            cancelled: args.unregister,
            id: None,
            unregistered: None,
            status: None,
            signalled: None,
            signalled_after_ms: None,
            waited_ms: None,
            latency_ms: None,
            clock,
        }
    }

    fn passed(&self) -> bool {
        match (self.mode, self.cancelled) {
            ("pended", true) => self.status == Some(status::STATUS_CANCELLED),
            ("pended", false) => self.status == Some(status::STATUS_SUCCESS),
            (_, true) => {
                self.unregistered.is_some_and(status::is_success) && self.signalled == Some(false)
            }
            (_, false) => self.signalled == Some(true),
        }
    }
}

impl Report for EventReport {
    fn text(&self, width: usize) -> String {
        crate::terminal::wrap_lines(&self.unwrapped(), width)
    }

    fn exit(&self) -> Exit {
        if self.passed() {
            Exit::Success
        } else {
            Exit::Failed
        }
    }
}

impl EventReport {
    /// The text before it is fitted to the terminal.
    fn unwrapped(&self) -> String {
        let (due_ms, clock) = (self.due_ms, self.clock);
        let id = self.id.unwrap_or(0);
        let pended = self
            .status
            .map(|status| explain_for(Op::RegisterPended, status));
        match (self.mode, self.cancelled, self.signalled_after_ms) {
            ("pended", true, _) => format!(
                "pended request cancelled before due: {}\n",
                pended.unwrap_or_default()
            ),
            ("pended", false, _) => format!(
                "pended request completed after {} ms ({clock} clock, due in {due_ms} ms): {}\n",
                self.waited_ms.unwrap_or(0),
                pended.unwrap_or_default()
            ),
            (_, true, _) => format!(
                "registration {id:#x} unregistered before due: {}\nevent signalled {due_ms} ms after it would have been due: {}\n",
                self.unregistered
                    .map(|status| explain_for(Op::Unregister, status))
                    .unwrap_or_default(),
                self.signalled == Some(true)
            ),
            (_, false, Some(ms)) => format!(
                "registration {id:#x}: event signalled after {ms} ms ({clock} clock), due in {due_ms} ms: latency {} ms\n",
                self.latency_ms.unwrap_or(0)
            ),
            (_, false, None) => format!(
                "registration {id:#x}: the event was not signalled within {} ms\n",
                due_ms.saturating_add(PATIENCE_MS)
            ),
        }
    }
}

/// Runs `hgctl event`.
///
/// # Errors
/// The status of the failed create, registration or wait.
pub fn run(device: &dyn Transport, args: &Args) -> Result<EventReport, Failure> {
    if args.pended {
        pended(device, args)
    } else {
        with_event(device, args)
    }
}

fn pended(device: &dyn Transport, args: &Args) -> Result<EventReport, Failure> {
    let due_ms = args.due_ms;
    let mut pended = match client::register_pended(device, due_ms) {
        Outcome::Done(reply) if status::is_success(reply.status) => {
            return Err(Failure::new(format!(
                "the driver completed the request at once ({}) instead of pending it until due",
                status::label(reply.status)
            )));
        }
        Outcome::Done(reply) => return Err(Failure::status(Op::RegisterPended, reply.status)),
        Outcome::Pending(pended) => pended,
    };
    let mut report = EventReport::new("pended", args, device.clock());
    let patience = due_ms.saturating_add(PATIENCE_MS);
    let final_status = if args.unregister {
        pended.cancel();
        let reply = pended
            .poll()
            .ok_or("the request is still pending after CancelIoEx")?;
        reply.status
    } else {
        let (reply, waited) = pended
            .wait(patience)
            .ok_or_else(|| format!("the pended request did not complete within {patience} ms"))?;
        report.waited_ms = Some(waited);
        report.latency_ms = Some(waited.saturating_sub(u64::from(due_ms)));
        reply.status
    };
    report.status = Some(final_status);
    Ok(report)
}

fn with_event(device: &dyn Transport, args: &Args) -> Result<EventReport, Failure> {
    let due_ms = args.due_ms;
    let rights = if args.without_modify_state {
        access::SYNCHRONIZE
    } else {
        access::EVENT
    };
    let handle = device
        .create_event(rights)
        .map_err(|failed| Failure::status(Op::CreateEvent, failed))?;
    let id = match client::register_event(device, handle, due_ms) {
        Ok(id) => id,
        Err(refused) => {
            device.close(handle);
            return Err(Failure::status(Op::RegisterEvent, refused));
        }
    };
    let mut report = EventReport::new("event", args, device.clock());
    report.id = Some(id);
    if args.unregister {
        let unregistered = client::unregister(device, id);
        device.elapse(due_ms.saturating_mul(2));
        let signalled = device.is_signaled(handle);
        device.close(handle);
        let signalled = signalled.map_err(|failed| Failure::status(Op::Wait, failed))?;
        report.unregistered = Some(unregistered);
        report.signalled = Some(signalled);
        return Ok(report);
    }
    let patience = due_ms.saturating_add(PATIENCE_MS);
    let waited = device.wait(handle, patience);
    device.close(handle);
    let waited = waited.map_err(|failed| Failure::status(Op::Wait, failed))?;
    report.signalled = Some(waited.is_some());
    report.signalled_after_ms = waited;
    report.latency_ms = waited.map(|ms| ms.saturating_sub(u64::from(due_ms)));
    Ok(report)
}
