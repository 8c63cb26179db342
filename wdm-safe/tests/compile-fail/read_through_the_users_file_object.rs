// The driver reads a file only through a file object of its own (`OwnFile`, made only by
// reopening the user's file or by opening a requestor's path, each checked to be a file on a
// volume): a second handle to the user's own file object (`KernelHandle::from_object`, the
// same position and file-object lock) has no reads.
use wdm_safe::access::{Access, File};
use wdm_safe::handle::{KernelHandle, UserHandle};
use wdm_safe::irp::Irp;

fn read_the_users_file_object(handle: UserHandle, irp: &Irp) {
    let Ok(file) = handle.reference::<File>(irp, Access::<File>::READ_DATA) else {
        return;
    };
    let Ok(second) = KernelHandle::from_object(&file) else {
        return;
    };
    let mut buffer = [0u8; 16];
    let _ = second.read_at(0, &mut buffer);
}

fn main() {}
