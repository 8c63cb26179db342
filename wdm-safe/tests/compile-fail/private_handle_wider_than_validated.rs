// A private handle made from a user's object has exactly the access the user's handle was
// validated for: a file referenced for SYNCHRONIZE only cannot be reopened KernelMode for
// FILE_READ_DATA, and the reference's access cannot be rewritten.
use wdm_safe::access::{Access, File};
use wdm_safe::handle::{KernelHandle, UserHandle};
use wdm_safe::irp::Irp;

fn widen(handle: UserHandle, irp: &Irp) {
    let Ok(mut file) = handle.reference::<File>(irp, Access::<File>::SYNCHRONIZE) else {
        return;
    };
    let _wider = KernelHandle::from_object(&file, Access::<File>::READ_DATA);
    file.access = Access::<File>::READ_DATA;
}

fn main() {}
