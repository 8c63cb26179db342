//! The driver proper: its state, opens, and the IOCTL router. Safe code only.
use crate::info;
use crate::kernel::driver::Driver;
use crate::kernel::ffi;
use crate::kernel::irp::{Buffered, Dispatched, Irp};
use crate::kernel::log::log;
use crate::kernel::pool::{Pool, PoolBox};
use crate::kernel::status::{NtResult, NtStatus};
use crate::kernel::unicode::wide;
use crate::stats::Stats;
use handleguard_protocol::{self as protocol, Message, Refusal};

/// The driver's state, kept in its device's extension.
pub struct HandleGuard {
    #[allow(dead_code)]
    pool: Pool,
    stats: Stats,
}

/// State of one open of `\\.\HandleGuard`.
pub struct Open {}

/// Why a request failed: a refusal the audit counts, or another failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    /// The request was refused for `Refusal`, with this status.
    Refused(Refusal, NtStatus),
    /// The request could not be carried out.
    Failed(NtStatus),
}

/// A METHOD_BUFFERED request being served.
pub struct Request<'irp> {
    buffers: Buffered<'irp>,
}

impl Request<'_> {
    /// The input, decoded as `M`; any other length is `STATUS_INVALID_PARAMETER`.
    pub fn decode<M: Message>(&self) -> Result<M, Failure> {
        M::decode(self.buffers.input())
            .map_err(|_| Failure::Refused(Refusal::BadBuffer, NtStatus::INVALID_PARAMETER))
    }

    /// Refuses any input bytes.
    pub fn expect_no_input(&self) -> Result<(), Failure> {
        if self.buffers.input().is_empty() {
            Ok(())
        } else {
            Err(Failure::Refused(Refusal::BadBuffer, NtStatus::INVALID_PARAMETER))
        }
    }

    /// Writes `reply`; an output buffer too small for it is `STATUS_BUFFER_TOO_SMALL`.
    pub fn reply<M: Message>(&mut self, reply: &M) -> Result<usize, Failure> {
        reply
            .write_to(self.buffers.output())
            .map_err(|_| Failure::Refused(Refusal::BadBuffer, NtStatus::BUFFER_TOO_SMALL))
    }
}

impl Driver for HandleGuard {
    type Open = Open;
    const POOL_TAG: u32 = u32::from_le_bytes(*b"HgRd");
    const DEVICE_NAME: &'static [u16] = wide!(protocol::DEVICE_NT_NAME);
    const LINK_NAME: &'static [u16] = wide!(protocol::DEVICE_DOS_NAME);

    fn start(pool: Pool, _registry_path: &ffi::UNICODE_STRING) -> NtResult<Self> {
        log!("loaded (ExAllocatePool2 {})", if pool.has_allocate_pool2() { "found" } else { "missing: using ExAllocatePoolWithTag" });
        Ok(Self { pool, stats: Stats::default() })
    }

    fn open(&self, irp: &Irp) -> NtResult<Open> {
        if !irp.opens_device_itself() {
            // The device has no namespace: `\\.\HandleGuard\anything` is refused.
            self.stats.refused(Refusal::NamespaceOpen);
            return Err(NtStatus::OBJECT_NAME_NOT_FOUND);
        }
        self.stats.opened();
        Ok(Open {})
    }

    fn cleanup(&self, _open: &Open) {}

    fn close(&self, open: PoolBox<Open>) {
        drop(open);
        self.stats.closed();
    }

    fn device_control(&self, _open: &Open, mut irp: Irp) -> Dispatched {
        self.stats.request();
        let code = irp.ioctl().code;
        let Some(buffers) = irp.buffered() else {
            // Not METHOD_BUFFERED: no code of ours; its buffers are never touched.
            self.stats.refused(Refusal::UnknownCode);
            return irp.complete(NtStatus::INVALID_DEVICE_REQUEST, 0);
        };
        let mut request = Request { buffers };
        let result = match code {
            protocol::IOCTL_HANDLEGUARD_GET_INFO => info::get_info(&self.stats, &mut request),
            _ => Err(Failure::Refused(Refusal::UnknownCode, NtStatus::INVALID_DEVICE_REQUEST)),
        };
        match result {
            Ok(information) => irp.complete(NtStatus::SUCCESS, information),
            Err(Failure::Refused(reason, status)) => {
                self.stats.refused(reason);
                irp.complete(status, 0)
            }
            Err(Failure::Failed(status)) => irp.complete(status, 0),
        }
    }

    fn stop(&self) {
        log!("unloading");
    }
}
