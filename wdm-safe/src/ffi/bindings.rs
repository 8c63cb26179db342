//! Backend for the Linux cross build and host tests: the committed mingw-w64 bindings.
//!
//! Object types are imported with `raw-dylib` (or defined as plain data by the model kernel),
//! so the symbol holds the `POBJECT_TYPE` itself and is read without a dereference.
pub use nt_bindings::*;

/// `*ExEventObjectType` in C terms: the event object type.
#[must_use]
pub fn event_object_type() -> POBJECT_TYPE {
    // SAFETY: an immutable kernel export, written once before any driver is loaded.
    unsafe { nt_bindings::ExEventObjectType }
}

/// `*IoFileObjectType` in C terms: the file object type.
#[must_use]
pub fn file_object_type() -> POBJECT_TYPE {
    // SAFETY: an immutable kernel export, written once before any driver is loaded.
    unsafe { nt_bindings::IoFileObjectType }
}

/// Non-paged pool when `ExAllocatePool2` is missing (Wine, Windows before 10 2004), not
/// zeroed: `ExAllocatePoolWithTag(NonPagedPoolNx)`, or with `quota`
/// `ExAllocatePoolWithQuotaTag(NonPagedPoolNx | POOL_QUOTA_FAIL_INSTEAD_OF_RAISE)`, charged to
/// the current process and NULL (not an exception) when its quota is spent.
///
/// # Safety
/// IRQL <= DISPATCH_LEVEL; with `quota`, the current process is the one to charge.
#[must_use]
pub unsafe fn allocate_pool_fallback(size: SIZE_T, tag: ULONG, quota: bool) -> PVOID {
    if quota {
        let pool_type = _POOL_TYPE::NonPagedPoolNx | POOL_QUOTA_FAIL_INSTEAD_OF_RAISE;
        // SAFETY: the caller's contract; with POOL_QUOTA_FAIL_INSTEAD_OF_RAISE it returns
        // NULL on failure instead of raising.
        unsafe { ExAllocatePoolWithQuotaTag(pool_type, size, tag) }
    } else {
        // SAFETY: the caller's IRQL contract; returns NULL on failure.
        unsafe { ExAllocatePoolWithTag(_POOL_TYPE::NonPagedPoolNx, size, tag) }
    }
}
