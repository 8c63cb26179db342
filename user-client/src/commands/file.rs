//! `hgctl file`: pass a file handle for inspection (size and checksum of its first 4 KiB).
use crate::access;
use crate::client;
use crate::explain::Op;
use crate::failure::Failure;
use crate::report::Report;
use crate::transport::Transport;
use clap::builder::NonEmptyStringValueParser;
use handleguard_protocol::FileReport;
use serde::Serialize;

/// `hgctl file`'s options.
#[derive(clap::Args, Clone, Debug)]
pub struct Args {
    /// The file to open and pass (C:\... or \??\C:\...; on the model,
    /// C:\handleguard\readable.txt; `hgctl names` lists the model's files).
    #[arg(value_parser = NonEmptyStringValueParser::new())]
    pub path: String,
    /// Open it for overlapped (asynchronous) I/O, to see the driver refuse it.
    #[arg(long)]
    pub overlapped: bool,
    /// Open it without FILE_READ_DATA, to see the driver refuse it.
    #[arg(long)]
    pub without_read_data: bool,
}

/// A file's size and checksum, as the driver read them.
#[derive(Serialize)]
pub struct FileSummary {
    /// The path as given (`file`) or as sent (`open-as-me`, an NT path).
    path: String,
    size: u64,
    checksum: u32,
    /// How many bytes the checksum covers.
    checksummed: u32,
    /// How the driver got at the file, in words.
    #[serde(skip)]
    how: &'static str,
}

impl FileSummary {
    /// `report` for `path`, read the way `how` says.
    #[must_use]
    pub fn new(path: String, report: &FileReport, how: &'static str) -> Self {
        Self {
            path,
            size: report.size,
            checksum: report.checksum,
            checksummed: report.checksummed,
            how,
        }
    }
}

impl Report for FileSummary {
    fn text(&self, width: usize) -> String {
        crate::terminal::wrap_lines(&self.unwrapped(), width)
    }
}

impl FileSummary {
    /// The text before it is fitted to the terminal.
    fn unwrapped(&self) -> String {
        format!(
            "{}: {} bytes, checksum {:#010x} over the first {} bytes ({})\n",
            self.path, self.size, self.checksum, self.checksummed, self.how
        )
    }
}

/// Runs `hgctl file`.
///
/// # Errors
/// The status of the failed open or inspection.
pub fn run(device: &dyn Transport, args: &Args) -> Result<FileSummary, Failure> {
    let path = &args.path;
    let wanted = if args.without_read_data {
        access::FILE_READ_ATTRIBUTES | access::SYNCHRONIZE
    } else if args.overlapped {
        access::FILE_READ_DATA
    } else {
        access::FILE
    };
    let handle = device
        .open_file(path, wanted, args.overlapped)
        .map_err(|failed| {
            Failure::status(Op::OpenFile, failed)
                .with_prefix(&format!("{path}: "))
                .with_hint(device.hint(Op::OpenFile, failed))
        })?;
    let report = client::inspect(device, handle);
    device.close(handle);
    let report = report.map_err(|refused| Failure::status(Op::InspectFile, refused))?;
    Ok(FileSummary::new(
        path.clone(),
        &report,
        "read by the driver through its own kernel handle",
    ))
}
