//! The oracle: the [`Runner`] drives the model kernel and keeps its own model of what the
//! driver and the kernel must hold (processes and their handles, objects, the driver's opens
//! with their slot tables, pended IRPs, the counters of `GET_INFO`), and the bookkeeping the
//! steps share: picking processes and handles, registrations and their timers, cleanup and
//! exit.

use super::expect::Fail;
use super::namespace::{
    DEVICE, DEVICE_ACCESS, FILES, SERVICE_PARAMETERS, TICKS_PER_MS, USERS, content,
};
use super::{Config, HandlePick, Op};
use handleguard_protocol::{REFUSAL_KINDS, Refusal};
use nt_bindings as nt;
use ntmodel::constants::{CURRENT_PROCESS, CURRENT_THREAD};
use ntmodel::{FileSecurity, Kernel, PendingIrp, Process, User};
use std::collections::BTreeMap;

/// What an object of the model is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    /// A user event.
    Event,
    /// An event the driver created (`CREATE_KERNEL_EVENT`).
    KernelEvent,
    /// A file of the namespace.
    Disk { file: usize, synchronous: bool },
    /// The volume the files are on, opened whole (`\\.\C:`).
    Volume,
    /// A file object of the device: the driver's open `open`.
    Device { open: usize },
    /// An end of a named pipe (the server's or a client's).
    Pipe,
}

impl Kind {
    pub(super) fn is_event(self) -> bool {
        matches!(self, Kind::Event | Kind::KernelEvent)
    }
    fn is_file(self) -> bool {
        matches!(
            self,
            Kind::Disk { .. } | Kind::Volume | Kind::Device { .. } | Kind::Pipe
        )
    }
}

/// An object: its kind, its handle count, whether it is signaled (events).
#[derive(Debug)]
pub(super) struct Obj {
    pub(super) kind: Kind,
    pub(super) handles: u32,
    pub(super) signaled: bool,
}

/// A process and the handles it holds.
pub(super) struct Proc {
    pub(super) process: Process,
    pub(super) wow64: bool,
    pub(super) user: usize,
    pub(super) live: bool,
    /// Value -> (object, granted access).
    pub(super) handles: BTreeMap<u64, (usize, u32)>,
    pub(super) closed: Vec<u64>,
    /// Its pool quota is 0: every allocation charged to it fails.
    pub(super) starved: bool,
}

/// What a registration does when its timer fires.
#[derive(Clone, Copy, Debug)]
pub(super) enum What {
    /// Signals this user event, once.
    Signal(usize),
    /// Completes this pended IRP.
    Irp(usize),
    /// Signals this kernel event (the registration stays).
    Kernel(usize),
}

/// A registration in a slot of an open.
#[derive(Clone, Copy, Debug)]
pub(super) struct Reg {
    pub(super) key: u64,
    pub(super) what: What,
    /// Due time when armed.
    pub(super) due: Option<u64>,
    pub(super) order: u64,
}

/// A slot of an open's table: its generation and its registration, if any.
#[derive(Debug)]
pub(super) struct Slot {
    pub(super) generation: u32,
    pub(super) reg: Option<Reg>,
}

/// One of the driver's opens (a device file object).
#[derive(Debug)]
pub(super) struct Open {
    pub(super) live: bool,
    /// Whether the driver allocated the open's table (two blocks): at its first registration
    /// attempt that reached the table, kept until close.
    pub(super) table: bool,
    pub(super) slots: Vec<Slot>,
    /// Free slots; the last is the head of the driver's free list.
    pub(super) free: Vec<usize>,
    pub(super) issued: Vec<u64>,
}

/// An IRP the driver pended.
pub(super) struct Pend {
    pub(super) irp: PendingIrp,
    pub(super) proc: usize,
    pub(super) open: usize,
    /// The status it must complete with, once it must have.
    pub(super) result: Option<nt::NTSTATUS>,
    pub(super) verified: bool,
}

