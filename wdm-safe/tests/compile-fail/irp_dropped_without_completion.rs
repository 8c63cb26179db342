// A dispatch routine returns the Dispatched of the IRP it completed or pended: only completion
// or pending makes one, so a routine that drops its IRP has nothing to return.
use wdm_safe::irp::{Dispatched, Irp};

fn device_control(irp: Irp) -> Dispatched {
    drop(irp);
    Dispatched(wdm_safe::status::NtStatus::SUCCESS)
}

fn main() {}
