//! Timer-driven notifications of one open: signal a referenced event when due, complete a
//! pended IRP when due (cancellable), or keep a kernel-created event to signal on request.
//!
//! Each notification is one pool record holding a `KTIMER`, its `KDPC` and what to do when
//! due, kept in a [`SlotTable`] whose capacity is the open's quota; keys are the table's
//! generational [`SlotKey`]s. The table is allocated at the first registration (an open that
//! never registers costs nothing here), and table and records are charged to the process
//! that registered ([`Charge`]). Device-wide [`NotifyCounters`] cap the registrations of
//! every table together.
//!
//! # Who frees a record
//! Under the table's spin lock, a record whose timer is armed may be taken out only by the
//! party that disarms it: the DPC (which always disarms) or a successful `KeCancelTimer`.
//! A canceller that loses the race marks the record `cancel_requested` and leaves it to the
//! DPC. For a pended IRP the cancel routine is a third party: whoever clears it with
//! `IoSetCancelRoutine(NULL)` owns completion; when the cancel routine has already been
//! called, the record is left for it. Dropping the table (at `IRP_MJ_CLOSE`) cancels what is
//! left and, if any of its timers reached its DPC (queued or run), flushes queued DPCs, so no
//! DPC can outlive the table it points to. `KeFlushQueuedDpcs` waits for every processor, so
//! a table whose timers were all cancelled in time (or never armed) skips it: none of its
//! DPCs was ever queued.
use crate::access::Event;
use crate::ffi;
use crate::irp::{Dispatched, Irp, PendingIrp};
use crate::object::{Counted, ObjectRef};
use crate::pool::{Charge, Pool, PoolBox, PoolSlice};
use crate::slots::{Slot, SlotKey, SlotTable};
use crate::status::{NtError, NtResult};
use crate::sync::SpinLock;
use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

/// What a registration does when due.
pub enum Notification {
    /// Signal the caller's event, then release the reference.
    SignalEvent(ObjectRef<Event>),
    /// Complete the pended IRP with `STATUS_SUCCESS`.
    CompleteIrp(PendingIrp),
    /// Signal the driver's own event (also on request); kept until removed.
    KernelEvent(ObjectRef<Event>),
}

/// Bytes of pool one registration costs: checked against Microsoft's event sample, whose
/// record holds a LIST_ENTRY, the event or IRP pointer, a KDPC, a KTIMER and the file object
/// pointer (16 + 8 + 64 + 64 + 8 = 160 bytes on x64).
pub const RECORD_SIZE: usize = core::mem::size_of::<Record>();
const _: () = assert!(
    RECORD_SIZE <= 160,
    "a registration must not cost more pool than the C sample's"
);

/// Device-wide registration counters, and the cap on active registrations.
pub struct NotifyCounters {
    /// Registrations waiting.
    pub active: AtomicU64,
    /// Registrations whose timer fired (for kernel events: each time it fired).
    pub fired: AtomicU64,
    /// Registrations cancelled.
    pub cancelled: AtomicU64,
    /// The most registrations active at once, over every table.
    limit: u64,
}

impl NotifyCounters {
    /// Counters that allow at most `limit` active registrations.
    #[must_use]
    pub fn new(limit: u64) -> Self {
        Self {
            active: AtomicU64::new(0),
            fired: AtomicU64::new(0),
            cancelled: AtomicU64::new(0),
            limit,
        }
    }

    /// Counts one more active registration, if the cap allows.
    fn reserve(&self) -> Result<Reservation<'_>, InsertError> {
        self.active
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |active| {
                (active < self.limit).then_some(active + 1)
            })
            .map(|_| Reservation {
                counters: Some(self),
            })
            .map_err(|_| InsertError::DeviceLimit)
    }
}

/// One registration counted in `active` before it is inserted; uncounted again on drop
/// unless [`Reservation::keep`] says it was inserted (its end then uncounts it).
struct Reservation<'a> {
    counters: Option<&'a NotifyCounters>,
}

impl Reservation<'_> {
    fn keep(mut self) {
        self.counters = None;
    }
}

impl Drop for Reservation<'_> {
    fn drop(&mut self) {
        if let Some(counters) = self.counters {
            counters.active.fetch_sub(1, Ordering::Relaxed);
        }
    }
}

