//! The protocol over a transport: one function per IOCTL.
use crate::status::Status;
use crate::transport::{Outcome, Reply, Transport};
use handleguard_protocol::{
    self as protocol, FileReport, IdRequest, InfoReply, InspectFileRequest, KernelEventReply,
    KernelEventRequest, Message, NotifyMode, OpenAsCallerRequest, RegisterEventReply,
    RegisterEventRequest,
};

/// How long a command waits beyond a due time before it calls the driver late.
pub const PATIENCE_MS: u32 = 5_000;

fn bytes<M: Message>(message: &M) -> Vec<u8> {
    let mut out = vec![0u8; M::SIZE];
    let _ = message.write_to(&mut out);
    out
}

fn decode<M: Message>(reply: &Reply) -> Result<M, Status> {
    if crate::status::is_success(reply.status) {
        M::decode(&reply.output).map_err(|_| crate::status::STATUS_INVALID_PARAMETER)
    } else {
        Err(reply.status)
    }
}

/// `GET_INFO`.
pub fn info(device: &dyn Transport) -> Result<InfoReply, Status> {
    decode(
        &device
            .ioctl(protocol::IOCTL_HANDLEGUARD_GET_INFO, &[], InfoReply::SIZE)
            .done(),
    )
}

/// `REGISTER_EVENT` in SignalEvent mode: the registration id.
pub fn register_event(device: &dyn Transport, event: u64, due_ms: u32) -> Result<u64, Status> {
    let request = RegisterEventRequest {
        event,
        due_ms,
        mode: NotifyMode::SignalEvent as u32,
    };
    let reply = device.ioctl(
        protocol::IOCTL_HANDLEGUARD_REGISTER_EVENT,
        &bytes(&request),
        RegisterEventReply::SIZE,
    );
    decode::<RegisterEventReply>(&reply.done()).map(|reply| reply.id)
}

/// `REGISTER_EVENT` in CompleteIrp mode: the request itself pends until due.
pub fn register_pended(device: &dyn Transport, due_ms: u32) -> Outcome {
    let request = RegisterEventRequest {
        event: 0,
        due_ms,
        mode: NotifyMode::CompleteIrp as u32,
    };
    device.ioctl(
        protocol::IOCTL_HANDLEGUARD_REGISTER_EVENT,
        &bytes(&request),
        0,
    )
}

/// `UNREGISTER`.
pub fn unregister(device: &dyn Transport, id: u64) -> Status {
    device
        .ioctl(
            protocol::IOCTL_HANDLEGUARD_UNREGISTER,
            &bytes(&IdRequest { id }),
            0,
        )
        .done()
        .status
}

/// `INSPECT_FILE`.
pub fn inspect(device: &dyn Transport, file: u64) -> Result<FileReport, Status> {
    let reply = device.ioctl(
        protocol::IOCTL_HANDLEGUARD_INSPECT_FILE,
        &bytes(&InspectFileRequest { file }),
        FileReport::SIZE,
    );
    decode(&reply.done())
}

/// `OPEN_AS_CALLER`.
pub fn open_as_caller(device: &dyn Transport, nt_path: &str) -> Result<FileReport, Status> {
    let request =
        OpenAsCallerRequest::new(nt_path).ok_or(crate::status::STATUS_INVALID_PARAMETER)?;
    let reply = device.ioctl(
        protocol::IOCTL_HANDLEGUARD_OPEN_AS_CALLER,
        &bytes(&request),
        FileReport::SIZE,
    );
    decode(&reply.done())
}

/// `CREATE_KERNEL_EVENT`.
pub fn create_kernel_event(
    device: &dyn Transport,
    due_ms: u32,
) -> Result<KernelEventReply, Status> {
    let request = KernelEventRequest {
        due_ms,
        reserved: 0,
    };
    let reply = device.ioctl(
        protocol::IOCTL_HANDLEGUARD_CREATE_KERNEL_EVENT,
        &bytes(&request),
        KernelEventReply::SIZE,
    );
    decode(&reply.done())
}

/// `SIGNAL_KERNEL_EVENT`: the driver signals a kernel event of this open now.
pub fn signal_kernel_event(device: &dyn Transport, id: u64) -> Status {
    device
        .ioctl(
            protocol::IOCTL_HANDLEGUARD_SIGNAL_KERNEL_EVENT,
            &bytes(&IdRequest { id }),
            0,
        )
        .done()
        .status
}
