// A charge to the requestor's quota is valid only while its request is being handled in the
// requestor's context: it borrows the IRP, so it cannot be kept once the IRP is completed.
use wdm_safe::irp::{Dispatched, Irp, Written};
use wdm_safe::pool::{Charge, Pool, PoolBox};

fn charge_later(pool: Pool, irp: Irp) -> Dispatched {
    let charge = Charge::requestor(&irp).ok();
    let dispatched = irp.succeed(Written::NOTHING);
    if let Some(charge) = charge {
        // The request is over: whoever is current now would pay.
        let _ = PoolBox::new(&pool, 0x7473_6554, 0u64, charge);
    }
    dispatched
}

fn main() {}
