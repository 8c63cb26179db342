//! Timer-driven notifications of one open: the kernel half of event registration.
//!
//! Each registration is one pool record holding a `KTIMER`, its `KDPC` and what to do when
//! due: signal a referenced event, complete a pended IRP, or signal a kernel-created event.
//! Records live in a fixed table per open (its size is the open's quota) addressed by a key
//! of slot and generation, so insert, lookup and removal are O(1) and a stale key never
//! reaches a new record.
//!
//! # Who frees a record
//! Under the table's spin lock, a record whose timer is armed may be taken out only by the
//! party that disarms it: the DPC (which always disarms) or a successful `KeCancelTimer`.
//! A canceller that loses the race marks the record `cancel_requested` and leaves it to the
//! DPC. For a pended IRP the cancel routine is a third party: whoever clears it with
//! `IoSetCancelRoutine(NULL)` owns completion; when the cancel routine has already been
//! called, the record is left for it. Dropping the table (at `IRP_MJ_CLOSE`) cancels what is
//! left and flushes queued DPCs, so no DPC can outlive the table it points to.
use super::ffi;
use super::irp::{Dispatched, Irp, PendingIrp};
use super::object::{Event, ObjectRef};
use super::pool::{Pool, PoolBox, PoolSlice};
use super::status::{NtResult, NtStatus};
use super::sync::SpinLock;
use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicU64, Ordering};

/// What a registration does when due.
pub enum Notification {
    /// Signal the caller's event, then release the reference.
    SignalEvent(ObjectRef<Event>),
    /// Complete the pended IRP with `STATUS_SUCCESS`.
    CompleteIrp(PendingIrp),
    /// Signal the driver's own event (also on request); kept until removed.
    KernelEvent(ObjectRef<Event>),
}

/// Identifies a registration: slot index + 1 in the low half, generation in the high half.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Key(u64);

impl Key {
    /// The key as sent on the wire (never 0).
    #[must_use]
    pub fn to_wire(self) -> u64 {
        self.0
    }

    /// A key from the wire; nothing is trusted until the table finds it.
    #[must_use]
    pub fn from_wire(value: u64) -> Self {
        Self(value)
    }

    fn new(slot: usize, generation: u32) -> Self {
        Self((u64::from(generation) << 32) | (slot as u64 + 1))
    }

    fn slot(self) -> Option<usize> {
        let low = usize::try_from(self.0 & 0xFFFF_FFFF).ok()?;
        low.checked_sub(1)
    }

    fn generation(self) -> u32 {
        (self.0 >> 32) as u32
    }
}

/// Bytes of pool one registration costs: checked against Microsoft's event sample, whose
/// record holds a LIST_ENTRY, the event or IRP pointer, a KDPC, a KTIMER and the file object
/// pointer (16 + 8 + 64 + 64 + 8 = 160 bytes on x64).
pub const RECORD_SIZE: usize = core::mem::size_of::<Record>();
const _: () = assert!(
    RECORD_SIZE <= 160,
    "a registration must not cost more pool than the C sample's"
);

/// Device-wide registration counters.
#[derive(Default)]
pub struct NotifyCounters {
    /// Registrations waiting.
    pub active: AtomicU64,
    /// Registrations whose timer fired (for kernel events: each time it fired).
    pub fired: AtomicU64,
    /// Registrations cancelled.
    pub cancelled: AtomicU64,
}

#[repr(C)]
struct Record {
    timer: UnsafeCell<ffi::KTIMER>,
    dpc: UnsafeCell<ffi::KDPC>,
    key: Key,
    armed: bool,
    cancel_requested: bool,
    what: Option<Notification>,
}

// SAFETY: the KTIMER/KDPC are only touched through kernel calls; the rest is guarded by the
// table's lock.
unsafe impl Send for Record {}

struct Slot {
    generation: u32,
    /// Next free slot when this one is free (`u32::MAX` ends the list).
    next_free: u32,
    record: Option<PoolBox<Record>>,
}

struct Slots {
    entries: PoolSlice<Slot>,
    /// Head of the free list (`u32::MAX` when full): insert and take are O(1).
    free_head: u32,
    closed: bool,
}

const END: u32 = u32::MAX;

