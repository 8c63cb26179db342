//! "Talk to the device": the one trait both transports implement.

/// An `NTSTATUS`.
pub type Status = i32;

/// A completed request.
#[derive(Debug)]
pub struct Reply {
    /// The request's final status.
    pub status: Status,
    /// The bytes the driver returned (`IoStatus.Information` of them).
    pub output: Vec<u8>,
}

/// A request the driver pended.
pub trait Pended {
    /// The final status once completed, `None` while still pending.
    fn poll(&mut self) -> Option<Status>;
    /// Asks for cancellation (`CancelIoEx` / `IoCancelIrp`).
    fn cancel(&mut self);
}

/// What a request to the device came to.
pub enum Outcome {
    /// Completed at once.
    Done(Reply),
    /// Pended by the driver.
    Pending(Box<dyn Pended>),
}

/// The device and the user-mode objects the scenarios need, in the calling process.
pub trait Transport {
    /// A short name for reports ("model", "windows").
    fn name(&self) -> &'static str;
    /// `DeviceIoControl` on this transport's open of the device.
    fn ioctl(&self, code: u32, input: &[u8], output_len: usize) -> Outcome;
    /// A second, independent open of the device (its own quota and registrations).
    fn reopen(&self) -> Result<Box<dyn Transport>, String>;
    /// Opens `path` and closes it again; the status of the open.
    fn try_open(&self, path: &str) -> Status;
    /// A new unnamed notification event with exactly `access`.
    fn create_event(&self, access: u32) -> Result<u64, String>;
    /// Opens a file for the scenarios with exactly `access`; `overlapped` gives an
    /// asynchronous file object.
    fn open_file(&self, path: &str, access: u32, overlapped: bool) -> Result<u64, Status>;
    /// Closes a handle of this process.
    fn close(&self, handle: u64);
    /// Whether an event is signalled (without consuming it).
    fn is_signaled(&self, handle: u64) -> Result<bool, Status>;
    /// `SetEvent` through `handle`: the status.
    fn set_event(&self, handle: u64) -> Status;
    /// A second handle to the same object with `access`.
    fn duplicate(&self, handle: u64, access: u32) -> Result<u64, Status>;
    /// Lets `ms` milliseconds pass (the model advances its clock; Windows sleeps).
    fn elapse(&self, ms: u32);
    /// A handle value that is valid in another process and not in this one.
    fn foreign_handle(&self) -> Result<u64, String>;
    /// A kernel-handle value.
    fn kernel_handle(&self) -> u64;
    /// A file this user may read, as an NT path for OPEN_AS_CALLER and a path for opening.
    fn readable_file(&self) -> Result<(String, String), String>;
    /// A file this user may not read (NT path), if the transport has one.
    fn unreadable_file(&self) -> Option<String>;
}

impl Outcome {
    /// The reply of a request that must not pend.
    pub fn done(self) -> Reply {
        match self {
            Outcome::Done(reply) => reply,
            Outcome::Pending(mut pended) => {
                pended.cancel();
                let status = pended.poll().unwrap_or(crate::status::STATUS_PENDING);
                Reply {
                    status,
                    output: Vec::new(),
                }
            }
        }
    }
}
