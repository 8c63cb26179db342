//! Dispatcher objects in memory the driver or the model owns: initialising the
//! `DISPATCHER_HEADER` of an event, timer, semaphore, mutant, process or thread and a `KDPC`,
//! and reading and writing their fields by offset.
use crate::consts::{DPC_OBJECT, MUTANT_OBJECT, SEMAPHORE_OBJECT};
use nt_bindings as nt;
use std::mem::offset_of;

/// Writes `value` at `base + offset`.
pub fn write_at<T>(base: usize, offset: usize, value: T) {
    let pointer = (base + offset) as *mut T;
    // SAFETY: callers pass the address of a live, writable structure and a field offset in it.
    unsafe { pointer.write(value) };
}

/// Reads the `T` at `base + offset`.
pub fn read_at<T>(base: usize, offset: usize) -> T {
    let pointer = (base + offset) as *const T;
    // SAFETY: callers pass the address of a live, readable structure and a field offset in it.
    unsafe { pointer.read() }
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

/// Size of a `KMUTANT` on x64: header, `MutantListEntry`, `OwnerThread`, `Abandoned`,
/// `ApcDisable`.
pub const KMUTANT_SIZE: usize = 56;
/// Offset of `KMUTANT::OwnerThread`.
pub const KMUTANT_OWNER: usize = size_of::<nt::DISPATCHER_HEADER>() + size_of::<nt::LIST_ENTRY>();
/// Offset of `KSEMAPHORE::Limit`.
pub const KSEMAPHORE_LIMIT: usize = offset_of!(nt::_KSEMAPHORE, Limit);

/// `KeInitializeSemaphore` on the `KSEMAPHORE` at `semaphore`.
pub fn init_semaphore_at(semaphore: usize, count: i32, limit: i32) {
    init_dispatcher_header(
        semaphore,
        SEMAPHORE_OBJECT,
        u8::try_from(size_of::<nt::_KSEMAPHORE>() / 4).unwrap_or(0),
        count,
    );
    write_at::<i32>(semaphore, KSEMAPHORE_LIMIT, limit);
}

/// `KeInitializeMutant` on the `KMUTANT` at `mutant`, owned by `owner` (a `PETHREAD`) or free.
pub fn init_mutant_at(mutant: usize, owner: Option<usize>) {
    init_dispatcher_header(
        mutant,
        MUTANT_OBJECT,
        u8::try_from(KMUTANT_SIZE / 4).unwrap_or(0),
        i32::from(owner.is_none()),
    );
    write_at::<usize>(mutant, KMUTANT_OWNER, owner.unwrap_or(0));
}

/// The dispatcher header at the start of a `KPROCESS` / `KTHREAD` (not signaled until it
/// ends).
pub fn init_process_or_thread_at(object: usize, kind: u8) {
    init_dispatcher_header(object, kind, 0, 0);
}
