//! `hgctl ioctl`: one raw request: a code (or a name of handleguard's), a transfer type,
//! input bytes, an output length, and handles planted at byte offsets of the input. Prints
//! the status (name and number), `IoStatus.Information` and the output bytes.
use super::plant::{self, Planted, Spec};
use crate::explain::{Op, meaning};
use crate::failure::{Exit, Failure};
use crate::number::parse_u64;
use crate::report::Report;
use crate::status::{self, Status};
use crate::transport::{Outcome, Transport};
use handleguard_protocol as protocol;
use serde::Serialize;
use std::fmt::Write as _;
use std::io::Read as _;
use std::path::PathBuf;

/// The largest output buffer hgctl asks for.
const MAX_OUTPUT: usize = 1 << 20;

/// handleguard's codes by name.
const CODES: &[(&str, u32)] = &[
    ("GET_INFO", protocol::IOCTL_HANDLEGUARD_GET_INFO),
    ("REGISTER_EVENT", protocol::IOCTL_HANDLEGUARD_REGISTER_EVENT),
    ("UNREGISTER", protocol::IOCTL_HANDLEGUARD_UNREGISTER),
    ("INSPECT_FILE", protocol::IOCTL_HANDLEGUARD_INSPECT_FILE),
    ("OPEN_AS_CALLER", protocol::IOCTL_HANDLEGUARD_OPEN_AS_CALLER),
    (
        "CREATE_KERNEL_EVENT",
        protocol::IOCTL_HANDLEGUARD_CREATE_KERNEL_EVENT,
    ),
    (
        "SIGNAL_KERNEL_EVENT",
        protocol::IOCTL_HANDLEGUARD_SIGNAL_KERNEL_EVENT,
    ),
];

/// Whether `device` is handleguard's (whose codes hgctl knows by name).
fn is_handleguard(device: &str) -> bool {
    device.eq_ignore_ascii_case(protocol::DEVICE_WIN32_PATH)
}

/// What hgctl was doing, for the rule behind a status: one of handleguard's requests when the
/// device is handleguard's (another driver's codes may have the same numbers).
fn op_of(code: u32, device: &str) -> Op {
    if !is_handleguard(device) {
        return Op::Ioctl;
    }
    match code {
        protocol::IOCTL_HANDLEGUARD_GET_INFO => Op::GetInfo,
        protocol::IOCTL_HANDLEGUARD_REGISTER_EVENT => Op::RegisterEvent,
        protocol::IOCTL_HANDLEGUARD_UNREGISTER => Op::Unregister,
        protocol::IOCTL_HANDLEGUARD_INSPECT_FILE => Op::InspectFile,
        protocol::IOCTL_HANDLEGUARD_OPEN_AS_CALLER => Op::OpenAsCaller,
        protocol::IOCTL_HANDLEGUARD_CREATE_KERNEL_EVENT => Op::CreateKernelEvent,
        _ => Op::Ioctl,
    }
}

/// A transfer type (`code & 3`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Method {
    /// METHOD_BUFFERED (0).
    Buffered,
    /// METHOD_IN_DIRECT (1).
    InDirect,
    /// METHOD_OUT_DIRECT (2).
    OutDirect,
    /// METHOD_NEITHER (3).
    Neither,
}

fn method_name(code: u32) -> &'static str {
    match code & 3 {
        0 => "METHOD_BUFFERED",
        1 => "METHOD_IN_DIRECT",
        2 => "METHOD_OUT_DIRECT",
        _ => "METHOD_NEITHER",
    }
}

fn access_name(code: u32) -> &'static str {
    match (code >> 14) & 3 {
        0 => "FILE_ANY_ACCESS",
        1 => "FILE_READ_ACCESS",
        2 => "FILE_WRITE_ACCESS",
        _ => "FILE_READ_ACCESS | FILE_WRITE_ACCESS",
    }
}

/// A code as a number or one of handleguard's names (`REGISTER_EVENT`,
/// `IOCTL_HANDLEGUARD_REGISTER_EVENT`, any case).
pub(super) fn parse_code(text: &str) -> Result<u32, String> {
    if let Some(code) = parse_u64(text) {
        return u32::try_from(code).map_err(|_| format!("{text} is wider than an IOCTL code"));
    }
    let upper = text.to_ascii_uppercase().replace('-', "_");
    let short = upper.strip_prefix("IOCTL_HANDLEGUARD_").unwrap_or(&upper);
    CODES
        .iter()
        .find(|(name, _)| *name == short)
        .map(|&(_, code)| code)
        .ok_or_else(|| {
            let names: Vec<&str> = CODES.iter().map(|(name, _)| *name).collect();
            format!(
                "unknown IOCTL '{text}': give a code (0x226000) or one of {}",
                names.join(", ")
            )
        })
}

