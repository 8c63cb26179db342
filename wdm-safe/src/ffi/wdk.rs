//! Backend for the WDK build on Windows (`--features wdk`, `cargo make`): wdk-sys.
//!
//! Built only on Windows with the WDK; on Linux, scripts/wdk-check.sh type-checks and lints it
//! against wdk-sys as wdk-build generates it from mingw-w64's headers (not the WDK's). A thin
//! re-export layer: it must expose exactly the items `bindings.rs` does.
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
    // SAFETY: wdk-sys's static is the import slot, which the loader fills with the address of
    // ntoskrnl's variable before DriverEntry runs; reading it copies that address.
    let variable = unsafe { wdk_sys::ExEventObjectType };
    // SAFETY: ntoskrnl sets the variable before any driver loads and never changes it.
    unsafe { *variable }
}

/// `*IoFileObjectType`: the file object type.
#[must_use]
pub fn file_object_type() -> POBJECT_TYPE {
    // SAFETY: as for `event_object_type`.
    let variable = unsafe { wdk_sys::IoFileObjectType };
    // SAFETY: as for `event_object_type`.
    unsafe { *variable }
}

// `ObSetSecurityObjectByPointer` is an ntifs.h routine; declared here (ntoskrnl.lib, which the
// WDK build links, exports it) so as not to depend on which headers wdk-sys covers.
unsafe extern "C" {
    /// `ObSetSecurityObjectByPointer(Object, SecurityInformation, SecurityDescriptor)`.
    pub fn ObSetSecurityObjectByPointer(
        Object: PVOID,
        SecurityInformation: ULONG,
        SecurityDescriptor: PVOID,
    ) -> NTSTATUS;
}

/// `DACL_SECURITY_INFORMATION` (winnt.h).
pub const DACL_SECURITY_INFORMATION: ULONG = 0x4;

/// Non-paged pool when `ExAllocatePool2` was not resolved dynamically; with `quota`,
/// charged to the current process (`POOL_FLAG_USE_QUOTA`).
///
/// # Safety
/// IRQL <= DISPATCH_LEVEL; with `quota`, the current process is the one to charge.
#[must_use]
pub unsafe fn allocate_pool_fallback(size: SIZE_T, tag: ULONG, quota: bool) -> PVOID {
    let flags = if quota {
        POOL_FLAG_NON_PAGED | POOL_FLAG_USE_QUOTA
    } else {
        POOL_FLAG_NON_PAGED
    };
    // SAFETY: the caller's contract; ExAllocatePool2 zeroes and returns NULL on failure.
    unsafe { ExAllocatePool2(flags, size, tag) }
}
