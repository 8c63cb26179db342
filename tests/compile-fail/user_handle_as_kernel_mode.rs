// A user handle can only be referenced with the IRP's RequestorMode: there is no parameter
// for a mode, and the IRP does not give its RequestorMode out.
use handleguard::kernel::handle::{Access, UserHandle};
use handleguard::kernel::irp::Irp;
use handleguard::kernel::object::Event;

fn reference_as_kernel(handle: UserHandle, irp: &Irp) {
    let kernel_mode = 0i8;
    let _ = handle.reference::<Event>(irp, Access::<Event>::SYNCHRONIZE, kernel_mode);
    let _ = irp.requestor_mode();
}

fn main() {}
