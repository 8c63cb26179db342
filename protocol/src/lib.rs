//! The wire between `hgctl` and the handleguard driver: IOCTL codes and request / reply
//! structs. `no_std`, no dependencies, no `unsafe`.
//!
//! Every IOCTL is `METHOD_BUFFERED`: the driver never touches a user address (rule 8 of the
//! design). Every struct has fixed-width little-endian fields; handles travel as `u64`, so a
//! 32-bit and a 64-bit caller send the same bytes (a 32-bit caller puts its handle value in
//! the low half; the driver sign-extends it as WOW64 does). Decoding rejects any length
//! other than the exact size of the struct.
#![no_std]
#![forbid(unsafe_code)]

mod codes;
mod wire;

pub use codes::*;
pub use wire::*;

/// Version of this protocol, returned by `IOCTL_HANDLEGUARD_GET_INFO`.
pub const PROTOCOL_VERSION: u32 = 2;

/// The device's NT name.
pub const DEVICE_NT_NAME: &str = "\\Device\\HandleGuard";
/// The symbolic link the driver creates for user mode.
pub const DEVICE_DOS_NAME: &str = "\\DosDevices\\HandleGuard";
/// The path user mode opens.
pub const DEVICE_WIN32_PATH: &str = "\\\\.\\HandleGuard";
