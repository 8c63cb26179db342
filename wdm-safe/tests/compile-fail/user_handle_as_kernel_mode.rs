// A user handle can only be referenced with the IRP's RequestorMode: there is no parameter
// for a mode, and the IRP does not give its RequestorMode out.
use wdm_safe::access::{Access, Event};
use wdm_safe::handle::UserHandle;
use wdm_safe::irp::Irp;

fn reference_as_kernel(handle: UserHandle, irp: &Irp) {
    let kernel_mode = 0i8;
    let _ = handle.reference::<Event>(irp, Access::<Event>::SYNCHRONIZE, kernel_mode);
    let _ = irp.requestor_mode();
}

fn main() {}
