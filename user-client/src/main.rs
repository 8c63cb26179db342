//! hgctl: drives the handleguard driver and shows each handle rule at work.
//!
//! On Windows it talks to `\\.\HandleGuard`; elsewhere (and with `--model`) it loads the real
//! driver code into the model kernel in this process.
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
use std::fmt::Write as _;
use std::process::ExitCode;
use transport::{Outcome, Transport};

/// Drive the handleguard driver: every command shows one rule of the handle guidance.
#[derive(Parser)]
#[command(name = "hgctl", version, about)]
struct Cli {
    /// Print JSON instead of text.
    #[arg(long, global = true)]
    json: bool,
    /// The device to open (Windows transport).
    #[arg(long, global = true, default_value = protocol::DEVICE_WIN32_PATH)]
    device: String,
    /// Use the in-process model kernel with the real driver code (the default off Windows).
    #[arg(long, global = true)]
    model: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Protocol version, counters and the refusal audit (why handles were refused).
    Info,
    /// Register an event the driver signals when due. The driver references the handle with
    /// the caller's RequestorMode, SYNCHRONIZE | EVENT_MODIFY_STATE and the event type, and
    /// keeps the reference, not the handle.
    Event {
        /// Milliseconds until the driver signals it.
        #[arg(long, default_value_t = 100)]
        due_ms: u32,
        /// Pend the request itself instead of passing an event (no handle at all).
        #[arg(long)]
        pended: bool,
        /// Unregister before it is due (the event is then never signalled).
        #[arg(long)]
        unregister: bool,
    },
    /// Pass a file handle for inspection: the driver references it with FILE_READ_DATA and the
    /// file type, then reads through its own OBJ_KERNEL_HANDLE.
    File {
        /// The file to open and pass (on the model: one of its files, see `selftest`).
        path: String,
    },
    /// Ask the driver to open a path on your behalf: it uses OBJ_FORCE_ACCESS_CHECK, so it
    /// opens only what you could open yourself.
    OpenAsMe {
        /// An NT path, e.g. \??\C:\Windows\win.ini.
        path: String,
    },
    /// Receive a handle to a kernel-created event: you can wait on it, not set it.
    KernelEvent {
        /// Milliseconds until the driver signals it.
        #[arg(long, default_value_t = 50)]
        due_ms: u32,
    },
    /// Run the attack matrix: bad handles and bad buffers, expected vs actual status.
    Selftest {
        /// `full`, or `wine` for what Wine's partial kernel can show.
        #[arg(long, value_enum, default_value_t = Profile::Full)]
        profile: Profile,
    },
    /// Round trips per second: GET_INFO vs a handle-validating IOCTL.
    Bench {
        /// Requests of each kind.
        #[arg(long, default_value_t = 20_000)]
        count: u32,
    },
    /// Internal: a second process that holds handles for the self-test.
    #[command(name = "__hold", hide = true)]
    Hold,
}

fn connect(cli: &Cli) -> Result<Box<dyn Transport>, String> {
    #[cfg(windows)]
    {
        if cli.model {
            return Err("--model: the model transport is built only off Windows".into());
        }
        Ok(Box::new(windows::WindowsDevice::open(&cli.device)?))
    }
    #[cfg(not(windows))]
    {
        let _ = (cli.model, &cli.device);
        Ok(Box::new(model::ModelDevice::boot()?))
    }
}

fn print(cli: &Cli, value: &serde_json::Value, text: &str) {
    if cli.json {
        println!("{value}");
    } else {
        print!("{text}");
    }
}

fn info(cli: &Cli, device: &dyn Transport) -> Result<(), String> {
    let info = client::info(device).map_err(status::explain)?;
    let refusals: serde_json::Map<String, serde_json::Value> = Refusal::ALL
        .iter()
        .map(|reason| {
            (
                reason.name().to_string(),
                json!(info.refusals.get(reason.index()).copied().unwrap_or(0)),
            )
        })
        .collect();
    let value = json!({
        "transport": device.name(),
        "protocol_version": info.version,
        "opens": info.opens,
        "requests": info.requests,
        "registrations": { "active": info.registrations_active, "fired": info.registrations_fired, "cancelled": info.registrations_cancelled },
        "refusals": refusals,
    });
    let mut text = format!(
        "transport {}\nprotocol version {}\nopens {}  requests {}\nregistrations: {} active, {} fired, {} cancelled\nrefused handles and requests:\n",
        device.name(),
        info.version,
        info.opens,
        info.requests,
        info.registrations_active,
        info.registrations_fired,
        info.registrations_cancelled
    );
    for reason in Refusal::ALL {
        let _ = writeln!(
            text,
            "  {:<22} {}",
            reason.name(),
            info.refusals.get(reason.index()).copied().unwrap_or(0)
        );
    }
    print(cli, &value, &text);
    Ok(())
}

