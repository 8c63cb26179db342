//! hgctl: drives the handleguard driver and shows each handle rule at work.
//!
//! On Windows it talks to `\\.\HandleGuard`; elsewhere (and with `--model`) it loads the real
//! driver code into the model kernel in this process. Each command is a module of
//! `commands` returning a report value, rendered once as text or as JSON (`report`,
//! `output`). Exit codes: `failure::Exit`.
#![deny(unsafe_code)]

mod access;
mod cli;
mod client;
mod commands;
mod explain;
mod failure;
mod handle_value;
mod number;
mod output;
mod report;
mod selftest;
mod status;
mod terminal;
mod transport;

use clap::{CommandFactory as _, FromArgMatches as _};
use cli::Cli;
use commands::Command;
use failure::{Exit, Failure};
use output::{Format, Output};
use report::Head;
use std::process::ExitCode;

/// The transport in use.
enum Device {
    #[cfg(not(windows))]
    Model(transport::model::ModelDevice),
    #[cfg(windows)]
    Windows(transport::windows::WindowsDevice),
}

impl Device {
    fn transport(&self) -> &dyn transport::Transport {
        match self {
            #[cfg(not(windows))]
            Device::Model(device) => device,
            #[cfg(windows)]
            Device::Windows(device) => device,
        }
    }

    /// Closes the device; on the model, unloads the driver and reports what it leaked.
    #[cfg_attr(
        windows,
        expect(clippy::unnecessary_wraps, reason = "the model's can fail")
    )]
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
        if cli.trace {
            return Err(Failure::usage(
                "--trace: on Windows user mode cannot see the kernel calls a driver makes; `hgctl ioctl` shows each request's code, input and output bytes, Information and status, and Driver Verifier reports what the model's verifier would",
            ));
        }
        if cli.model_driver.is_some() {
            return Err(Failure::usage(
                "--model-driver: the model transport is built only off Windows; on Windows probe your own installed driver with --device",
            ));
        }
        if cli.model {
            return Err(Failure::usage(
                "--model: the model transport (ntmodel with the driver's code in-process) is built only off Windows; on Windows hgctl talks to the installed driver",
            ));
        }
        Ok(Device::Windows(transport::windows::WindowsDevice::open(
            &cli.device,
        )?))
    }
    #[cfg(not(windows))]
    {
        // The model is the only transport here, with or without --model.
        let _ = cli.model;
        Ok(Device::Model(transport::model::ModelDevice::boot(
            &cli.device,
            cli.model_driver == Some(cli::ModelDriver::Twin),
            cli.trace,
        )?))
    }
}

/// A panic is never a user's fault: on the model it is the verifier stopping the driver.
/// The message goes where the command's output would (a closed pipe silences it), and hgctl
/// ends with [`Exit::Stopped`].
fn install_panic_hook(output: Output, head: Head) {
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
        let message = match output.format {
            Format::Text => format!("hgctl: {message}\n"),
            Format::Json => message,
        };
        output.message(&head, &message, Exit::Stopped);
        std::process::exit(i32::from(Exit::Stopped.code()));
    }));
}

/// Parses the arguments; clap's own errors and help end hgctl here.
fn parse(output: &Output) -> Result<(Cli, clap::Command), ExitCode> {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let mut command = Cli::command()
        .term_width(output.width)
        .max_term_width(output.width);
    let parsed = command
        .try_get_matches_from_mut(&args)
        .and_then(|mut matches| Cli::from_arg_matches_mut(&mut matches));
    match parsed {
        Ok(cli) => Ok((cli, command)),
        Err(error) if error.exit_code() == 0 || output.format == Format::Text => {
            let _ = error.print();
            Err(ExitCode::from(u8::try_from(error.exit_code()).unwrap_or(2)))
        }
        Err(error) => {
            let head = Head {
                command: cli::command_named(&args, &command),
                transport: transport::NAME,
                device: None,
            };
            let rendered = error.render().to_string();
            let message = rendered.trim().trim_start_matches("error: ");
            output.message(&head, message, Exit::Usage);
            Err(ExitCode::from(Exit::Usage.code()))
        }
    }
}

/// Runs the command and prints what it came to: its exit code.
fn run(cli: &Cli, clap_command: &mut clap::Command, output: &Output, head: &Head) -> Exit {
    let printed = |result: Result<report::Rendered, Failure>| match result {
        Ok(rendered) => {
            let _ = output.report(head, &rendered);
            rendered.exit
        }
        Err(failure) => {
            let _ = output.failure(head, &failure);
            failure.exit
        }
    };
    match &cli.command {
        Command::Hold => {
            std::thread::sleep(std::time::Duration::from_mins(1));
            return Exit::Success;
        }
        Command::Panic { verifier } => {
            assert!(
                !*verifier,
                "verifier stop 0xC4 (deliberate, from `hgctl __panic --verifier`)"
            );
            panic!("deliberate, from `hgctl __panic`");
        }
        command => {
            if let Some(rendered) =
                commands::run_without_device(command, clap_command, output.width)
            {
                return printed(Ok(rendered));
            }
        }
    }
    let device = match connect(cli) {
        Ok(device) => device,
        Err(failure) => return printed(Err(failure)),
    };
    let exit = printed(commands::run(&cli.command, device.transport(), output));
    match device.finish() {
        Ok(()) => exit,
        Err(leaks) => printed(Err(Failure::new(leaks))).max(exit),
    }
}

fn main() -> ExitCode {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let mut output = Output {
        format: if cli::wants_json(&args) {
            Format::Json
        } else {
            Format::Text
        },
        width: terminal::width(),
    };
    let (cli, mut clap_command) = match parse(&output) {
        Ok(parsed) => parsed,
        Err(code) => return code,
    };
    output.format = if cli.json { Format::Json } else { Format::Text };
    let head = Head {
        command: Some(cli.command.name().to_string()),
        transport: transport::NAME,
        device: cli.command.opens_device().then(|| cli.device.clone()),
    };
    install_panic_hook(output.clone(), head.clone());
    ExitCode::from(run(&cli, &mut clap_command, &output, &head).code())
}
