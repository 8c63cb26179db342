//! Bug check codes and subcodes: Windows' own where Windows has one, the model's
//! [`NTMODEL_CHECK`] with a subcode in parameter 1 for checks Windows makes by other means.
/// `DRIVER_VERIFIER_DETECTED_VIOLATION`.
pub const DRIVER_VERIFIER_DETECTED_VIOLATION: u32 = 0xC4;
/// `INVALID_KERNEL_HANDLE`.
pub const INVALID_KERNEL_HANDLE: u32 = 0x93;
/// `MULTIPLE_IRP_COMPLETE_REQUESTS`.
pub const MULTIPLE_IRP_COMPLETE_REQUESTS: u32 = 0x44;
/// `BAD_POOL_CALLER`.
pub const BAD_POOL_CALLER: u32 = 0xC2;
/// KMODE_EXCEPTION_NOT_HANDLED: kernel code raised an exception nobody handled.
pub const KMODE_EXCEPTION_NOT_HANDLED: u32 = 0x1E;
/// `DRIVER_VERIFIER_IOMANAGER_VIOLATION`.
pub const DRIVER_VERIFIER_IOMANAGER_VIOLATION: u32 = 0xC9;
/// `IRQL_GT_ZERO_AT_SYSTEM_SERVICE`: back to user mode at raised IRQL.
pub const IRQL_GT_ZERO_AT_SYSTEM_SERVICE: u32 = 0x4A;
/// `IRQL_UNEXPECTED_VALUE`: a DPC routine returned at another IRQL.
pub const IRQL_UNEXPECTED_VALUE: u32 = 0xC8;
/// A check of the model with no Windows bug check of its own ("NTML").
pub const NTMODEL_CHECK: u32 = 0x4E54_4D4C;

/// C4 / 0xF5: NULL handle passed to `ObReferenceObjectByHandle`.
pub const C4_NULL_HANDLE: u64 = 0xF5;
/// C4 / 0xF6: a user-mode handle referenced as `KernelMode`.
pub const C4_USER_HANDLE_AS_KERNEL: u64 = 0xF6;
/// C4 / 0xF7: a kernel handle referenced as `UserMode`.
pub const C4_KERNEL_HANDLE_AS_USER: u64 = 0xF7;
/// C4 / 0x3F: reference or dereference of an object whose count is already zero.
pub const C4_BAD_REFERENCE_COUNT: u64 = 0x3F;
/// C4 / 0x62: driver unloaded with pool allocations outstanding.
pub const C4_POOL_LEAK_AT_UNLOAD: u64 = 0x62;
/// C4 / 0x2001B: `IrqlObPassive`, an Ob routine above `PASSIVE_LEVEL`.
pub const C4_IRQL_OB_PASSIVE: u64 = 0x2001B;
/// C4 / 0x2001F: `IrqlZwPassive`, a Zw routine above `PASSIVE_LEVEL`.
pub const C4_IRQL_ZW_PASSIVE: u64 = 0x2001F;
/// BAD_POOL_CALLER / 0x07: pool freed twice.
pub const POOL_DOUBLE_FREE: u64 = 0x07;
/// BAD_POOL_CALLER / 0x0A: pool freed with the wrong tag.
pub const POOL_WRONG_TAG: u64 = 0x0A;
/// BAD_POOL_CALLER / 0x46: an address the pool never handed out.
pub const POOL_BAD_ADDRESS: u64 = 0x46;
/// C9 / 0x05: IRQL changed across a dispatch routine.
pub const C9_IRQL_CHANGED: u64 = 0x05;
/// C9 / 0x06: `IoCompleteRequest` with `STATUS_PENDING`.
pub const C9_COMPLETE_PENDING_STATUS: u64 = 0x06;
/// C9 / 0x07: `IoCompleteRequest` with a cancel routine still set.
pub const C9_COMPLETE_WITH_CANCEL_ROUTINE: u64 = 0x07;
/// C9 / 0x0E: `IoCompleteRequest` above `DISPATCH_LEVEL`.
pub const C9_COMPLETE_ABOVE_DISPATCH: u64 = 0x0E;

/// Model check: a dispatch routine returned `STATUS_PENDING` without `IoMarkIrpPending`.
pub const MODEL_PENDING_NOT_MARKED: u64 = 0x1;
/// Model check: a dispatch routine returned a status other than the one it completed with.
pub const MODEL_STATUS_MISMATCH: u64 = 0x2;
/// Model check: a dispatch routine returned without completing or pending its IRP.
pub const MODEL_IRP_LOST: u64 = 0x3;
/// Model check: `IoStatus.Information` larger than the output buffer.
pub const MODEL_INFORMATION_TOO_LARGE: u64 = 0x4;
/// Model check: a handle the driver created is visible to a user process.
pub const MODEL_PRIVATE_HANDLE_IN_USER_PROCESS: u64 = 0x5;
/// Model check: a pointer that is not (or no longer) a live object.
pub const MODEL_NOT_AN_OBJECT: u64 = 0x6;
/// Model check: an IRP the I/O manager did not issue, or already finished.
pub const MODEL_UNKNOWN_IRP: u64 = 0x7;
/// Model check: spin lock misuse (recursive acquire, release of a lock not held).
pub const MODEL_SPIN_LOCK: u64 = 0x8;
/// Model check: a routine called at an IRQL it does not allow.
pub const MODEL_WRONG_IRQL: u64 = 0x9;
/// Model check: IRP marked pending but the dispatch routine returned another status.
pub const MODEL_MARKED_PENDING_NOT_RETURNED: u64 = 0xA;
/// Model check: the cancel spin lock still held when control returned.
pub const MODEL_CANCEL_LOCK_HELD: u64 = 0xB;
/// Model check: `DbgPrint` with a format other than "%s".
pub const MODEL_DBGPRINT_FORMAT: u64 = 0xC;
/// Model check: a routine was given an invalid parameter Windows would fault on.
pub const MODEL_BAD_PARAMETER: u64 = 0xD;
/// Model check: a `Zw` routine (kernel mode, no access checks) used a handle of the user
/// process's own table: the driver acts on a user handle with kernel rights.
pub const MODEL_USER_HANDLE_IN_ZW: u64 = 0xE;
/// Model check: an IRP completed with `STATUS_DRIVER_INTERNAL_ERROR`, the status a driver (or
/// the `wdm-safe` layer, for an IRP dropped without completion) gives a request it failed
/// because of a bug of its own. Windows has no check for it; the model stops so a test sees it.
pub const MODEL_DRIVER_INTERNAL_ERROR: u64 = 0x20;
/// Model check: a synchronous file object's lock waited for by the thread that holds it (the
/// I/O manager holds it while a request sent on that file object is dispatched).
pub const MODEL_FILE_LOCK_DEADLOCK: u64 = 0x30;
/// Model check: a wait nothing in the model can end (a synchronous read of an empty pipe).
pub const MODEL_WAIT_NEVER_ENDS: u64 = 0x31;
