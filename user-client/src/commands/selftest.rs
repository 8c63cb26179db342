//! `hgctl selftest`: the attack matrix against the device; `--list` shows the cases without
//! running them, `--case` picks some, `--report` also saves the JSON document.
use crate::client;
use crate::failure::Failure;
use crate::report::{Head, Rendered, Report};
use crate::selftest::{self, CASES, Profile, SelftestReport};
use crate::status;
use crate::transport::Transport;
use clap::builder::PossibleValuesParser;
use serde::Serialize;
use std::fmt::Write as _;
use std::path::PathBuf;

/// `hgctl selftest`'s options.
#[derive(clap::Args, Clone, Debug)]
pub struct Args {
    /// `full`: every case with its exact status. `wine`: what Wine's partial kernel can
    /// show (no UserMode handle references there): exact statuses for requests without
    /// user handles; handle requests only have to fail cleanly and leave the driver up.
    #[arg(long, value_enum, default_value_t = Profile::Full)]
    pub profile: Profile,
    /// List the cases (name, what each attacks, the status it expects) without running any.
    #[arg(long)]
    pub list: bool,
    /// Run only this case (repeat for more; `--list` names them).
    #[arg(long = "case", value_name = "NAME", value_parser = PossibleValuesParser::new(CASES.iter().map(|case| case.name)))]
    pub cases: Vec<String>,
    /// Also write the JSON report (what `--json` prints) to this file.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
}

/// Runs the matrix.
///
/// # Errors
/// When the report file cannot be written.
pub fn run(device: &dyn Transport, args: &Args) -> Result<SelftestReport, Failure> {
    let report_file = args
        .report
        .as_ref()
        .map(|path| {
            std::fs::File::create(path)
                .map(|file| (path, file))
                .map_err(|error| Failure::new(format!("--report {}: {error}", path.display())))
        })
        .transpose()?;
    let version = client::info(device).ok().map(|info| info.version);
    let results = selftest::run(device, args.profile, &args.cases);
    let report = SelftestReport::new(
        &results,
        args.profile,
        device.name(),
        device.device_path(),
        version,
    );
    if let Some((path, mut file)) = report_file {
        let head = Head {
            command: Some("selftest".to_string()),
            transport: device.name(),
            device: Some(device.device_path().to_string()),
        };
        let document = head.report(&Rendered::of(&report, crate::terminal::DEFAULT_WIDTH));
        serde_json::to_writer_pretty(&mut file, &document)
            .map_err(|error| Failure::new(format!("--report {}: {error}", path.display())))?;
    }
    Ok(report)
}

/// One case as `--list` shows it.
#[derive(Serialize)]
pub struct Listed {
    case: &'static str,
    attacks: &'static str,
    #[serde(serialize_with = "status::serialize")]
    expected: i32,
    /// How the Wine profile treats it: "exact", "fail_cleanly" or "skip".
    wine: &'static str,
}

/// The matrix's cases, not run.
#[derive(Serialize)]
pub struct CaseList {
    cases: Vec<Listed>,
}

/// `--list`.
#[must_use]
pub fn list() -> CaseList {
    CaseList {
        cases: CASES
            .iter()
            .map(|case| Listed {
                case: case.name,
                attacks: case.attacks,
                expected: case.expected,
                wine: case.wine.name(),
            })
            .collect(),
    }
}

impl Report for CaseList {
    fn text(&self, _width: usize) -> String {
        let mut out = String::from("case                       what it attacks; expected status\n");
        for case in &self.cases {
            let _ = writeln!(
                out,
                "{:<26} {}\n{:<26} {}",
                case.case,
                case.attacks,
                "",
                status::label(case.expected)
            );
        }
        out
    }
}
