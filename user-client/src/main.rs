//! hgctl: drives the handleguard driver and shows each handle rule at work.
//!
//! On Windows it talks to `\\.\HandleGuard`; elsewhere (and with `--model`) it loads the real
//! driver code into the model kernel in this process. Exit codes: 0 success, 1 a command
//! failed or a self-test case failed, 2 bad arguments, 3 the model kernel stopped the driver
//! (where Driver Verifier would bug check) or hgctl hit an internal error.
#![deny(unsafe_code)]

mod client;
#[cfg(not(windows))]
mod model;
mod selftest;
mod status;
mod transport;
#[cfg(windows)]
mod windows;

use clap::{Parser, Subcommand};
use handleguard_protocol::{self as protocol, Refusal};
use selftest::{Profile, access};
use serde_json::json;
use status::Op;
use std::fmt::Write as _;
use std::process::ExitCode;
use transport::Status;
use transport::{Outcome, Transport};

/// How long a command waits beyond a due time before it calls the driver late.
const PATIENCE_MS: u32 = 5_000;

/// Drive the handleguard driver: each command shows one rule of Microsoft's handle guidance.
#[derive(Parser)]
#[command(
    name = "hgctl",
    version,
    about,
    after_help = "Transports: on Windows hgctl opens the real device; elsewhere, or with --model, it loads the driver's own code into the ntmodel kernel in this process (virtual clock).\nExit codes: 0 success, 1 a command or self-test case failed, 2 bad arguments, 3 the model kernel stopped the driver (a bug check on Windows) or an internal error."
)]
struct Cli {
    /// Print JSON instead of text (errors too: {"error": ..., "status": ...}).
    #[arg(long, global = true)]
    json: bool,
    /// The device path to open.
    #[arg(long, global = true, default_value = protocol::DEVICE_WIN32_PATH)]
    device: String,
    /// Use the in-process model kernel with the real driver code (the default off Windows;
    /// built only off Windows).
    #[arg(long, global = true)]
    model: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Protocol version, counters, and the refusal audit: how many requests the driver
    /// refused, per reason (wrong type, too little access, invalid or kernel handle, ...).
    Info,
    /// Register an event the driver signals when due, and wait for it.
    ///
    /// The driver references your event handle with ObReferenceObjectByHandle in your
    /// process's context, with Irp->RequestorMode (UserMode), the event object type and
    /// exactly the access it will use, SYNCHRONIZE | EVENT_MODIFY_STATE; then it keeps the
    /// reference, not the handle, so closing your handle early cannot free the event under it.
    Event {
        /// Milliseconds until the driver signals it.
        #[arg(long, default_value_t = 100)]
        due_ms: u32,
        /// Pend the request itself until due instead of passing an event (no handle at all).
        #[arg(long)]
        pended: bool,
        /// Cancel before it is due: UNREGISTER (the event is then never signalled), or with
        /// --pended, CancelIoEx (the request completes with STATUS_CANCELLED).
        #[arg(long)]
        unregister: bool,
        /// Pass an event handle opened with SYNCHRONIZE only, to see the driver refuse it.
        #[arg(long)]
        without_modify_state: bool,
    },
    /// Pass a file handle for inspection (size and checksum of its first 4 KiB).
    ///
    /// The driver references the handle with FILE_READ_DATA and the file object type, in
    /// your context with your RequestorMode, refuses a file opened for overlapped I/O, and
    /// reads through its own OBJ_KERNEL_HANDLE, so closing or reusing yours changes nothing.
    File {
        /// The file to open and pass (C:\... or \??\C:\...; on the model,
        /// C:\handleguard\readable.txt).
        path: String,
        /// Open it for overlapped (asynchronous) I/O, to see the driver refuse it.
        #[arg(long)]
        overlapped: bool,
        /// Open it without FILE_READ_DATA, to see the driver refuse it.
        #[arg(long)]
        without_read_data: bool,
    },
    /// Ask the driver to open a file on your behalf and report its size and checksum.
    ///
    /// The driver opens it with OBJ_KERNEL_HANDLE | OBJ_FORCE_ACCESS_CHECK, so your access
    /// is checked even though the open comes from kernel mode: it opens only what you could
    /// open yourself. On the model, C:\handleguard\secret.txt is one you may not read.
    OpenAsMe {
        /// A path: C:\Windows\win.ini or \??\C:\Windows\win.ini.
        path: String,
    },
    /// Receive a handle to an event the driver created: you can wait on it, not set it.
    ///
    /// Rule 4 of the guidance: create the object in the kernel and give user mode a handle.
    /// The driver opens the handle in your process with SYNCHRONIZE only, so SetEvent through
    /// it is refused with STATUS_ACCESS_DENIED, while the driver signals it when due.
    KernelEvent {
        /// Milliseconds until the driver signals it; 0 asks it to signal on request
        /// (SIGNAL_KERNEL_EVENT) instead.
        #[arg(long, default_value_t = 50)]
        due_ms: u32,
    },
    /// Run the attack matrix: bad handles and bad buffers, expected vs actual status per
    /// case; exits 1 if any case fails.
    Selftest {
        /// `full`: every case with its exact status. `wine`: what Wine's partial kernel can
        /// show (no UserMode handle references there): exact statuses for requests without
        /// user handles; handle requests only have to fail cleanly and leave the driver up.
        #[arg(long, value_enum, default_value_t = Profile::Full)]
        profile: Profile,
    },
    /// Round trips per second: GET_INFO vs REGISTER_EVENT with a handle the driver must
    /// validate (and refuses for too little access), and their ratio.
    Bench {
        /// Requests of each kind.
        #[arg(long, default_value_t = 20_000, value_parser = clap::value_parser!(u32).range(1..))]
        count: u32,
    },
    /// Internal: a second process that holds handles for the self-test.
    #[command(name = "__hold", hide = true)]
    Hold,
}

