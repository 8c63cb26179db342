//! Races on the real driver: several OS threads, each a thread of a simulated process, hit the
//! same opens and events at once while another thread moves the clock, so timer DPCs run in
//! parallel with registration, unregistration, IRP cancellation, cleanup and process exit.
//!
//! The model calls the driver without holding any lock of its own: the driver's spin locks and
//! the cancel spin lock are real locks between real threads, so a race in the driver is a race
//! here. Exact statuses cannot be predicted under a race, so each request must end in one of
//! the statuses its rules allow, every pended IRP must complete exactly once (the model stops
//! on a second completion), the driver's counters must add up (every successful registration
//! fired or was cancelled, exactly once), every event reference must be given back, and the
//! driver must unload with nothing left and the verifier silent.
//!
//! `HANDLEGUARD_RACE_ROUNDS` sets the rounds per test (default 200, a tenth of it for the
//! open/close churn); each round is a new kernel and new thread interleavings.
mod support;

use handleguard_protocol::{
    IOCTL_HANDLEGUARD_REGISTER_EVENT as REGISTER, IOCTL_HANDLEGUARD_UNREGISTER as UNREGISTER,
    IdRequest, Message, NotifyMode, RegisterEventReply, RegisterEventRequest,
};
use ntmodel::PendingIrp;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier, Mutex};
use support::*;

/// Registrations one open may hold: small, so the quota is hit under the race as well.
const QUOTA: u32 = 8;

fn rounds() -> u64 {
    std::env::var("HANDLEGUARD_RACE_ROUNDS")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(200)
}

fn boot_with_quota() -> Kernel {
    boot_with(|kernel| kernel.set_registry_dword(PARAMETERS, "MaxRegistrationsPerOpen", QUOTA))
}

/// A small deterministic generator per thread and round (xorshift64*), so a failing round can
/// be told apart from the others in the panic message.
struct Dice(u64);

impl Dice {
    fn new(round: u64, thread: u64) -> Self {
        Dice((round << 8 | thread).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % n
    }
}

fn encode<M: Message>(message: &M) -> Vec<u8> {
    let mut bytes = vec![0u8; M::SIZE];
    message.write_to(&mut bytes).expect("request fits");
    bytes
}

fn register_request(event: u64, due_ms: u32, mode: NotifyMode) -> Vec<u8> {
    encode(&RegisterEventRequest {
        event,
        due_ms,
        mode: mode as u32,
    })
}

/// What one worker saw; summed over the workers after the round.
#[derive(Default)]
struct Tally {
    /// Registrations the driver accepted (an id returned, or the IRP pended).
    accepted: u64,
    /// IRPs pended with `CompleteIrp`, to be checked once everything has settled.
    pended: Vec<PendingIrp>,
    /// `CompleteIrp` registrations whose timer fired on the clock thread before the dispatch
    /// routine's `STATUS_PENDING` reached the caller (the caller sees them completed).
    completed_at_once: u64,
}

impl Tally {
    fn add(&mut self, other: Tally) {
        self.accepted += other.accepted;
        self.pended.extend(other.pended);
        self.completed_at_once += other.completed_at_once;
    }
}

/// What the two threads of one process share: the ids either registered, the IRPs either
/// pended, and whether the second thread has closed the device handle.
#[derive(Default)]
struct Shared {
    ids: Mutex<Vec<u64>>,
    irps: Mutex<Vec<PendingIrp>>,
    device_closed: AtomicBool,
}

/// One thread of a process at work on the process's open of the device.
struct Worker {
    thread: Process,
    device: u64,
    shared: Arc<Shared>,
    dice: Dice,
    tally: Tally,
}

impl Worker {
    /// 60 random steps: registrations of both kinds, unregistrations and IRP cancels of ids
    /// and IRPs that either thread made, events closed while registered, `GET_INFO`.
    fn run(&mut self) {
        for step in 0..60 {
            let due_ms = u32::try_from(self.dice.below(6)).expect("small");
            match self.dice.below(6) {
                0 | 1 => self.register_event(step, due_ms),
                2 => self.register_irp(step, due_ms),
                3 => self.unregister(step),
                4 => self.cancel(),
                _ => self.get_info(step),
            }
        }
    }

    /// Once the sibling closed the device handle its value names nothing or, reused, another
    /// object of the process: the I/O manager refuses the request either way. The sibling
    /// raises the flag before it closes, so reading it after the request is safe.
    fn device_gone(&self, status: nt::NTSTATUS) -> bool {
        self.shared.device_closed.load(Ordering::SeqCst)
            && (status == nt::STATUS_INVALID_HANDLE || status == nt::STATUS_OBJECT_TYPE_MISMATCH)
    }

