//! What each operation does on the model kernel and what it must come to.

use super::expect::Expect;
use super::namespace::{
    DEVICE, EVENT_ACCESS, FILE_ACCESS, FILES, Resolved, TICKS_PER_MS, USERS, readable, resolve,
};
use super::oracle::{Kind, Pend, Runner, What};
use super::{HandlePick, MAX_PROCESSES, Op, Req};
use handleguard_protocol::{KernelEventReply, Refusal};
use nt_bindings as nt;
use ntmodel::constants::{CURRENT_PROCESS, CURRENT_THREAD};
use ntmodel::{EventKind, FileOpen, IoOutcome};

/// How a step's request reaches the driver.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Send {
    /// Dispatched where `via` says ([`Runner::send`]).
    Via(Option<u8>),
    /// In the requestor's context, already cancelled.
    Cancelled,
}

impl Runner {
    /// Runs one operation and checks what it returns.
    pub(super) fn step(&mut self, op: &Op) {
        match op {
            Op::Spawn { user, wow64 } => {
                if self.live().len() < MAX_PROCESSES {
                    self.spawn(usize::from(*user), *wow64);
                }
            }
            Op::OpenDevice { p, access } => {
                self.in_process(*p, |runner, proc| runner.open_device(proc, *access));
            }
            Op::OpenUnder { p, name } => {
                self.in_process(*p, |runner, proc| runner.open_under(proc, *name));
            }
            Op::OpenPath { p, units } => {
                self.in_process(*p, |runner, proc| runner.open_path(proc, units));
            }
            Op::Duplicate { p, handle } => {
                self.in_process(*p, |runner, proc| runner.duplicate(proc, *handle));
            }
            Op::CreateEvent {
                p,
                access,
                synchronization,
                initial,
            } => self.in_process(*p, |runner, proc| {
                runner.create_event(proc, *access, *synchronization, *initial);
            }),
            Op::OpenFile {
                p,
                file,
                access,
                synchronous,
            } => self.in_process(*p, |runner, proc| {
                runner.open_file(proc, *file, *access, *synchronous);
            }),
            Op::Ioctl {
                p,
                device,
                via,
                req,
            } => self.in_process(*p, |runner, proc| {
                runner.ioctl(proc, *device, Send::Via(*via), req);
            }),
            Op::IoctlCancelled { p, device, req } => self.in_process(*p, |runner, proc| {
                runner.ioctl(proc, *device, Send::Cancelled, req);
            }),
            Op::CreatePipe { p, data } => {
                self.in_process(*p, |runner, proc| runner.create_pipe(proc, *data));
            }
            Op::PoolQuota { p, starved } => self.in_process(*p, |runner, proc| {
                runner.procs[proc]
                    .process
                    .set_pool_quota(starved.then_some(0));
                runner.procs[proc].starved = *starved;
            }),
            Op::Close { p, handle } => {
                self.in_process(*p, |runner, proc| runner.close(proc, *handle));
            }
            Op::SetEvent { p, handle } => {
                self.in_process(*p, |runner, proc| runner.set_event(proc, *handle));
            }
            Op::Observe { p, event } => {
                self.in_process(*p, |runner, proc| runner.observe(proc, *event));
            }
            Op::Advance { ms } => self.advance(*ms),
            Op::Cancel { irp } => self.cancel(*irp),
            Op::Exit { p } => self.in_process(*p, Self::exit),
        }
    }

    /// Runs `act` in the live process `p` picks; nothing when every process has exited.
    fn in_process(&mut self, p: u8, act: impl FnOnce(&mut Self, usize)) {
        if let Some(proc) = self.pick_proc(p) {
            act(self, proc);
        }
    }

    /// An open of a name under the device: refused, audited.
    fn open_under(&mut self, proc: usize, name: u8) {
        let name = [
            "x",
            "",
            "a\\b",
            "..\\HandleGuard\\x",
            "HandleGuard",
            "\\",
            " ",
        ][usize::from(name) % 7];
        let path = format!("{DEVICE}\\{name}");
        let result = self.procs[proc].process.open(&path, nt::GENERIC_READ);
        self.expect_eq(
            &result,
            &Err(nt::STATUS_OBJECT_NAME_NOT_FOUND),
            "an open under the device",
        );
        self.counters.refusals[Refusal::NamespaceOpen.index()] += 1;
    }

