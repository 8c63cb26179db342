//! The command line: the options every command takes, and the commands.
use crate::commands::Command;
use clap::Parser;
use clap::builder::NonEmptyStringValueParser;
use handleguard_protocol as protocol;

/// The help's closing paragraphs: transports and exit codes.
const AFTER_HELP: &str = "Transports: on Windows hgctl opens the real device; elsewhere, or with --model, it loads the driver's own code into the ntmodel kernel in this process (virtual clock).\n\nExit codes: 0 success, 1 a command or self-test case failed (or a raw IOCTL's status is an error, or a probe found something or had no baseline), 2 bad arguments, 3 the model kernel stopped the driver (a bug check on Windows) or an internal error. A closed standard output ends hgctl quietly with the code the command came to.";

/// Drive the handleguard driver: each command shows one rule of Microsoft's handle guidance.
#[derive(Parser, Debug)]
#[command(name = "hgctl", version, about, after_help = AFTER_HELP)]
pub struct Cli {
    /// Print JSON instead of text: one document with "command", "transport", "device" and
    /// "exit_code", then the command's fields, or "error" and "status" (usage errors too).
    #[arg(long, global = true)]
    pub json: bool,
    /// The device path to open.
    #[arg(long, global = true, default_value = protocol::DEVICE_WIN32_PATH, value_parser = NonEmptyStringValueParser::new())]
    pub device: String,
    /// Use the in-process model kernel with the real driver code (the default off Windows;
    /// built only off Windows).
    #[arg(long, global = true)]
    pub model: bool,
    /// On the model, also load this driver beside handleguard: `twin`, a deliberately
    /// vulnerable test driver (\\.\HandleGuardTwin) for `hgctl probe` to find mistakes in.
    #[arg(long, global = true, value_enum, value_name = "DRIVER")]
    pub model_driver: Option<ModelDriver>,
    /// On the model, print to standard error after each request every kernel call the
    /// driver made for it, with its arguments and result, its DbgPrint lines and any verifier
    /// stop (Windows cannot show these to user mode: there `hgctl ioctl` shows the bytes).
    #[arg(long, global = true)]
    pub trace: bool,
    #[command(subcommand)]
    pub command: Command,
}

/// A driver the model can load beside handleguard.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ModelDriver {
    /// handleguard-twin (test code only): `\\.\HandleGuardTwin`, whose IOCTLs 0x222004,
    /// 0x222040, 0x222044 and 0x222048 reference a handle as KernelMode, with no type, with
    /// no access, and in any context.
    Twin,
}

/// Whether the raw arguments ask for JSON (before clap has parsed them: for its errors).
#[must_use]
pub fn wants_json(args: &[std::ffi::OsString]) -> bool {
    args.iter()
        .skip(1)
        .take_while(|arg| *arg != "--")
        .any(|arg| arg == "--json")
}

/// The command the raw arguments name, if any (for the JSON of clap's errors).
#[must_use]
pub fn command_named(args: &[std::ffi::OsString], cli: &clap::Command) -> Option<String> {
    args.iter()
        .skip(1)
        .take_while(|arg| *arg != "--")
        .filter_map(|arg| arg.to_str())
        .find(|arg| cli.find_subcommand(arg).is_some())
        .map(str::to_string)
}
