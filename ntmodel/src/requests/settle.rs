//! The safe point: when control returns to the test, deferred work runs at `PASSIVE_LEVEL`
//! with no lock held (closes that became due, completion of IRPs pended earlier) together with
//! queued DPCs, until none is left.
use super::cleanup_close::close;
use super::completion::finish;
use crate::clock;
use crate::machine::{Deferred, Machine};
use std::sync::Arc;

/// Runs deferred work (closes, completion of pending IRPs) and queued DPCs until none is
/// left. Called at `PASSIVE_LEVEL` when control returns to the test.
pub fn settle(machine: &Arc<Machine>) {
    loop {
        clock::run_dpcs(machine);
        let next = machine.lock().deferred.pop_front();
        match next {
            None => return,
            Some(Deferred::Close(file)) => close(machine, file),
            Some(Deferred::FinishIrp(irp)) => {
                let mut state = machine.lock();
                let (_, deferred) = finish(&mut state, irp);
                if let Some(deferred) = deferred {
                    state.deferred.push_back(deferred);
                }
            }
        }
    }
}