/// The counters `GET_INFO` reports.
#[derive(Default, Debug)]
pub(super) struct Counters {
    pub(super) opens: u64,
    pub(super) requests: u64,
    pub(super) active: u64,
    pub(super) fired: u64,
    pub(super) cancelled: u64,
    pub(super) refusals: [u64; REFUSAL_KINDS],
}

/// The driver and its oracle.
pub struct Runner {
    pub(super) kernel: Kernel,
    pub(super) system: Process,
    pub(super) procs: Vec<Proc>,
    pub(super) objs: Vec<Obj>,
    pub(super) opens: Vec<Open>,
    pub(super) pends: Vec<Pend>,
    pub(super) counters: Counters,
    pub(super) now: u64,
    pub(super) order: u64,
    pub(super) quota: usize,
    pub(super) kernel_handle: u64,
    pub(super) issued: Vec<u64>,
    pub(super) trace: Vec<String>,
}

impl Runner {
    pub(super) fn new(config: Config) -> Self {
        let kernel = Kernel::new();
        if let Some(quota) = config.quota {
            kernel.set_registry_dword(SERVICE_PARAMETERS, "MaxRegistrationsPerOpen", quota);
        }
        for (index, (path, readers)) in FILES.iter().enumerate() {
            kernel.add_file(path, &content(index), &FileSecurity::readable_by(readers));
        }
        assert_eq!(
            kernel.load_driver(handleguard::DriverEntry),
            nt::STATUS_SUCCESS
        );
        let kernel_handle = kernel.kernel_handle_of_some_object();
        let system = kernel.system();
        let mut runner = Self {
            kernel,
            system,
            procs: Vec::new(),
            objs: Vec::new(),
            opens: Vec::new(),
            pends: Vec::new(),
            counters: Counters::default(),
            now: 0,
            order: 0,
            quota: config.effective_quota(),
            kernel_handle,
            issued: Vec::new(),
            trace: Vec::new(),
        };
        // Two clients to start with: a 64-bit one and a WOW64 one, each with the device open.
        runner.spawn(0, false);
        runner.spawn(1, true);
        for proc in 0..2 {
            runner.open_device(proc, 0);
            let p = u8::try_from(proc).expect("process 0 or 1");
            runner.step(&Op::CreateEvent {
                p,
                access: 0,
                synchronization: false,
                initial: false,
            });
            runner.step(&Op::OpenFile {
                p,
                file: 0,
                access: 0,
                synchronous: true,
            });
        }
        runner.check();
        runner
    }

    /// Panics with `what` and the last steps.
    pub(super) fn fail(&self, what: &str) -> ! {
        let start = self.trace.len().saturating_sub(40);
        panic!(
            "{what}\nafter steps (last {} of {}):\n  {}",
            self.trace.len() - start,
            self.trace.len(),
            self.trace[start..].join("\n  ")
        );
    }

    /// Fails unless the model kernel shows what the oracle expects.
    pub(super) fn expect_eq<T: PartialEq + std::fmt::Debug>(
        &self,
        actual: &T,
        expected: &T,
        what: &str,
    ) {
        if actual != expected {
            self.fail(&format!(
                "{what}: got {actual:?}, the oracle says {expected:?}"
            ));
        }
    }

    /// The processes that have not exited.
    pub(super) fn live(&self) -> Vec<usize> {
        (0..self.procs.len())
            .filter(|&index| self.procs[index].live)
            .collect()
    }

    /// The live process `p` picks, if any is left.
    pub(super) fn pick_proc(&self, p: u8) -> Option<usize> {
        let live = self.live();
        (!live.is_empty()).then(|| live[usize::from(p) % live.len()])
    }

    pub(super) fn new_obj(&mut self, kind: Kind) -> usize {
        self.objs.push(Obj {
            kind,
            handles: 0,
            signaled: false,
        });
        self.objs.len() - 1
    }

