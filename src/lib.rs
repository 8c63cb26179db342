//! handleguard: a WDM driver that takes handles from user mode the way Microsoft's
//! "Handle Management" guidance says, and keeps its own handles private.
//!
//! `kernel` is the only module with `unsafe`; it wraps the NT API in types that make the
//! guidance hard to break. The modules above it are the driver: one per IOCTL family.
#![cfg_attr(target_os = "windows", no_std)]
#![deny(unsafe_code)]
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

pub mod kernel;

mod config;
mod dispatch;
mod events;
mod files;
mod info;
mod kernel_event;
mod stats;

pub use dispatch::HandleGuard;
pub use kernel::driver::DriverEntry;

#[cfg(all(target_os = "windows", feature = "wdk"))]
extern crate wdk_panic;

#[cfg(all(target_os = "windows", feature = "wdk"))]
#[global_allocator]
static GLOBAL_ALLOCATOR: wdk_alloc::WdkAllocator = wdk_alloc::WdkAllocator;