    /// A registration refused as a racing one may be: the open's quota is full, its cleanup
    /// has begun (the sibling closed the last handle while the request was on its way in), or
    /// the device handle is gone.
    fn refused_as_allowed(&self, status: nt::NTSTATUS) -> bool {
        status == nt::STATUS_QUOTA_EXCEEDED
            || status == nt::STATUS_DELETE_PENDING
            || self.device_gone(status)
    }

    fn register_event(&mut self, step: u32, due_ms: u32) {
        let event = self.thread.create_event(
            nt::SYNCHRONIZE | nt::EVENT_MODIFY_STATE,
            EventKind::Notification,
            false,
        );
        let input = register_request(event, due_ms, NotifyMode::SignalEvent);
        match self
            .thread
            .ioctl(self.device, REGISTER, &input, RegisterEventReply::SIZE)
        {
            IoOutcome::Done { status, output, .. } if status == nt::STATUS_SUCCESS => {
                let reply = RegisterEventReply::decode(&output).expect("a reply");
                self.tally.accepted += 1;
                self.shared.ids.lock().expect("ids").push(reply.id);
            }
            IoOutcome::Done { status, .. } => assert!(
                self.refused_as_allowed(status),
                "step {step}: REGISTER(SignalEvent) -> {status:#x}"
            ),
            IoOutcome::Pending(_) => panic!("step {step}: a SignalEvent registration pended"),
        }
        // The user closes the event at once: the driver holds a reference, not the handle.
        assert_eq!(self.thread.close(event), nt::STATUS_SUCCESS);
    }

    fn register_irp(&mut self, step: u32, due_ms: u32) {
        let input = register_request(0, due_ms, NotifyMode::CompleteIrp);
        match self
            .thread
            .ioctl(self.device, REGISTER, &input, RegisterEventReply::SIZE)
        {
            IoOutcome::Pending(irp) => {
                self.tally.accepted += 1;
                self.tally.pended.push(irp.clone());
                self.shared.irps.lock().expect("irps").push(irp);
            }
            // Completed before the dispatch routine's STATUS_PENDING reached the caller: by
            // its timer on the clock thread, or cancelled by the cleanup the sibling started.
            IoOutcome::Done { status, .. } if status == nt::STATUS_SUCCESS => {
                self.tally.accepted += 1;
                self.tally.completed_at_once += 1;
            }
            IoOutcome::Done { status, .. } if status == nt::STATUS_CANCELLED => {
                self.tally.accepted += 1;
            }
            IoOutcome::Done { status, .. } => assert!(
                self.refused_as_allowed(status),
                "step {step}: REGISTER(CompleteIrp) -> {status:#x}"
            ),
        }
    }

    /// Unregisters an id either thread registered (or 0, never issued).
    fn unregister(&mut self, step: u32) {
        let id = {
            let ids = self.shared.ids.lock().expect("ids");
            let index = usize::try_from(self.dice.below(ids.len() as u64 + 1)).expect("index");
            ids.get(index).copied().unwrap_or(0)
        };
        let status = raw(
            &self.thread,
            self.device,
            UNREGISTER,
            &encode(&IdRequest { id }),
            0,
        )
        .status;
        assert!(
            status == nt::STATUS_SUCCESS
                || status == nt::STATUS_NOT_FOUND
                || self.device_gone(status),
            "step {step}: UNREGISTER -> {status:#x}"
        );
    }

    /// Cancels an IRP either thread pended. Whether the cancel routine runs depends on the
    /// race with the DPC; the IRP's outcome is checked at the end of the round.
    fn cancel(&mut self) {
        let irp = {
            let irps = self.shared.irps.lock().expect("irps");
            let index = usize::try_from(self.dice.below(irps.len() as u64 + 1)).expect("index");
            irps.get(index).cloned()
        };
        if let Some(irp) = irp {
            let _ = self.thread.cancel(&irp);
        }
    }

    fn get_info(&mut self, step: u32) {
        let status = raw(
            &self.thread,
            self.device,
            handleguard_protocol::IOCTL_HANDLEGUARD_GET_INFO,
            &[],
            handleguard_protocol::InfoReply::SIZE,
        )
        .status;
        assert!(
            status == nt::STATUS_SUCCESS || self.device_gone(status),
            "step {step}: GET_INFO -> {status:#x}"
        );
    }
}

/// Moves the clock 1 ms at a time until `stop`, so DPCs run on this thread during the race.
fn clock(kernel: Kernel, stop: Arc<AtomicBool>) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        while !stop.load(Ordering::SeqCst) {
            kernel.advance_ms(1);
            std::thread::yield_now();
        }
    })
}

