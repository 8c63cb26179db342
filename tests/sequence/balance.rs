//! What must balance after every step (handle tables, references and handle counts, timers,
//! pool, the kernel handle table, IRPs, verifier stops), and the final audit and unload.

use super::oracle::{Kind, Runner, What};
use handleguard_protocol::{self as protocol, InfoReply};
use nt_bindings as nt;

impl Runner {
    /// (references, handles) the model must show for `obj`: the driver's references on
    /// events, the pended IRPs' on a device file object.
    fn expected_counts(&self, obj: usize) -> (u64, u32) {
        let registrations = self
            .opens
            .iter()
            .flat_map(|open| open.slots.iter())
            .filter_map(|slot| slot.reg);
        let references = match self.objs[obj].kind {
            Kind::Event | Kind::KernelEvent => registrations
                .filter(|reg| matches!(reg.what, What::Signal(e) | What::Kernel(e) if e == obj))
                .count() as u64,
            Kind::Device { open } => self
                .pends
                .iter()
                .filter(|pend| pend.open == open && pend.result.is_none())
                .count() as u64,
            Kind::Disk { .. } | Kind::Volume | Kind::Pipe => 0,
        };
        (references, self.objs[obj].handles)
    }

    /// What must balance after every step.
    pub(super) fn check(&mut self) {
        for proc in self.live() {
            let expected: Vec<u64> = self.procs[proc].handles.keys().copied().collect();
            self.expect_eq(
                &self.procs[proc].process.handles(),
                &expected,
                &format!("process {proc}'s handle table"),
            );
            for (&value, &(obj, _)) in &self.procs[proc].handles {
                let counts = self.kernel.object_counts(&self.procs[proc].process, value);
                self.expect_eq(
                    &counts,
                    &Some(self.expected_counts(obj)),
                    &format!(
                        "(references, handles) of {:?} {value:#x}",
                        self.objs[obj].kind
                    ),
                );
            }
        }
        let live_regs = self
            .opens
            .iter()
            .flat_map(|open| open.slots.iter())
            .filter(|slot| slot.reg.is_some())
            .count();
        let armed = self
            .opens
            .iter()
            .flat_map(|open| open.slots.iter())
            .filter(|slot| slot.reg.is_some_and(|reg| reg.due.is_some()))
            .count();
        let live_opens = self.opens.iter().filter(|open| open.live).count();
        let live_tables = self
            .opens
            .iter()
            .filter(|open| open.live && open.table)
            .count();
        self.expect_eq(&self.kernel.armed_timers(), &armed, "timers armed");
        self.expect_eq(
            &self.kernel.pool_outstanding(),
            &(live_opens + 2 * live_tables + live_regs),
            "driver pool outstanding (1 per open, 2 per table, 1 per registration)",
        );
        self.expect_eq(
            &self.kernel.system_handle_values(),
            &vec![self.kernel_handle],
            "the kernel handle table",
        );
        let pending = self
            .pends
            .iter()
            .filter(|pend| pend.result.is_none())
            .count();
        self.expect_eq(&self.kernel.pending_irps(), &pending, "IRPs pending");
        for index in 0..self.pends.len() {
            if let Some(status) = self.pends[index].result
                && !self.pends[index].verified
            {
                let outcome = self.pends[index].irp.outcome();
                self.expect_eq(
                    &outcome,
                    &Some((status, 0, Vec::new())),
                    &format!("pended IRP {index}"),
                );
                self.pends[index].verified = true;
            }
        }
        let stops = self.kernel.verifier_stops();
        if !stops.is_empty() {
            self.fail(&format!("verifier stop(s): {stops:?}"));
        }
    }

    /// A last audit from a fresh process, every process exits, and the driver unloads with
    /// nothing left.
    pub(super) fn finish(mut self) {
        self.trace.push("finish".to_owned());
        self.spawn(0, false);
        let auditor = self.procs.len() - 1;
        self.open_device(auditor, 0);
        let device = *self.procs[auditor]
            .handles
            .keys()
            .next()
            .expect("the device");
        self.counters.requests += 1;
        let outcome = self.procs[auditor].process.ioctl(
            device,
            protocol::IOCTL_HANDLEGUARD_GET_INFO,
            &[],
            InfoReply::SIZE,
        );
        self.expect_eq(&outcome.status(), &nt::STATUS_SUCCESS, "the final GET_INFO");
        self.expect_eq(
            &InfoReply::decode(outcome.output()).ok(),
            &Some(self.info()),
            "the final counters",
        );
        for proc in self.live() {
            self.exit(proc);
        }
        self.check();
        self.expect_eq(&self.counters.opens, &0, "opens after every process exited");
        self.expect_eq(&self.counters.active, &0, "registrations after every exit");
        if let Err(report) = self.kernel.unload_driver() {
            self.fail(&format!("unload was not clean: {report:?}"));
        }
        self.kernel.check_no_stop();
        self.expect_eq(&self.kernel.pool_outstanding(), &0, "pool after unload");
        self.expect_eq(&self.kernel.pending_irps(), &0, "IRPs after unload");
        self.expect_eq(&self.kernel.armed_timers(), &0, "timers after unload");
    }
}
