//! The one unsafe boundary: every call into the NT API, wrapped in safe types.
//!
//! Knows NT, not the IOCTL protocol. Everything above this module is safe Rust.
#![allow(unsafe_code)]

pub mod ffi;

pub mod driver;
pub mod file;
pub mod handle;
pub mod irp;
pub mod log;
pub mod notify;
pub mod object;
pub mod pool;
pub mod registry;
pub mod status;
pub mod sync;
pub mod unicode;

#[cfg(all(target_os = "windows", not(feature = "wdk")))]
mod runtime;
