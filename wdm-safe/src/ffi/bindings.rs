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

/// Non-paged pool when `ExAllocatePool2` is missing (Wine, Windows before 10 2004):
/// `ExAllocatePoolWithTag(NonPagedPoolNx)`, not zeroed.
///
/// # Safety
/// IRQL <= DISPATCH_LEVEL.
#[must_use]
pub unsafe fn allocate_pool_fallback(size: SIZE_T, tag: ULONG) -> PVOID {
    // SAFETY: the caller's IRQL contract; returns NULL on failure.
    unsafe { ExAllocatePoolWithTag(_POOL_TYPE::NonPagedPoolNx, size, tag) }
}
