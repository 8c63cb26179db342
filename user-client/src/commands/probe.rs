//! `hgctl probe`: the attack matrix against any driver's IOCTL that takes a handle. A control
//! request with the right handle (the type and the access the IOCTL should require) must
//! succeed; then one request per attack, each with a handle the driver must refuse: the wrong
//! type, the right type with one access right less (a row per right), a kernel handle value,
//! another process's, NULL, -1, -2, a closed handle, garbage, and on the model a System
//! handle value in a request dispatched in a System worker. A row is `refused` (with the
//! status) or `ACCEPTED` (a finding); a verifier stop the model records during a row is a
//! finding too (on Windows it would have been a bug check).
use super::ioctl::{self, Bytes};
use super::plant::{self, Kind, Spec};
use crate::access;
use crate::failure::{Exit, Failure};
use crate::status::{self, Status};
use crate::transport::{Forward, Outcome, Transport, VerifierStop};
use serde::Serialize;
use std::fmt::Write as _;

/// The object type the IOCTL should take.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ObjectType {
    /// An event.
    Event,
    /// A file (the readable fixture, opened for synchronous I/O).
    File,
}

impl ObjectType {
    fn kind(self) -> Kind {
        match self {
            ObjectType::Event => Kind::Event,
            ObjectType::File => Kind::File,
        }
    }

    fn name(self) -> &'static str {
        match self {
            ObjectType::Event => "Event",
            ObjectType::File => "File",
        }
    }
}

/// `hgctl probe`'s options.
#[derive(clap::Args, Clone, Debug)]
pub struct Args {
    /// The IOCTL: a code (0x222004) or one of handleguard's names (REGISTER_EVENT, ...).
    #[arg(value_parser = ioctl::parse_code)]
    pub code: u32,
    /// The byte offset of the handle field in the input (8 bytes, little-endian).
    #[arg(long, default_value_t = 0)]
    pub offset: usize,
    /// The input's length in bytes (by default, --input's or up to the end of the handle
    /// field, whichever is longer).
    #[arg(long)]
    pub input_len: Option<usize>,
    /// The input's other bytes, in hex (the handle is written over them; zeros by default).
    #[arg(long, value_parser = ioctl::parse_hex)]
    pub input: Option<Bytes>,
    /// The output buffer's length in bytes.
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u32).range(..=1 << 20))]
    pub output_len: u32,
    /// The object type the IOCTL should require.
    #[arg(long = "type", value_enum)]
    pub object_type: ObjectType,
    /// The access the IOCTL should require: names (SYNCHRONIZE|EVENT_MODIFY_STATE) or a
    /// number.
    #[arg(long, value_parser = access::parse)]
    pub access: u32,
}

/// One request of the matrix and what the driver made of it.
#[derive(Serialize)]
pub struct Row {
    /// What was sent, in short ("control", "wrong type", "lacks EVENT_MODIFY_STATE", ...).
    attack: String,
    /// The handle, in words.
    handle: String,
    /// The value planted.
    value: u64,
    #[serde(serialize_with = "status::serialize")]
    status: Status,
    /// `ok` or `failed` for the control; `refused` or `ACCEPTED` for an attack.
    verdict: &'static str,
    /// The stops the model's verifier recorded during the request.
    verifier_stops: Vec<VerifierStop>,
}

impl Row {
    fn is_finding(&self) -> bool {
        self.verdict == ACCEPTED || !self.verifier_stops.is_empty()
    }
}

const ACCEPTED: &str = "ACCEPTED";

/// What the probe came to.
#[derive(Serialize)]
pub struct ProbeReport {
    code: u32,
    offset: usize,
    input_len: usize,
    output_len: u32,
    #[serde(rename = "type")]
    object_type: &'static str,
    access: u32,
    access_names: String,
    /// The control request succeeded: the refusals mean something.
    baseline: bool,
    /// Rows that are findings: an attack accepted, or a verifier stop.
    findings: usize,
    rows: Vec<Row>,
    #[serde(skip)]
    device: String,
}

/// One attack: the label, the handle in words, and what to plant.
struct Attack {
    label: String,
    handle: String,
    kind: Kind,
    access: Option<u32>,
}

/// "an event handle", "a file handle".
fn article(type_name: &str) -> &'static str {
    if type_name == "Event" {
        "an event handle"
    } else {
        "a file handle"
    }
}

fn attacks(args: &Args) -> Vec<Attack> {
    let type_name = args.object_type.name();
    let right = args.object_type.kind();
    let simple = |label: &str, handle: &str, kind| Attack {
        label: label.to_string(),
        handle: handle.to_string(),
        kind,
        access: None,
    };
    let mut list = vec![
        Attack {
            label: "control".into(),
            handle: format!(
                "{} with {}",
                article(type_name),
                access::words(type_name, args.access)
            ),
            kind: right,
            access: Some(args.access),
        },
        // A process handle with every right: only its type is wrong.
        Attack {
            label: "wrong type".into(),
            handle: "a process handle with PROCESS_ALL_ACCESS".into(),
            kind: Kind::Process,
            access: Some(access::PROCESS_ALL_ACCESS),
        },
    ];
    for bit in (0..32).map(|shift| 1u32 << shift) {
        if args.access & bit != 0 {
            let missing = access::words(type_name, bit);
            list.push(Attack {
                label: format!("lacks {missing}"),
                handle: format!(
                    "{} with {}",
                    article(type_name),
                    access::words(type_name, args.access & !bit)
                ),
                kind: right,
                access: Some(args.access & !bit),
            });
        }
    }
    list.extend([
        simple("kernel handle", "a kernel handle value", Kind::Kernel),
        simple(
            "other process's",
            "a handle value of another process",
            Kind::Foreign,
        ),
        simple("NULL", "NULL", Kind::Null),
        simple("-1", "-1 (NtCurrentProcess)", Kind::CurrentProcess),
        simple("-2", "-2 (NtCurrentThread)", Kind::CurrentThread),
        simple("closed", "an event handle closed first", Kind::Closed),
        simple("garbage", "a value that was never a handle", Kind::Garbage),
    ]);
    list
}