/// A failed command: a message, and the status behind it if there is one.
struct Failure {
    message: String,
    status: Option<Status>,
}

impl Failure {
    fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            status: None,
        }
    }

    fn status(op: Op, status: Status) -> Self {
        Self {
            message: status::explain_for(op, status),
            status: Some(status),
        }
    }
}

impl From<String> for Failure {
    fn from(message: String) -> Self {
        Self::new(message)
    }
}

impl From<&str> for Failure {
    fn from(message: &str) -> Self {
        Self::new(message)
    }
}

type CommandResult = Result<bool, Failure>;

/// The transport in use.
enum Device {
    #[cfg(not(windows))]
    Model(model::ModelDevice),
    #[cfg(windows)]
    Windows(windows::WindowsDevice),
}

impl Device {
    fn transport(&self) -> &dyn Transport {
        match self {
            #[cfg(not(windows))]
            Device::Model(device) => device,
            #[cfg(windows)]
            Device::Windows(device) => device,
        }
    }

    /// Closes the device; on the model, unloads the driver and reports what it leaked.
    #[cfg_attr(windows, allow(clippy::unnecessary_wraps))]
    fn finish(self) -> Result<(), String> {
        match self {
            #[cfg(not(windows))]
            Device::Model(device) => device.shut_down(),
            #[cfg(windows)]
            Device::Windows(device) => {
                drop(device);
                Ok(())
            }
        }
    }
}

fn connect(cli: &Cli) -> Result<Device, Failure> {
    #[cfg(windows)]
    {
        if cli.model {
            return Err(Failure::new(
                "--model: the model transport (ntmodel with the driver's code in-process) is built only off Windows; on Windows hgctl talks to the installed driver",
            ));
        }
        Ok(Device::Windows(windows::WindowsDevice::open(&cli.device)?))
    }
    #[cfg(not(windows))]
    {
        // The model is the only transport here, with or without --model.
        let _ = cli.model;
        Ok(Device::Model(model::ModelDevice::boot(&cli.device)?))
    }
}

fn print(cli: &Cli, value: &serde_json::Value, text: &str) {
    if cli.json {
        println!("{value}");
    } else {
        print!("{text}");
    }
}

fn info(cli: &Cli, device: &dyn Transport) -> CommandResult {
    let info = client::info(device).map_err(|failed| Failure::status(Op::GetInfo, failed))?;
    let count = |reason: Refusal| info.refusals.get(reason.index()).copied().unwrap_or(0);
    let refusals: serde_json::Map<String, serde_json::Value> = Refusal::ALL
        .iter()
        .map(|&reason| (reason.name().to_string(), json!(count(reason))))
        .collect();
    let compatible = info.version == protocol::PROTOCOL_VERSION;
    let value = json!({
        "transport": device.name(),
        "device": device.device_path(),
        "protocol_version": info.version,
        "compatible": compatible,
        "opens": info.opens,
        "requests": info.requests,
        "registrations": {
            "active": info.registrations_active,
            "fired": info.registrations_fired,
            "cancelled": info.registrations_cancelled,
        },
        "refusals": refusals,
    });
    let mut text = format!(
        "transport {} ({})\nprotocol version {} (hgctl speaks {}{})\nopens {}  requests {}\nregistrations: {} active, {} fired, {} cancelled\nrefused requests, by reason:\n",
        device.name(),
        device.device_path(),
        info.version,
        protocol::PROTOCOL_VERSION,
        if compatible {
            ""
        } else {
            ": incompatible, build hgctl and the driver from the same source"
        },
        info.opens,
        info.requests,
        info.registrations_active,
        info.registrations_fired,
        info.registrations_cancelled
    );
    for reason in Refusal::ALL {
        let _ = writeln!(text, "  {:<22} {}", reason.name(), count(reason));
    }
    print(cli, &value, &text);
    Ok(compatible)
}