fn event(
    cli: &Cli,
    device: &dyn Transport,
    due_ms: u32,
    pended: bool,
    unregister: bool,
) -> Result<(), String> {
    if pended {
        let status = match client::register_pended(device, due_ms) {
            Outcome::Done(reply) => reply.status,
            Outcome::Pending(mut request) => {
                if unregister {
                    request.cancel();
                } else {
                    device.elapse(due_ms);
                }
                request.poll().ok_or("the request is still pending")?
            }
        };
        let text = format!("pended request completed: {}\n", status::explain(status));
        print(
            cli,
            &json!({ "mode": "pended", "status": status::label(status) }),
            &text,
        );
        return Ok(());
    }
    let handle = device.create_event(access::EVENT)?;
    let id = client::register_event(device, handle, due_ms).map_err(status::explain)?;
    if unregister {
        let status = client::unregister(device, id);
        device.elapse(due_ms);
        let signalled = device.is_signaled(handle).map_err(status::explain)?;
        device.close(handle);
        let text = format!(
            "registration {id:#x} unregistered ({}); event signalled: {signalled}\n",
            status::label(status)
        );
        print(
            cli,
            &json!({ "id": id, "unregistered": status::label(status), "signalled": signalled }),
            &text,
        );
        return Ok(());
    }
    let started = std::time::Instant::now();
    device.elapse(due_ms);
    let signalled = device.is_signaled(handle).map_err(status::explain)?;
    device.close(handle);
    let latency = started.elapsed().as_millis();
    let text = format!(
        "registration {id:#x}: event signalled: {signalled} (due in {due_ms} ms, observed after {latency} ms on the {} transport)\n",
        device.name()
    );
    print(
        cli,
        &json!({ "id": id, "due_ms": due_ms, "signalled": signalled, "observed_ms": latency, "transport": device.name() }),
        &text,
    );
    if signalled {
        Ok(())
    } else {
        Err("the event was not signalled".into())
    }
}

fn file(cli: &Cli, device: &dyn Transport, path: &str) -> Result<(), String> {
    let handle = device
        .open_file(path, access::FILE, false)
        .map_err(|s| format!("cannot open {path}: {}", status::explain(s)))?;
    let report = client::inspect(device, handle);
    device.close(handle);
    let report = report.map_err(status::explain)?;
    let text = format!(
        "{path}: {} bytes, checksum {:#010x} over the first {} bytes\n",
        report.size, report.checksum, report.checksummed
    );
    print(
        cli,
        &json!({ "path": path, "size": report.size, "checksum": report.checksum, "checksummed": report.checksummed }),
        &text,
    );
    Ok(())
}

fn open_as_me(cli: &Cli, device: &dyn Transport, path: &str) -> Result<(), String> {
    let report = client::open_as_caller(device, path).map_err(status::explain)?;
    let text = format!(
        "{path}: {} bytes, checksum {:#010x} (opened by the driver with your access)\n",
        report.size, report.checksum
    );
    print(
        cli,
        &json!({ "path": path, "size": report.size, "checksum": report.checksum }),
        &text,
    );
    Ok(())
}

fn kernel_event(cli: &Cli, device: &dyn Transport, due_ms: u32) -> Result<(), String> {
    let reply = client::create_kernel_event(device, due_ms).map_err(status::explain)?;
    let before = device.is_signaled(reply.handle).map_err(status::explain)?;
    let set = device.set_event(reply.handle);
    device.elapse(due_ms);
    let after = device.is_signaled(reply.handle).map_err(status::explain)?;
    client::unregister(device, reply.id);
    device.close(reply.handle);
    let text = format!(
        "kernel event handle {:#x}: signalled before {before}, after {due_ms} ms {after}; SetEvent through it: {}\n",
        reply.handle,
        status::explain(set)
    );
    print(
        cli,
        &json!({ "handle": reply.handle, "signalled_before": before, "signalled_after": after, "set_event": status::label(set) }),
        &text,
    );
    Ok(())
}

fn selftest(cli: &Cli, device: &dyn Transport, profile: Profile) -> bool {
    let results = selftest::run(device, profile);
    let all_passed = results.iter().all(|result| result.pass);
    print(
        cli,
        &selftest::json(&results, profile),
        &selftest::table(&results, profile),
    );
    all_passed
}

fn bench(cli: &Cli, device: &dyn Transport, count: u32) -> Result<(), String> {
    let event = device.create_event(access::SYNCHRONIZE)?;
    let time = |f: &dyn Fn()| {
        let started = std::time::Instant::now();
        for _ in 0..count {
            f();
        }
        f64::from(count) / started.elapsed().as_secs_f64()
    };
    let get_info = time(&|| {
        let _ = client::info(device);
    });
    // A handle-validating request: the driver references the handle (and refuses it for
    // too little access), so each round trip pays for ObReferenceObjectByHandle.
    let validating = time(&|| {
        let _ = client::register_event(device, event, 1_000);
    });
    device.close(event);
    let ratio = get_info / validating;
    let text = format!(
        "{} transport, {count} requests each:\n  GET_INFO            {get_info:>12.0} round trips/s\n  REGISTER (refused)  {validating:>12.0} round trips/s\n  ratio               {ratio:>12.2}\n",
        device.name()
    );
    print(
        cli,
        &json!({ "transport": device.name(), "count": count, "get_info_per_s": get_info, "register_per_s": validating, "ratio": ratio }),
        &text,
    );
    Ok(())
}

fn run(cli: &Cli) -> Result<bool, String> {
    if let Command::Hold = cli.command {
        std::thread::sleep(std::time::Duration::from_mins(1));
        return Ok(true);
    }
    let device = connect(cli)?;
    let device = &*device;
    match &cli.command {
        Command::Info => info(cli, device).map(|()| true),
        Command::Event {
            due_ms,
            pended,
            unregister,
        } => event(cli, device, *due_ms, *pended, *unregister).map(|()| true),
        Command::File { path } => file(cli, device, path).map(|()| true),
        Command::OpenAsMe { path } => open_as_me(cli, device, path).map(|()| true),
        Command::KernelEvent { due_ms } => kernel_event(cli, device, *due_ms).map(|()| true),
        Command::Selftest { profile } => Ok(selftest(cli, device, *profile)),
        Command::Bench { count } => bench(cli, device, *count).map(|()| true),
        Command::Hold => Ok(true),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(message) => {
            if cli.json {
                println!("{}", json!({ "error": message }));
            } else {
                eprintln!("hgctl: {message}");
            }
            ExitCode::FAILURE
        }
    }
}
