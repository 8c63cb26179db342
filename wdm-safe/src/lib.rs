//! `wdm-safe`: the one unsafe boundary of a WDM driver, as a crate of its own.
//!
//! Every call into the NT API is made here and wrapped in types that make Microsoft's
//! "Handle Management" guidance hard to break from safe code:
//!
//! - a handle from user mode is a [`handle::UserHandle`], which becomes an object only through
//!   `ObReferenceObjectByHandle` with the IRP's `RequestorMode`, a typed access mask and the
//!   object type, in the requestor's context;
//! - an [`object::ObjectRef`] is one counted reference, released exactly once, that remembers
//!   the access it was validated for: a private handle made from it has that access, no more;
//! - a private handle ([`handle::KernelHandle`]) can only be made with `OBJ_KERNEL_HANDLE`,
//!   and a name that came from a request ([`name::RequestorPath`]) can only be opened with
//!   `OBJ_FORCE_ACCESS_CHECK` in the requestor's context;
//! - an [`irp::Irp`] is completed exactly once, with `Information` no larger than the output
//!   buffer and never with `STATUS_PENDING`; one dropped without completion fails rather than
//!   hangs.
//!
//! The layer knows NT, not any particular driver: a driver implements [`driver::Driver`] and
//! names its type in [`driver_entry!`]. The crate above it can then `forbid(unsafe_code)`.
#![cfg_attr(target_os = "windows", no_std)]
// Every unsafe block names its invariant and holds one unsafe operation; no inner `allow` can
// lift this (the workspace denies them; this crate, the one with unsafe code, forbids them).
#![forbid(
    clippy::undocumented_unsafe_blocks,
    clippy::multiple_unsafe_ops_per_block
)]
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

pub mod ffi;

pub mod access;
mod attributes;
mod device;
pub mod driver;
pub mod file;
pub mod handle;
pub mod irp;
pub mod log;
pub mod name;
pub mod notify;
pub mod object;
pub mod pool;
pub mod registry;
pub mod security;
pub mod slots;
pub mod status;
pub mod sync;
pub mod unicode;

#[cfg(all(target_os = "windows", not(feature = "wdk")))]
mod runtime;

#[cfg(all(target_os = "windows", feature = "wdk"))]
extern crate wdk_panic;

#[cfg(all(target_os = "windows", feature = "wdk"))]
#[global_allocator]
static GLOBAL_ALLOCATOR: wdk_alloc::WdkAllocator = wdk_alloc::WdkAllocator;
