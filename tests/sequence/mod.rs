//! Operation sequences on the real driver in the model kernel, every step checked against an
//! oracle: processes (64-bit and WOW64), device opens and sub-opens, events and files with
//! various access, duplicated and closed handles, every IOCTL (well-formed or raw bytes, any
//! output length, dispatched in the requestor's context or forwarded into another), user
//! event operations, the clock, cancellation, handle closes (cleanup) and process exit.
//!
//! The oracle knows what each step must return, exactly: the status, the reply bytes (ids
//! included: it models the driver's slot table and generations), the refusal audit and the
//! counters of `GET_INFO`. After every step it checks what must balance: each process's
//! handle table, each object's references and handle count, IRPs pending, timers armed,
//! driver pool outstanding, no driver handle left in the kernel table, no verifier stop. At
//! the end every process exits and the driver must unload with nothing left.
//!
//! Shared by `tests/properties.rs` (proptest) and the cargo-fuzz targets `sequences` and
//! `ioctl` (`fuzz/`), which decode operations from bytes with [`decode`] and [`decode_raw`].
//!
//! This file holds the operations and [`run`]; the rest is in
//! - `namespace.rs`: users, files, access masks, codes, path resolution;
//! - `oracle.rs`: the [`Runner`], its model of the driver's and the kernel's state, and the
//!   bookkeeping shared by the steps (handles, registrations, timers, cleanup, exit);
//! - `steps.rs`: what each operation does and must come to;
//! - `expect.rs`: the bytes of each request and the driver's expected answer;
//! - `balance.rs`: what must balance after every step, and the final audit and unload;
//! - `decode.rs`: operations from fuzz input.

mod balance;
mod decode;
mod expect;
mod namespace;
mod oracle;
mod steps;

#[allow(unused_imports, reason = "each fuzz target uses one decoder")]
pub use decode::{decode, decode_raw};
pub use oracle::Runner;

/// Processes alive at once, at most.
pub const MAX_PROCESSES: usize = 4;
/// Operations one case runs, at most.
pub const MAX_OPS: usize = 256;

/// Per-case setup: the `MaxRegistrationsPerOpen` value in the registry (`None`: absent).
#[derive(Clone, Copy, Debug)]
pub struct Config {
    /// The registry value, if set.
    pub quota: Option<u32>,
}

impl Config {
    fn effective_quota(self) -> usize {
        match self.quota {
            Some(value @ 1..=4096) => value as usize,
            _ => 64,
        }
    }
}

/// An output buffer length, relative to the reply's size.
#[derive(Clone, Copy, Debug)]
pub enum OutLen {
    /// Exactly the reply's size.
    Exact,
    /// No output buffer.
    Zero,
    /// One byte short.
    Short,
    /// Larger by this much.
    Long(u16),
}

impl OutLen {
    fn resolve(self, size: usize) -> usize {
        match self {
            Self::Exact => size,
            Self::Zero => 0,
            Self::Short => size.saturating_sub(1),
            Self::Long(extra) => size + usize::from(extra),
        }
    }
}

/// Which handle value a request carries.
#[derive(Clone, Copy, Debug)]
pub enum HandlePick {
    /// The n-th live handle of the process of the kind the request wants (any if none),
    /// with these tag bits (the low two bits, which the kernel ignores).
    Fitting(u8, u8),
    /// The n-th live handle of the process, of any kind.
    Any(u8),
    /// The n-th live handle with garbage in the high half (a WOW64 caller's value is cut to
    /// the low half; a 64-bit caller's is not).
    HighBits(u8, u32),
    /// The n-th handle value the process closed (its slot may have been reused).
    Closed(u8),
    /// The n-th handle of another process (the value only).
    Foreign(u8, u8),
    /// A valid kernel handle (the kernel's own, not the driver's).
    Kernel,
    /// `NtCurrentProcess()`.
    CurrentProcess,
    /// `NtCurrentThread()`.
    CurrentThread,
    /// NULL.
    Null,
    /// Any value.
    Garbage(u64),
}

/// Which registration id a request carries.
#[derive(Clone, Copy, Debug)]
pub enum IdPick {
    /// The n-th live registration of this open (pended IRPs included, whose ids the caller
    /// never saw).
    Live(u8),
    /// The n-th id any open was ever given (stale, or another open's).
    Issued(u8),
    /// Any value.
    Garbage(u64),
}