/// The registrations of one open.
pub struct NotifyTable {
    slots: SpinLock<Slots>,
    counters: *const NotifyCounters,
}

// SAFETY: all mutable state is behind the spin lock; `counters` points to atomics in the
// device extension, which outlives every open.
unsafe impl Sync for NotifyTable {}
// SAFETY: as above.
unsafe impl Send for NotifyTable {}

const RECORD_TAG: u32 = u32::from_le_bytes(*b"HgNr");
const TABLE_TAG: u32 = u32::from_le_bytes(*b"HgNt");

/// Why a registration could not be added.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InsertError {
    /// Every slot of the open's quota is in use.
    Quota,
    /// The open is being cleaned up.
    Closing,
    /// No pool.
    NoMemory,
}

impl InsertError {
    /// The status a request fails with.
    #[must_use]
    pub fn status(self) -> NtStatus {
        match self {
            InsertError::Quota => NtStatus::QUOTA_EXCEEDED,
            InsertError::Closing => NtStatus::DELETE_PENDING,
            InsertError::NoMemory => NtStatus::INSUFFICIENT_RESOURCES,
        }
    }
}

impl NotifyTable {
    /// A table with room for `capacity` registrations.
    ///
    /// # Safety
    /// `counters` outlives the table (the kernel passes the device extension's counters;
    /// the device outlives every open).
    pub(super) unsafe fn new(
        pool: &Pool,
        capacity: usize,
        counters: *const NotifyCounters,
    ) -> NtResult<Self> {
        let capacity = capacity.min(END as usize);
        let slots = PoolSlice::new(pool, TABLE_TAG, capacity, |index| Slot {
            generation: 0,
            next_free: u32::try_from(index + 1)
                .ok()
                .filter(|&next| (next as usize) < capacity)
                .unwrap_or(END),
            record: None,
        })?;
        let free_head = if capacity == 0 { END } else { 0 };
        Ok(Self {
            slots: SpinLock::new(Slots {
                entries: slots,
                free_head,
                closed: false,
            }),
            counters,
        })
    }

    fn counters(&self) -> &NotifyCounters {
        // SAFETY: the constructor's contract: the counters outlive the table.
        unsafe { &*self.counters }
    }

    /// Number of registrations this open may hold.
    #[must_use]
    pub fn capacity(&self) -> usize {
        self.slots.lock().entries.len()
    }

    fn new_record(
        &self,
        pool: &Pool,
        what: Option<Notification>,
    ) -> Result<PoolBox<Record>, InsertError> {
        let record = Record {
            // A zeroed KTIMER/KDPC, initialised in place below at its final address.
            // SAFETY: all-zero is a valid bit pattern for these plain C structs.
            timer: UnsafeCell::new(unsafe { core::mem::zeroed() }),
            // SAFETY: as above.
            dpc: UnsafeCell::new(unsafe { core::mem::zeroed() }),
            key: Key(0),
            armed: false,
            cancel_requested: false,
            what,
        };
        let record = PoolBox::new(pool, RECORD_TAG, record).map_err(|_| InsertError::NoMemory)?;
        // SAFETY: pool memory that will not move; the DPC routine finds its record from the
        // KDPC's address.
        unsafe {
            ffi::KeInitializeTimerEx(record.timer.get(), ffi::_TIMER_TYPE::NotificationTimer);
        };
        // SAFETY: as above.
        unsafe {
            ffi::KeInitializeDpc(
                record.dpc.get(),
                Some(notify_dpc),
                core::ptr::from_ref(self).cast_mut().cast(),
            );
        }
        Ok(record)
    }

    /// Adds a registration due in `due_ms` (or never, for a kernel event with `None`). On
    /// failure the notification is dropped (an event reference is released).
    ///
    /// IRQL: <= DISPATCH_LEVEL.
    ///
    /// # Errors
    /// [`InsertError`].
    pub fn insert(
        &self,
        pool: &Pool,
        what: Notification,
        due_ms: Option<u32>,
    ) -> Result<Key, InsertError> {
        let mut record = self.new_record(pool, Some(what))?;
        let mut slots = self.slots.lock();
        let (index, generation) = slots.free_slot()?;
        let key = Key::new(index, generation);
        record.key = key;
        if let Some(due_ms) = due_ms {
            record.arm(due_ms);
        }
        slots.put(index, record);
        self.counters().active.fetch_add(1, Ordering::Relaxed);
        Ok(key)
    }

