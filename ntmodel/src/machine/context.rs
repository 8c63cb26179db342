//! The thread's current context: which machine, which process and thread are current, the
//! previous mode and the IRQL. The user-side API and the model's own calls into the driver
//! set it for the duration of a call; the exported NT routines read it.
use super::Machine;
use crate::consts::{KERNEL_MODE, PASSIVE_LEVEL};
use crate::origin::Origin;
use std::cell::RefCell;
use std::sync::Arc;

/// The current thread's view of the kernel.
#[derive(Clone)]
pub struct Context {
    /// The machine this thread is running in.
    pub machine: Arc<Machine>,
    /// `PsGetCurrentProcess()`.
    pub process: usize,
    /// `PsGetCurrentThread()`.
    pub thread: usize,
    /// `ExGetPreviousMode()`.
    pub previous_mode: i8,
    /// `KeGetCurrentIrql()`.
    pub irql: u8,
    /// The driver whose code is running (the model set it when it called into the driver),
    /// `None` for test code.
    pub driver: Option<usize>,
}

impl Context {
    /// Whom an exported routine called in this context does things for.
    pub fn origin(&self) -> Origin {
        self.driver.map_or(Origin::Test, Origin::Driver)
    }
}

thread_local! {
    static CURRENT: RefCell<Option<Context>> = const { RefCell::new(None) };
}

/// The current context, if this thread is running in a machine.
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

/// Runs `f` with `mode` as the previous mode (a `Zw` call sets `KernelMode`).
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

/// Runs `f` as the code of `driver` (a dispatch, cancel or DPC routine of that driver).
pub fn with_driver<R>(driver: Option<usize>, f: impl FnOnce() -> R) -> R {
    let old = CURRENT.with(|current| {
        current
            .borrow_mut()
            .as_mut()
            .map(|context| std::mem::replace(&mut context.driver, driver))
    });
    let result = f();
    if let Some(old) = old {
        CURRENT.with(|current| {
            if let Some(context) = current.borrow_mut().as_mut() {
                context.driver = old;
            }
        });
    }
    result
}

/// The `KernelMode` context of the System process at `irql` (DriverEntry, unload, DPCs).
pub fn system_context(machine: &Arc<Machine>, irql: u8) -> Context {
    let (process, thread) = {
        let state = machine.lock();
        (state.ps.system_process, state.ps.system_thread)
    };
    Context {
        machine: Arc::clone(machine),
        process,
        thread,
        previous_mode: KERNEL_MODE,
        irql,
        driver: None,
    }
}