/// Every pended IRP completed exactly once, with success (its timer) or `STATUS_CANCELLED`.
/// Returns how many succeeded.
fn settled(pended: &[PendingIrp]) -> u64 {
    let mut succeeded = 0;
    for irp in pended {
        let (status, information, _) = irp.outcome().expect("every pended IRP completed");
        assert_eq!(
            information, 0,
            "a completed registration IRP returns no bytes"
        );
        match status {
            nt::STATUS_SUCCESS => succeeded += 1,
            nt::STATUS_CANCELLED => {}
            other => panic!("pended IRP {} completed with {other:#x}", irp.id()),
        }
    }
    succeeded
}

#[test]
fn two_threads_per_process_race_the_clock_on_shared_opens_and_everything_adds_up() {
    for round in 0..rounds() {
        let kernel = boot_with_quota();
        let (watcher, watch) = client(&kernel, "watcher");
        let stop = Arc::new(AtomicBool::new(false));
        let ticker = clock(kernel.clone(), Arc::clone(&stop));

        // alice keeps her open; bob's second thread closes bob's device handle half-way (cleanup
        // races bob's first thread); carol exits while her registrations are due.
        let workers: Vec<_> = ["alice", "bob", "carol"]
            .into_iter()
            .enumerate()
            .map(|(index, user)| {
                let (process, device) = client(&kernel, user);
                let shared = Arc::new(Shared::default());
                let threads: Vec<_> = (0..2u64)
                    .map(|half| {
                        let mut worker = Worker {
                            thread: if half == 0 {
                                process.clone()
                            } else {
                                process.new_thread()
                            },
                            device,
                            shared: Arc::clone(&shared),
                            dice: Dice::new(round, index as u64 * 2 + half),
                            tally: Tally::default(),
                        };
                        std::thread::spawn(move || {
                            worker.run();
                            if user == "bob" && half == 1 {
                                worker.shared.device_closed.store(true, Ordering::SeqCst);
                                assert_eq!(worker.thread.close(device), nt::STATUS_SUCCESS);
                                worker.run();
                            }
                            worker.tally
                        })
                    })
                    .collect();
                (user, process, threads)
            })
            .collect();

        let mut tally = Tally::default();
        let mut processes = Vec::new();
        for (user, process, threads) in workers {
            for thread in threads {
                tally.add(
                    thread
                        .join()
                        .unwrap_or_else(|_| panic!("round {round}: a {user} thread failed")),
                );
            }
            if user == "carol" {
                process.exit();
            }
            processes.push(process);
        }
        stop.store(true, Ordering::SeqCst);
        ticker.join().expect("clock");
        kernel.advance_ms(100);

        let fired_irps = settled(&tally.pended) + tally.completed_at_once;
        let counters = info(&watcher, watch);
        assert_eq!(
            counters.registrations_active, 0,
            "round {round}: all due by now"
        );
        assert_eq!(
            counters.registrations_fired + counters.registrations_cancelled,
            tally.accepted,
            "round {round}: every accepted registration fired or was cancelled, exactly once"
        );
        assert!(
            counters.registrations_fired >= fired_irps,
            "round {round}: fired {} < IRPs completed by their timer {fired_irps}",
            counters.registrations_fired
        );
        kernel.check_no_stop();
        let mut everyone: Vec<&Process> = processes.iter().collect();
        everyone.push(&watcher);
        unload_clean(&kernel, &everyone);
    }
}

#[test]
fn cancel_and_the_timer_race_for_the_same_irps_and_each_completes_once() {
    for round in 0..rounds() {
        let kernel = boot();
        let (alice, device) = client(&kernel, "alice");
        let pended: Vec<PendingIrp> = (0..64)
            .map(|_| {
                let input = register_request(0, 1, NotifyMode::CompleteIrp);
                alice
                    .ioctl(device, REGISTER, &input, RegisterEventReply::SIZE)
                    .pending()
                    .expect("a CompleteIrp registration pends")
            })
            .collect();

        // Two threads cancel (one from each end) while two others run the timer DPCs, as two
        // processors would; all four start together.
        let start = Arc::new(Barrier::new(4));
        let cancellers = [false, true].map(|backwards| {
            let thread = alice.new_thread();
            let pended = pended.clone();
            let start = Arc::clone(&start);
            std::thread::spawn(move || {
                start.wait();
                let mut order: Vec<&PendingIrp> = pended.iter().collect();
                if backwards {
                    order.reverse();
                }
                for irp in order {
                    let _ = thread.cancel(irp);
                }
            })
        });
        let clocks = [0, 1].map(|_| {
            let kernel = kernel.clone();
            let start = Arc::clone(&start);
            std::thread::spawn(move || {
                start.wait();
                kernel.advance_ms(1);
            })
        });
        for thread in cancellers.into_iter().chain(clocks) {
            thread.join().expect("racer");
        }
        kernel.advance_ms(1);

        let succeeded = settled(&pended);
        let counters = info(&alice, device);
        assert_eq!(counters.registrations_active, 0, "round {round}");
        assert_eq!(
            counters.registrations_fired, succeeded,
            "round {round}: fired = IRPs completed with success"
        );
        assert_eq!(
            counters.registrations_cancelled,
            64 - succeeded,
            "round {round}: cancelled = IRPs completed with STATUS_CANCELLED"
        );
        unload_clean(&kernel, &[&alice]);
    }
}

