//! Backend for the WDK build on Windows (`--features wdk`, `cargo make`): wdk-sys.
//!
//! A thin re-export layer; it must expose exactly the items `bindings.rs` does. On Linux it is
//! type-checked against wdk-sys as generated from mingw-w64's headers (scripts/wdk-check.sh),
//! not built against the WDK.
//!
//! Two differences from the Linux-built backend, both deliberate:
//! - wdk-sys links ntoskrnl through an import library, so `ExEventObjectType` names the
//!   import slot and the object type is `*ExEventObjectType` (as in C). The raw-dylib
//!   backend reads it without the `*`.
//! - wdk-sys blocklists `ExAllocatePoolWithTag`; the WDK build requires Windows 10 2004+,
//!   where `ExAllocatePool2` always exists, so the fallback allocates with it.
pub use wdk_sys::ntddk::*;
pub use wdk_sys::*;

/// `*ExEventObjectType`: the event object type.
#[must_use]
pub fn event_object_type() -> POBJECT_TYPE {
    // SAFETY: wdk-sys declares the import slot; the kernel fills it before DriverEntry.
    unsafe { *wdk_sys::ExEventObjectType }
}

/// `*IoFileObjectType`: the file object type.
#[must_use]
pub fn file_object_type() -> POBJECT_TYPE {
    // SAFETY: as for `event_object_type`.
    unsafe { *wdk_sys::IoFileObjectType }
}

/// Non-paged pool when `ExAllocatePool2` was not resolved dynamically.
///
/// # Safety
/// IRQL <= DISPATCH_LEVEL.
#[must_use]
pub unsafe fn allocate_pool_fallback(size: SIZE_T, tag: ULONG) -> PVOID {
    // SAFETY: the caller's IRQL contract; ExAllocatePool2 zeroes and returns NULL on failure.
    unsafe { ExAllocatePool2(POOL_FLAG_NON_PAGED, size, tag) }
}