/// Runs the matrix.
///
/// # Errors
/// A usage error for a handle field outside the input, or a handle hgctl could not make.
pub fn run(device: &dyn Transport, args: &Args) -> Result<ProbeReport, Failure> {
    let end = args.offset.saturating_add(8);
    let given = args.input.as_ref().map_or(0, |bytes| bytes.0.len());
    let input_len = args.input_len.unwrap_or(end.max(given));
    if input_len < end {
        return Err(Failure::usage(format!(
            "--offset {} --input-len {input_len}: the handle's 8 bytes end past the input",
            args.offset
        )));
    }
    let mut base = args
        .input
        .as_ref()
        .map_or_else(Vec::new, |bytes| bytes.0.clone());
    base.resize(input_len, 0);
    let output_len = usize::try_from(args.output_len).unwrap_or(usize::MAX);
    device.hold_verifier_stops();
    let mut rows = Vec::new();
    for (index, attack) in attacks(args).into_iter().enumerate() {
        let spec = Spec {
            offset: args.offset,
            kind: attack.kind,
            access: attack.access,
        };
        let mut input = base.clone();
        let planted = plant::plant(device, &[spec], &mut input)?;
        let reply = device.ioctl(args.code, &input, output_len).done();
        plant::release(device, &planted);
        let accepted = status::is_success(reply.status);
        let verdict = match (index, accepted) {
            (0, true) => "ok",
            (0, false) => "failed",
            (_, true) => ACCEPTED,
            (_, false) => "refused",
        };
        rows.push(Row {
            attack: attack.label,
            handle: attack.handle,
            value: planted.first().map_or(0, |value| value.value),
            status: reply.status,
            verdict,
            verifier_stops: device.take_verifier_stops(),
        });
        if index == 0 {
            rows.extend(other_context(device, args, &base, output_len)?);
        }
    }
    Ok(ProbeReport {
        code: args.code,
        offset: args.offset,
        input_len,
        output_len: args.output_len,
        object_type: args.object_type.name(),
        access: args.access,
        access_names: access::words(args.object_type.name(), args.access),
        baseline: rows.first().is_some_and(|row| row.verdict == "ok"),
        findings: rows.iter().filter(|row| row.is_finding()).count(),
        rows,
        device: device.device_path().to_string(),
    })
}

/// The bits that make a handle value a kernel handle on x64 (`OBJ_KERNEL_HANDLE` handles are
/// sign-extended 0x80000000 values).
const KERNEL_HANDLE_BITS: u64 = 0xFFFF_FFFF_8000_0000;

/// A request dispatched in a System worker thread (as a worker or an intermediate driver
/// would forward it) whose handle is the value of an event handle of the System process: it
/// names nothing in the caller's process, and a driver that interprets it without checking
/// it runs in the requestor's context finds the System's event. The driver must refuse it.
/// Only where the transport can dispatch there (the model); `None` elsewhere.
fn other_context(
    device: &dyn Transport,
    args: &Args,
    base: &[u8],
    output_len: usize,
) -> Result<Option<Row>, Failure> {
    if !device.forwards() {
        return Ok(None);
    }
    let spec = Spec {
        offset: args.offset,
        kind: Kind::Value(device.kernel_handle() & !KERNEL_HANDLE_BITS),
        access: None,
    };
    let mut input = base.to_vec();
    let planted = plant::plant(device, &[spec], &mut input)?;
    let reply = device
        .ioctl_forwarded(Forward::OtherContext, args.code, &input, output_len)
        .map(Outcome::done);
    Ok(reply.map(|reply| Row {
        attack: "other context".into(),
        handle: "a System process's event handle value, the request dispatched in a System worker thread".into(),
        value: planted.first().map_or(0, |value| value.value),
        status: reply.status,
        verdict: if status::is_success(reply.status) {
            ACCEPTED
        } else {
            "refused"
        },
        verifier_stops: device.take_verifier_stops(),
    }))
}

impl crate::report::Report for ProbeReport {
    fn text(&self, width: usize) -> String {
        let mut out = format!(
            "probe IOCTL {:#010x} on {}: the handle at offset {} of {} input bytes should be {} with {}\n",
            self.code,
            self.device,
            self.offset,
            self.input_len,
            article(self.object_type),
            self.access_names
        );
        out = crate::terminal::wrap_lines(&out, width);
        for row in &self.rows {
            let _ = writeln!(
                out,
                "  {:<24} {:<8} {}",
                row.attack,
                row.verdict,
                status::label(row.status)
            );
            for stop in &row.verifier_stops {
                let line = format!("verifier stop: {stop}");
                let _ = writeln!(out, "{}", crate::terminal::wrap(&line, width, 4, 6));
            }
        }
        let verdict = if !self.baseline {
            "no baseline: the control request (the right handle) failed, so the refusals prove nothing; check --type, --access, --offset and --input".to_string()
        } else if self.findings == 0 {
            "no findings: every attack was refused".to_string()
        } else {
            format!(
                "{} finding{}: an attack accepted or a verifier stop (a bug check on Windows)",
                self.findings,
                if self.findings == 1 { "" } else { "s" }
            )
        };
        let _ = writeln!(out, "{}", crate::terminal::wrap(&verdict, width, 0, 2));
        out
    }

    fn exit(&self) -> Exit {
        if self.baseline && self.findings == 0 {
            Exit::Success
        } else {
            Exit::Failed
        }
    }
}