    /// Pends `irp` until `due_ms` from now, cancellable. On failure the IRP is handed back
    /// uncompleted.
    ///
    /// IRQL: <= DISPATCH_LEVEL.
    ///
    /// # Errors
    /// [`InsertError`] and the IRP.
    pub fn insert_irp(
        &self,
        pool: &Pool,
        irp: Irp,
        due_ms: u32,
    ) -> Result<Dispatched, (InsertError, Irp)> {
        let mut record = match self.new_record(pool, None) {
            Ok(record) => record,
            Err(error) => return Err((error, irp)),
        };
        let mut slots = self.slots.lock();
        let (index, generation) = match slots.free_slot() {
            Ok(free) => free,
            Err(error) => {
                drop(slots);
                drop(record);
                return Err((error, irp));
            }
        };
        let key = Key::new(index, generation);
        record.key = key;
        let (pending, dispatched) = irp.into_pending();
        pending.set_driver_context(
            core::ptr::from_ref(self) as usize,
            usize::try_from(key.0).unwrap_or(0),
        );
        pending.set_cancel_routine(Some(notify_cancel));
        if pending.cancel_requested() && pending.clear_cancel_routine() {
            // Cancelled before it was queued, and the cancel routine will not run: ours.
            drop(slots);
            drop(record);
            self.counters().cancelled.fetch_add(1, Ordering::Relaxed);
            pending.complete(NtStatus::CANCELLED);
            return Ok(dispatched);
        }
        record.what = Some(Notification::CompleteIrp(pending));
        record.arm(due_ms);
        slots.put(index, record);
        self.counters().active.fetch_add(1, Ordering::Relaxed);
        Ok(dispatched)
    }

    /// Unregisters `key`: the event reference is released or the IRP completed with
    /// `STATUS_CANCELLED`, now or (if its DPC is already queued) by the DPC.
    ///
    /// IRQL: <= DISPATCH_LEVEL.
    ///
    /// # Errors
    /// `STATUS_NOT_FOUND` if no registration has this key.
    pub fn remove(&self, key: Key) -> NtResult<()> {
        let taken = {
            let mut slots = self.slots.lock();
            let index = slots.find(key).ok_or(NtStatus::NOT_FOUND)?;
            slots.cancel(index)
        };
        self.finish_cancelled(taken);
        Ok(())
    }

    /// Signals the kernel event registered as `key`.
    ///
    /// # Errors
    /// `STATUS_NOT_FOUND` if `key` is not a kernel-event registration.
    pub fn signal(&self, key: Key) -> NtResult<()> {
        let slots = self.slots.lock();
        let index = slots.find(key).ok_or(NtStatus::NOT_FOUND)?;
        match slots.record(index).and_then(|record| record.what.as_ref()) {
            Some(Notification::KernelEvent(event)) => {
                event.set();
                Ok(())
            }
            _ => Err(NtStatus::NOT_FOUND),
        }
    }

    /// Cancels every registration and refuses new ones (`IRP_MJ_CLEANUP`).
    ///
    /// IRQL: <= DISPATCH_LEVEL.
    pub fn cancel_all(&self) {
        let capacity = {
            let mut slots = self.slots.lock();
            slots.closed = true;
            slots.entries.len()
        };
        for index in 0..capacity {
            let taken = self.slots.lock().cancel(index);
            self.finish_cancelled(taken);
        }
    }

    fn finish_cancelled(&self, taken: Option<PoolBox<Record>>) {
        if let Some(mut record) = taken {
            self.counters().active.fetch_sub(1, Ordering::Relaxed);
            self.counters().cancelled.fetch_add(1, Ordering::Relaxed);
            if let Some(Notification::CompleteIrp(pending)) = record.what.take() {
                pending.complete(NtStatus::CANCELLED);
            }
        }
    }

