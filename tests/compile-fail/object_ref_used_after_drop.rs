// An ObjectRef releases its reference exactly once, in Drop; it cannot be used afterwards.
use handleguard::kernel::object::{Event, ObjectRef};

fn signal_after_release(event: ObjectRef<Event>) {
    drop(event);
    event.set();
}

fn main() {}
