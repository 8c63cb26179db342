//! The NT kernel API as the Linux-built backend sees it: bindings generated from mingw-w64's
//! DDK headers (`generated.rs`, by `scripts/regenerate.sh`), plus what bindgen cannot emit.
//!
//! The C integer types are Windows' LLP64 ones on every host (`c_long` is 32-bit), so the
//! same structs lay out identically on Windows and in host tests on Linux.
//!
//! On Windows targets every function and the object-type data are imported from
//! `ntoskrnl.exe` with `raw-dylib`; on other hosts they are left as undefined symbols that the
//! model kernel (`ntmodel`) defines.
#![no_std]
#![allow(
    non_camel_case_types,
    non_snake_case,
    non_upper_case_globals,
    dead_code,
    clippy::all,
    clippy::pedantic,
    clippy::undocumented_unsafe_blocks
)]

/// C types with their Windows x64 (LLP64) sizes, whatever the host.
pub mod ctypes {
    pub type c_char = i8;
    pub type c_schar = i8;
    pub type c_uchar = u8;
    pub type c_short = i16;
    pub type c_ushort = u16;
    pub type c_int = i32;
    pub type c_uint = u32;
    pub type c_long = i32;
    pub type c_ulong = u32;
    pub type c_longlong = i64;
    pub type c_ulonglong = u64;
    pub use core::ffi::c_void;
}

mod file;
pub use file::*;

mod generated;
pub use generated::*;

mod object_types;
pub use object_types::*;

mod pool;
pub use pool::*;

mod security;
pub use security::*;

mod status;
pub use status::*;
