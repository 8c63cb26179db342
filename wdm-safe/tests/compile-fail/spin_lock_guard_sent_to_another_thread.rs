// A spin-lock guard restores the IRQL of the processor that took the lock: it cannot move to
// another thread.
use wdm_safe::sync::SpinLock;

fn release_elsewhere(lock: &'static SpinLock<u32>) {
    let guard = lock.lock();
    std::thread::spawn(move || drop(guard));
}

fn main() {}
