//! `ntmodel`: a model kernel for host tests of WDM drivers. It *is* the slice of ntoskrnl a
//! driver imports, compiled for the host: every import is a `#[no_mangle] extern "C"`
//! definition here (one list, `exports`), with NT's handle semantics (per-process handle
//! tables, the kernel handle table, granted access, previous mode, object types and their
//! generic mappings, references and handle counts), an I/O manager that builds real IRPs,
//! pool, dispatcher objects, timers and DPCs on a virtual clock, a registry, a small file
//! namespace with per-file security, and a verifier that records where Driver Verifier would
//! bug check.
//!
//! Tests drive it like a program would: [`Kernel::new`], [`Kernel::load_driver_as`] (several
//! drivers side by side), [`Kernel::create_process`], then [`Process::open`],
//! [`Process::ioctl`], [`Process::close`], [`Kernel::advance_ms`],
//! [`Kernel::unload_driver_as`]. Conformance tests call the exports directly inside
//! [`Kernel::run_in`]. [`Process::ioctl_dispatched_in`] sends a request whose dispatch routine
//! runs in another process's context (a request forwarded by a worker thread or an
//! intermediate driver).
//!
//! State lives in a kernel instance found through the calling thread's context, so tests in
//! parallel threads never see each other's objects.
//!
//! The crate's README lists every export with the source of its semantics, the object kinds,
//! the verifier's checks and what is not modelled. In short, what is simplified cannot hide a
//! driver bug: references are logical (every imbalance still shows), security is a reduced
//! descriptor, create / cleanup / close must complete synchronously (pending one is a stop),
//! there are no MDLs and no APCs, waits poll (or jump the virtual clock from timer to timer),
//! unsupported information classes fail with an error status, and checks Windows makes by
//! other means are stops with code [`codes::NTMODEL_CHECK`]: they only ever add failures.

mod api;
mod block;
mod clock;
mod consts;
mod descriptor;
mod dispatcher;
mod fields;
mod file_system;
mod io_manager;
mod loader;
mod machine;
mod names;
mod object_manager;
mod object_types;
mod origin;
mod pool;
mod processes;
mod quarantine;
mod registry;
mod report;
mod requests;
mod rights;
mod routines;
mod security;
mod unicode;
mod verifier;

pub mod exports;

pub use api::{
    EventKind, FileOpen, FileSecurity, HandleInfo, IoOutcome, IrpBookkeeping, Kernel, NameEntry,
    PendingIrp, PreviousMode, Process, ProcessInfo, TimerKind, User,
};
pub use exports::ex::{
    DbgPrint, ExAllocatePool2, ExAllocatePoolWithQuotaTag, ExAllocatePoolWithTag,
    ExFreePoolWithTag, KeBugCheckEx, MmGetSystemRoutineAddress,
};
pub use exports::io::{
    IoAcquireCancelSpinLock, IoCreateDevice, IoCreateFile, IoCreateSymbolicLink, IoDeleteDevice,
    IoDeleteSymbolicLink, IoGetCurrentProcess, IoGetRequestorProcess, IoIs32bitProcess,
    IoReleaseCancelSpinLock, IofCompleteRequest,
};
pub use exports::ke::{
    KeAcquireSpinLockRaiseToDpc, KeCancelTimer, KeClearEvent, KeFlushQueuedDpcs, KeInitializeDpc,
    KeInitializeEvent, KeInitializeTimerEx, KeReadStateEvent, KeReleaseSpinLock, KeSetEvent,
    KeSetTimer,
};
pub use exports::ob::{
    NtClose, ObCloseHandle, ObOpenObjectByPointer, ObReferenceObjectByHandle,
    ObReferenceObjectByPointer, ObSetSecurityObjectByPointer, ObfDereferenceObject,
    ObfReferenceObject, ZwClose,
};
pub use exports::types::{
    CmKeyObjectType, ExEventObjectType, ExSemaphoreObjectType, IoFileObjectType,
    MmSectionObjectType, PsProcessType, PsThreadType,
};
pub use exports::zw::{
    ZwCreateEvent, ZwCreateFile, ZwOpenKey, ZwQueryInformationFile, ZwQueryValueKey, ZwReadFile,
};
pub use loader::DriverEntryFn;
pub use object_types::ObjectTypeExport;
pub use pool::TagStats;
pub use report::LeakReport;
pub use verifier::trace::{TraceEvent, TracedCall};
pub use verifier::{Stop, codes};

/// The names of every ntoskrnl symbol the model defines (routines and data), e.g. to check
/// that the cross-built driver's import table is exactly covered.
#[must_use]
pub fn exported_names() -> Vec<&'static str> {
    exports::routine_table()
        .into_iter()
        .map(|(name, _)| name)
        .collect()
}

/// Handle values and constants tests need that the bindings do not carry.
pub mod constants {
    pub use crate::api::INFINITE;
    pub use crate::consts::{
        CURRENT_PROCESS, CURRENT_THREAD, KERNEL_HANDLE_FLAG, OBJ_AUDIT_OBJECT_CLOSE,
        OBJ_PROTECT_CLOSE,
    };
    pub use crate::consts::{
        STATUS_HANDLE_NOT_CLOSABLE, STATUS_IMAGE_ALREADY_LOADED, STATUS_INFO_LENGTH_MISMATCH,
        STATUS_INVALID_CID, STATUS_INVALID_INFO_CLASS, STATUS_INVALID_PARAMETER_4,
        STATUS_MUTANT_NOT_OWNED, STATUS_NO_SUCH_DEVICE, STATUS_SEMAPHORE_LIMIT_EXCEEDED,
    };
    pub use crate::rights::*;
}
