//! handleguard: a WDM driver that takes handles from user mode the way Microsoft's
//! "Handle Management" guidance says, and keeps its own handles private.
//!
//! Safe Rust only: every NT call is made by the `wdm-safe` layer, whose types make the
//! guidance hard to break. This crate is the driver: its state and opens (`driver`), the
//! request and failure types (`request`), and one module per IOCTL family (`ioctl`).
#![cfg_attr(target_os = "windows", no_std)]
#![forbid(unsafe_code)]
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

mod config;
mod driver;
mod ioctl;
mod log;
mod request;
mod stats;

pub use driver::HandleGuard;

wdm_safe::driver_entry!(HandleGuard);