fn event_pended(cli: &Cli, device: &dyn Transport, due_ms: u32, cancel: bool) -> CommandResult {
    let mut pended = match client::register_pended(device, due_ms) {
        Outcome::Done(reply) if status::is_success(reply.status) => {
            return Err(Failure::new(format!(
                "the driver completed the request at once ({}) instead of pending it until due",
                status::label(reply.status)
            )));
        }
        Outcome::Done(reply) => return Err(Failure::status(Op::RegisterPended, reply.status)),
        Outcome::Pending(pended) => pended,
    };
    let (status, waited) = if cancel {
        pended.cancel();
        let status = pended
            .poll()
            .ok_or("the request is still pending after CancelIoEx")?;
        (status, None)
    } else {
        let (status, waited) =
            pended
                .wait(due_ms.saturating_add(PATIENCE_MS))
                .ok_or_else(|| {
                    format!(
                        "the pended request did not complete within {} ms",
                        due_ms.saturating_add(PATIENCE_MS)
                    )
                })?;
        (status, Some(waited))
    };
    let expected = if cancel {
        status::STATUS_CANCELLED
    } else {
        status::STATUS_SUCCESS
    };
    let text = match waited {
        Some(ms) => format!(
            "pended request completed after {ms} ms ({} clock, due in {due_ms} ms): {}\n",
            device.clock(),
            status::explain_for(Op::RegisterPended, status)
        ),
        None => format!(
            "pended request cancelled before due: {}\n",
            status::explain_for(Op::RegisterPended, status)
        ),
    };
    print(
        cli,
        &json!({
            "mode": "pended",
            "due_ms": due_ms,
            "cancelled": cancel,
            "status": status::label(status),
            "waited_ms": waited,
            "clock": device.clock(),
        }),
        &text,
    );
    Ok(status == expected)
}

fn event(
    cli: &Cli,
    device: &dyn Transport,
    due_ms: u32,
    unregister: bool,
    without_modify_state: bool,
) -> CommandResult {
    let rights = if without_modify_state {
        access::SYNCHRONIZE
    } else {
        access::EVENT
    };
    let handle = device
        .create_event(rights)
        .map_err(|failed| Failure::status(Op::CreateEvent, failed))?;
    let id = match client::register_event(device, handle, due_ms) {
        Ok(id) => id,
        Err(refused) => {
            device.close(handle);
            return Err(Failure::status(Op::RegisterEvent, refused));
        }
    };
    if unregister {
        let unregistered = client::unregister(device, id);
        device.elapse(due_ms.saturating_mul(2));
        let signalled = device.is_signaled(handle);
        device.close(handle);
        let signalled = signalled.map_err(|failed| Failure::status(Op::Wait, failed))?;
        let text = format!(
            "registration {id:#x} unregistered before due: {}\nevent signalled {} ms after it would have been due: {signalled}\n",
            status::explain_for(Op::Unregister, unregistered),
            due_ms
        );
        print(
            cli,
            &json!({
                "mode": "event",
                "id": id,
                "unregistered": status::label(unregistered),
                "signalled": signalled,
            }),
            &text,
        );
        return Ok(status::is_success(unregistered) && !signalled);
    }
    let waited = device.wait(handle, due_ms.saturating_add(PATIENCE_MS));
    device.close(handle);
    let waited = waited.map_err(|failed| Failure::status(Op::Wait, failed))?;
    let text = match waited {
        Some(ms) => format!(
            "registration {id:#x}: event signalled after {ms} ms ({} clock), due in {due_ms} ms: latency {} ms\n",
            device.clock(),
            ms.saturating_sub(u64::from(due_ms))
        ),
        None => format!(
            "registration {id:#x}: the event was not signalled within {} ms\n",
            due_ms.saturating_add(PATIENCE_MS)
        ),
    };
    print(
        cli,
        &json!({
            "mode": "event",
            "id": id,
            "due_ms": due_ms,
            "signalled": waited.is_some(),
            "signalled_after_ms": waited,
            "latency_ms": waited.map(|ms| ms.saturating_sub(u64::from(due_ms))),
            "clock": device.clock(),
            "transport": device.name(),
        }),
        &text,
    );
    Ok(waited.is_some())
}