/// Which path `OPEN_AS_CALLER` carries.
#[derive(Clone, Debug)]
pub enum PathPick {
    /// A file of the namespace, in its spelling.
    File(u8),
    /// A file of the namespace in upper case.
    Upper(u8),
    /// A path that does not exist.
    Missing,
    /// The device itself (`\??\HandleGuard`): the driver opens itself.
    Device,
    /// A name under the device (`\Device\HandleGuard\x`).
    UnderDevice,
    /// Malformed: path_units 0, path_units too large, non-zero padding, or reserved != 0.
    Malformed(u8),
    /// These code units.
    Units(Vec<u16>),
}

/// Which IOCTL code a raw request carries.
#[derive(Clone, Copy, Debug)]
pub enum CodePick {
    /// The n-th of the driver's codes.
    Ours(u8),
    /// `CTL_CODE(FILE_DEVICE_UNKNOWN, 0x800 + function % 16, method, access)`: near ours.
    Near(u8, u8, u8),
    /// Any value.
    Any(u32),
}

/// A device-control request.
#[derive(Clone, Debug)]
pub enum Req {
    /// `GET_INFO`, with `input_len` bytes of input.
    GetInfo { input_len: u8, out: OutLen },
    /// `REGISTER_EVENT`.
    Register {
        handle: HandlePick,
        due_ms: u32,
        mode: u32,
        out: OutLen,
    },
    /// `UNREGISTER`.
    Unregister { id: IdPick },
    /// `INSPECT_FILE`.
    Inspect { handle: HandlePick, out: OutLen },
    /// `OPEN_AS_CALLER`.
    OpenAsCaller { path: PathPick, out: OutLen },
    /// `CREATE_KERNEL_EVENT`.
    CreateKernelEvent {
        due_ms: u32,
        reserved: u32,
        out: OutLen,
    },
    /// `SIGNAL_KERNEL_EVENT`.
    SignalKernelEvent { id: IdPick },
    /// Any code, any input bytes, any output length.
    Raw {
        code: CodePick,
        input: Vec<u8>,
        out_len: u16,
    },
}

/// One step.
#[derive(Clone, Debug)]
pub enum Op {
    /// A new process (up to [`MAX_PROCESSES`]).
    Spawn { user: u8, wow64: bool },
    /// Opens the device with one of a few access masks.
    OpenDevice { p: u8, access: u8 },
    /// Opens a name under the device (refused: the device has no namespace).
    OpenUnder { p: u8, name: u8 },
    /// Opens any path (`GENERIC_READ`, synchronous): the device, a name under it, a file.
    OpenPath { p: u8, units: Vec<u16> },
    /// Duplicates the n-th handle with the same access.
    Duplicate { p: u8, handle: u8 },
    /// Creates an event with one of a few access masks.
    CreateEvent {
        p: u8,
        access: u8,
        synchronization: bool,
        initial: bool,
    },
    /// Opens a file with one of a few access masks, synchronous or not.
    OpenFile {
        p: u8,
        file: u8,
        access: u8,
        synchronous: bool,
    },
    /// A device-control request on `device`; with `via`, dispatched in another context (0:
    /// the System process, n: the n-th process, which may be the requestor itself).
    Ioctl {
        p: u8,
        device: HandlePick,
        via: Option<u8>,
        req: Req,
    },
    /// A device-control request whose IRP is already cancelled when the driver sees it
    /// (`CancelIoEx` or the thread's exit won the race with the dispatch).
    IoctlCancelled { p: u8, device: HandlePick, req: Req },
    /// A named pipe: the server end and a client end, with bytes waiting at the server end
    /// if `data` (both are file objects the driver must refuse to read).
    CreatePipe { p: u8, data: bool },
    /// The process's nonpaged pool quota is set to 0 (every allocation charged to it fails
    /// from now on), or lifted.
    PoolQuota { p: u8, starved: bool },
    /// `NtClose`.
    Close { p: u8, handle: HandlePick },
    /// `NtSetEvent`.
    SetEvent { p: u8, handle: HandlePick },
    /// Whether the n-th event of the process is signaled.
    Observe { p: u8, event: u8 },
    /// Moves the clock.
    Advance { ms: u16 },
    /// `CancelIoEx` on the n-th IRP ever pended (completed ones included).
    Cancel { irp: u8 },
    /// The process exits.
    Exit { p: u8 },
}

/// Runs `ops` from a fresh boot and checks every step; panics (with the trace) on any
/// difference from the oracle, any verifier stop or any leak.
pub fn run(config: Config, ops: &[Op]) {
    let mut runner = Runner::new(config);
    for op in ops.iter().take(MAX_OPS) {
        runner.trace.push(format!("{op:?}"));
        runner.step(op);
        runner.check();
    }
    runner.finish();
}
