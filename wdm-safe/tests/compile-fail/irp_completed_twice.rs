// Completing an IRP consumes it: a second completion does not compile.
use wdm_safe::irp::{Irp, Written};
use wdm_safe::status::NtError;

fn complete_twice(irp: Irp) {
    let _first = irp.succeed(Written::NOTHING);
    let _second = irp.fail(NtError::CANCELLED);
}

fn main() {}