    /// An open of any path: the device (a new open), a name under it (refused, audited), a
    /// file (if the user may read it), the volume whole, or nothing.
    fn open_path(&mut self, proc: usize, units: &[u16]) {
        let path = String::from_utf16_lossy(units);
        let result = self.procs[proc].process.open(&path, nt::GENERIC_READ);
        let user = USERS[self.procs[proc].user];
        match (resolve(&path), result) {
            (Resolved::Device { under: false }, Err(nt::STATUS_INSUFFICIENT_RESOURCES))
                if self.procs[proc].starved => {}
            (Resolved::Device { under: false }, Ok(value)) if !self.procs[proc].starved => {
                self.new_open();
                let obj = self.new_obj(Kind::Device {
                    open: self.opens.len() - 1,
                });
                self.add_handle(proc, value, obj);
            }
            (Resolved::Device { under: true }, Err(nt::STATUS_OBJECT_NAME_NOT_FOUND)) => {
                self.counters.refusals[Refusal::NamespaceOpen.index()] += 1;
            }
            (Resolved::Disk(file), Ok(value)) if readable(file, user) => {
                let obj = self.new_obj(Kind::Disk {
                    file,
                    synchronous: true,
                });
                self.add_handle(proc, value, obj);
            }
            (Resolved::Disk(file), Err(nt::STATUS_ACCESS_DENIED)) if !readable(file, user) => {}
            (Resolved::Volume, Ok(value)) => {
                let obj = self.new_obj(Kind::Volume);
                self.add_handle(proc, value, obj);
            }
            (Resolved::Nothing, Err(nt::STATUS_OBJECT_NAME_NOT_FOUND)) => {}
            (_, result) => self.fail(&format!("opening {path:?}: {result:?}")),
        }
    }

    /// `CreateNamedPipeW`, a client's `CreateFileW` on it, and (with `data`) a write from the
    /// client that waits at the server end.
    fn create_pipe(&mut self, proc: usize, data: bool) {
        let name = format!("hgseq{}", self.objs.len());
        let process = self.procs[proc].process.clone();
        let server = process
            .create_named_pipe(&name)
            .unwrap_or_else(|status| self.fail(&format!("CreateNamedPipeW: {status:#x}")));
        let obj = self.new_obj(Kind::Pipe);
        self.add_handle(proc, server, obj);
        let client = process
            .open(
                &format!(r"\\.\pipe\{name}"),
                nt::GENERIC_READ | nt::GENERIC_WRITE,
            )
            .unwrap_or_else(|status| self.fail(&format!("opening the pipe: {status:#x}")));
        let obj = self.new_obj(Kind::Pipe);
        self.add_handle(proc, client, obj);
        if data {
            let written = process.write_file(client, b"in the pipe");
            self.expect_eq(&written, &Ok(11), "a write into the pipe");
        }
    }

    /// The n-th handle duplicated with the same access.
    fn duplicate(&mut self, proc: usize, handle: u8) {
        let Some(value) = self.nth_handle(proc, handle, |_| true) else {
            return;
        };
        let obj = self.procs[proc].handles[&value].0;
        let result = self.procs[proc].process.duplicate_same_access(value);
        let Ok(new) = result else {
            self.fail(&format!("duplicating {value:#x}: {result:?}"));
        };
        self.add_handle(proc, new, obj);
        self.expect_eq(
            &self.procs[proc].handles[&new].1,
            &self.procs[proc].handles[&value].1,
            "a duplicate's access",
        );
    }

    fn create_event(&mut self, proc: usize, access: u8, synchronization: bool, initial: bool) {
        let access = EVENT_ACCESS[usize::from(access) % EVENT_ACCESS.len()];
        let kind = if synchronization {
            EventKind::Synchronization
        } else {
            EventKind::Notification
        };
        let value = self.procs[proc].process.create_event(access, kind, initial);
        let obj = self.new_obj(Kind::Event);
        self.objs[obj].signaled = initial;
        self.add_handle(proc, value, obj);
    }