    /// The DPC of `key`'s timer ran. IRQL: DISPATCH_LEVEL.
    fn fired(&self, key: Key) {
        let mut slots = self.slots.lock();
        let Some(index) = slots.find(key) else { return };
        let Some(record) = slots.record_mut(index) else {
            return;
        };
        record.armed = false;
        if record.cancel_requested {
            let taken = slots.take(index);
            drop(slots);
            self.finish_cancelled(taken);
            return;
        }
        let counters = self.counters();
        match &record.what {
            Some(Notification::KernelEvent(event)) => {
                event.set();
                counters.fired.fetch_add(1, Ordering::Relaxed);
            }
            Some(Notification::SignalEvent(_)) => {
                let taken = slots.take(index);
                drop(slots);
                if let Some(mut record) = taken {
                    if let Some(Notification::SignalEvent(event)) = record.what.take() {
                        event.set();
                    }
                    counters.active.fetch_sub(1, Ordering::Relaxed);
                    counters.fired.fetch_add(1, Ordering::Relaxed);
                }
            }
            Some(Notification::CompleteIrp(pending)) if pending.clear_cancel_routine() => {
                let taken = slots.take(index);
                drop(slots);
                if let Some(mut record) = taken {
                    if let Some(Notification::CompleteIrp(pending)) = record.what.take() {
                        pending.complete(NtStatus::SUCCESS);
                    }
                    counters.active.fetch_sub(1, Ordering::Relaxed);
                    counters.fired.fetch_add(1, Ordering::Relaxed);
                }
            }
            // The cancel routine has been called and will find the record disarmed: it
            // completes the IRP. (`None` does not occur: only failed inserts lack a notification.)
            Some(Notification::CompleteIrp(_)) | None => {}
        }
    }

    /// The cancel routine of the IRP registered as `key` ran. IRQL: DISPATCH_LEVEL.
    fn irp_cancelled(&self, key: Key, irp: ffi::PIRP) {
        let taken = {
            let mut slots = self.slots.lock();
            let Some(index) = slots.find(key) else { return };
            let same_irp = matches!(
                slots.record(index).and_then(|record| record.what.as_ref()),
                Some(Notification::CompleteIrp(pending)) if pending.as_ptr() == irp
            );
            if !same_irp {
                return;
            }
            slots.cancel_after_cancel_routine(index)
        };
        self.finish_cancelled(taken);
    }
}

impl Drop for NotifyTable {
    /// IRQL: PASSIVE_LEVEL (`IRP_MJ_CLOSE`).
    fn drop(&mut self) {
        self.cancel_all();
        // SAFETY: PASSIVE_LEVEL; waits until every queued DPC (ours included) has run, so
        // none can reach this table after it is freed.
        unsafe { ffi::KeFlushQueuedDpcs() };
    }
}

impl Record {
    fn arm(&mut self, due_ms: u32) {
        // Relative due times are negative, in 100 ns units.
        let due = -(i64::from(due_ms) * 10_000);
        // SAFETY: all-zero is a valid LARGE_INTEGER.
        let mut due_time: ffi::LARGE_INTEGER = unsafe { core::mem::zeroed() };
        due_time.QuadPart = due;
        // SAFETY: the timer and DPC were initialised in place and live until the record is
        // freed, which the table's protocol forbids while armed.
        unsafe { ffi::KeSetTimer(self.timer.get(), due_time, self.dpc.get()) };
        self.armed = true;
    }

    /// `KeCancelTimer`: true if the timer was queued and is not any more (the DPC will not
    /// run for it).
    fn disarm(&mut self) -> bool {
        // SAFETY: an initialised timer in live memory.
        let cancelled = unsafe { ffi::KeCancelTimer(self.timer.get()) } != 0;
        if cancelled {
            self.armed = false;
        }
        cancelled
    }
}

impl Slots {
    /// Pops a free slot: its index and generation.
    fn free_slot(&mut self) -> Result<(usize, u32), InsertError> {
        if self.closed {
            return Err(InsertError::Closing);
        }
        let index = self.free_head as usize;
        let slot = self.entries.get(index).ok_or(InsertError::Quota)?;
        let generation = slot.generation;
        self.free_head = slot.next_free;
        Ok((index, generation))
    }

    fn put(&mut self, index: usize, record: PoolBox<Record>) {
        if let Some(slot) = self.entries.get_mut(index) {
            slot.record = Some(record);
        }
    }

