// A name that came off the wire is a RequestorPath, which only
// KernelHandle::open_file_for_requestor accepts (OBJ_FORCE_ACCESS_CHECK, in the requestor's
// context): it cannot be turned into a plain UNICODE_STRING or opened as the driver's own name.
use wdm_safe::handle::KernelHandle;
use wdm_safe::name::RequestorPath;
use wdm_safe::unicode::UnicodeStr;

fn open_unchecked(units: &[u16]) {
    let Some(path) = RequestorPath::from_wire(units) else {
        return;
    };
    let _name = path.unicode();
    let _plain = UnicodeStr::new(units);
    let _open = KernelHandle::open_file_for_read(&path);
}

fn main() {}
