// The kernel charges the *current* process: a charge made in the requestor's context cannot
// be taken to another thread (a worker, a DPC), where some other process is current.
use wdm_safe::irp::Irp;
use wdm_safe::pool::{Charge, Pool, PoolBox};

fn charge_elsewhere(pool: Pool, irp: &'static Irp) {
    if let Ok(charge) = Charge::requestor(irp) {
        std::thread::spawn(move || {
            let _ = PoolBox::new(&pool, 0x7473_6554, 0u64, charge);
        });
    }
}

fn main() {}
