//! The matrix runner against a scripted fake driver: wrong answers fail, the Wine rule
//! accepts a clean failure only while the driver keeps serving, a case that cannot set itself
//! up fails with its reason.
use super::case::{Actual, CaseResult, Needs, Verdict, WineRule};
use super::{CASES, Profile, SelftestReport, run};
use crate::explain::Op;
use crate::report::Report as _;
use crate::status::{self, Status};
use crate::transport::{
    Fixture, Forward, HandleRow, NameRow, Outcome, PIPE_DATA, Pipe, ProcessRow, READABLE_CONTENT,
    Reply, Transport,
};
use handleguard_protocol as protocol;
use serde_json::Value;
use std::cell::Cell;

/// A device whose driver answers each IOCTL with `answer(code, input)`; after a refused
/// handle IOCTL it stops serving if `dies` is set.
struct Fake {
    answer: fn(u32, &[u8]) -> Status,
    dies: bool,
    dead: Cell<bool>,
    next_handle: Cell<u64>,
    unreadable: bool,
    forwards: bool,
}

impl Fake {
    fn new(answer: fn(u32, &[u8]) -> Status) -> Self {
        Self {
            answer,
            dies: false,
            dead: Cell::new(false),
            next_handle: Cell::new(0x40),
            unreadable: true,
            forwards: true,
        }
    }

    fn handle(&self) -> u64 {
        let handle = self.next_handle.get();
        self.next_handle.set(handle + 4);
        handle
    }
}

fn is_handle_ioctl(code: u32) -> bool {
    code == protocol::IOCTL_HANDLEGUARD_REGISTER_EVENT
        || code == protocol::IOCTL_HANDLEGUARD_INSPECT_FILE
}

impl Transport for Fake {
    fn name(&self) -> &'static str {
        "fake"
    }
    fn device_path(&self) -> &str {
        protocol::DEVICE_WIN32_PATH
    }
    fn clock(&self) -> &'static str {
        "virtual"
    }
    fn ioctl(&self, code: u32, input: &[u8], output_len: usize) -> Outcome {
        if self.dead.get() {
            return Outcome::Done(Reply::status(status::STATUS_NO_SUCH_DEVICE));
        }
        let status = (self.answer)(code, input);
        if self.dies && is_handle_ioctl(code) && !status::is_success(status) {
            self.dead.set(true);
        }
        let returned = if status::is_success(status) {
            output_len
        } else {
            0
        };
        Outcome::Done(Reply {
            status,
            information: returned as u64,
            output: vec![0; returned],
        })
    }
    fn ioctl_forwarded(
        &self,
        _how: Forward,
        code: u32,
        input: &[u8],
        output_len: usize,
    ) -> Option<Outcome> {
        self.forwards().then(|| self.ioctl(code, input, output_len))
    }
    fn forwards(&self) -> bool {
        self.forwards
    }
    fn reopen(&self) -> Result<Box<dyn Transport>, String> {
        Ok(Box::new(Fake::new(self.answer)))
    }
    fn try_open(&self, path: &str) -> Status {
        if path == protocol::DEVICE_WIN32_PATH {
            status::STATUS_SUCCESS
        } else {
            status::STATUS_OBJECT_NAME_NOT_FOUND
        }
    }
    fn create_event(&self, _access: u32) -> Result<u64, Status> {
        Ok(self.handle())
    }
    fn open_file(&self, _path: &str, _access: u32, _overlapped: bool) -> Result<u64, Status> {
        Ok(self.handle())
    }
    fn close(&self, _handle: u64) {}
    fn is_signaled(&self, _handle: u64) -> Result<bool, Status> {
        Ok(false)
    }
    fn wait(&self, _handle: u64, _timeout_ms: u32) -> Result<Option<u64>, Status> {
        Ok(None)
    }
    fn set_event(&self, _handle: u64) -> Status {
        status::STATUS_ACCESS_DENIED
    }
    fn duplicate(&self, _handle: u64, _access: u32) -> Result<u64, Status> {
        Ok(self.handle())
    }
    fn elapse(&self, _ms: u32) {}
    fn foreign_handle(&self) -> Result<u64, String> {
        Ok(0x1000)
    }
    fn device_handle(&self) -> u64 {
        0x44
    }
    fn named_pipe_with_data(&self, _data: &[u8]) -> Result<Pipe, String> {
        Ok(Pipe {
            client: self.handle(),
            server: self.handle(),
        })
    }
    fn pipe_bytes_waiting(&self, _client: u64) -> Result<usize, Status> {
        Ok(PIPE_DATA.len())
    }
    fn kernel_handle(&self) -> u64 {
        0xFFFF_FFFF_8000_0004
    }
    fn pool_charged(&self) -> Result<usize, String> {
        Ok(0)
    }
    fn readable_file(&self) -> Result<Fixture, String> {
        Ok(Fixture {
            nt_path: r"\??\C:\fake.txt".into(),
            path: r"C:\fake.txt".into(),
            content: READABLE_CONTENT,
        })
    }
    fn unreadable_file(&self) -> Result<String, String> {
        if self.unreadable {
            Ok(r"\??\C:\secret.txt".into())
        } else {
            Err("no file this user cannot read".into())
        }
    }
    fn open_self(&self, _thread: bool, _access: u32) -> Result<u64, Status> {
        Ok(self.handle())
    }
    fn handles(&self) -> Result<Vec<HandleRow>, String> {
        Ok(Vec::new())
    }
    fn names(&self) -> Result<(Vec<NameRow>, Vec<ProcessRow>), String> {
        Ok((Vec::new(), Vec::new()))
    }
    fn hint(&self, _op: Op, _status: Status) -> Option<String> {
        None
    }
}