fn file(
    cli: &Cli,
    device: &dyn Transport,
    path: &str,
    overlapped: bool,
    without_read_data: bool,
) -> CommandResult {
    let wanted = if without_read_data {
        access::FILE_READ_ATTRIBUTES | access::SYNCHRONIZE
    } else if overlapped {
        access::FILE_READ_DATA
    } else {
        access::FILE
    };
    let handle = device
        .open_file(path, wanted, overlapped)
        .map_err(|failed| {
            Failure::status(Op::OpenFile, failed).with_prefix(&format!("{path}: "))
        })?;
    let report = client::inspect(device, handle);
    device.close(handle);
    let report = report.map_err(|refused| Failure::status(Op::InspectFile, refused))?;
    let text = format!(
        "{path}: {} bytes, checksum {:#010x} over the first {} bytes (read by the driver through its own kernel handle)\n",
        report.size, report.checksum, report.checksummed
    );
    print(
        cli,
        &json!({
            "path": path,
            "size": report.size,
            "checksum": report.checksum,
            "checksummed": report.checksummed,
        }),
        &text,
    );
    Ok(true)
}

impl Failure {
    fn with_prefix(mut self, prefix: &str) -> Self {
        self.message.insert_str(0, prefix);
        self
    }
}

fn open_as_me(cli: &Cli, device: &dyn Transport, path: &str) -> CommandResult {
    let nt_path = transport::nt_path(path);
    let report = client::open_as_caller(device, &nt_path).map_err(|refused| {
        Failure::status(Op::OpenAsCaller, refused).with_prefix(&format!("{nt_path}: "))
    })?;
    let text = format!(
        "{nt_path}: {} bytes, checksum {:#010x} over the first {} bytes (opened by the driver with your access checked)\n",
        report.size, report.checksum, report.checksummed
    );
    print(
        cli,
        &json!({
            "path": nt_path,
            "size": report.size,
            "checksum": report.checksum,
            "checksummed": report.checksummed,
        }),
        &text,
    );
    Ok(true)
}

fn kernel_event(cli: &Cli, device: &dyn Transport, due_ms: u32) -> CommandResult {
    let reply = client::create_kernel_event(device, due_ms)
        .map_err(|failed| Failure::status(Op::CreateKernelEvent, failed))?;
    let before = device.is_signaled(reply.handle);
    let set = device.set_event(reply.handle);
    let after_set = device.is_signaled(reply.handle);
    let signal = (due_ms == 0).then(|| client::signal_kernel_event(device, reply.id));
    let waited = device.wait(reply.handle, due_ms.saturating_add(PATIENCE_MS));
    let _ = client::unregister(device, reply.id);
    device.close(reply.handle);
    let wait_failure = |failed| Failure::status(Op::Wait, failed);
    let (before, after_set, waited) = (
        before.map_err(wait_failure)?,
        after_set.map_err(wait_failure)?,
        waited.map_err(wait_failure)?,
    );
    let mut text = format!(
        "kernel event handle {:#x} (SYNCHRONIZE only)\n  signalled at first: {before}\n  SetEvent through it: {}\n",
        reply.handle,
        status::explain_for(Op::SetKernelEvent, set)
    );
    if let Some(signal) = signal {
        let _ = writeln!(
            text,
            "  SIGNAL_KERNEL_EVENT (the driver sets it): {}",
            status::label(signal)
        );
    }
    let _ = match waited {
        Some(ms) => writeln!(
            text,
            "  wait: signalled after {ms} ms ({} clock)",
            device.clock()
        ),
        None => writeln!(text, "  wait: not signalled"),
    };
    print(
        cli,
        &json!({
            "handle": reply.handle,
            "id": reply.id,
            "signalled_before": before,
            "set_event": status::label(set),
            "signalled_after_set": after_set,
            "signal_kernel_event": signal.map(status::label),
            "signalled_after_ms": waited,
            "clock": device.clock(),
        }),
        &text,
    );
    // The rule holds when the user could not set it and the driver could.
    Ok(!status::is_success(set) && !after_set && waited.is_some())
}

