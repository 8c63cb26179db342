//! The driver proper: its state, opens, and the IOCTL router. Safe code only.
use crate::kernel::driver::{Driver, Session};
use crate::kernel::ffi;
use crate::kernel::handle::{Refused, UserHandle};
use crate::kernel::irp::{Dispatched, Irp};
use crate::kernel::log::log;
use crate::kernel::pool::Pool;
use crate::kernel::status::{NtResult, NtStatus};
use crate::kernel::unicode::wide;
use crate::stats::Stats;
use crate::{config, events, files, info, kernel_event};
use handleguard_protocol::{self as protocol, Message, Refusal};

/// The driver's state, kept in its device's extension.
pub struct HandleGuard {
    stats: Stats,
    /// Registrations each open may hold (the `MaxRegistrationsPerOpen` parameter).
    quota: usize,
}

/// Why a request failed: a refusal the audit counts, or another failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    /// The request was refused for `Refusal`, with this status.
    Refused(Refusal, NtStatus),
    /// The request could not be carried out.
    Failed(NtStatus),
}

impl Failure {
    /// A user handle that did not become an object: the audit reason follows the status.
    pub fn from_handle(handle: UserHandle, refused: Refused) -> Self {
        match refused {
            Refused::WrongContext => Self::wrong_context(),
            Refused::Status(status) => {
                let reason = match status {
                    NtStatus::OBJECT_TYPE_MISMATCH => Refusal::WrongType,
                    NtStatus::ACCESS_DENIED => Refusal::TooLittleAccess,
                    NtStatus::INVALID_HANDLE if handle.looks_like_kernel_handle() => {
                        Refusal::KernelHandle
                    }
                    _ => Refusal::InvalidHandle,
                };
                Failure::Refused(reason, status)
            }
        }
    }

    /// Not running in the requesting process: handle values cannot be interpreted.
    pub fn wrong_context() -> Self {
        Failure::Refused(Refusal::WrongContext, NtStatus::INVALID_DEVICE_REQUEST)
    }

    /// A malformed input field.
    pub fn bad_input() -> Self {
        Failure::Refused(Refusal::BadBuffer, NtStatus::INVALID_PARAMETER)
    }
}

/// A METHOD_BUFFERED request being served: its IRP, with wire decoding and replies.
pub struct Request<'irp> {
    irp: &'irp mut Irp,
}

impl<'irp> Request<'irp> {
    /// `irp` as a request, if it is METHOD_BUFFERED.
    pub fn new(irp: &'irp mut Irp) -> Option<Self> {
        irp.is_buffered().then_some(Self { irp })
    }

    /// The IRP, for handle references (which read its RequestorMode).
    pub fn irp(&self) -> &Irp {
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
    pub fn expect_room_for<M: Message>(&mut self) -> Result<(), Failure> {
        if self.irp.output().len() >= M::SIZE {
            Ok(())
        } else {
            Err(Failure::Refused(
                Refusal::BadBuffer,
                NtStatus::BUFFER_TOO_SMALL,
            ))
        }
    }

    /// Writes `reply`; an output buffer too small for it is `STATUS_BUFFER_TOO_SMALL`.
    pub fn reply<M: Message>(&mut self, reply: &M) -> Result<usize, Failure> {
        reply
            .write_to(self.irp.output())
            .map_err(|_| Failure::Refused(Refusal::BadBuffer, NtStatus::BUFFER_TOO_SMALL))
    }
}

impl HandleGuard {
    /// Completes `irp` with the outcome of a synchronous handler.
    pub fn finish(&self, irp: Irp, result: Result<usize, Failure>) -> Dispatched {
        match result {
            Ok(information) => irp.complete(NtStatus::SUCCESS, information),
            Err(failure) => self.fail(irp, failure),
        }
    }

    /// Completes `irp` with a failure, counting refusals.
    pub fn fail(&self, irp: Irp, failure: Failure) -> Dispatched {
        match failure {
            Failure::Refused(reason, status) => {
                self.stats.refused(reason);
                irp.complete(status, 0)
            }
            Failure::Failed(status) => irp.complete(status, 0),
        }
    }
}

impl Driver for HandleGuard {
    const POOL_TAG: u32 = u32::from_le_bytes(*b"HgOp");
    const DEVICE_NAME: &'static [u16] = wide!(protocol::DEVICE_NT_NAME);
    const LINK_NAME: &'static [u16] = wide!(protocol::DEVICE_DOS_NAME);

    fn start(pool: Pool, registry_path: &ffi::UNICODE_STRING) -> NtResult<Self> {
        let quota = config::registrations_per_open(registry_path);
        log!(
            "loaded: {} registrations per open; ExAllocatePool2 {}",
            quota,
            if pool.has_allocate_pool2() {
                "found"
            } else {
                "missing, using ExAllocatePoolWithTag"
            }
        );
        Ok(Self {
            stats: Stats::default(),
            quota,
        })
    }

    fn open(&self, irp: &Irp) -> NtResult<usize> {
        if !irp.opens_device_itself() {
            // The device has no namespace: `\\.\HandleGuard\anything` is refused.
            self.stats.refused(Refusal::NamespaceOpen);
            return Err(NtStatus::OBJECT_NAME_NOT_FOUND);
        }
        self.stats.opened();
        Ok(self.quota)
    }

    fn cleanup(&self) {}

    fn close(&self) {
        self.stats.closed();
    }

    fn device_control(&self, session: &Session<'_>, mut irp: Irp) -> Dispatched {
        self.stats.request();
        let code = irp.ioctl().code;
        if code == protocol::IOCTL_HANDLEGUARD_REGISTER_EVENT {
            return events::register(self, session, irp);
        }
        let Some(mut request) = Request::new(&mut irp) else {
            // Not METHOD_BUFFERED: no code of ours; its buffers are never touched.
            return self.fail(
                irp,
                Failure::Refused(Refusal::UnknownCode, NtStatus::INVALID_DEVICE_REQUEST),
            );
        };
        let result = match code {
            protocol::IOCTL_HANDLEGUARD_GET_INFO => {
                info::get_info(&self.stats, session, &mut request)
            }
            protocol::IOCTL_HANDLEGUARD_UNREGISTER => events::unregister(session, &request),
            protocol::IOCTL_HANDLEGUARD_INSPECT_FILE => files::inspect(&mut request),
            protocol::IOCTL_HANDLEGUARD_OPEN_AS_CALLER => files::open_as_caller(&mut request),
            protocol::IOCTL_HANDLEGUARD_CREATE_KERNEL_EVENT => {
                kernel_event::create(session, &mut request)
            }
            protocol::IOCTL_HANDLEGUARD_SIGNAL_KERNEL_EVENT => {
                kernel_event::signal(session, &request)
            }
            _ => Err(Failure::Refused(
                Refusal::UnknownCode,
                NtStatus::INVALID_DEVICE_REQUEST,
            )),
        };
        self.finish(irp, result)
    }

    fn stop(&self) {
        log!("unloading");
    }
}
