//! The virtual clock from a test: moving it, the next armed timer, and waiting on it without
//! stepping through time nothing happens in.
//!
//! Only the test moves the clock. A wait therefore never needs to pass time a millisecond at a
//! time: nothing can change between two timers, so [`Kernel::advance_until`] jumps from one
//! due timer to the next (running its DPC) and checks the condition in between. A wait for a
//! timer due in 4294967295 ms takes as long as a wait for one due in 1 ms.
use super::kernel::Kernel;
use crate::clock;
use crate::consts::{PASSIVE_LEVEL, TICKS_PER_MS};
use crate::machine::context::{self, system_context};
use crate::requests;

/// `INFINITE`: a wait timeout that never expires (`WaitForSingleObject`).
pub const INFINITE: u32 = u32::MAX;

impl Kernel {
    /// Moves the clock forward `ms` milliseconds: due timers fire in order and their DPCs run
    /// on this thread at `DISPATCH_LEVEL` in the System process.
    ///
    /// # Panics
    /// If the verifier stopped meanwhile.
    pub fn advance_ms(&self, ms: u64) {
        self.advance_100ns(ms.saturating_mul(TICKS_PER_MS));
    }

    /// Moves the clock forward in 100 ns units.
    ///
    /// # Panics
    /// If the verifier stopped meanwhile.
    pub fn advance_100ns(&self, ticks: u64) {
        let before = self.inner.lock().verifier.stops.len();
        let guard = context::enter(system_context(&self.inner, PASSIVE_LEVEL));
        clock::advance(&self.inner, ticks);
        requests::settle(&self.inner);
        drop(guard);
        self.panic_on_new_stops("advancing the clock", before);
    }

    /// System time now (100 ns since 1601).
    #[must_use]
    pub fn now(&self) -> u64 {
        self.inner.lock().ke.now
    }

    /// When the earliest armed timer is due (system time, 100 ns since 1601, always after
    /// [`Kernel::now`]), of every timer armed by a driver (`KeSetTimer`) or from user mode
    /// (`NtSetTimer`); `None` if no timer is armed.
    #[must_use]
    pub fn next_timer_due(&self) -> Option<u64> {
        self.inner
            .lock()
            .ke
            .next_due(u64::MAX)
            .map(|(_, armed)| armed.due)
    }

    /// Moves the clock to the next armed timer due within `limit` (system time) and fires it;
    /// whether there was one. The clock does not move otherwise.
    ///
    /// # Panics
    /// If the verifier stopped meanwhile.
    #[must_use = "false: no timer was due within the limit and the clock did not move"]
    pub fn advance_to_next_timer(&self, limit: u64) -> bool {
        match self.next_timer_due() {
            Some(due) if due <= limit => {
                self.advance_100ns(due.saturating_sub(self.now()));
                true
            }
            _ => false,
        }
    }

    /// Lets virtual time pass until `done()` holds, for at most `timeout_ms` milliseconds
    /// ([`INFINITE`] for no limit), the way a waiting thread sees it: `done` is asked now and
    /// after every timer that fires meanwhile, the clock jumping from one due timer to the next.
    /// `Some(ms waited)` (rounded up to whole milliseconds) once `done()` holds; `None` when the
    /// timeout passed first (the clock is then `timeout_ms` later) or, for an `INFINITE` wait,
    /// when no timer is armed any more, so nothing the clock does could satisfy it (Windows
    /// would wait forever; the clock does not move).
    ///
    /// The clock is all that moves here: something another OS thread does to the same kernel
    /// meanwhile is seen only at the next timer (or the deadline).
    ///
    /// # Panics
    /// If the verifier stopped meanwhile.
    pub fn advance_until(&self, timeout_ms: u32, mut done: impl FnMut() -> bool) -> Option<u64> {
        let start = self.now();
        let deadline = (timeout_ms != INFINITE)
            .then(|| start.saturating_add(u64::from(timeout_ms).saturating_mul(TICKS_PER_MS)));
        let waited = |now: u64| now.saturating_sub(start).div_ceil(TICKS_PER_MS);
        loop {
            if done() {
                return Some(waited(self.now()));
            }
            if !self.advance_to_next_timer(deadline.unwrap_or(u64::MAX)) {
                let deadline = deadline?;
                self.advance_100ns(deadline.saturating_sub(self.now()));
                return done().then(|| waited(self.now()));
            }
        }
    }
}
