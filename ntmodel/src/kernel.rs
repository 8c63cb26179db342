//! The kernel instance and the thread's current context.
//!
//! Every piece of state lives in a [`KernelInner`] (one per test), found through a
//! thread-local [`Context`]: which kernel, which process and thread are current, the previous
//! mode, and the IRQL. The user-side API and the model's own callbacks into the driver set the
//! context for the duration of a call; the exported NT routines read it. The state lock is
//! never held while driver code runs.
use crate::block::Block;
use crate::consts::{KERNEL_MODE, PASSIVE_LEVEL};
use crate::files::Files;
use crate::io::Io;
use crate::ke::Ke;
use crate::object::ObjectHeader;
use crate::pool::Pool;
use crate::process::{Process, Thread};
use crate::registry::Registry;
use crate::verifier::Stop;
use std::cell::RefCell;
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// Work the kernel does later, at `PASSIVE_LEVEL`, with no lock held.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deferred {
    /// Send `IRP_MJ_CLOSE` for a device file object whose last reference is gone, then free it.
    Close(usize),
    /// Finish a completed IRP whose dispatch routine already returned (the completion APC).
    FinishIrp(usize),
}

/// Everything one kernel instance knows.
pub struct State {
    /// Object headers, keyed by body address.
    pub objects: HashMap<usize, ObjectHeader>,
    /// Bodies of deleted objects, poisoned and kept so their addresses are not reused.
    pub graveyard: HashMap<usize, Block>,
    /// Processes by `PEPROCESS`.
    pub processes: HashMap<usize, Process>,
    /// Threads by `PETHREAD`.
    pub threads: HashMap<usize, Thread>,
    /// The System process.
    pub system_process: usize,
    /// The System process's worker thread (DPCs, DriverEntry, unload run "on" it).
    pub system_thread: usize,
    /// Next process / thread id.
    pub next_id: u32,
    /// Pool.
    pub pool: Pool,
    /// I/O manager.
    pub io: Io,
    /// Dispatcher: clock, timers, DPCs.
    pub ke: Ke,
    /// Registry.
    pub registry: Registry,
    /// File namespace.
    pub files: Files,
    /// Verifier stops, in order.
    pub stops: Vec<Stop>,
    /// `DbgPrint` output, one entry per call.
    pub debug_log: Vec<String>,
    /// Routines `MmGetSystemRoutineAddress` pretends not to know.
    pub hidden_routines: HashSet<String>,
    /// Work for the next safe point.
    pub deferred: VecDeque<Deferred>,
}

/// One kernel instance.
pub struct KernelInner {
    state: Mutex<State>,
    /// The cancel spin lock (`IoAcquireCancelSpinLock`): 0 free, else the owner's thread id.
    pub cancel_lock: AtomicUsize,
    /// Unique id of this instance (for messages).
    pub id: u64,
}

static NEXT_KERNEL: AtomicU64 = AtomicU64::new(1);

impl KernelInner {
    /// A kernel with the given initial state.
    pub fn new(state: State) -> Self {
        Self {
            state: Mutex::new(state),
            cancel_lock: AtomicUsize::new(0),
            id: NEXT_KERNEL.fetch_add(1, Ordering::Relaxed),
        }
    }

    /// Locks the state. Never call driver code while holding the guard.
    pub fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The current thread's view of the kernel.
#[derive(Clone)]
pub struct Context {
    /// The kernel this thread is running in.
    pub kernel: Arc<KernelInner>,
    /// `PsGetCurrentProcess()`.
    pub process: usize,
    /// `PsGetCurrentThread()`.
    pub thread: usize,
    /// `ExGetPreviousMode()`.
    pub previous_mode: i8,
    /// `KeGetCurrentIrql()`.
    pub irql: u8,
}

thread_local! {
    static CURRENT: RefCell<Option<Context>> = const { RefCell::new(None) };
}

/// The current context, if this thread is running in a kernel.
pub fn current() -> Option<Context> {
    CURRENT.with(|current| current.borrow().clone())
}

/// Makes `context` current until the guard drops (then the previous one is restored).
pub fn enter(context: Context) -> ContextGuard {
    let saved = CURRENT.with(|current| current.replace(Some(context)));
    ContextGuard { saved }
}

/// Makes `context` the thread's context with no restore (what `Kernel::new` does).
pub fn set_base(context: Context) {
    CURRENT.with(|current| *current.borrow_mut() = Some(context));
}

/// Restores the previous context on drop.
pub struct ContextGuard {
    saved: Option<Context>,
}

impl Drop for ContextGuard {
    fn drop(&mut self) {
        let saved = self.saved.take();
        CURRENT.with(|current| *current.borrow_mut() = saved);
    }
}

/// Changes the current IRQL; returns the old one. No-op without a context.
pub fn set_irql(irql: u8) -> u8 {
    CURRENT.with(|current| {
        let mut current = current.borrow_mut();
        match current.as_mut() {
            Some(context) => std::mem::replace(&mut context.irql, irql),
            None => PASSIVE_LEVEL,
        }
    })
}

/// The current IRQL (`PASSIVE_LEVEL` without a context).
pub fn irql() -> u8 {
    CURRENT.with(|current| {
        current
            .borrow()
            .as_ref()
            .map_or(PASSIVE_LEVEL, |context| context.irql)
    })
}

/// Changes the previous mode until the guard drops (a `Zw` call sets `KernelMode`).
pub fn with_previous_mode<R>(mode: i8, f: impl FnOnce() -> R) -> R {
    let old = CURRENT.with(|current| {
        current
            .borrow_mut()
            .as_mut()
            .map(|context| std::mem::replace(&mut context.previous_mode, mode))
    });
    let result = f();
    if let Some(old) = old {
        CURRENT.with(|current| {
            if let Some(context) = current.borrow_mut().as_mut() {
                context.previous_mode = old;
            }
        });
    }
    result
}

/// The `KernelMode` context of the System process at `irql` (DriverEntry, unload, DPCs).
pub fn system_context(kernel: &Arc<KernelInner>, irql: u8) -> Context {
    let (process, thread) = {
        let state = kernel.lock();
        (state.system_process, state.system_thread)
    };
    Context {
        kernel: Arc::clone(kernel),
        process,
        thread,
        previous_mode: KERNEL_MODE,
        irql,
    }
}
