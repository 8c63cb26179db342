// An ObjectRef releases its reference exactly once, in Drop; it cannot be used afterwards.
use wdm_safe::access::Event;
use wdm_safe::object::ObjectRef;

fn signal_after_release(event: ObjectRef<Event>) {
    drop(event);
    event.set();
}

fn main() {}