    pub(super) fn add_handle(&mut self, proc: usize, value: u64, obj: usize) {
        let granted = self.procs[proc]
            .process
            .granted_access(value)
            .unwrap_or_else(|| self.fail(&format!("new handle {value:#x} is not in the table")));
        if self.procs[proc].handles.contains_key(&value) {
            self.fail(&format!("handle value {value:#x} handed out twice"));
        }
        self.procs[proc].handles.insert(value, (obj, granted));
        self.objs[obj].handles += 1;
    }

    pub(super) fn spawn(&mut self, user: usize, wow64: bool) {
        let name = USERS[user % USERS.len()];
        let process = if wow64 {
            self.kernel
                .create_process_32bit("app32.exe", User::new(name))
        } else {
            self.kernel.create_process("app.exe", User::new(name))
        };
        self.procs.push(Proc {
            process,
            wow64,
            user: user % USERS.len(),
            live: true,
            handles: BTreeMap::new(),
            closed: Vec::new(),
            starved: false,
        });
    }

    pub(super) fn open_device(&mut self, proc: usize, access: u8) {
        let access = DEVICE_ACCESS[usize::from(access) % DEVICE_ACCESS.len()];
        let result = self.procs[proc].process.open(DEVICE, access);
        if self.procs[proc].starved {
            // The open's state is charged to the opener.
            self.expect_eq(
                &result,
                &Err(nt::STATUS_INSUFFICIENT_RESOURCES),
                "a starved open",
            );
            return;
        }
        let Ok(value) = result else {
            self.fail(&format!("the device did not open: {result:?}"));
        };
        self.new_open();
        let obj = self.new_obj(Kind::Device {
            open: self.opens.len() - 1,
        });
        self.add_handle(proc, value, obj);
    }

    pub(super) fn new_open(&mut self) {
        self.counters.opens += 1;
        self.opens.push(Open {
            live: true,
            table: false,
            slots: (0..self.quota)
                .map(|_| Slot {
                    generation: 0,
                    reg: None,
                })
                .collect(),
            free: (0..self.quota).rev().collect(),
            issued: Vec::new(),
        });
    }

    /// The n-th live handle of `proc` that `fits`, else the n-th of any kind.
    pub(super) fn nth_handle(
        &self,
        proc: usize,
        n: u8,
        fits: impl Fn(Kind) -> bool,
    ) -> Option<u64> {
        let handles = &self.procs[proc].handles;
        let fitting: Vec<u64> = handles
            .iter()
            .filter(|(_, (obj, _))| fits(self.objs[*obj].kind))
            .map(|(value, _)| *value)
            .collect();
        let all: Vec<u64> = handles.keys().copied().collect();
        let list = if fitting.is_empty() { all } else { fitting };
        (!list.is_empty()).then(|| list[usize::from(n) % list.len()])
    }

    /// The handle value `pick` names in `proc`.
    pub(super) fn handle_value(
        &self,
        proc: usize,
        pick: HandlePick,
        fits: impl Fn(Kind) -> bool,
    ) -> u64 {
        let any = |n: u8| self.nth_handle(proc, n, |_| true);
        match pick {
            HandlePick::Fitting(n, tag) => self
                .nth_handle(proc, n, fits)
                .map_or(0x44, |v| v | u64::from(tag & 3)),
            HandlePick::Any(n) => any(n).unwrap_or(0x48),
            HandlePick::HighBits(n, high) => {
                self.nth_handle(proc, n, fits).unwrap_or(0x4C) | (u64::from(high.max(1)) << 32)
            }
            HandlePick::Closed(n) => {
                let closed = &self.procs[proc].closed;
                if closed.is_empty() {
                    0x50
                } else {
                    closed[usize::from(n) % closed.len()]
                }
            }
            HandlePick::Foreign(q, n) => {
                let others: Vec<usize> = (0..self.procs.len()).filter(|&i| i != proc).collect();
                if others.is_empty() {
                    return 0x54;
                }
                let other = others[usize::from(q) % others.len()];
                let values: Vec<u64> = self.procs[other].handles.keys().copied().collect();
                if values.is_empty() {
                    0x58
                } else {
                    values[usize::from(n) % values.len()]
                }
            }
            HandlePick::Kernel => self.kernel_handle,
            HandlePick::CurrentProcess => CURRENT_PROCESS,
            HandlePick::CurrentThread => CURRENT_THREAD,
            HandlePick::Null => 0,
            HandlePick::Garbage(value) => value,
        }
    }

