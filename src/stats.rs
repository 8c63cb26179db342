//! Driver-wide counters and the refusal audit, read by `IOCTL_HANDLEGUARD_GET_INFO`.
use core::sync::atomic::{AtomicU64, Ordering};
use handleguard_protocol::{InfoReply, PROTOCOL_VERSION, REFUSAL_KINDS, Refusal};
use wdm_safe::notify::NotifyCounters;

/// Counters updated lock-free from any IRQL.
#[derive(Default)]
pub struct Stats {
    opens: AtomicU64,
    requests: AtomicU64,
    refusals: [AtomicU64; REFUSAL_KINDS],
}

impl Stats {
    pub fn opened(&self) {
        self.opens.fetch_add(1, Ordering::Relaxed);
    }

    pub fn closed(&self) {
        self.opens.fetch_sub(1, Ordering::Relaxed);
    }

    pub fn request(&self) {
        self.requests.fetch_add(1, Ordering::Relaxed);
    }

    pub fn refused(&self, reason: Refusal) {
        if let Some(counter) = self.refusals.get(reason.index()) {
            counter.fetch_add(1, Ordering::Relaxed);
        }
    }

    pub fn snapshot(&self, registrations: &NotifyCounters) -> InfoReply {
        let mut refusals = [0u64; REFUSAL_KINDS];
        for (value, counter) in refusals.iter_mut().zip(&self.refusals) {
            *value = counter.load(Ordering::Relaxed);
        }
        InfoReply {
            version: PROTOCOL_VERSION,
            refusal_kinds: u32::try_from(REFUSAL_KINDS).unwrap_or(u32::MAX),
            opens: self.opens.load(Ordering::Relaxed),
            requests: self.requests.load(Ordering::Relaxed),
            registrations_active: registrations.active.load(Ordering::Relaxed),
            registrations_fired: registrations.fired.load(Ordering::Relaxed),
            registrations_cancelled: registrations.cancelled.load(Ordering::Relaxed),
            refusals,
        }
    }
}
