//! The dispatcher (Ke): the virtual clock only the test moves, armed timers and the DPC
//! queue. Dispatcher objects themselves (events, timers, DPCs) live in the driver's memory;
//! [`objects`] initialises and reads them. Running DPC routines (which calls driver code) is
//! `crate::clock`'s job.
pub mod objects;
pub mod waits;

use crate::consts::BOOT_TIME;
use crate::fields;
use crate::origin::Origin;
use nt_bindings as nt;
use objects::{read_at, write_at};
use std::collections::{HashMap, VecDeque};
use std::mem::offset_of;
use std::sync::atomic::Ordering;

/// An armed timer.
#[derive(Debug, Clone, Copy)]
pub struct ArmedTimer {
    /// Absolute due time (100 ns units of system time).
    pub due: u64,
    /// Its DPC (`KDPC` address), 0 for none.
    pub dpc: usize,
    /// Arming order, to fire equal due times in order.
    pub order: u64,
    /// Who armed it (`KeSetTimer` by a driver or test code; the model for `NtSetTimer`); its
    /// DPC runs as that driver's code.
    pub origin: Origin,
}

/// A DPC waiting to run.
#[derive(Debug, Clone, Copy)]
pub struct QueuedDpc {
    /// The `KDPC`.
    pub dpc: usize,
    /// `SystemArgument1`.
    pub argument1: usize,
    /// `SystemArgument2`.
    pub argument2: usize,
    /// Who queued it; the routine runs as that driver's code.
    pub origin: Origin,
}

/// Dispatcher state.
#[derive(Debug)]
pub struct Dispatcher {
    /// System time now.
    pub now: u64,
    /// Armed timers by `KTIMER` address.
    pub timers: HashMap<usize, ArmedTimer>,
    /// DPCs queued and not yet running.
    pub dpc_queue: VecDeque<QueuedDpc>,
    /// DPC routines running right now (on any thread).
    pub running_dpcs: usize,
    /// Next arming order.
    order: u64,
}

impl Default for Dispatcher {
    fn default() -> Self {
        Self {
            now: BOOT_TIME,
            timers: HashMap::new(),
            dpc_queue: VecDeque::new(),
            running_dpcs: 0,
            order: 0,
        }
    }
}

/// A per-OS-thread token for spin lock ownership (the address of a thread-local).
pub fn thread_token() -> usize {
    thread_local! {
        static TOKEN: u8 = const { 0 };
    }
    TOKEN.with(|token| std::ptr::from_ref(token) as usize)
}

impl Dispatcher {
    /// Queues a DPC unless it is already queued (`KeInsertQueueDpc`); `DpcData` marks it.
    pub fn queue_dpc(
        &mut self,
        dpc: usize,
        argument1: usize,
        argument2: usize,
        origin: Origin,
    ) -> bool {
        if read_at::<usize>(dpc, offset_of!(nt::KDPC, DpcData)) != 0 {
            return false;
        }
        write_at::<usize>(dpc, offset_of!(nt::KDPC, DpcData), dpc);
        self.dpc_queue.push_back(QueuedDpc {
            dpc,
            argument1,
            argument2,
            origin,
        });
        true
    }

    /// Signals an expired timer and queues its DPC.
    pub fn expire_timer(&mut self, timer: usize, armed: ArmedTimer) {
        // SAFETY: an armed timer is a live KTIMER the driver keeps until it is cancelled or fires.
        unsafe { fields::signal_state(timer) }.store(1, Ordering::Release);
        if armed.dpc != 0 {
            let now = self.now;
            self.queue_dpc(
                armed.dpc,
                (now & 0xFFFF_FFFF) as usize,
                (now >> 32) as usize,
                armed.origin,
            );
        }
    }

    /// `KeSetTimer` / `NtSetTimer`: arms (or re-arms) `timer` (negative `due_time`: relative,
    /// in 100 ns; else absolute system time); returns whether it was already armed.
    pub fn set_timer(&mut self, timer: usize, due_time: i64, dpc: usize, origin: Origin) -> bool {
        let was_armed = self.timers.remove(&timer).is_some();
        let due = if due_time < 0 {
            self.now.saturating_add(due_time.unsigned_abs())
        } else {
            due_time.unsigned_abs()
        };
        // SAFETY: the driver passes a live, initialised KTIMER.
        unsafe { fields::signal_state(timer) }.store(0, Ordering::Release);
        write_at::<u64>(timer, offset_of!(nt::KTIMER, DueTime), due);
        write_at::<usize>(timer, offset_of!(nt::KTIMER, Dpc), dpc);
        self.order += 1;
        let armed = ArmedTimer {
            due,
            dpc,
            order: self.order,
            origin,
        };
        if due <= self.now {
            self.expire_timer(timer, armed);
        } else {
            self.timers.insert(timer, armed);
        }
        was_armed
    }

    /// `KeCancelTimer`: whether the timer was armed.
    pub fn cancel_timer(&mut self, timer: usize) -> bool {
        self.timers.remove(&timer).is_some()
    }

    /// The earliest armed timer due at or before `limit`.
    pub fn next_due(&self, limit: u64) -> Option<(usize, ArmedTimer)> {
        self.timers
            .iter()
            .filter(|(_, armed)| armed.due <= limit)
            .min_by_key(|(_, armed)| (armed.due, armed.order))
            .map(|(timer, armed)| (*timer, *armed))
    }

    /// Timers still armed that `driver`'s code (or test code) armed.
    pub fn timers_of(&self, driver: usize) -> usize {
        self.timers
            .values()
            .filter(|armed| armed.origin.counts_for(driver))
            .count()
    }

    /// DPCs still queued that `driver`'s code (or test code) queued.
    pub fn dpcs_of(&self, driver: usize) -> usize {
        self.dpc_queue
            .iter()
            .filter(|queued| queued.origin.counts_for(driver))
            .count()
    }

    /// Disarms every timer inside `range` (memory being freed); returns their addresses.
    pub fn disarm_timers_in(&mut self, range: std::ops::Range<usize>) -> Vec<usize> {
        let mut armed: Vec<usize> = self
            .timers
            .keys()
            .copied()
            .filter(|timer| range.contains(timer))
            .collect();
        armed.sort_unstable();
        for timer in &armed {
            self.timers.remove(timer);
        }
        armed
    }

    /// Drops every queued DPC inside `range` (memory being freed); whether there was one.
    pub fn unqueue_dpcs_in(&mut self, range: &std::ops::Range<usize>) -> bool {
        let before = self.dpc_queue.len();
        self.dpc_queue.retain(|queued| !range.contains(&queued.dpc));
        self.dpc_queue.len() != before
    }
}
