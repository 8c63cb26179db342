//! The exported ntoskrnl routines the driver imports: `#[no_mangle] extern "C"` functions with
//! exactly the signatures of `nt-bindings`. Each finds its kernel through the calling thread's
//! context; a call from a thread that is not running in a model kernel is a harness bug and
//! aborts with a message.
#![allow(non_snake_case)]

pub mod ex;
pub mod io;
pub mod ke;
pub mod ob;
pub mod zw;

use crate::consts::{DISPATCH_LEVEL, PASSIVE_LEVEL};
use crate::machine::context::{self, Context};
use crate::verifier::codes;

/// Runs `f` with the current context, or aborts (no kernel on this thread).
pub(crate) fn with_context<R>(routine: &str, f: impl FnOnce(&Context) -> R) -> R {
    if let Some(context) = context::current() {
        f(&context)
    } else {
        eprintln!(
            "ntmodel: {routine} was called on a thread that is not running in a model kernel \
             (create a Kernel on this thread, or call through Kernel::run_in / the user-side API)"
        );
        std::process::abort()
    }
}

/// Records a DDI-compliance stop if the IRQL is above `PASSIVE_LEVEL`; `false` then.
pub(crate) fn require_passive(context: &Context, routine: &str, subcode: u64) -> bool {
    let irql = context::irql();
    if irql == PASSIVE_LEVEL {
        return true;
    }
    context.machine.lock().verifier.stop(
        codes::DRIVER_VERIFIER_DETECTED_VIOLATION,
        [subcode, u64::from(irql), 0, 0],
        format!("{routine} called at IRQL {irql}; it must be called at PASSIVE_LEVEL"),
    );
    false
}

/// Records a model stop if the IRQL is above `DISPATCH_LEVEL`; `false` then.
pub(crate) fn require_dispatch_or_below(context: &Context, routine: &str) -> bool {
    let irql = context::irql();
    if irql <= DISPATCH_LEVEL {
        return true;
    }
    context.machine.lock().verifier.stop(
        codes::NTMODEL_CHECK,
        [
            codes::MODEL_WRONG_IRQL,
            u64::from(irql),
            u64::from(DISPATCH_LEVEL),
            0,
        ],
        format!("{routine} called at IRQL {irql}; it allows at most DISPATCH_LEVEL"),
    );
    false
}

/// Records a stop for a parameter Windows would fault on.
pub(crate) fn bad_parameter(context: &Context, routine: &str, what: &str) {
    context.machine.lock().verifier.stop(
        codes::NTMODEL_CHECK,
        [codes::MODEL_BAD_PARAMETER, 0, 0, 0],
        format!("{routine}: {what}"),
    );
}

/// The address of an exported routine, by name (`MmGetSystemRoutineAddress`).
pub(crate) fn routine_address(name: &str) -> Option<usize> {
    routine_table()
        .into_iter()
        .find(|(routine, _)| *routine == name)
        .map(|(_, address)| address)
}

