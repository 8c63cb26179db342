// Completing an IRP consumes it: a second completion does not compile.
use handleguard::kernel::irp::Irp;
use handleguard::kernel::status::NtStatus;

fn complete_twice(irp: Irp) {
    let _first = irp.complete(NtStatus::SUCCESS, 0);
    let _second = irp.complete(NtStatus::CANCELLED, 0);
}

fn main() {}