fn selftest(cli: &Cli, device: &dyn Transport, profile: Profile) -> bool {
    let report = selftest::run(device, profile);
    let all_passed = report.results.iter().all(|result| result.pass);
    let mut text = format!(
        "hgctl selftest, profile {}, {} transport ({})\n",
        match profile {
            Profile::Full => "full",
            Profile::Wine => "wine",
        },
        device.name(),
        device.device_path()
    );
    text.push_str(&selftest::table(&report));
    print(cli, &selftest::json(&report), &text);
    all_passed
}

fn bench(cli: &Cli, device: &dyn Transport, count: u32) -> CommandResult {
    // An event the driver must look up and refuse: SYNCHRONIZE only, no EVENT_MODIFY_STATE.
    let event = device
        .create_event(access::SYNCHRONIZE)
        .map_err(|failed| Failure::status(Op::CreateEvent, failed))?;
    if let Ok(id) = client::register_event(device, event, 60_000) {
        let _ = client::unregister(device, id);
        device.close(event);
        return Err(Failure::new(
            "the driver accepted an event handle without EVENT_MODIFY_STATE: the handle-validating path cannot be measured (and the access rule is broken)",
        ));
    }
    let time = |request: &dyn Fn()| {
        request();
        let started = std::time::Instant::now();
        for _ in 0..count {
            request();
        }
        f64::from(count) / started.elapsed().as_secs_f64().max(f64::MIN_POSITIVE)
    };
    let get_info = time(&|| {
        let _ = client::info(device);
    });
    let validating = time(&|| {
        let _ = client::register_event(device, event, 60_000);
    });
    device.close(event);
    let ratio = get_info / validating;
    let text = format!(
        "{} transport, {count} requests each:\n  GET_INFO                         {get_info:>12.0} round trips/s\n  REGISTER_EVENT (handle refused)  {validating:>12.0} round trips/s\n  ratio GET_INFO / validating      {ratio:>12.2}\n",
        device.name()
    );
    print(
        cli,
        &json!({
            "transport": device.name(),
            "count": count,
            "get_info_per_s": get_info,
            "validating_per_s": validating,
            "ratio": ratio,
        }),
        &text,
    );
    Ok(true)
}

fn run(cli: &Cli) -> CommandResult {
    if let Command::Hold = cli.command {
        std::thread::sleep(std::time::Duration::from_mins(1));
        return Ok(true);
    }
    let device = connect(cli)?;
    let transport = device.transport();
    let result = match &cli.command {
        Command::Info => info(cli, transport),
        Command::Event {
            due_ms,
            pended: true,
            unregister,
            ..
        } => event_pended(cli, transport, *due_ms, *unregister),
        Command::Event {
            due_ms,
            unregister,
            without_modify_state,
            ..
        } => event(cli, transport, *due_ms, *unregister, *without_modify_state),
        Command::File {
            path,
            overlapped,
            without_read_data,
        } => file(cli, transport, path, *overlapped, *without_read_data),
        Command::OpenAsMe { path } => open_as_me(cli, transport, path),
        Command::KernelEvent { due_ms } => kernel_event(cli, transport, *due_ms),
        Command::Selftest { profile } => Ok(selftest(cli, transport, *profile)),
        Command::Bench { count } => bench(cli, transport, *count),
        Command::Hold => Ok(true),
    };
    let finished = device.finish();
    let passed = result?;
    finished?;
    Ok(passed)
}

/// A panic is never a user's fault: on the model it is the verifier stopping the driver.
fn install_panic_hook(json: bool) {
    std::panic::set_hook(Box::new(move |info| {
        let payload = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("no message");
        let message = if payload.contains("verifier stop") {
            format!(
                "the model kernel stopped the driver where Driver Verifier would bug check (a driver bug): {payload}"
            )
        } else {
            let place = info
                .location()
                .map(|location| format!(" at {}:{}", location.file(), location.line()))
                .unwrap_or_default();
            format!("internal error{place}: {payload}")
        };
        if json {
            println!("{}", json!({ "error": message }));
        } else {
            eprintln!("hgctl: {message}");
        }
        std::process::exit(3);
    }));
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    install_panic_hook(cli.json);
    match run(&cli) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(failure) => {
            if cli.json {
                println!(
                    "{}",
                    json!({
                        "error": failure.message,
                        "status": failure.status.map(status::label),
                    })
                );
            } else {
                eprintln!("hgctl: {}", failure.message);
            }
            ExitCode::FAILURE
        }
    }
}
