//! The dispatcher: events (on the `KEVENT` the driver owns), spin locks (a real spinning lock
//! on the `KSPIN_LOCK` word plus the thread's IRQL), timers and DPCs on a virtual clock that
//! only the test moves.
//!
//! When the test advances the clock past a timer's due time, the timer is signalled and its DPC
//! runs on the advancing thread at `DISPATCH_LEVEL`, in the System process's context.
use crate::consts::{BOOT_TIME, DISPATCH_LEVEL, DPC_OBJECT};
use crate::kernel::{self, KernelInner, State};
use crate::verifier::codes;
use nt_bindings as nt;
use std::collections::{HashMap, VecDeque};
use std::mem::offset_of;
use std::sync::Arc;

/// An armed timer.
#[derive(Debug, Clone, Copy)]
pub struct ArmedTimer {
    /// Absolute due time (100 ns units of system time).
    pub due: u64,
    /// Its DPC (`KDPC` address), 0 for none.
    pub dpc: usize,
    /// Arming order, to fire equal due times in order.
    pub order: u64,
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
}

/// Dispatcher state.
#[derive(Debug)]
pub struct Ke {
    /// System time now.
    pub now: u64,
    /// Armed timers by `KTIMER` address.
    pub timers: HashMap<usize, ArmedTimer>,
    /// DPCs queued and not yet running.
    pub dpc_queue: VecDeque<QueuedDpc>,
    /// DPC routines running right now (on any thread).
    pub running_dpcs: usize,
    /// Next arming order.
    pub order: u64,
}

impl Default for Ke {
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

fn write_at<T>(base: usize, offset: usize, value: T) {
    let pointer = (base + offset) as *mut T;
    // SAFETY: callers pass the address of a live, writable structure and a field offset in it.
    unsafe { pointer.write(value) };
}

/// Initialises the `DISPATCHER_HEADER` at `object` (type, size in LONGs, signal state, empty
/// wait list).
pub fn init_dispatcher_header(object: usize, kind: u8, size_in_longs: u8, signal_state: i32) {
    write_at::<u8>(object, 0, kind);
    write_at::<u8>(object, 1, 0);
    write_at::<u8>(object, 2, size_in_longs);
    write_at::<u8>(object, 3, 0);
    write_at::<i32>(
        object,
        offset_of!(nt::DISPATCHER_HEADER, SignalState),
        signal_state,
    );
    let list = object + offset_of!(nt::DISPATCHER_HEADER, WaitListHead);
    write_at::<usize>(list, offset_of!(nt::LIST_ENTRY, Flink), list);
    write_at::<usize>(list, offset_of!(nt::LIST_ENTRY, Blink), list);
}

/// `KeInitializeEvent` on a `KEVENT` at `event`.
pub fn init_event_at(event: usize, kind: u8, signaled: bool) {
    init_dispatcher_header(
        event,
        kind,
        u8::try_from(size_of::<nt::KEVENT>() / 4).unwrap_or(0),
        i32::from(signaled),
    );
}

/// `KeInitializeTimerEx` on the `KTIMER` at `timer`.
pub fn init_timer_at(timer: usize, kind: u8) {
    init_dispatcher_header(
        timer,
        kind,
        u8::try_from(size_of::<nt::KTIMER>() / 4).unwrap_or(0),
        0,
    );
    write_at::<u64>(timer, offset_of!(nt::KTIMER, DueTime), 0);
    write_at::<usize>(timer, offset_of!(nt::KTIMER, Dpc), 0);
    write_at::<u32>(timer, offset_of!(nt::KTIMER, Period), 0);
}

/// `KeInitializeDpc` on the `KDPC` at `dpc`.
pub fn init_dpc_at(dpc: usize, routine: nt::PKDEFERRED_ROUTINE, context: usize) {
    write_at::<u8>(dpc, offset_of!(nt::KDPC, Type), DPC_OBJECT);
    write_at::<u8>(dpc, offset_of!(nt::KDPC, Importance), 1);
    write_at::<u16>(dpc, offset_of!(nt::KDPC, Number), 0);
    write_at::<nt::PKDEFERRED_ROUTINE>(dpc, offset_of!(nt::KDPC, DeferredRoutine), routine);
    write_at::<usize>(dpc, offset_of!(nt::KDPC, DeferredContext), context);
    write_at::<usize>(dpc, offset_of!(nt::KDPC, SystemArgument1), 0);
    write_at::<usize>(dpc, offset_of!(nt::KDPC, SystemArgument2), 0);
    write_at::<usize>(dpc, offset_of!(nt::KDPC, DpcData), 0);
}

fn read_at<T>(base: usize, offset: usize) -> T {
    let pointer = (base + offset) as *const T;
    // SAFETY: callers pass the address of a live, readable structure and a field offset in it.
    unsafe { pointer.read() }
}

impl State {
    /// Queues a DPC unless it is already queued (`KeInsertQueueDpc`); `DpcData` marks it.
    pub fn queue_dpc(&mut self, dpc: usize, argument1: usize, argument2: usize) -> bool {
        if read_at::<usize>(dpc, offset_of!(nt::KDPC, DpcData)) != 0 {
            return false;
        }
        write_at::<usize>(dpc, offset_of!(nt::KDPC, DpcData), dpc);
        self.ke.dpc_queue.push_back(QueuedDpc {
            dpc,
            argument1,
            argument2,
        });
        true
    }