#[test]
fn cleanup_races_the_dpcs_of_its_own_registrations_and_gives_every_reference_back() {
    for round in 0..rounds() {
        let kernel = boot();
        let (alice, device) = client(&kernel, "alice");
        // Events alice keeps open, so their counts can be compared after the race.
        let events: Vec<u64> = (0..24)
            .map(|_| {
                alice.create_event(
                    nt::SYNCHRONIZE | nt::EVENT_MODIFY_STATE,
                    EventKind::Notification,
                    false,
                )
            })
            .collect();
        let baseline: Vec<_> = events
            .iter()
            .map(|&event| kernel.object_counts(&alice, event))
            .collect();
        for (index, &event) in events.iter().enumerate() {
            let due_ms = u32::try_from(index % 4).expect("small");
            let reply = raw(
                &alice,
                device,
                REGISTER,
                &register_request(event, due_ms, NotifyMode::SignalEvent),
                RegisterEventReply::SIZE,
            );
            assert_eq!(reply.status, nt::STATUS_SUCCESS);
        }
        let pended: Vec<PendingIrp> = (0..24)
            .map(|index| {
                let input = register_request(0, index % 4, NotifyMode::CompleteIrp);
                alice
                    .ioctl(device, REGISTER, &input, RegisterEventReply::SIZE)
                    .pending()
                    .expect("pends")
            })
            .collect();

        let closer = {
            let thread = alice.new_thread();
            std::thread::spawn(move || thread.close(device))
        };
        for _ in 0..4 {
            kernel.advance_ms(1);
        }
        assert_eq!(
            closer.join().expect("closer"),
            nt::STATUS_SUCCESS,
            "round {round}"
        );

        settled(&pended);
        let after: Vec<_> = events
            .iter()
            .map(|&event| kernel.object_counts(&alice, event))
            .collect();
        assert_eq!(
            after, baseline,
            "round {round}: every event reference given back"
        );
        let (bob, watch) = client(&kernel, "bob");
        let counters = info(&bob, watch);
        assert_eq!(counters.registrations_active, 0, "round {round}");
        assert_eq!(
            counters.registrations_fired + counters.registrations_cancelled,
            48,
            "round {round}: each registration fired or was cancelled by cleanup, once"
        );
        unload_clean(&kernel, &[&alice, &bob]);
    }
}

#[test]
fn opens_and_closes_race_requests_on_other_opens_and_the_open_count_comes_back() {
    for round in 0..rounds() / 10 {
        let kernel = boot_with_quota();
        let (watcher, watch) = client(&kernel, "watcher");
        let stop = Arc::new(AtomicBool::new(false));
        let ticker = clock(kernel.clone(), Arc::clone(&stop));
        let churners: Vec<_> = (0..3)
            .map(|index| {
                let process =
                    kernel.create_process("churn.exe", User::new(&format!("user{index}")));
                std::thread::spawn(move || {
                    for cycle in 0..40u32 {
                        let device = process
                            .open(DEVICE, nt::GENERIC_READ | nt::GENERIC_WRITE)
                            .expect("the device opens");
                        let input = register_request(0, cycle % 3, NotifyMode::CompleteIrp);
                        // Pended or already completed by its timer: either way the close
                        // below (cleanup) must settle it.
                        let _ = process.ioctl(device, REGISTER, &input, RegisterEventReply::SIZE);
                        assert_eq!(process.close(device), nt::STATUS_SUCCESS);
                    }
                    process
                })
            })
            .collect();
        let processes: Vec<Process> = churners
            .into_iter()
            .map(|churner| churner.join().expect("churner"))
            .collect();
        stop.store(true, Ordering::SeqCst);
        ticker.join().expect("clock");
        kernel.advance_ms(10);

        let counters = info(&watcher, watch);
        assert_eq!(
            counters.opens, 1,
            "round {round}: only the watcher's open is left"
        );
        assert_eq!(counters.registrations_active, 0, "round {round}");
        assert_eq!(
            counters.registrations_fired + counters.registrations_cancelled,
            120,
            "round {round}: each cycle's registration fired or was cancelled by its cleanup"
        );
        let mut everyone: Vec<&Process> = processes.iter().collect();
        everyone.push(&watcher);
        unload_clean(&kernel, &everyone);
    }
}
