//! A self-test run as a report: a summary and one row per case (skipped ones too), as a
//! table that fits the terminal or as JSON.
use super::case::{Actual, CaseResult, Profile, Verdict, WineRule};
use crate::failure::Exit;
use crate::report::Report;
use crate::status::{self, Status};
use crate::terminal::wrap;
use handleguard_protocol::PROTOCOL_VERSION;
use serde::Serialize;
use std::fmt::Write as _;

/// The counts and versions a run ends with.
#[derive(Serialize)]
pub struct Summary {
    passed: usize,
    failed: usize,
    skipped: usize,
    profile: &'static str,
    transport: &'static str,
    /// The protocol version the driver answered GET_INFO with (null if it did not answer).
    driver_protocol_version: Option<u32>,
    hgctl_protocol_version: u32,
    hgctl_version: &'static str,
}

/// One case as reported.
#[derive(Serialize)]
pub struct Row {
    case: &'static str,
    attacks: &'static str,
    /// "exact" or "fail_cleanly" (the status, or any failure after which the driver still
    /// serves); null when skipped.
    rule: Option<&'static str>,
    #[serde(serialize_with = "status::serialize")]
    expected: Status,
    /// "pass", "fail" or "skipped".
    result: &'static str,
    /// The status that came back, null when none did.
    #[serde(serialize_with = "status::serialize_option")]
    actual: Option<Status>,
    /// What went wrong without a status, why the case did not run, or why it was skipped.
    why: Option<String>,
    /// Anything worth reporting beside the status.
    detail: Option<String>,
}

impl Row {
    fn of(result: &CaseResult) -> Self {
        let (actual, why) = match result.observation.as_ref().map(|o| &o.actual) {
            Some(Actual::Status(status)) => (Some(*status), None),
            Some(Actual::Wrong(why)) => (None, Some(why.clone())),
            Some(Actual::NotRun(why)) => (None, Some(format!("not run: {why}"))),
            None => (None, None),
        };
        let (result_word, why) = match result.verdict {
            Verdict::Pass => ("pass", why),
            Verdict::Fail => ("fail", why),
            Verdict::Skipped(reason) => ("skipped", Some(reason.to_string())),
        };
        Self {
            case: result.case.name,
            attacks: result.case.attacks,
            rule: match (result.verdict, result.rule) {
                (Verdict::Skipped(_), _) => None,
                (_, WineRule::FailCleanly) => Some("fail_cleanly"),
                (_, WineRule::Exact | WineRule::Skip) => Some("exact"),
            },
            expected: result.case.expected,
            result: result_word,
            actual,
            why,
            detail: result.observation.as_ref().and_then(|o| o.detail.clone()),
        }
    }

    /// The first line: verdict, case, what came back.
    fn head(&self, width: usize) -> String {
        let verdict = match self.result {
            "pass" => "PASS",
            "fail" => "FAIL",
            _ => "SKIP",
        };
        let prefix = format!("{verdict:<6} {:<26} ", self.case);
        let actual = match (self.actual, &self.why) {
            (Some(status), _) => status::label(status),
            (None, Some(why)) if self.result == "skipped" => format!("not run: {why}"),
            (None, Some(why)) => why.clone(),
            (None, None) => "nothing came back".to_string(),
        };
        let options = textwrap::Options::new(width)
            .initial_indent(&prefix)
            .subsequent_indent("                                  ")
            .word_splitter(textwrap::WordSplitter::NoHyphenation)
            .break_words(true);
        textwrap::fill(&actual, options)
    }
}

/// A self-test run.
#[derive(Serialize)]
pub struct SelftestReport {
    summary: Summary,
    cases: Vec<Row>,
    #[serde(skip)]
    device: String,
}

impl Profile {
    /// Its name on the command line.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Profile::Full => "full",
            Profile::Wine => "wine",
        }
    }
}

impl SelftestReport {
    /// The report of `results`, run under `profile` on `transport` (`device`), against a
    /// driver that answered GET_INFO with `driver_protocol_version`.
    #[must_use]
    pub fn new(
        results: &[CaseResult],
        profile: Profile,
        transport: &'static str,
        device: &str,
        driver_protocol_version: Option<u32>,
    ) -> Self {
        let count = |verdict: Verdict| results.iter().filter(|r| r.verdict == verdict).count();
        let skipped = results
            .iter()
            .filter(|r| matches!(r.verdict, Verdict::Skipped(_)))
            .count();
        Self {
            summary: Summary {
                passed: count(Verdict::Pass),
                failed: count(Verdict::Fail),
                skipped,
                profile: profile.name(),
                transport,
                driver_protocol_version,
                hgctl_protocol_version: PROTOCOL_VERSION,
                hgctl_version: env!("CARGO_PKG_VERSION"),
            },
            cases: results.iter().map(Row::of).collect(),
            device: device.to_string(),
        }
    }
}

impl Report for SelftestReport {
    /// Two lines a case: `PASS   case   status`, then what it attacks and any detail; a case
    /// whose status is not exactly the expected one shows the expected one between them.
    fn text(&self, width: usize) -> String {
        let summary = &self.summary;
        let mut out = format!(
            "hgctl selftest, profile {}, {} transport ({})\n",
            summary.profile, summary.transport, self.device
        );
        out.push_str("result case                       what came back\n");
        out.push_str("       what it attacks (details)\n");
        for row in &self.cases {
            let _ = writeln!(out, "{}", row.head(width));
            let differs = row.actual != Some(row.expected) || row.rule == Some("fail_cleanly");
            if row.result != "skipped" && differs {
                let also = if row.rule == Some("fail_cleanly") {
                    " or any failure"
                } else {
                    ""
                };
                let expected = format!("expected {}{also}", status::label(row.expected));
                let _ = writeln!(out, "{}", wrap(&expected, width, 7, 7));
            }
            let about = match &row.detail {
                Some(detail) => format!("{} ({detail})", row.attacks),
                None => row.attacks.to_string(),
            };
            let _ = writeln!(out, "{}", wrap(&about, width, 7, 7));
        }
        let _ = writeln!(
            out,
            "{} passed, {} failed, {} skipped",
            summary.passed, summary.failed, summary.skipped
        );
        out
    }

    fn exit(&self) -> Exit {
        if self.summary.failed == 0 {
            Exit::Success
        } else {
            Exit::Failed
        }
    }
}
