// Object attributes for the driver's own handles always carry OBJ_KERNEL_HANDLE: the type is
// the layer's own, so code above it cannot build one at all, from bits or otherwise.
use wdm_safe::attributes::ObjectAttributes;

fn main() {
    let _from_bits = ObjectAttributes::with(None, 0x40);
}
