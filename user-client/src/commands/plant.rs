//! `--handle OFFSET=KIND[:ACCESS]`: a handle value hgctl makes (or a value it is not) and
//! writes, as 8 little-endian bytes, at a byte offset of a request's input.
use crate::access;
use crate::explain::Op;
use crate::failure::Failure;
use crate::handle_value::{CURRENT_PROCESS, CURRENT_THREAD, GARBAGE};
use crate::number::{parse_handle_value, parse_u64};
use crate::transport::Transport;
use serde::Serialize;

/// What to plant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A new unnamed event of this process.
    Event,
    /// A file this user may read, opened for synchronous I/O.
    File,
    /// A real handle to this process.
    Process,
    /// A real handle to this thread.
    Thread,
    /// NULL.
    Null,
    /// -1, `NtCurrentProcess()`.
    CurrentProcess,
    /// -2, `NtCurrentThread()`.
    CurrentThread,
    /// An event handle closed before the request.
    Closed,
    /// A kernel handle value (valid in the kernel's table, never in a process's).
    Kernel,
    /// A handle value valid in another process and not in this one.
    Foreign,
    /// A value that was never a handle.
    Garbage,
    /// Exactly this value.
    Value(u64),
}

/// The kinds by name, for the help and for errors.
pub const KINDS: &str =
    "event, file, process, thread, null, -1, -2, closed, kernel, foreign, garbage, or a number";

impl Kind {
    fn parse(word: &str) -> Result<Self, String> {
        Ok(match word.to_ascii_lowercase().as_str() {
            "event" => Kind::Event,
            "file" => Kind::File,
            "process" => Kind::Process,
            "thread" => Kind::Thread,
            "null" => Kind::Null,
            "-1" | "current-process" => Kind::CurrentProcess,
            "-2" | "current-thread" => Kind::CurrentThread,
            "closed" => Kind::Closed,
            "kernel" => Kind::Kernel,
            "foreign" | "other-process" => Kind::Foreign,
            "garbage" => Kind::Garbage,
            other => Kind::Value(
                parse_handle_value(other)
                    .ok_or_else(|| format!("unknown handle kind '{word}': give {KINDS}"))?,
            ),
        })
    }

    /// The access a handle of this kind gets when none is asked for: all the type offers
    /// (for a file, what reading it needs).
    fn default_access(self) -> Option<u32> {
        match self {
            Kind::Event | Kind::Closed => Some(access::EVENT_ALL_ACCESS),
            Kind::File => Some(access::FILE_GENERIC_READ),
            Kind::Process => Some(access::PROCESS_ALL_ACCESS),
            Kind::Thread => Some(access::THREAD_ALL_ACCESS),
            _ => None,
        }
    }

    fn type_name(self) -> &'static str {
        match self {
            Kind::File => "File",
            Kind::Process => "Process",
            Kind::Thread => "Thread",
            _ => "Event",
        }
    }

    fn name(self) -> String {
        match self {
            Kind::Event => "event".into(),
            Kind::File => "file".into(),
            Kind::Process => "process".into(),
            Kind::Thread => "thread".into(),
            Kind::Null => "null".into(),
            Kind::CurrentProcess => "-1".into(),
            Kind::CurrentThread => "-2".into(),
            Kind::Closed => "closed".into(),
            Kind::Kernel => "kernel".into(),
            Kind::Foreign => "foreign".into(),
            Kind::Garbage => "garbage".into(),
            Kind::Value(value) => format!("{value:#x}"),
        }
    }
}

/// One `--handle` as given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Spec {
    /// Byte offset in the input.
    pub offset: usize,
    /// What to plant.
    pub kind: Kind,
    /// The access asked for (kinds that make a handle only).
    pub access: Option<u32>,
}

/// Parses `OFFSET=KIND[:ACCESS]` (clap's value parser for `--handle`).
///
/// # Errors
/// What is wrong with it, in words.
pub fn parse(text: &str) -> Result<Spec, String> {
    let (offset, rest) = text
        .split_once('=')
        .ok_or_else(|| format!("'{text}': give OFFSET=KIND[:ACCESS], e.g. 0=event:SYNCHRONIZE"))?;
    let offset = parse_u64(offset)
        .and_then(|offset| usize::try_from(offset).ok())
        .ok_or_else(|| format!("'{offset}' is no byte offset"))?;
    // "-1" and "-2" hold no colon; "event:SYNCHRONIZE" does.
    let (kind, access) = match rest.split_once(':') {
        Some((kind, access)) => (Kind::parse(kind)?, Some(access::parse(access)?)),
        None => (Kind::parse(rest)?, None),
    };
    if access.is_some() && kind.default_access().is_none() {
        return Err(format!(
            "'{text}': only event, file, process, thread and closed make a handle with an access"
        ));
    }
    Ok(Spec {
        offset,
        kind,
        access,
    })
}

