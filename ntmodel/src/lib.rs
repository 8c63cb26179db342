//! `ntmodel`: the model kernel. It *is* the slice of ntoskrnl the handleguard driver imports,
//! compiled for the host: every import is a `#[no_mangle] extern "C"` definition here, with NT's
//! handle semantics (per-process handle tables, the kernel handle table, granted access,
//! previous mode, object types, references and handle counts), an I/O manager that builds real
//! IRPs, pool, events, timers and DPCs on a virtual clock, a registry and a small file
//! namespace with per-file security, and a verifier that records where Driver Verifier would
//! bug check.
//!
//! Tests drive it like a program would: [`Kernel::new`], [`Kernel::load_driver`],
//! [`Kernel::create_process`], then [`Process::open`], [`Process::ioctl`], [`Process::close`],
//! [`Kernel::advance_ms`], [`Kernel::unload_driver`]. Conformance tests call the exports
//! directly inside [`Kernel::run_in`]. [`Process::ioctl_dispatched_in`] sends a request whose
//! dispatch routine runs in another process's context (a request forwarded by a worker thread
//! or an intermediate driver).
//!
//! State lives in a kernel instance found through the calling thread's context, so tests in
//! parallel threads never see each other's objects.
//!
//! # What is simplified, and why it cannot hide a driver bug
//!
//! - References are logical (driver, IRP and model references; handles counted apart), not
//!   Windows' biased `PointerCount`: the driver cannot observe the raw count, and every
//!   imbalance still shows (C4/0x3F on one dereference too many, the unload report on one too
//!   few).
//! - Security is a reduced descriptor (owner, readers) per file and per process; unnamed events
//!   have none, as on Windows. Devices grant any access (the default device ACL lets users
//!   open it); so a driver that relied on a device ACL for protection would look safer here,
//!   which this driver does not do.
//! - Create, cleanup and close IRPs must complete before the dispatch routine returns (the
//!   model cannot block the caller); one that pends is a stop, never silently accepted.
//! - Direct I/O has no MDL (`MdlAddress` NULL) and METHOD_NEITHER buffers are model memory:
//!   the driver uses METHOD_BUFFERED only, and a driver that touched either would crash or
//!   misbehave in tests rather than pass.
//! - `ZwQueryValueKey` supports `KeyValuePartialInformation` only, `ZwQueryInformationFile`
//!   `FileStandardInformation` and `FilePositionInformation`, `ZwCreateFile` opens existing
//!   files: anything else fails with an error status, so an unsupported use fails the test.
//! - Waits do not block (`Process::wait` polls), and APCs are not modelled: IRP completion runs
//!   at the next return to the test (as the completion APC would), never inside driver code.
//! - Checks Windows makes by other means (static rules, enhanced I/O verification) are stops
//!   with code [`codes::NTMODEL_CHECK`]: they only ever add failures.

mod block;
mod client_api;
mod consts;
mod fields;
mod files;
mod handle_table;
mod io;
mod iomgr;
mod ke;
mod kernel;
mod loader;
mod object;
mod object_type;
mod pool;
mod process;
mod registry;
mod report;
mod test_api;
mod unicode;
mod user;
mod verifier;

pub mod exports;

pub use client_api::{HandleInfo, NameEntry, ProcessInfo};
pub use exports::ex::{
    DbgPrint, ExAllocatePool2, ExAllocatePoolWithTag, ExFreePoolWithTag, KeBugCheckEx,
    MmGetSystemRoutineAddress,
};
pub use exports::io::{
    IoAcquireCancelSpinLock, IoCreateDevice, IoCreateSymbolicLink, IoDeleteDevice,
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
    ObReferenceObjectByPointer, ObfDereferenceObject, ObfReferenceObject, ZwClose,
};
pub use exports::zw::{
    ZwCreateEvent, ZwCreateFile, ZwOpenKey, ZwQueryInformationFile, ZwQueryValueKey, ZwReadFile,
};
pub use loader::DriverEntryFn;
pub use object_type::{
    ExEventObjectType, IoFileObjectType, ObjectTypeExport, PsProcessType, PsThreadType,
};
pub use pool::TagStats;
pub use report::LeakReport;
pub use test_api::{FileSecurity, Kernel, PreviousMode};
pub use user::{EventKind, FileOpen, IoOutcome, PendingIrp, Process, User};
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
    pub use crate::consts::{
        CURRENT_PROCESS, CURRENT_THREAD, KERNEL_HANDLE_FLAG, OBJ_AUDIT_OBJECT_CLOSE,
        OBJ_PROTECT_CLOSE,
    };
    pub use crate::consts::{
        STATUS_HANDLE_NOT_CLOSABLE, STATUS_INFO_LENGTH_MISMATCH, STATUS_INVALID_INFO_CLASS,
        STATUS_NO_SUCH_DEVICE,
    };
}