    /// Signals an expired timer and queues its DPC.
    fn expire_timer(&mut self, timer: usize, armed: ArmedTimer) {
        // SAFETY: an armed timer is a live KTIMER the driver keeps until it is cancelled or fires.
        unsafe { crate::fields::signal_state(timer) }
            .store(1, std::sync::atomic::Ordering::Release);
        if armed.dpc != 0 {
            let now = self.ke.now;
            self.queue_dpc(
                armed.dpc,
                (now & 0xFFFF_FFFF) as usize,
                (now >> 32) as usize,
            );
        }
    }

    /// `KeSetTimer`: arms (or re-arms) `timer`; returns whether it was already armed.
    pub fn set_timer(&mut self, timer: usize, due_time: i64, dpc: usize) -> bool {
        let was_armed = self.ke.timers.remove(&timer).is_some();
        let due = if due_time < 0 {
            self.ke.now.saturating_add(due_time.unsigned_abs())
        } else {
            due_time.unsigned_abs()
        };
        // SAFETY: the driver passes a live, initialised KTIMER.
        unsafe { crate::fields::signal_state(timer) }
            .store(0, std::sync::atomic::Ordering::Release);
        write_at::<u64>(timer, offset_of!(nt::KTIMER, DueTime), due);
        write_at::<usize>(timer, offset_of!(nt::KTIMER, Dpc), dpc);
        self.ke.order += 1;
        let armed = ArmedTimer {
            due,
            dpc,
            order: self.ke.order,
        };
        if due <= self.ke.now {
            self.expire_timer(timer, armed);
        } else {
            self.ke.timers.insert(timer, armed);
        }
        was_armed
    }

    /// The earliest armed timer due at or before `limit`.
    fn next_due(&self, limit: u64) -> Option<(usize, ArmedTimer)> {
        self.ke
            .timers
            .iter()
            .filter(|(_, armed)| armed.due <= limit)
            .min_by_key(|(_, armed)| (armed.due, armed.order))
            .map(|(timer, armed)| (*timer, *armed))
    }
}

/// A per-OS-thread token for spin lock ownership (the address of a thread-local).
pub fn thread_token() -> usize {
    thread_local! {
        static TOKEN: u8 = const { 0 };
    }
    TOKEN.with(|token| std::ptr::from_ref(token) as usize)
}

/// Runs queued DPCs on this thread (System context, `DISPATCH_LEVEL`) until the queue is empty.
pub fn run_dpcs(kernel: &Arc<KernelInner>) {
    loop {
        let next = {
            let mut state = kernel.lock();
            let next = state.ke.dpc_queue.pop_front();
            if next.is_some() {
                state.ke.running_dpcs += 1;
            }
            next
        };
        let Some(queued) = next else {
            return;
        };
        write_at::<usize>(queued.dpc, offset_of!(nt::KDPC, DpcData), 0);
        let routine =
            read_at::<nt::PKDEFERRED_ROUTINE>(queued.dpc, offset_of!(nt::KDPC, DeferredRoutine));
        let context = read_at::<usize>(queued.dpc, offset_of!(nt::KDPC, DeferredContext));
        if let Some(routine) = routine {
            let guard = kernel::enter(kernel::system_context(kernel, DISPATCH_LEVEL));
            // SAFETY: the driver initialised this KDPC with KeInitializeDpc and queued it (through
            // a timer); NT calls the routine with exactly these arguments at DISPATCH_LEVEL.
            unsafe {
                routine(
                    queued.dpc as *mut nt::KDPC,
                    context as nt::PVOID,
                    queued.argument1 as nt::PVOID,
                    queued.argument2 as nt::PVOID,
                );
            }
            let after = kernel::irql();
            drop(guard);
            if after != DISPATCH_LEVEL {
                kernel.lock().stop(
                    codes::IRQL_UNEXPECTED_VALUE,
                    [
                        u64::from(after),
                        u64::from(DISPATCH_LEVEL),
                        routine as usize as u64,
                        0,
                    ],
                    format!(
                        "DPC routine {:#x} returned at IRQL {after}, not DISPATCH_LEVEL",
                        routine as usize
                    ),
                );
            }
        }
        kernel.lock().ke.running_dpcs -= 1;
    }
}

/// Moves the clock forward by `ticks` (100 ns), firing due timers in order and running their
/// DPCs on this thread.
pub fn advance(kernel: &Arc<KernelInner>, ticks: u64) {
    let target = kernel.lock().ke.now.saturating_add(ticks);
    loop {
        {
            let mut state = kernel.lock();
            if let Some((timer, armed)) = state.next_due(target) {
                state.ke.timers.remove(&timer);
                state.ke.now = state.ke.now.max(armed.due);
                state.expire_timer(timer, armed);
            } else {
                state.ke.now = target;
                drop(state);
                run_dpcs(kernel);
                return;
            }
        }
        run_dpcs(kernel);
    }
}

/// Waits until no DPC is queued or running (`KeFlushQueuedDpcs`), running queued ones here.
pub fn flush_dpcs(kernel: &Arc<KernelInner>) {
    loop {
        run_dpcs(kernel);
        let busy = {
            let state = kernel.lock();
            state.ke.running_dpcs > 0 || !state.ke.dpc_queue.is_empty()
        };
        if !busy {
            return;
        }
        std::thread::yield_now();
    }
}
