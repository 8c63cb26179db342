//! The NT API, from one of two backends:
//!
//! - `wdk` feature (Windows host with the WDK, `cargo make`): wdk-sys.
//! - otherwise: the committed `nt-bindings` (Linux cross build to a real `.sys`, and host tests
//!   where the model kernel `ntmodel` defines every import).
//!
//! Both expose the same names. The only places where they must differ are the object-type
//! exports and the field paths that go through anonymous unions; each of those is one
//! function here, so nothing else in the driver names a backend-specific path.
#[cfg(not(feature = "wdk"))]
mod bindings;
#[cfg(not(feature = "wdk"))]
pub use bindings::*;

#[cfg(feature = "wdk")]
mod wdk;
#[cfg(feature = "wdk")]
pub use wdk::*;

/// `#define` values in the C type the API takes (bindgen types every integer `#define` as
/// `u32`/`i32`); each cast is checked once, here.
#[allow(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::cast_possible_wrap
)]
pub mod typed {
    use super::{BOOLEAN, CCHAR, KPROCESSOR_MODE};

    /// `KernelMode`.
    pub const KERNEL_MODE: KPROCESSOR_MODE = super::_MODE::KernelMode as KPROCESSOR_MODE;
    /// `UserMode`.
    pub const USER_MODE: KPROCESSOR_MODE = super::_MODE::UserMode as KPROCESSOR_MODE;
    /// `FALSE` as a `BOOLEAN`.
    pub const FALSE: BOOLEAN = super::FALSE as BOOLEAN;
    /// `IO_NO_INCREMENT` as the `CCHAR` priority boost.
    pub const IO_NO_INCREMENT: CCHAR = super::IO_NO_INCREMENT as CCHAR;
    /// `SL_PENDING_RETURNED` as the stack location's `Control` byte.
    pub const SL_PENDING_RETURNED: u8 = super::SL_PENDING_RETURNED as u8;

    /// `sizeof(T)` as a `ULONG` length (kernel structs are far below 4 GiB).
    #[must_use]
    pub const fn size_of<T>() -> u32 {
        core::mem::size_of::<T>() as u32
    }
}
