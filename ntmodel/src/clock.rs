//! Running the dispatcher: DPC routines run on the calling thread at `DISPATCH_LEVEL` in the
//! System process's context (as the code of the driver that queued them), and moving the
//! virtual clock fires due timers in order.
use crate::consts::DISPATCH_LEVEL;
use crate::dispatcher::objects::{read_at, write_at};
use crate::machine::Machine;
use crate::machine::context::{self, Context, system_context};
use crate::origin::Origin;
use crate::verifier::codes;
use nt_bindings as nt;
use std::mem::offset_of;
use std::sync::Arc;

/// Runs queued DPCs on this thread (System context, `DISPATCH_LEVEL`) until the queue is empty.
pub fn run_dpcs(machine: &Arc<Machine>) {
    loop {
        let next = {
            let mut state = machine.lock();
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
        let deferred_context = read_at::<usize>(queued.dpc, offset_of!(nt::KDPC, DeferredContext));
        if let Some(routine) = routine {
            let driver = match queued.origin {
                Origin::Driver(driver) => Some(driver),
                Origin::Test | Origin::Model => None,
            };
            let guard = context::enter(Context {
                driver,
                ..system_context(machine, DISPATCH_LEVEL)
            });
            // SAFETY: the driver initialised this KDPC with KeInitializeDpc and queued it (through
            // a timer); NT calls the routine with exactly these arguments at DISPATCH_LEVEL.
            unsafe {
                routine(
                    queued.dpc as *mut nt::KDPC,
                    deferred_context as nt::PVOID,
                    queued.argument1 as nt::PVOID,
                    queued.argument2 as nt::PVOID,
                );
            }
            let after = context::irql();
            drop(guard);
            if after != DISPATCH_LEVEL {
                machine.lock().verifier.stop(
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
        machine.lock().ke.running_dpcs -= 1;
    }
}

/// Moves the clock forward by `ticks` (100 ns), firing due timers in order and running their
/// DPCs on this thread.
pub fn advance(machine: &Arc<Machine>, ticks: u64) {
    let target = machine.lock().ke.now.saturating_add(ticks);
    loop {
        {
            let mut state = machine.lock();
            if let Some((timer, armed)) = state.ke.next_due(target) {
                state.ke.timers.remove(&timer);
                state.ke.now = state.ke.now.max(armed.due);
                state.ke.expire_timer(timer, armed);
            } else {
                state.ke.now = target;
                drop(state);
                run_dpcs(machine);
                return;
            }
        }
        run_dpcs(machine);
    }
}

/// Waits until no DPC is queued or running (`KeFlushQueuedDpcs`), running queued ones here.
pub fn flush_dpcs(machine: &Arc<Machine>) {
    loop {
        run_dpcs(machine);
        let busy = {
            let state = machine.lock();
            state.ke.running_dpcs > 0 || !state.ke.dpc_queue.is_empty()
        };
        if !busy {
            return;
        }
        std::thread::yield_now();
    }
}
