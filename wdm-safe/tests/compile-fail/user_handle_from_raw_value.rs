// A UserHandle only comes from a request's wire field (with its IRP, for the WOW64 rule);
// it cannot be made from a bare value, and a kernel handle cannot pose as one.
use wdm_safe::handle::UserHandle;

fn main() {
    let _forged = UserHandle(0x4);
}
