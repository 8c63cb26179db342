// An IRP succeeds with a Written count the layer made (clamped to the output buffer) and
// fails with an NtError: there is no completion with a raw Information value, and neither
// STATUS_SUCCESS nor STATUS_PENDING is a failure.
use wdm_safe::irp::{Irp, Written};
use wdm_safe::status::{NtError, NtStatus};

fn complete_wrongly(irp: Irp, other: Irp, last: Irp) {
    let _ = irp.complete(NtStatus::SUCCESS, 1 << 20);
    let _ = other.succeed(Written(1 << 20));
    let _ = last.fail(NtStatus::PENDING);
    let _ = NtError::PENDING;
}

fn main() {}