/// Every exported routine with its address. Referencing them all here also makes sure every
/// export is linked into any binary that creates a kernel.
#[allow(clippy::too_many_lines, reason = "a table")]
pub(crate) fn routine_table() -> Vec<(&'static str, usize)> {
    vec![
        ("DbgPrint", ex::DbgPrint as *const () as usize),
        ("KeBugCheckEx", ex::KeBugCheckEx as *const () as usize),
        ("ExAllocatePool2", ex::ExAllocatePool2 as *const () as usize),
        (
            "ExAllocatePoolWithTag",
            ex::ExAllocatePoolWithTag as *const () as usize,
        ),
        (
            "ExFreePoolWithTag",
            ex::ExFreePoolWithTag as *const () as usize,
        ),
        (
            "MmGetSystemRoutineAddress",
            ex::MmGetSystemRoutineAddress as *const () as usize,
        ),
        ("IoCreateDevice", io::IoCreateDevice as *const () as usize),
        ("IoDeleteDevice", io::IoDeleteDevice as *const () as usize),
        (
            "IoCreateSymbolicLink",
            io::IoCreateSymbolicLink as *const () as usize,
        ),
        (
            "IoDeleteSymbolicLink",
            io::IoDeleteSymbolicLink as *const () as usize,
        ),
        (
            "IofCompleteRequest",
            io::IofCompleteRequest as *const () as usize,
        ),
        (
            "IoGetCurrentProcess",
            io::IoGetCurrentProcess as *const () as usize,
        ),
        (
            "IoGetRequestorProcess",
            io::IoGetRequestorProcess as *const () as usize,
        ),
        (
            "IoIs32bitProcess",
            io::IoIs32bitProcess as *const () as usize,
        ),
        (
            "IoAcquireCancelSpinLock",
            io::IoAcquireCancelSpinLock as *const () as usize,
        ),
        (
            "IoReleaseCancelSpinLock",
            io::IoReleaseCancelSpinLock as *const () as usize,
        ),
        (
            "ObReferenceObjectByHandle",
            ob::ObReferenceObjectByHandle as *const () as usize,
        ),
        (
            "ObReferenceObjectByPointer",
            ob::ObReferenceObjectByPointer as *const () as usize,
        ),
        (
            "ObfReferenceObject",
            ob::ObfReferenceObject as *const () as usize,
        ),
        (
            "ObfDereferenceObject",
            ob::ObfDereferenceObject as *const () as usize,
        ),
        (
            "ObOpenObjectByPointer",
            ob::ObOpenObjectByPointer as *const () as usize,
        ),
        ("ObCloseHandle", ob::ObCloseHandle as *const () as usize),
        ("NtClose", ob::NtClose as *const () as usize),
        ("ZwClose", ob::ZwClose as *const () as usize),
        ("ZwCreateEvent", zw::ZwCreateEvent as *const () as usize),
        ("ZwCreateFile", zw::ZwCreateFile as *const () as usize),
        ("ZwReadFile", zw::ZwReadFile as *const () as usize),
        (
            "ZwQueryInformationFile",
            zw::ZwQueryInformationFile as *const () as usize,
        ),
        ("ZwOpenKey", zw::ZwOpenKey as *const () as usize),
        ("ZwQueryValueKey", zw::ZwQueryValueKey as *const () as usize),
        (
            "KeInitializeEvent",
            ke::KeInitializeEvent as *const () as usize,
        ),
        ("KeSetEvent", ke::KeSetEvent as *const () as usize),
        ("KeClearEvent", ke::KeClearEvent as *const () as usize),
        (
            "KeReadStateEvent",
            ke::KeReadStateEvent as *const () as usize,
        ),
        (
            "KeInitializeTimerEx",
            ke::KeInitializeTimerEx as *const () as usize,
        ),
        ("KeSetTimer", ke::KeSetTimer as *const () as usize),
        ("KeCancelTimer", ke::KeCancelTimer as *const () as usize),
        ("KeInitializeDpc", ke::KeInitializeDpc as *const () as usize),
        (
            "KeFlushQueuedDpcs",
            ke::KeFlushQueuedDpcs as *const () as usize,
        ),
        (
            "KeAcquireSpinLockRaiseToDpc",
            ke::KeAcquireSpinLockRaiseToDpc as *const () as usize,
        ),
        (
            "KeReleaseSpinLock",
            ke::KeReleaseSpinLock as *const () as usize,
        ),
        (
            "ExEventObjectType",
            std::ptr::from_ref(&crate::object_types::ExEventObjectType) as usize,
        ),
        (
            "IoFileObjectType",
            std::ptr::from_ref(&crate::object_types::IoFileObjectType) as usize,
        ),
        (
            "PsProcessType",
            std::ptr::from_ref(&crate::object_types::PsProcessType) as usize,
        ),
        (
            "PsThreadType",
            std::ptr::from_ref(&crate::object_types::PsThreadType) as usize,
        ),
    ]
}
