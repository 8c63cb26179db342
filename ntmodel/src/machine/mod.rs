//! One model machine: every subsystem's state behind one lock ([`Subsystems`]), the cancel
//! spin lock, and the work deferred to the next safe point. The thread's view of the machine
//! (current process, thread, previous mode, IRQL) is [`context`].
//!
//! Each subsystem owns its state and its methods; the few operations that truly cross
//! subsystems (an object's lifetime ending in a close IRP, creating a process, resolving a
//! path through links to a device or a file) are in this module's children. The state lock is
//! never held while driver code runs.
pub mod context;
mod lifetime;
mod namespace;

pub use lifetime::Closed;
pub use namespace::Resolved;

use crate::dispatcher::Dispatcher;
use crate::file_system::Files;
use crate::io_manager::IoManager;
use crate::object_manager::ObjectManager;
use crate::pool::Pool;
use crate::processes::Processes;
use crate::registry::Registry;
use crate::verifier::Verifier;
use std::collections::{HashSet, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

/// Work the kernel does later, at `PASSIVE_LEVEL`, with no lock held.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deferred {
    /// Send `IRP_MJ_CLOSE` for a device file object whose last reference is gone, then free it.
    Close(usize),
    /// Finish a completed IRP whose dispatch routine already returned (the completion APC).
    FinishIrp(usize),
}

/// Every subsystem's state.
#[derive(Debug, Default)]
pub struct Subsystems {
    /// Object manager: headers, handle tables, references.
    pub ob: ObjectManager,
    /// Processes and threads.
    pub ps: Processes,
    /// I/O manager: drivers, devices, links, IRPs.
    pub io: IoManager,
    /// Dispatcher: clock, timers, DPC queue.
    pub ke: Dispatcher,
    /// Executive pool.
    pub pool: Pool,
    /// Configuration manager (the registry).
    pub registry: Registry,
    /// The file namespace.
    pub files: Files,
    /// Verifier stops and debugger output.
    pub verifier: Verifier,
    /// Routines `MmGetSystemRoutineAddress` pretends not to know.
    pub hidden_routines: HashSet<String>,
    /// Work for the next safe point.
    pub deferred: VecDeque<Deferred>,
}

impl Subsystems {
    /// A machine's state at boot: the System process and its worker thread exist.
    pub fn boot() -> Self {
        let mut state = Self::default();
        let (process, thread) = state.create_process("System", "SYSTEM", false);
        state.ps.system_process = process;
        state.ps.system_thread = thread;
        state.ob.set_system_process(process);
        state.create_directories();
        state
    }
}

/// One model machine, shared by every thread running in it.
#[derive(Debug)]
pub struct Machine {
    state: Mutex<Subsystems>,
    /// The cancel spin lock (`IoAcquireCancelSpinLock`): 0 free, else the owner's thread id.
    pub cancel_lock: AtomicUsize,
    /// Unique id of this instance (for messages).
    pub id: u64,
    /// Whether exports record themselves in the call trace (read without the lock).
    pub tracing: AtomicBool,
}

static NEXT_MACHINE: AtomicU64 = AtomicU64::new(1);

impl Machine {
    /// A machine with the given initial state.
    pub fn new(state: Subsystems) -> Self {
        Self {
            state: Mutex::new(state),
            cancel_lock: AtomicUsize::new(0),
            id: NEXT_MACHINE.fetch_add(1, Ordering::Relaxed),
            tracing: AtomicBool::new(false),
        }
    }

    /// Locks the state. Never call driver code while holding the guard.
    pub fn lock(&self) -> MutexGuard<'_, Subsystems> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