/// A [`Notification`] as a record keeps it: references without their access.
enum Stored {
    SignalEvent(Counted<Event>),
    CompleteIrp(PendingIrp),
    KernelEvent(Counted<Event>),
}

impl From<Notification> for Stored {
    fn from(what: Notification) -> Self {
        match what {
            Notification::SignalEvent(event) => Self::SignalEvent(event.into_counted()),
            Notification::CompleteIrp(irp) => Self::CompleteIrp(irp),
            Notification::KernelEvent(event) => Self::KernelEvent(event.into_counted()),
        }
    }
}

#[repr(C)]
struct Record {
    timer: UnsafeCell<ffi::KTIMER>,
    dpc: UnsafeCell<ffi::KDPC>,
    key: SlotKey,
    armed: bool,
    cancel_requested: bool,
    what: Option<Stored>,
}

// SAFETY: the KTIMER/KDPC are only touched through kernel calls; the rest is guarded by the
// table's lock.
unsafe impl Send for Record {}

type Records = SlotTable<PoolSlice<Slot<PoolBox<Record>>>>;

struct Slots {
    records: Records,
    /// Set by cleanup: no new registration is accepted.
    closed: bool,
    /// A timer of this table reached its DPC (it ran, or `KeCancelTimer` found it queued):
    /// the table may be freed only after `KeFlushQueuedDpcs`.
    dpc_reached: bool,
}

/// Pool tags of a table and of its records (as `poolmon` shows them).
#[derive(Clone, Copy, Debug)]
pub struct NotifyTags {
    /// The table's slots.
    pub table: u32,
    /// One record per notification.
    pub record: u32,
}

/// The notifications of one open, counted in device-wide counters that live for `'dev`.
///
/// The value may move (into an open's state, out of it at close): what DPCs and cancel
/// routines point at is its pool-allocated `Shared` part, made at the first registration,
/// which stays put until the table is dropped.
///
/// # Invariants
/// `shared` is `NO_TABLE`, `CLOSED_WITHOUT_TABLE`, or the address of a `Shared<'dev>`
/// from `PoolBox::into_raw` with `tags.table`, owned by this table; it changes only from
/// `NO_TABLE` to one of the others.
pub struct NotifyTable<'dev> {
    shared: AtomicUsize,
    pool: Pool,
    tags: NotifyTags,
    capacity: usize,
    counters: &'dev NotifyCounters,
}

/// No registration yet: nothing allocated.
const NO_TABLE: usize = 0;
/// Cleaned up before any registration: none will be accepted.
const CLOSED_WITHOUT_TABLE: usize = 1;

const _: () = {
    const fn shared_is_send_and_sync<T: Send + Sync>() {}
    shared_is_send_and_sync::<Shared<'static>>();
};

/// The part of a table its records' DPCs and IRPs' cancel routines find by address.
struct Shared<'dev> {
    slots: SpinLock<Slots>,
    counters: &'dev NotifyCounters,
    pool: Pool,
    record_tag: u32,
}

/// Why a notification could not be added.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InsertError {
    /// Every slot of the open's quota is in use.
    Quota,
    /// The device has as many active registrations as it allows.
    DeviceLimit,
    /// Not in the requestor's context, where its pool quota can be charged.
    WrongContext,
    /// The open is being cleaned up.
    Closing,
    /// No pool.
    NoMemory,
}

impl InsertError {
    /// The status a request fails with.
    #[must_use]
    pub fn error(self) -> NtError {
        match self {
            InsertError::Quota => NtError::QUOTA_EXCEEDED,
            InsertError::DeviceLimit | InsertError::NoMemory => NtError::INSUFFICIENT_RESOURCES,
            InsertError::WrongContext => NtError::INVALID_DEVICE_REQUEST,
            InsertError::Closing => NtError::DELETE_PENDING,
        }
    }
}

impl<'dev> NotifyTable<'dev> {
    /// A table with room for `capacity` notifications, allocated from `pool` at its first
    /// registration.
    #[must_use]
    pub fn new(
        pool: Pool,
        tags: NotifyTags,
        capacity: usize,
        counters: &'dev NotifyCounters,
    ) -> Self {
        Self {
            shared: AtomicUsize::new(NO_TABLE),
            pool,
            tags,
            capacity,
            counters,
        }
    }

