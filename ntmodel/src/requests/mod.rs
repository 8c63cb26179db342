//! The I/O manager's request flows, the ones that call into drivers, by phase: create,
//! device control, completion, cleanup and close, cancel; and the safe point where deferred
//! work runs. The state lock is released around every call into a driver.
mod cancel;
mod cleanup_close;
mod completion;
mod create;
mod device_control;
mod dispatch;
mod file_object;
mod file_systems;
mod settle;

pub use cancel::{acquire_cancel_lock, cancel, release_cancel_lock};
pub use cleanup_close::{close_handle, run_deferred_now};
pub use completion::complete;
pub use create::open;
pub use device_control::{Delivery, Outcome, device_control};
pub use file_object::OpenRequest;
pub use file_systems::{create_named_pipe, pipe_available, pipe_read, user_read, user_write};
pub use settle::settle;