fn passed(result: &CaseResult) -> bool {
    result.verdict == Verdict::Pass
}

fn actual(result: &CaseResult) -> Option<&Actual> {
    result
        .observation
        .as_ref()
        .map(|observation| &observation.actual)
}

fn detail(result: &CaseResult) -> Option<&str> {
    result
        .observation
        .as_ref()
        .and_then(|observation| observation.detail.as_deref())
}

fn report(results: &[CaseResult], profile: Profile) -> SelftestReport {
    SelftestReport::new(
        results,
        profile,
        "fake",
        protocol::DEVICE_WIN32_PATH,
        Some(1),
    )
}

fn rows(results: &[CaseResult], profile: Profile) -> Vec<Value> {
    let json = serde_json::to_value(report(results, profile)).expect("JSON");
    json["cases"].as_array().expect("an array of cases").clone()
}

/// A driver that takes every request.
fn accepts_everything(_code: u32, _input: &[u8]) -> Status {
    status::STATUS_SUCCESS
}

/// Wine: handle IOCTLs fail with STATUS_NOT_IMPLEMENTED, everything else succeeds.
fn like_wine(code: u32, _input: &[u8]) -> Status {
    if is_handle_ioctl(code) {
        status::STATUS_NOT_IMPLEMENTED
    } else {
        status::STATUS_SUCCESS
    }
}

fn find<'a>(results: &'a [CaseResult], name: &str) -> &'a CaseResult {
    results
        .iter()
        .find(|result| result.case.name == name)
        .unwrap_or_else(|| panic!("no case {name}"))
}

#[test]
fn a_driver_that_accepts_any_handle_fails_the_handle_cases() {
    let results = run(&Fake::new(accepts_everything), Profile::Full, &[]);
    assert_eq!(results.len(), CASES.len());
    assert!(passed(find(&results, "get_info")));
    for name in [
        "file_as_event",
        "event_without_modify_state",
        "kernel_handle_value",
        "null_handle",
        "current_thread_as_event",
    ] {
        let result = find(&results, name);
        assert!(
            !passed(result),
            "{name} passed against a driver that accepts anything"
        );
        assert_eq!(
            actual(result),
            Some(&Actual::Status(status::STATUS_SUCCESS))
        );
    }
    let table = report(&results, Profile::Full).text(80);
    assert!(
        table.contains("FAIL   file_as_event              STATUS_SUCCESS (0x00000000)\n       expected STATUS_OBJECT_TYPE_MISMATCH (0xC0000024)\n"),
        "{table}"
    );
    assert!(!table.contains(&format!("{} passed, 0 failed", CASES.len())));
    assert_eq!(
        report(&results, Profile::Full).exit(),
        crate::failure::Exit::Failed
    );
}

#[test]
fn the_wine_rule_accepts_a_clean_failure_while_the_driver_keeps_serving() {
    let results = run(&Fake::new(like_wine), Profile::Wine, &[]);
    let wrong_type = find(&results, "event_as_file");
    assert!(passed(wrong_type));
    assert_eq!(wrong_type.rule, WineRule::FailCleanly);
    assert_eq!(
        actual(wrong_type),
        Some(&Actual::Status(status::STATUS_NOT_IMPLEMENTED))
    );
    assert_eq!(detail(wrong_type), Some("GET_INFO still works afterwards"));
    let rows = rows(&results, Profile::Wine);
    let row = rows
        .iter()
        .find(|row| row["case"] == "event_as_file")
        .expect("a row");
    assert_eq!(row["rule"], "fail_cleanly");
    assert_eq!(row["expected"]["name"], "STATUS_OBJECT_TYPE_MISMATCH");
    assert_eq!(row["actual"]["code"], 0xC000_0002_u32);
    for result in &results {
        let skipped = matches!(result.verdict, Verdict::Skipped("Wine cannot show it"));
        assert_eq!(
            skipped,
            result.case.wine == WineRule::Skip,
            "{}",
            result.case.name
        );
    }
}