/// Input bytes given on the command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bytes(pub Vec<u8>);

/// Bytes from hex digits; spaces, `_` and `:` may separate them.
pub(super) fn parse_hex(text: &str) -> Result<Bytes, String> {
    let digits: Vec<u8> = text
        .bytes()
        .filter(|byte| !matches!(byte, b' ' | b'_' | b':' | b'\n' | b'\t'))
        .collect();
    if !digits.len().is_multiple_of(2) {
        return Err("--input: an odd number of hex digits".into());
    }
    digits
        .chunks_exact(2)
        .map(|pair| {
            std::str::from_utf8(pair)
                .ok()
                .and_then(|pair| u8::from_str_radix(pair, 16).ok())
                .ok_or_else(|| {
                    format!(
                        "--input: '{}' is no hex byte",
                        String::from_utf8_lossy(pair)
                    )
                })
        })
        .collect::<Result<_, _>>()
        .map(Bytes)
}

/// `hgctl ioctl`'s options.
#[derive(clap::Args, Clone, Debug)]
pub struct Args {
    /// The IOCTL: a code (0x22A004, 2269188) or one of handleguard's names (REGISTER_EVENT,
    /// IOCTL_HANDLEGUARD_GET_INFO, ...).
    #[arg(value_parser = parse_code)]
    pub code: u32,
    /// Replace the code's transfer type (its two low bits).
    #[arg(long, value_enum)]
    pub method: Option<Method>,
    /// Input bytes in hex ("0a00ff", spaces allowed).
    #[arg(long, value_parser = parse_hex, conflicts_with = "input_file")]
    pub input: Option<Bytes>,
    /// Input bytes from a file ("-": standard input).
    #[arg(long, value_name = "FILE")]
    pub input_file: Option<PathBuf>,
    /// The output buffer's length in bytes.
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u32).range(..=1 << 20))]
    pub output_len: u32,
    /// Plant a handle at a byte offset of the input (8 bytes, little-endian; the input grows
    /// with zeros to hold it). KIND: event, file, process, thread (made for this request
    /// with ACCESS, by default all the type offers), null, -1, -2, closed (an event handle
    /// closed first), kernel (a kernel handle value), foreign (another process's value),
    /// garbage, or a number. ACCESS: names (SYNCHRONIZE|EVENT_MODIFY_STATE) or a number.
    #[arg(long = "handle", value_name = "OFFSET=KIND[:ACCESS]", value_parser = plant::parse)]
    pub handles: Vec<Spec>,
    /// How long to wait for a request the driver pends before cancelling it.
    #[arg(long, default_value_t = 5_000)]
    pub wait_ms: u32,
}

/// What one request came to.
#[derive(Serialize)]
pub struct IoctlReport {
    code: u32,
    /// handleguard's name for it, if it is one of its codes sent to its device.
    name: Option<&'static str>,
    device_type: u32,
    function: u32,
    method: &'static str,
    required_access: &'static str,
    /// The input sent, in hex.
    input: String,
    output_len: u32,
    handles: Vec<Planted>,
    /// The driver pended it.
    pended: bool,
    /// Pended and still pending after `--wait-ms`: cancelled.
    cancelled: bool,
    #[serde(serialize_with = "status::serialize")]
    status: Status,
    information: u64,
    /// The output bytes, in hex.
    output: String,
    #[serde(skip)]
    output_bytes: Vec<u8>,
    #[serde(skip)]
    device: String,
}

fn input_of(args: &Args) -> Result<Vec<u8>, Failure> {
    match (&args.input, &args.input_file) {
        (Some(bytes), _) => Ok(bytes.0.clone()),
        (None, Some(path)) if path.as_os_str() == "-" => {
            let mut bytes = Vec::new();
            std::io::stdin()
                .read_to_end(&mut bytes)
                .map_err(|error| Failure::new(format!("--input-file -: {error}")))?;
            Ok(bytes)
        }
        (None, Some(path)) => std::fs::read(path)
            .map_err(|error| Failure::new(format!("--input-file {}: {error}", path.display()))),
        (None, None) => Ok(Vec::new()),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut out, byte| {
        let _ = write!(out, "{byte:02x}");
        out
    })
}

