//! The public API tests use: the kernel side ([`Kernel`]: load a driver, move the clock,
//! inspect) and the user-mode side ([`Process`]: open, send IOCTLs, create and close handles).
mod client;
mod inspect;
pub mod kernel;
mod time;
pub mod user;

pub use client::{HandleInfo, NameEntry, ProcessInfo};
pub use inspect::IrpBookkeeping;
pub use kernel::{FileSecurity, Kernel, PreviousMode};
pub use time::INFINITE;
pub use user::{EventKind, FileOpen, IoOutcome, PendingIrp, Process, TimerKind, User};
