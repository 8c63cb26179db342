//! `hgctl open-as-me`: the driver opens a path on your behalf, with your access checked.
use super::file::FileSummary;
use crate::client;
use crate::explain::Op;
use crate::failure::Failure;
use crate::transport::{Transport, nt_path};
use clap::builder::NonEmptyStringValueParser;

/// `hgctl open-as-me`'s options.
#[derive(clap::Args, Clone, Debug)]
pub struct Args {
    /// A path: C:\Windows\win.ini or \??\C:\Windows\win.ini.
    #[arg(value_parser = NonEmptyStringValueParser::new())]
    pub path: String,
}

/// Runs `hgctl open-as-me`.
///
/// # Errors
/// OPEN_AS_CALLER's status.
pub fn run(device: &dyn Transport, args: &Args) -> Result<FileSummary, Failure> {
    let nt_path = nt_path(&args.path);
    let report = client::open_as_caller(device, &nt_path).map_err(|refused| {
        Failure::status(Op::OpenAsCaller, refused)
            .with_prefix(&format!("{nt_path}: "))
            .with_hint(device.hint(Op::OpenAsCaller, refused))
    })?;
    Ok(FileSummary::new(
        nt_path,
        &report,
        "opened by the driver with your access checked",
    ))
}