    /// A file of the namespace opened: only if the user may read it.
    fn open_file(&mut self, proc: usize, file: u8, access: u8, synchronous: bool) {
        let file = usize::from(file) % FILES.len();
        let access = FILE_ACCESS[usize::from(access) % FILE_ACCESS.len()];
        let how = if synchronous {
            FileOpen::Synchronous
        } else {
            FileOpen::Asynchronous
        };
        let result = self.procs[proc]
            .process
            .open_file(FILES[file].0, access, how);
        let user = USERS[self.procs[proc].user];
        match result {
            Ok(value) if readable(file, user) => {
                let obj = self.new_obj(Kind::Disk { file, synchronous });
                self.add_handle(proc, value, obj);
            }
            Err(nt::STATUS_ACCESS_DENIED) if !readable(file, user) => {}
            other => self.fail(&format!("{user} opening {}: {other:?}", FILES[file].0)),
        }
    }

    /// `NtClose`: a handle of the process (tag bits ignored) closes, anything else is invalid.
    fn close(&mut self, proc: usize, handle: HandlePick) {
        let value = self.handle_value(proc, handle, |_| true);
        let status = self.procs[proc].process.close(value);
        let known = value != 0
            && value != CURRENT_PROCESS
            && value != CURRENT_THREAD
            && self.procs[proc].handles.contains_key(&(value & !3));
        if known {
            self.expect_eq(&status, &nt::STATUS_SUCCESS, "NtClose");
            self.close_in_oracle(proc, value & !3);
        } else {
            self.expect_eq(&status, &nt::STATUS_INVALID_HANDLE, "NtClose");
        }
    }

    /// `NtSetEvent`: needs an event handle with `EVENT_MODIFY_STATE`.
    fn set_event(&mut self, proc: usize, handle: HandlePick) {
        let value = self.handle_value(proc, handle, Kind::is_event);
        let status = self.procs[proc].process.set_event(value);
        match self.reference(proc, value, true, nt::EVENT_MODIFY_STATE) {
            Ok(obj) => {
                self.expect_eq(&status, &nt::STATUS_SUCCESS, "NtSetEvent");
                self.objs[obj].signaled = true;
            }
            Err(expected) => self.expect_eq(&status, &expected, "NtSetEvent"),
        }
    }

    /// Whether the n-th event of the process is signaled, as the oracle says.
    fn observe(&mut self, proc: usize, event: u8) {
        let Some(value) = self.nth_handle(proc, event, Kind::is_event) else {
            return;
        };
        let obj = self.procs[proc].handles[&value].0;
        if self.objs[obj].kind.is_event() {
            let signaled = self.procs[proc].process.is_signaled(value);
            self.expect_eq(&signaled, &Ok(self.objs[obj].signaled), "signaled");
        }
    }

    /// The clock moves; the timers due by then fire.
    fn advance(&mut self, ms: u16) {
        self.kernel.advance_ms(u64::from(ms));
        self.now += u64::from(ms) * TICKS_PER_MS;
        self.fire_due();
    }

    /// `CancelIoEx` on the n-th IRP ever pended: its cancel routine runs only if it is still
    /// pending, and then the registration is cancelled.
    fn cancel(&mut self, irp: u8) {
        if self.pends.is_empty() {
            return;
        }
        let pend = usize::from(irp) % self.pends.len();
        let proc = self.pends[pend].proc;
        let irp = self.pends[pend].irp.clone();
        let called = self.procs[proc].process.cancel(&irp);
        let pending = self.pends[pend].result.is_none();
        self.expect_eq(&called, &pending, "the cancel routine was called");
        if pending {
            let open = self.pends[pend].open;
            let slot = self.slot_of_pend(open, pend);
            self.cancel_reg(open, slot);
        }
    }