    /// What `ObReferenceObjectByHandle(value, access, type, UserMode)` in `proc` gives.
    pub(super) fn reference(
        &self,
        proc: usize,
        value: u64,
        event: bool,
        access: u32,
    ) -> Result<usize, nt::NTSTATUS> {
        if value == 0 {
            return Err(nt::STATUS_INVALID_HANDLE);
        }
        if value == CURRENT_PROCESS || value == CURRENT_THREAD {
            return Err(nt::STATUS_OBJECT_TYPE_MISMATCH);
        }
        let Some(&(obj, granted)) = self.procs[proc].handles.get(&(value & !3)) else {
            return Err(nt::STATUS_INVALID_HANDLE);
        };
        let kind = self.objs[obj].kind;
        if (event && !kind.is_event()) || (!event && !kind.is_file()) {
            return Err(nt::STATUS_OBJECT_TYPE_MISMATCH);
        }
        if granted & access != access {
            return Err(nt::STATUS_ACCESS_DENIED);
        }
        Ok(obj)
    }

    /// A new registration in the free slot at the head of `open`'s free list (the quota
    /// refusal when none is left), armed when `due_ms` is given; its key is the slot's
    /// generation and index.
    pub(super) fn insert(
        &mut self,
        proc: usize,
        open: usize,
        what: What,
        due_ms: Option<u32>,
    ) -> Result<(usize, u64), Fail> {
        if self.procs[proc].starved {
            // The table (at the first registration) or the record, charged to the requestor,
            // cannot be allocated; either way nothing is kept.
            return Err(Fail::Failed(nt::STATUS_INSUFFICIENT_RESOURCES));
        }
        self.opens[open].table = true;
        let Some(slot) = self.opens[open].free.pop() else {
            return Err(Fail::Refused(Refusal::Quota, nt::STATUS_QUOTA_EXCEEDED));
        };
        let generation = self.opens[open].slots[slot].generation;
        let key = (u64::from(generation) << 32) | (slot as u64 + 1);
        if self.opens[open].issued.contains(&key) {
            self.fail(&format!("the oracle would reissue key {key:#x}"));
        }
        self.order += 1;
        let due = due_ms.map(|ms| self.now + u64::from(ms) * TICKS_PER_MS);
        self.opens[open].slots[slot].reg = Some(Reg {
            key,
            what,
            due,
            order: self.order,
        });
        self.opens[open].issued.push(key);
        self.issued.push(key);
        self.counters.active += 1;
        Ok((slot, key))
    }

    fn take(&mut self, open: usize, slot: usize) -> Reg {
        let entry = &mut self.opens[open].slots[slot];
        let reg = entry.reg.take().expect("a live registration");
        entry.generation = entry.generation.wrapping_add(1);
        self.opens[open].free.push(slot);
        reg
    }

    /// A pended registration the driver found cancelled at dispatch: completed at once,
    /// counted cancelled; its slot was never filled, so its key is not spent.
    pub(super) fn withdraw(&mut self, open: usize, slot: usize) {
        let entry = &mut self.opens[open].slots[slot];
        let reg = entry.reg.take().expect("the registration just inserted");
        self.opens[open].free.push(slot);
        self.opens[open].issued.retain(|key| *key != reg.key);
        self.issued.retain(|key| *key != reg.key);
        self.counters.active -= 1;
        self.counters.cancelled += 1;
    }

