//! A METHOD_BUFFERED request being served, and why one fails.
//!
//! A [`Request`] owns its IRP: handlers decode its input and write its reply through it, and
//! return a [`Reply`] (bytes written, or "pend me") or a [`Failure`]; the router in
//! [`crate::ioctl`] alone completes or pends the IRP.
use handleguard_protocol::{Message, Refusal};
use wdm_safe::handle::{RequestorError, UserHandle};
use wdm_safe::irp::{Irp, Written};
use wdm_safe::notify::InsertError;
use wdm_safe::status::NtError;

/// Why a request failed: a refusal the audit counts, or another failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    /// Refused for this audited reason, with this status.
    Audited(Refusal, NtError),
    /// Could not be carried out, with this status (not an audited refusal).
    Status(NtError),
}

impl Failure {
    /// A user handle that did not become an object: the audit reason follows the status.
    pub fn from_handle(handle: UserHandle, error: RequestorError) -> Self {
        match error {
            RequestorError::WrongContext => Self::wrong_context(),
            RequestorError::KernelRequestor => Self::kernel_requestor(),
            RequestorError::NotAFile => Self::not_a_file(),
            RequestorError::Status(status) => {
                let reason = match status {
                    NtError::OBJECT_TYPE_MISMATCH => Refusal::WrongType,
                    NtError::ACCESS_DENIED => Refusal::TooLittleAccess,
                    NtError::INVALID_HANDLE if handle.looks_like_kernel_handle() => {
                        Refusal::KernelHandle
                    }
                    _ => Refusal::InvalidHandle,
                };
                Self::Audited(reason, status)
            }
        }
    }

    /// Not running in the requesting process: handle values cannot be interpreted.
    pub fn wrong_context() -> Self {
        Self::Audited(Refusal::WrongContext, NtError::INVALID_DEVICE_REQUEST)
    }

    /// A request from kernel mode for what only a user-mode caller can be given.
    pub fn kernel_requestor() -> Self {
        Self::Audited(Refusal::KernelRequestor, NtError::INVALID_DEVICE_REQUEST)
    }

    /// A file handle or path that is not a file on a file-system volume.
    pub fn not_a_file() -> Self {
        Self::Audited(Refusal::NotAFile, NtError::NOT_SUPPORTED)
    }

    /// A malformed input field.
    pub fn bad_input() -> Self {
        Self::Audited(Refusal::BadBuffer, NtError::INVALID_PARAMETER)
    }

    /// An output buffer too small for the reply.
    pub fn no_room() -> Self {
        Self::Audited(Refusal::BadBuffer, NtError::BUFFER_TOO_SMALL)
    }

    /// An IOCTL code the driver does not implement (or not as METHOD_BUFFERED).
    pub fn unknown_code() -> Self {
        Self::Audited(Refusal::UnknownCode, NtError::INVALID_DEVICE_REQUEST)
    }
}

impl From<InsertError> for Failure {
    fn from(error: InsertError) -> Self {
        match error {
            InsertError::Quota | InsertError::DeviceLimit => {
                Self::Audited(Refusal::Quota, error.error())
            }
            InsertError::WrongContext => Self::wrong_context(),
            InsertError::Closing | InsertError::NoMemory => Self::Status(error.error()),
        }
    }
}

impl From<RequestorError> for Failure {
    /// A requestor operation that involved no user handle value.
    fn from(error: RequestorError) -> Self {
        match error {
            RequestorError::WrongContext => Self::wrong_context(),
            RequestorError::KernelRequestor => Self::kernel_requestor(),
            RequestorError::NotAFile => Self::not_a_file(),
            RequestorError::Status(status) => Self::Status(status),
        }
    }
}

/// What a handler made of its request.
#[derive(Debug)]
pub enum Reply {
    /// Complete it with `STATUS_SUCCESS` and these output bytes.
    Written(Written),
    /// Pend it until `due_ms` from now (cancellable); it then completes with no output.
    Pend {
        /// Milliseconds until completion.
        due_ms: u32,
    },
}

/// A METHOD_BUFFERED request: its IRP, with wire decoding and replies.
pub struct Request {
    irp: Irp,
}

impl Request {
    /// `irp` as a request if it is METHOD_BUFFERED; the IRP back otherwise (its buffers
    /// carry user addresses, which this driver never touches).
    pub fn new(irp: Irp) -> Result<Self, Irp> {
        if irp.is_buffered() {
            Ok(Self { irp })
        } else {
            Err(irp)
        }
    }

    /// The IRP, for handle references (which read its RequestorMode) and its IOCTL code.
    pub fn irp(&self) -> &Irp {
        &self.irp
    }

    /// The IRP, to complete or pend it.
    pub fn into_irp(self) -> Irp {
        self.irp
    }

    /// The input, decoded as `M`; any other length is `STATUS_INVALID_PARAMETER`.
    pub fn decode<M: Message>(&self) -> Result<M, Failure> {
        M::decode(self.irp.input()).map_err(|_| Failure::bad_input())
    }

    /// Refuses any input bytes.
    pub fn expect_no_input(&self) -> Result<(), Failure> {
        if self.irp.input().is_empty() {
            Ok(())
        } else {
            Err(Failure::bad_input())
        }
    }

    /// Checks, before doing any work, that a reply of type `M` will fit.
    pub fn expect_room_for<M: Message>(&self) -> Result<(), Failure> {
        if self.irp.output_len() >= M::SIZE {
            Ok(())
        } else {
            Err(Failure::no_room())
        }
    }

    /// Writes `reply`; an output buffer too small for it is `STATUS_BUFFER_TOO_SMALL`.
    pub fn reply<M: Message>(&mut self, reply: &M) -> Result<Reply, Failure> {
        self.irp
            .reply_with(|output| reply.write_to(output))
            .map(Reply::Written)
            .map_err(|_| Failure::no_room())
    }
}