/// Sends the request.
///
/// # Errors
/// When the input cannot be read or a handle cannot be made.
pub fn run(device: &dyn Transport, args: &Args) -> Result<IoctlReport, Failure> {
    let code = match args.method {
        Some(method) => (args.code & !3) | method as u32,
        None => args.code,
    };
    let mut input = input_of(args)?;
    let planted = plant::plant(device, &args.handles, &mut input)?;
    let output_len = usize::try_from(args.output_len).unwrap_or(MAX_OUTPUT);
    let (reply, pended, cancelled) = match device.ioctl(code, &input, output_len) {
        Outcome::Done(reply) => (reply, false, false),
        Outcome::Pending(mut pending) => {
            if let Some((reply, _)) = pending.wait(args.wait_ms) {
                (reply, true, false)
            } else {
                pending.cancel();
                let reply = pending
                    .poll()
                    .ok_or("the request is still pending after CancelIoEx")?;
                (reply, true, true)
            }
        }
    };
    plant::release(device, &planted);
    Ok(IoctlReport {
        code,
        name: CODES
            .iter()
            .find(|(_, c)| *c == code && is_handleguard(device.device_path()))
            .map(|(name, _)| *name),
        device_type: code >> 16,
        function: (code >> 2) & 0xFFF,
        method: method_name(code),
        required_access: access_name(code),
        input: hex(&input),
        output_len: args.output_len,
        handles: planted,
        pended,
        cancelled,
        status: reply.status,
        information: reply.information,
        output: hex(&reply.output),
        output_bytes: reply.output,
        device: device.device_path().to_string(),
    })
}

/// Sixteen bytes a line: offset, hex, printable ASCII.
fn dump(bytes: &[u8]) -> String {
    let mut out = String::new();
    for (line, chunk) in bytes.chunks(16).enumerate() {
        let hex: Vec<String> = chunk.iter().map(|byte| format!("{byte:02x}")).collect();
        let text: String = chunk
            .iter()
            .map(|&byte| {
                if byte.is_ascii_graphic() || byte == b' ' {
                    char::from(byte)
                } else {
                    '.'
                }
            })
            .collect();
        let _ = writeln!(out, "  {:04x}  {:<47}  {text}", line * 16, hex.join(" "));
    }
    out
}

impl Report for IoctlReport {
    fn text(&self, width: usize) -> String {
        let mut out = format!(
            "IOCTL {:#010x}{} on {}\n  device type {:#x}, function {:#x}, {}, {}\n",
            self.code,
            self.name
                .map(|name| format!(" (IOCTL_HANDLEGUARD_{name})"))
                .unwrap_or_default(),
            self.device,
            self.device_type,
            self.function,
            self.method,
            self.required_access
        );
        let _ = writeln!(
            out,
            "input {} bytes, output buffer {} bytes",
            self.input.len() / 2,
            self.output_len
        );
        for handle in &self.handles {
            let access = handle
                .access_names
                .as_ref()
                .map(|names| format!(" ({names})"))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "  offset {}: {} {:#x}{access}",
                handle.offset, handle.kind, handle.value
            );
        }
        if self.pended {
            out.push_str(if self.cancelled {
                "pended, and cancelled after --wait-ms\n"
            } else {
                "pended, then completed\n"
            });
        }
        let status = format!(
            "status {}",
            meaning(op_of(self.code, &self.device), self.status)
        );
        let _ = writeln!(out, "{}", crate::terminal::wrap(&status, width, 0, 7));
        let _ = writeln!(out, "information {}", self.information);
        if self.output_bytes.is_empty() {
            out.push_str("output: none\n");
        } else {
            let _ = writeln!(out, "output {} bytes:", self.output_bytes.len());
            out.push_str(&dump(&self.output_bytes));
        }
        out
    }

    fn exit(&self) -> Exit {
        if status::is_success(self.status) {
            Exit::Success
        } else {
            Exit::Failed
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_numbers_or_handleguard_names() {
        assert_eq!(parse_code("0x22A004"), Ok(0x22_A004));
        assert_eq!(parse_code("register-event"), Ok(0x22_A004));
        assert_eq!(parse_code("IOCTL_HANDLEGUARD_GET_INFO"), Ok(0x22_6000));
        assert!(parse_code("FROB").is_err_and(|why| why.contains("GET_INFO, REGISTER_EVENT")));
    }

    #[test]
    fn input_is_hex_with_separators() {
        assert_eq!(parse_hex("0a 00_ff"), Ok(Bytes(vec![0x0A, 0, 0xFF])));
        assert!(parse_hex("abc").is_err());
        assert!(parse_hex("zz").is_err_and(|why| why.contains("'zz'")));
    }
}
