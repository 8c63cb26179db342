//! Setting an object's security descriptor, declared by hand: `ObSetSecurityObjectByPointer`
//! is an `ntifs.h` routine, outside the slice of mingw-w64's headers the generated bindings
//! cover. Values are the WDK's (`winnt.h`).
use crate::{NTSTATUS, PVOID, SECURITY_INFORMATION};

/// `SECURITY_INFORMATION`: the DACL.
pub const DACL_SECURITY_INFORMATION: SECURITY_INFORMATION = 0x4;

#[cfg_attr(
    windows,
    link(name = "ntoskrnl.exe", kind = "raw-dylib", modifiers = "+verbatim")
)]
unsafe extern "C" {
    pub fn ObSetSecurityObjectByPointer(
        Object: PVOID,
        SecurityInformation: SECURITY_INFORMATION,
        SecurityDescriptor: PVOID,
    ) -> NTSTATUS;
}