#[test]
fn the_wine_rule_fails_a_driver_that_stops_serving() {
    let mut fake = Fake::new(like_wine);
    fake.dies = true;
    let results = run(&fake, Profile::Wine, &[]);
    let first_handle_case = find(&results, "event_signalled_when_due");
    assert!(!passed(first_handle_case));
    assert!(
        detail(first_handle_case)
            .is_some_and(|detail| detail.starts_with("the driver stopped serving")),
        "{:?}",
        first_handle_case.observation
    );
}

#[test]
fn a_case_that_cannot_set_itself_up_fails_with_its_reason() {
    let mut fake = Fake::new(accepts_everything);
    fake.unreadable = false;
    let results = run(&fake, Profile::Full, &[]);
    let denied = find(&results, "open_as_me_denied");
    assert!(!passed(denied));
    let rows = rows(&results, Profile::Full);
    let row = rows
        .iter()
        .find(|row| row["case"] == "open_as_me_denied")
        .expect("a row");
    assert_eq!(row["result"], "fail");
    assert_eq!(row["actual"], Value::Null);
    assert_eq!(row["why"], "not run: no file this user cannot read");
}

#[test]
fn a_pended_request_that_completes_at_once_is_wrong() {
    let results = run(&Fake::new(accepts_everything), Profile::Full, &[]);
    let pended = find(&results, "pended_request_completes");
    assert_eq!(
        actual(pended),
        Some(&Actual::Wrong(
            "completed at once instead of pending until due".into()
        ))
    );
}

#[test]
fn json_rows_carry_every_field_and_a_numeric_status() {
    let results = run(&Fake::new(accepts_everything), Profile::Full, &[]);
    let rows = rows(&results, Profile::Full);
    assert_eq!(rows.len(), CASES.len());
    for row in &rows {
        for field in [
            "case", "attacks", "rule", "expected", "result", "actual", "why", "detail",
        ] {
            assert!(row.get(field).is_some(), "{field} missing in {row}");
        }
        assert!(row["expected"]["code"].is_u64(), "{row}");
        assert!(row["expected"]["hex"].is_string(), "{row}");
    }
}

#[test]
fn the_matrix_is_well_formed() {
    let mut names: Vec<&str> = CASES.iter().map(|case| case.name).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), CASES.len(), "case names are unique");
    let skipped: Vec<&str> = CASES
        .iter()
        .filter(|case| case.wine == WineRule::Skip)
        .map(|case| case.name)
        .collect();
    assert_eq!(
        skipped,
        [
            "wrong_context",
            "quota_charged",
            "device_path_as_caller",
            "open_as_me_denied",
            "kernel_event_wait",
            "kernel_event_cannot_be_set",
            "kernel_event_duplicated_up",
            "pended_request_completes",
            "kernel_event_kernel_mode",
            "refusal_audit"
        ]
    );
    for case in CASES {
        assert!(case.attacks.len() <= 50, "{}: attacks too long", case.name);
        assert!(
            case.name.len() <= 26,
            "{}: name too long for the table",
            case.name
        );
        assert!(
            status::name(case.expected).is_some(),
            "{}: expected status has no name",
            case.name
        );
    }
}

#[test]
fn a_transport_that_cannot_forward_skips_the_cases_only_a_driver_can_send_and_says_so() {
    let mut fake = Fake::new(accepts_everything);
    fake.forwards = false;
    let results = run(&fake, Profile::Full, &[]);
    assert_eq!(results.len(), CASES.len());
    let skipped: Vec<&str> = results
        .iter()
        .filter(|result| matches!(result.verdict, Verdict::Skipped(_)))
        .map(|result| result.case.name)
        .collect();
    assert_eq!(skipped, ["wrong_context", "kernel_event_kernel_mode"]);
    assert!(
        results
            .iter()
            .filter(|result| result.case.needs == Needs::Forwarding)
            .all(|result| result.observation.is_none())
    );
    let table = report(&results, Profile::Full).text(80);
    assert!(
        table.contains(
            "SKIP   wrong_context              not run: needs a request dispatched in another\n"
        ),
        "{table}"
    );
}

#[test]
fn only_the_cases_asked_for_run() {
    let results = run(
        &Fake::new(accepts_everything),
        Profile::Full,
        &["null_handle".to_string(), "get_info".to_string()],
    );
    let names: Vec<&str> = results.iter().map(|result| result.case.name).collect();
    assert_eq!(names, ["get_info", "null_handle"], "in matrix order");
}

#[test]
fn every_table_line_fits_80_columns() {
    let mut fake = Fake::new(like_wine);
    fake.forwards = false;
    for profile in [Profile::Full, Profile::Wine] {
        let table = report(&run(&fake, profile, &[]), profile).text(80);
        for line in table.lines() {
            assert!(line.len() <= 80, "{} columns: {line}", line.len());
        }
    }
}
