// An IRP and a spin-lock guard are #[must_use]: ignoring one is an error under
// `deny(unused_must_use)`.
#![deny(unused_must_use)]
use wdm_safe::irp::Irp;
use wdm_safe::sync::SpinLock;

fn take(irp: Irp) -> Irp {
    irp
}

fn ignore(irp: Irp, lock: &SpinLock<u32>) {
    take(irp);
    lock.lock();
}

fn main() {}