    fn find(&self, key: Key) -> Option<usize> {
        let index = key.slot()?;
        let slot = self.entries.get(index)?;
        let live = slot.record.as_ref().is_some_and(|record| record.key == key);
        (live && slot.generation == key.generation()).then_some(index)
    }

    fn record(&self, index: usize) -> Option<&Record> {
        self.entries.get(index)?.record.as_deref()
    }

    fn record_mut(&mut self, index: usize) -> Option<&mut Record> {
        self.entries.get_mut(index)?.record.as_deref_mut()
    }

    /// Empties the slot; the next record in it gets a new generation.
    fn take(&mut self, index: usize) -> Option<PoolBox<Record>> {
        let slot = self.entries.get_mut(index)?;
        let record = slot.record.take()?;
        slot.generation = slot.generation.wrapping_add(1);
        slot.next_free = self.free_head;
        self.free_head = u32::try_from(index).unwrap_or(END);
        Some(record)
    }

    /// Cancels the record in `index` on behalf of unregister or cleanup; returns it if it
    /// is now ours to finish.
    fn cancel(&mut self, index: usize) -> Option<PoolBox<Record>> {
        let record = self.record_mut(index)?;
        if let Some(Notification::CompleteIrp(pending)) = &record.what
            && !pending.clear_cancel_routine()
        {
            // The cancel routine has been called: it finishes this record.
            return None;
        }
        self.cancel_after_cancel_routine(index)
    }

    /// As [`Slots::cancel`], once the cancel routine is out of the way.
    fn cancel_after_cancel_routine(&mut self, index: usize) -> Option<PoolBox<Record>> {
        let record = self.record_mut(index)?;
        if record.armed && !record.disarm() {
            // The DPC is queued: it will see the request and finish the record.
            record.cancel_requested = true;
            return None;
        }
        self.take(index)
    }
}

/// The DPC of every registration timer.
///
/// IRQL: DISPATCH_LEVEL, arbitrary context.
unsafe extern "C" fn notify_dpc(
    dpc: *mut ffi::KDPC,
    table: ffi::PVOID,
    _argument1: ffi::PVOID,
    _argument2: ffi::PVOID,
) {
    let offset = core::mem::offset_of!(Record, dpc);
    // The KDPC sits at a fixed offset in its (8-aligned) Record: stepping back gives the Record.
    #[allow(clippy::cast_ptr_alignment)]
    let record = dpc.cast::<u8>().wrapping_sub(offset).cast::<Record>();
    // SAFETY: every KDPC initialised with this routine is the `dpc` field of a Record, and a
    // record whose timer is armed is not freed by anyone but this DPC (module protocol), so
    // it is readable here; `key` is not written after insertion.
    let key = unsafe { (*record).key };
    // SAFETY: the deferred context is the table that owns the record; the table outlives its
    // records' DPCs (its Drop flushes queued DPCs).
    if let Some(table) = unsafe { table.cast::<NotifyTable>().as_ref() } {
        table.fired(key);
    }
}

/// The cancel routine of every pended registration IRP.
///
/// IRQL: DISPATCH_LEVEL, called with the cancel spin lock held.
unsafe extern "C" fn notify_cancel(_device: ffi::PDEVICE_OBJECT, irp: ffi::PIRP) {
    // SAFETY: the I/O manager calls us with a live IRP and the cancel spin lock held, at the
    // IRQL it saved in CancelIrql.
    let irql = unsafe { (*irp).CancelIrql };
    // SAFETY: we hold the cancel spin lock (cancel routine contract).
    unsafe { ffi::IoReleaseCancelSpinLock(irql) };
    // SAFETY: the IRP is live until someone completes it, and only this routine can now.
    let context = unsafe { ffi::driver_context(irp) };
    // SAFETY: DriverContext of that live IRP, written by insert_irp.
    let context = unsafe { *context };
    let [table, key, ..] = context;
    // SAFETY: set by insert_irp to the table holding the IRP; an IRP pending on an open keeps
    // its file object, and so the table, alive.
    if let Some(table) = unsafe { table.cast::<NotifyTable>().as_ref() } {
        table.irp_cancelled(Key(key as u64), irp);
    }
}
