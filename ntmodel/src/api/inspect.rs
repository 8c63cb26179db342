//! Observers of a kernel for tests: objects and their counts, handles of the kernel table,
//! pool accounting, the debug log, verifier stops, timers, IRPs, devices and links.
use super::kernel::{Kernel, list};

/// What [`Kernel::irp_bookkeeping`] reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IrpBookkeeping {
    /// IRPs issued and not finished.
    pub live: usize,
    /// Results of finished IRPs kept for a `PendingIrp` still held.
    pub results: usize,
    /// Finished IRPs' memory kept (poisoned) to recognise a stale pointer.
    pub quarantined: usize,
}

use crate::block::Block;
use crate::consts::EVENT_NOTIFICATION_OBJECT;
use crate::dispatcher::objects::init_event_at;
use crate::names::key;
use crate::object_manager::Extra;
use crate::object_types::ObjectKind;
use crate::origin::Origin;
use crate::pool::TagStats;
use crate::rights::EVENT_ALL_ACCESS;
use crate::verifier::Stop;
use crate::verifier::trace::TraceEvent;
use nt_bindings as nt;
use std::sync::atomic::Ordering;

impl Kernel {
    /// (references, handles) of the object at `object`, `None` if it is not a live object.
    #[must_use]
    pub fn object_counts_at(&self, object: usize) -> Option<(u64, u32)> {
        self.inner
            .lock()
            .ob
            .get(object)
            .map(|header| (header.refs, header.handles))
    }

    /// Whether the object at `object` has been deleted.
    #[must_use]
    pub fn is_deleted(&self, object: usize) -> bool {
        let state = self.inner.lock();
        state.ob.get(object).is_none()
    }

    /// The values (with the kernel bit) of every handle in the kernel handle table.
    #[must_use]
    pub fn system_handle_values(&self) -> Vec<u64> {
        let state = self.inner.lock();
        state.ob.handle_values(state.ps.system_process, true)
    }

    /// Creates an event owned by the kernel (not the driver) and returns its kernel handle:
    /// a valid kernel handle value for attack tests.
    #[must_use]
    pub fn kernel_handle_of_some_object(&self) -> u64 {
        let mut state = self.inner.lock();
        let block = Block::zeroed(size_of::<nt::KEVENT>());
        init_event_at(block.addr(), EVENT_NOTIFICATION_OBJECT, false);
        let object = state
            .ob
            .insert(ObjectKind::Event, block, Extra::None, None, false);
        let system = state.ps.system_process;
        state
            .ob
            .create_handle(system, object, EVENT_ALL_ACCESS, 0, true, Origin::Model)
    }

    /// Number of live driver pool allocations.
    #[must_use]
    pub fn pool_outstanding(&self) -> usize {
        self.inner.lock().pool.outstanding(Origin::is_export).len()
    }

    /// Pool accounting for a tag (given as the `u32` the driver passes).
    #[must_use]
    pub fn pool_stats_by_tag(&self, tag: u32) -> TagStats {
        self.inner.lock().pool.stats(tag)
    }

    /// Pool accounting for every tag used.
    #[must_use]
    pub fn pool_stats(&self) -> Vec<(u32, TagStats)> {
        self.inner.lock().pool.all_stats()
    }

    /// Every `DbgPrint` line so far.
    #[must_use]
    pub fn debug_log(&self) -> Vec<String> {
        self.inner.lock().verifier.debug_log.clone()
    }

    /// Turns the call trace on or off. While it is on, every export call (by a driver or by
    /// test code) is recorded with its arguments and result, in order with the `DbgPrint`
    /// lines and the verifier stops; what was recorded stays until [`Kernel::take_trace`].
    pub fn set_trace(&self, enabled: bool) {
        let mut state = self.inner.lock();
        state.verifier.trace.set_enabled(enabled);
        self.inner.tracing.store(enabled, Ordering::Relaxed);
    }

    /// Returns and forgets what the call trace recorded so far.
    #[must_use]
    pub fn take_trace(&self) -> Vec<TraceEvent> {
        self.inner.lock().verifier.trace.take()
    }

    /// Every verifier stop so far.
    #[must_use]
    pub fn verifier_stops(&self) -> Vec<Stop> {
        self.inner.lock().verifier.stops.clone()
    }

    /// Returns and forgets the verifier stops so far.
    #[must_use]
    pub fn take_verifier_stops(&self) -> Vec<Stop> {
        std::mem::take(&mut self.inner.lock().verifier.stops)
    }

    /// Panics, listing them, if any verifier stop was recorded.
    ///
    /// # Panics
    /// If there is a stop.
    pub fn check_no_stop(&self) {
        let stops = self.verifier_stops();
        assert!(stops.is_empty(), "verifier stop(s):\n{}", list(&stops));
    }

    /// Number of timers armed now.
    #[must_use]
    pub fn armed_timers(&self) -> usize {
        self.inner.lock().ke.timers.len()
    }

    /// Number of IRPs issued and not completed.
    #[must_use]
    pub fn pending_irps(&self) -> usize {
        self.inner
            .lock()
            .io
            .irps
            .values()
            .filter(|irp| irp.completed.is_none())
            .count()
    }

    /// The I/O manager's IRP bookkeeping now: live IRPs, results kept for pending requests
    /// someone still holds, finished IRP memory kept to recognise stale pointers.
    #[must_use]
    pub fn irp_bookkeeping(&self) -> IrpBookkeeping {
        let state = self.inner.lock();
        IrpBookkeeping {
            live: state.io.irps.len(),
            results: state.io.results.len(),
            quarantined: state.io.retired.len(),
        }
    }

    /// The device object named `name` (`\Device\X`), if any.
    #[must_use]
    pub fn device_object(&self, name: &str) -> Option<usize> {
        self.inner.lock().io.device_names.get(&key(name)).copied()
    }

    /// The target of a symbolic link (`\DosDevices\X` or `\??\X`), if it exists.
    #[must_use]
    pub fn symbolic_link(&self, name: &str) -> Option<String> {
        self.inner
            .lock()
            .io
            .link(name)
            .map(|link| link.target.clone())
    }
}