    /// The allocated part, made now (paid by `charge`) if this is the first registration.
    fn shared(&self, charge: Charge<'_>) -> Result<&Shared<'dev>, InsertError> {
        if self.shared.load(Ordering::Acquire) == NO_TABLE {
            let made = self.allocate(charge)?;
            let address = PoolBox::into_raw(made) as usize;
            let published = self.shared.compare_exchange(
                NO_TABLE,
                address,
                Ordering::AcqRel,
                Ordering::Acquire,
            );
            if published.is_err() {
                // Another registration, or cleanup, got there first: ours goes.
                // SAFETY: `address` came from `into_raw` above and was never published.
                drop(unsafe { PoolBox::from_raw(address as *mut Shared<'dev>, self.tags.table) });
            }
        }
        self.published().ok_or(InsertError::Closing)
    }

    /// The allocated part, if there is one.
    fn published(&self) -> Option<&Shared<'dev>> {
        let address = self.shared.load(Ordering::Acquire);
        if address == NO_TABLE || address == CLOSED_WITHOUT_TABLE {
            return None;
        }
        // SAFETY: the invariant: a live Shared owned by this table, freed only by its Drop,
        // which `&self` rules out.
        unsafe { (address as *const Shared<'dev>).as_ref() }
    }

    fn allocate(&self, charge: Charge<'_>) -> Result<PoolBox<Shared<'dev>>, InsertError> {
        let entries = PoolSlice::new(&self.pool, self.tags.table, self.capacity, charge, |_| {
            Slot::vacant()
        })
        .map_err(|_| InsertError::NoMemory)?;
        let shared = Shared {
            slots: SpinLock::new(Slots {
                records: SlotTable::new(entries),
                closed: false,
                dpc_reached: false,
            }),
            counters: self.counters,
            pool: self.pool,
            record_tag: self.tags.record,
        };
        PoolBox::new(&self.pool, self.tags.table, shared, charge).map_err(|_| InsertError::NoMemory)
    }

    /// Adds a notification due in `due_ms` (or never, for a kernel event with `None`), its
    /// pool paid by `charge`. On failure the notification is dropped (an event reference is
    /// released).
    ///
    /// IRQL: PASSIVE_LEVEL, in the requestor's context (`charge`).
    ///
    /// # Errors
    /// [`InsertError`].
    pub fn insert(
        &self,
        what: Notification,
        due_ms: Option<u32>,
        charge: Charge<'_>,
    ) -> Result<SlotKey, InsertError> {
        let reservation = self.counters.reserve()?;
        let key = self.shared(charge)?.insert(what, due_ms, charge)?;
        reservation.keep();
        Ok(key)
    }

    /// Pends `irp` until `due_ms` from now, cancellable; its pool is charged to the IRP's
    /// requestor. On failure the IRP is handed back uncompleted. An IRP already cancelled
    /// when it arrives (`Irp->Cancel` set before the cancel routine was) is completed with
    /// `STATUS_CANCELLED` at once, and takes no slot.
    ///
    /// IRQL: PASSIVE_LEVEL, in the requestor's context (checked).
    ///
    /// # Errors
    /// [`InsertError`] and the IRP.
    pub fn insert_irp(&self, irp: Irp, due_ms: u32) -> Result<Dispatched, (InsertError, Irp)> {
        let Ok(charge) = Charge::requestor(&irp) else {
            return Err((InsertError::WrongContext, irp));
        };
        let reservation = match self.counters.reserve() {
            Ok(reservation) => reservation,
            Err(error) => return Err((error, irp)),
        };
        let shared = match self.shared(charge) {
            Ok(shared) => shared,
            Err(error) => return Err((error, irp)),
        };
        let record = match shared.new_record(None, charge) {
            Ok(record) => record,
            Err(error) => return Err((error, irp)),
        };
        let (dispatched, inserted) = shared.insert_irp(irp, record, due_ms)?;
        if inserted {
            reservation.keep();
        }
        Ok(dispatched)
    }

    /// Cancels `key`: the event reference is released or the IRP completed with
    /// `STATUS_CANCELLED`, now or (if its DPC is already queued) by the DPC.
    ///
    /// IRQL: <= DISPATCH_LEVEL.
    ///
    /// # Errors
    /// `STATUS_NOT_FOUND` if no notification has this key.
    pub fn remove(&self, key: SlotKey) -> NtResult<()> {
        self.published().ok_or(NtError::NOT_FOUND)?.remove(key)
    }

    /// Signals the kernel event registered as `key`.
    ///
    /// IRQL: <= DISPATCH_LEVEL.
    ///
    /// # Errors
    /// `STATUS_NOT_FOUND` if `key` is not a kernel-event notification.
    pub fn signal(&self, key: SlotKey) -> NtResult<()> {
        self.published().ok_or(NtError::NOT_FOUND)?.signal(key)
    }

    /// Cancels every notification and refuses new ones (`IRP_MJ_CLEANUP`).
    ///
    /// IRQL: <= DISPATCH_LEVEL.
    pub fn cancel_all(&self) {
        let no_table_yet = self
            .shared
            .compare_exchange(
                NO_TABLE,
                CLOSED_WITHOUT_TABLE,
                Ordering::AcqRel,
                Ordering::Acquire,
            )
            .is_ok();
        if !no_table_yet && let Some(shared) = self.published() {
            shared.cancel_all();
        }
    }
}

impl Shared<'_> {
    fn new_record(
        &self,
        what: Option<Stored>,
        charge: Charge<'_>,
    ) -> Result<PoolBox<Record>, InsertError> {
        let record = Record {
            // A zeroed KTIMER/KDPC, initialised in place below at its final address.
            // SAFETY: all-zero is a valid bit pattern for these plain C structs.
            timer: UnsafeCell::new(unsafe { core::mem::zeroed() }),
            // SAFETY: as above.
            dpc: UnsafeCell::new(unsafe { core::mem::zeroed() }),
            key: SlotKey::from_wire(0),
            armed: false,
            cancel_requested: false,
            what,
        };
        let record = PoolBox::new(&self.pool, self.record_tag, record, charge)
            .map_err(|_| InsertError::NoMemory)?;
        // SAFETY: pool memory that will not move; the DPC routine finds its record from the
        // KDPC's address.
        unsafe {
            ffi::KeInitializeTimerEx(record.timer.get(), ffi::_TIMER_TYPE::NotificationTimer);
        };
        // SAFETY: as above; the deferred context is this table, which outlives its DPCs.
        unsafe {
            ffi::KeInitializeDpc(
                record.dpc.get(),
                Some(notify_dpc),
                core::ptr::from_ref(self).cast_mut().cast(),
            );
        }
        Ok(record)
    }

    /// [`NotifyTable::insert`], once the registration is counted.
    fn insert(
        &self,
        what: Notification,
        due_ms: Option<u32>,
        charge: Charge<'_>,
    ) -> Result<SlotKey, InsertError> {
        let mut record = self.new_record(Some(what.into()), charge)?;
        let mut slots = self.slots.lock();
        let vacancy = slots.vacancy()?;
        record.key = vacancy.key();
        if let Some(due_ms) = due_ms {
            record.arm(due_ms);
        }
        Ok(vacancy.fill(record))
    }

    /// [`NotifyTable::insert_irp`], once the registration is counted and its record made:
    /// whether it was inserted (not completed as cancelled at once).
    fn insert_irp(
        &self,
        irp: Irp,
        mut record: PoolBox<Record>,
        due_ms: u32,
    ) -> Result<(Dispatched, bool), (InsertError, Irp)> {
        let mut slots = self.slots.lock();
        let vacancy = match slots.vacancy() {
            Ok(vacancy) => vacancy,
            Err(error) => {
                drop(slots);
                drop(record);
                return Err((error, irp));
            }
        };
        let key = vacancy.key();
        record.key = key;
        let (pending, dispatched) = irp.into_pending();
        pending.set_driver_context(
            core::ptr::from_ref(self) as usize,
            usize::try_from(key.to_wire()).unwrap_or(0),
        );
        pending.set_cancel_routine(Some(notify_cancel));
        if pending.cancel_requested() && pending.clear_cancel_routine() {
            // Cancelled before it was queued, and the cancel routine will not run: ours. The
            // vacancy is dropped unfilled, so the slot stays free.
            drop(slots);
            drop(record);
            self.counters.cancelled.fetch_add(1, Ordering::Relaxed);
            pending.complete(Err(NtError::CANCELLED));
            return Ok((dispatched, false));
        }
        record.what = Some(Stored::CompleteIrp(pending));
        record.arm(due_ms);
        vacancy.fill(record);
        Ok((dispatched, true))
    }

    /// [`NotifyTable::remove`].
    fn remove(&self, key: SlotKey) -> NtResult<()> {
        let taken = {
            let mut slots = self.slots.lock();
            if slots.records.get(key).is_none() {
                return Err(NtError::NOT_FOUND);
            }
            slots.cancel(key)
        };
        self.finish_cancelled(taken);
        Ok(())
    }

    /// [`NotifyTable::signal`].
    fn signal(&self, key: SlotKey) -> NtResult<()> {
        let slots = self.slots.lock();
        match slots
            .records
            .get(key)
            .and_then(|record| record.what.as_ref())
        {
            Some(Stored::KernelEvent(event)) => {
                event.set();
                Ok(())
            }
            _ => Err(NtError::NOT_FOUND),
        }
    }

    /// [`NotifyTable::cancel_all`].
    fn cancel_all(&self) {
        let capacity = {
            let mut slots = self.slots.lock();
            slots.closed = true;
            slots.records.capacity()
        };
        for index in 0..capacity {
            // One record per lock hold: an IRP is completed outside the lock.
            let taken = {
                let mut slots = self.slots.lock();
                slots
                    .records
                    .key_at(index)
                    .and_then(|key| slots.cancel(key))
            };
            self.finish_cancelled(taken);
        }
    }

    fn finish_cancelled(&self, taken: Option<PoolBox<Record>>) {
        if let Some(mut record) = taken {
            self.counters.active.fetch_sub(1, Ordering::Relaxed);
            self.counters.cancelled.fetch_add(1, Ordering::Relaxed);
            if let Some(Stored::CompleteIrp(pending)) = record.what.take() {
                pending.complete(Err(NtError::CANCELLED));
            }
        }
    }

    /// The DPC of `key`'s timer ran. IRQL: DISPATCH_LEVEL.
    fn fired(&self, key: SlotKey) {
        let mut slots = self.slots.lock();
        slots.dpc_reached = true;
        let Some(record) = slots.records.get_mut(key) else {
            return;
        };
        record.armed = false;
        if record.cancel_requested {
            let taken = slots.records.remove(key);
            drop(slots);
            self.finish_cancelled(taken);
            return;
        }
        let counters = self.counters;
        match &record.what {
            Some(Stored::KernelEvent(event)) => {
                event.set();
                counters.fired.fetch_add(1, Ordering::Relaxed);
            }
            Some(Stored::SignalEvent(_)) => {
                let taken = slots.records.remove(key);
                drop(slots);
                if let Some(mut record) = taken {
                    if let Some(Stored::SignalEvent(event)) = record.what.take() {
                        event.set();
                    }
                    counters.active.fetch_sub(1, Ordering::Relaxed);
                    counters.fired.fetch_add(1, Ordering::Relaxed);
                }
            }
            Some(Stored::CompleteIrp(pending)) if pending.clear_cancel_routine() => {
                let taken = slots.records.remove(key);
                drop(slots);
                if let Some(mut record) = taken {
                    if let Some(Stored::CompleteIrp(pending)) = record.what.take() {
                        pending.complete(Ok(()));
                    }
                    counters.active.fetch_sub(1, Ordering::Relaxed);
                    counters.fired.fetch_add(1, Ordering::Relaxed);
                }
            }
            // The cancel routine has been called and will find the record disarmed: it
            // completes the IRP. (`None` does not occur: only failed inserts lack a notification.)
            Some(Stored::CompleteIrp(_)) | None => {}
        }
    }

    /// The cancel routine of the IRP registered as `key` ran. IRQL: DISPATCH_LEVEL.
    fn irp_cancelled(&self, key: SlotKey, irp: ffi::PIRP) {
        let taken = {
            let mut slots = self.slots.lock();
            let same_irp = matches!(
                slots.records.get(key).and_then(|record| record.what.as_ref()),
                Some(Stored::CompleteIrp(pending)) if pending.as_ptr() == irp
            );
            if !same_irp {
                return;
            }
            slots.cancel_after_cancel_routine(key)
        };
        self.finish_cancelled(taken);
    }
}

impl Drop for NotifyTable<'_> {
    /// IRQL: PASSIVE_LEVEL (`IRP_MJ_CLOSE`).
    fn drop(&mut self) {
        let address = *self.shared.get_mut();
        if address == NO_TABLE || address == CLOSED_WITHOUT_TABLE {
            return;
        }
        // SAFETY: the invariant: a Shared from `into_raw` with this tag, owned by us; `&mut
        // self` means no other use, and the field is not read again.
        let Some(shared) =
            (unsafe { PoolBox::from_raw(address as *mut Shared<'_>, self.tags.table) })
        else {
            return;
        };
        shared.cancel_all();
        if shared.slots.lock().dpc_reached {
            // SAFETY: PASSIVE_LEVEL; waits until every queued DPC (ours included) has run, so
            // none can reach this table after it is freed.
            unsafe { ffi::KeFlushQueuedDpcs() };
        }
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
    /// The slot a new record would take.
    fn vacancy(
        &mut self,
    ) -> Result<crate::slots::Vacancy<'_, PoolSlice<Slot<PoolBox<Record>>>>, InsertError> {
        if self.closed {
            return Err(InsertError::Closing);
        }
        self.records.vacancy().ok_or(InsertError::Quota)
    }

    /// Cancels the record `key` on behalf of unregister or cleanup; returns it if it is now
    /// ours to finish.
    fn cancel(&mut self, key: SlotKey) -> Option<PoolBox<Record>> {
        let record = self.records.get_mut(key)?;
        if let Some(Stored::CompleteIrp(pending)) = &record.what
            && !pending.clear_cancel_routine()
        {
            // The cancel routine has been called: it finishes this record.
            return None;
        }
        self.cancel_after_cancel_routine(key)
    }

    /// As [`Slots::cancel`], once the cancel routine is out of the way.
    fn cancel_after_cancel_routine(&mut self, key: SlotKey) -> Option<PoolBox<Record>> {
        let record = self.records.get_mut(key)?;
        if record.armed && !record.disarm() {
            // The DPC is queued: it will see the request and finish the record.
            record.cancel_requested = true;
            self.dpc_reached = true;
            return None;
        }
        self.records.remove(key)
    }
}

/// The DPC of every notification timer.
///
/// IRQL: DISPATCH_LEVEL, arbitrary context.
unsafe extern "C" fn notify_dpc(
    dpc: *mut ffi::KDPC,
    table: ffi::PVOID,
    _argument1: ffi::PVOID,
    _argument2: ffi::PVOID,
) {
    let offset = core::mem::offset_of!(Record, dpc);
    #[expect(
        clippy::cast_ptr_alignment,
        reason = "the KDPC sits at a fixed offset in its 8-aligned Record: stepping back gives the Record"
    )]
    let record = dpc.cast::<u8>().wrapping_sub(offset).cast::<Record>();
    // SAFETY: every KDPC initialised with this routine is the `dpc` field of a Record, and a
    // record whose timer is armed is not freed by anyone but this DPC (module protocol), so
    // it is readable here; `key` is not written after insertion.
    let key = unsafe { (*record).key };
    // SAFETY: the deferred context is the Shared part of the table that owns the record, which
    // does not move and outlives its records' DPCs (the table's Drop flushes queued DPCs).
    if let Some(table) = unsafe { table.cast::<Shared<'_>>().as_ref() } {
        table.fired(key);
    }
}

/// The cancel routine of every pended notification IRP.
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
    // SAFETY: set by insert_irp to the Shared part of the table holding the IRP, which does not
    // move; an IRP pending on an open keeps its file object, and so the table, alive.
    if let Some(table) = unsafe { table.cast::<Shared<'_>>().as_ref() } {
        table.irp_cancelled(SlotKey::from_wire(key as u64), irp);
    }
}
