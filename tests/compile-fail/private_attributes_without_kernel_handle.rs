// Object attributes for the driver's own handles always carry OBJ_KERNEL_HANDLE: they cannot
// be built from raw attribute bits or a raw OBJECT_ATTRIBUTES.
use handleguard::kernel::handle::ObjectAttributes;

fn main() {
    let _from_bits = ObjectAttributes::with(None, 0x40);
    let _literal = ObjectAttributes { raw: unimplemented!(), _name: core::marker::PhantomData };
}