    /// A device-control request on `device`, dispatched in the requestor's context or, with
    /// `via`, in another; its outcome compared with what the I/O manager and the driver must
    /// do with the bytes. Timers due by then fire.
    fn ioctl(&mut self, proc: usize, device: HandlePick, how: Send, req: &Req) {
        let device = self.handle_value(proc, device, |kind| matches!(kind, Kind::Device { .. }));
        let open_of_device = self.procs[proc]
            .handles
            .get(&(device & !3))
            .and_then(|(obj, _)| match self.objs[*obj].kind {
                Kind::Device { open } => Some(open),
                _ => None,
            });
        let (code, input, out_len) = self.build(proc, open_of_device, req);
        let (same, outcome) = match how {
            Send::Via(via) => self.send(proc, via, device, code, &input, out_len),
            Send::Cancelled => (
                true,
                self.procs[proc]
                    .process
                    .ioctl_cancelled_before_dispatch(device, code, &input, out_len),
            ),
        };
        let what = format!("IOCTL {code:#x} ({} bytes in, {out_len} out)", input.len());
        let expect = match self.io_manager(proc, device, code) {
            Err(status) => Expect::Done(status, Vec::new()),
            Ok(open) => match self.driver(proc, open, same, code, &input, out_len) {
                // The driver sees Irp->Cancel as it pends: completed at once, no slot taken.
                Expect::Pending { open, slot } if how == Send::Cancelled => {
                    self.withdraw(open, slot);
                    Expect::Done(nt::STATUS_CANCELLED, Vec::new())
                }
                expect => expect,
            },
        };
        self.compare(proc, &what, expect, outcome);
        self.fire_due();
    }

    /// Sends the request from `proc`, dispatched where `via` says (none: in `proc`; 0: in the
    /// System process; n: in the n-th live process). Returns whether it was dispatched in the
    /// requestor's own context, and the outcome.
    fn send(
        &self,
        proc: usize,
        via: Option<u8>,
        device: u64,
        code: u32,
        input: &[u8],
        out_len: usize,
    ) -> (bool, IoOutcome) {
        let process = self.procs[proc].process.clone();
        let live = self.live();
        match via {
            None => (true, process.ioctl(device, code, input, out_len)),
            Some(0) => (
                false,
                process.ioctl_dispatched_in(&self.system, device, code, input, out_len),
            ),
            Some(n) => {
                let other = live[usize::from(n - 1) % live.len()];
                let worker = self.procs[other].process.clone();
                (
                    other == proc,
                    process.ioctl_dispatched_in(&worker, device, code, input, out_len),
                )
            }
        }
    }

    /// Compares what a request came to with what it must: the status and the reply, a pended
    /// IRP (recorded for its completion), or a new kernel event (its id and its user handle).
    fn compare(&mut self, proc: usize, what: &str, expect: Expect, outcome: IoOutcome) {
        match (expect, outcome) {
            (
                Expect::Done(status, bytes),
                IoOutcome::Done {
                    status: actual,
                    information,
                    output,
                },
            ) => {
                self.expect_eq(&actual, &status, what);
                self.expect_eq(
                    &information,
                    &(bytes.len() as u64),
                    &format!("{what}: information"),
                );
                self.expect_eq(&output, &bytes, &format!("{what}: output"));
            }
            (Expect::Pending { open, slot }, IoOutcome::Pending(irp)) => {
                self.pends.push(Pend {
                    irp,
                    proc,
                    open,
                    result: None,
                    verified: false,
                });
                let pend = self.pends.len() - 1;
                if let Some(reg) = &mut self.opens[open].slots[slot].reg {
                    reg.what = What::Irp(pend);
                }
            }
            (
                Expect::KernelEvent { key, event },
                IoOutcome::Done {
                    status,
                    information,
                    output,
                },
            ) => {
                self.expect_eq(&status, &nt::STATUS_SUCCESS, what);
                self.expect_eq(&information, &(KernelEventReply::SIZE as u64), what);
                let reply = KernelEventReply::decode(&output).expect("a kernel event reply");
                self.expect_eq(&reply.id, &key, "the kernel event's id");
                self.add_handle(proc, reply.handle, event);
                self.expect_eq(
                    &self.procs[proc].handles[&reply.handle].1,
                    &nt::SYNCHRONIZE,
                    "the access of the kernel event's user handle",
                );
            }
            (Expect::Pending { .. }, outcome) => {
                self.fail(&format!("{what}: must pend, came to {outcome:?}"));
            }
            (_, IoOutcome::Pending(_)) => self.fail(&format!("{what}: must not pend")),
        }
    }
}
