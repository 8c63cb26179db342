//! The kernel's object-type exports, declared by hand.
//!
//! mingw-w64 declares these as `extern POBJECT_TYPE *ExEventObjectType` (a pointer to the
//! import slot). Imported through `raw-dylib`, the compiler already reads through the import
//! table, so the symbol *is* the `POBJECT_TYPE`: read it without an extra dereference.
//! Reading one level deeper passes the type's name string as the type (the Wine smoke caught
//! exactly that bug). On a Linux host the model kernel defines the same symbols as plain data
//! holding a `POBJECT_TYPE`, so the same declaration is right in host tests too.
use crate::POBJECT_TYPE;

#[cfg_attr(
    windows,
    link(name = "ntoskrnl.exe", kind = "raw-dylib", modifiers = "+verbatim")
)]
unsafe extern "C" {
    pub static ExEventObjectType: POBJECT_TYPE;
    pub static IoFileObjectType: POBJECT_TYPE;
    pub static PsProcessType: POBJECT_TYPE;
    pub static PsThreadType: POBJECT_TYPE;
}