    /// Unregister, cleanup or cancel: the registration is gone, counted cancelled.
    pub(super) fn cancel_reg(&mut self, open: usize, slot: usize) {
        let reg = self.take(open, slot);
        self.counters.active -= 1;
        self.counters.cancelled += 1;
        if let What::Irp(pend) = reg.what {
            self.pends[pend].result = Some(nt::STATUS_CANCELLED);
        }
    }

    /// Timers due by now fire in order of due time, then of arming.
    pub(super) fn fire_due(&mut self) {
        loop {
            let mut next: Option<(u64, u64, usize, usize)> = None;
            for (open, entry) in self.opens.iter().enumerate() {
                for (slot, state) in entry.slots.iter().enumerate() {
                    if let Some(Reg {
                        due: Some(due),
                        order,
                        ..
                    }) = state.reg
                        && due <= self.now
                        && next.is_none_or(|(d, o, _, _)| (due, order) < (d, o))
                    {
                        next = Some((due, order, open, slot));
                    }
                }
            }
            let Some((_, _, open, slot)) = next else {
                return;
            };
            let reg = self.opens[open].slots[slot].reg.expect("armed");
            match reg.what {
                What::Kernel(event) => {
                    self.objs[event].signaled = true;
                    self.counters.fired += 1;
                    if let Some(reg) = &mut self.opens[open].slots[slot].reg {
                        reg.due = None;
                    }
                }
                What::Signal(event) => {
                    self.objs[event].signaled = true;
                    self.take(open, slot);
                    self.counters.active -= 1;
                    self.counters.fired += 1;
                }
                What::Irp(pend) => {
                    self.take(open, slot);
                    self.counters.active -= 1;
                    self.counters.fired += 1;
                    self.pends[pend].result = Some(nt::STATUS_SUCCESS);
                }
            }
        }
    }

    /// The last handle of `open` closed: `IRP_MJ_CLEANUP` cancels everything, then
    /// `IRP_MJ_CLOSE` (no reference is left once the pended IRPs complete).
    fn cleanup(&mut self, open: usize) {
        for slot in 0..self.opens[open].slots.len() {
            if self.opens[open].slots[slot].reg.is_some() {
                self.cancel_reg(open, slot);
            }
        }
        self.opens[open].live = false;
        self.counters.opens -= 1;
    }

    /// `value` closed in `proc`: the last handle of a device open cleans it up.
    pub(super) fn close_in_oracle(&mut self, proc: usize, value: u64) {
        let (obj, _) = self.procs[proc]
            .handles
            .remove(&value)
            .expect("a handle of the oracle");
        self.procs[proc].closed.push(value);
        self.objs[obj].handles -= 1;
        if self.objs[obj].handles == 0
            && let Kind::Device { open } = self.objs[obj].kind
        {
            self.cleanup(open);
        }
    }

    /// The slot of the registration that pended IRP `pend` belongs to.
    pub(super) fn slot_of_pend(&self, open: usize, pend: usize) -> usize {
        self.opens[open]
            .slots
            .iter()
            .position(|slot| matches!(slot.reg, Some(Reg { what: What::Irp(p), .. }) if p == pend))
            .unwrap_or_else(|| self.fail("a pending IRP without its registration"))
    }

    /// The process exits: its pended IRPs are cancelled, its handles closed.
    pub(super) fn exit(&mut self, proc: usize) {
        self.procs[proc].process.exit();
        for pend in 0..self.pends.len() {
            if self.pends[pend].proc == proc && self.pends[pend].result.is_none() {
                let open = self.pends[pend].open;
                let slot = self.slot_of_pend(open, pend);
                self.cancel_reg(open, slot);
            }
        }
        let values: Vec<u64> = self.procs[proc].handles.keys().copied().collect();
        for value in values {
            self.close_in_oracle(proc, value);
        }
        self.procs[proc].live = false;
    }
}