/// A value planted in the input.
#[derive(Clone, Debug, Serialize)]
pub struct Planted {
    /// Byte offset in the input.
    pub offset: usize,
    /// The kind, by name.
    pub kind: String,
    /// The value written.
    pub value: u64,
    /// The access the handle was made with.
    pub access: Option<u32>,
    /// That access in words.
    pub access_names: Option<String>,
    /// hgctl closes it after the request.
    #[serde(skip)]
    pub owned: bool,
}

/// Makes the value `spec` asks for.
fn make(device: &dyn Transport, spec: &Spec) -> Result<Planted, Failure> {
    let access = spec.access.or(spec.kind.default_access());
    let handle_failure = |op: Op| move |status| Failure::status(op, status);
    let (value, owned) = match spec.kind {
        Kind::Event => (
            device
                .create_event(access.unwrap_or(0))
                .map_err(handle_failure(Op::CreateEvent))?,
            true,
        ),
        Kind::Closed => {
            let event = device
                .create_event(access.unwrap_or(0))
                .map_err(handle_failure(Op::CreateEvent))?;
            device.close(event);
            (event, false)
        }
        Kind::File => {
            let fixture = device.readable_file().map_err(Failure::new)?;
            let file = device
                .open_file(&fixture.path, access.unwrap_or(0), false)
                .map_err(handle_failure(Op::OpenFile))?;
            (file, true)
        }
        Kind::Process | Kind::Thread => (
            device
                .open_self(spec.kind == Kind::Thread, access.unwrap_or(0))
                .map_err(handle_failure(Op::OpenSelf))?,
            true,
        ),
        Kind::Null => (0, false),
        Kind::CurrentProcess => (CURRENT_PROCESS, false),
        Kind::CurrentThread => (CURRENT_THREAD, false),
        Kind::Kernel => (device.kernel_handle(), false),
        Kind::Foreign => (device.foreign_handle().map_err(Failure::new)?, false),
        Kind::Garbage => (GARBAGE, false),
        Kind::Value(value) => (value, false),
    };
    Ok(Planted {
        offset: spec.offset,
        kind: spec.kind.name(),
        value,
        access,
        access_names: access.map(|mask| access::words(spec.kind.type_name(), mask)),
        owned,
    })
}

/// Makes every value and writes it into `input` (grown with zeros to hold it). On failure
/// the handles already made are closed.
///
/// # Errors
/// Overlapping offsets (a usage error), or a handle hgctl could not make.
pub fn plant(
    device: &dyn Transport,
    specs: &[Spec],
    input: &mut Vec<u8>,
) -> Result<Vec<Planted>, Failure> {
    let mut sorted: Vec<&Spec> = specs.iter().collect();
    sorted.sort_by_key(|spec| spec.offset);
    for pair in sorted.windows(2) {
        if let [first, second] = pair
            && second.offset < first.offset + 8
        {
            return Err(Failure::usage(format!(
                "--handle: the values at offsets {} and {} overlap (each takes 8 bytes)",
                first.offset, second.offset
            )));
        }
    }
    let mut planted = Vec::new();
    for spec in specs {
        match make(device, spec) {
            Ok(value) => planted.push(value),
            Err(failure) => {
                release(device, &planted);
                return Err(failure);
            }
        }
    }
    for value in &planted {
        let end = value.offset + 8;
        if input.len() < end {
            input.resize(end, 0);
        }
        if let Some(slot) = input.get_mut(value.offset..end) {
            slot.copy_from_slice(&value.value.to_le_bytes());
        }
    }
    Ok(planted)
}

/// Closes the handles hgctl made.
pub fn release(device: &dyn Transport, planted: &[Planted]) {
    for value in planted.iter().filter(|value| value.owned) {
        device.close(value.value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spec_names_an_offset_a_kind_and_maybe_an_access() {
        assert_eq!(
            parse("0=event:SYNCHRONIZE"),
            Ok(Spec {
                offset: 0,
                kind: Kind::Event,
                access: Some(access::SYNCHRONIZE)
            })
        );
        assert_eq!(
            parse("0x8=-1").map(|spec| spec.kind),
            Ok(Kind::CurrentProcess)
        );
        assert_eq!(parse("8=-2").map(|spec| spec.kind), Ok(Kind::CurrentThread));
        assert_eq!(parse("0=0x44").map(|spec| spec.kind), Ok(Kind::Value(0x44)));
        assert!(parse("0=kernel:SYNCHRONIZE").is_err_and(|why| why.contains("only event")));
        assert!(parse("event").is_err_and(|why| why.contains("OFFSET=KIND")));
        assert!(parse("0=frob").is_err_and(|why| why.contains("unknown handle kind 'frob'")));
    }
}
