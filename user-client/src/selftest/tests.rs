//! The matrix runner against a scripted fake driver: wrong answers fail, the Wine rule
//! accepts a clean failure only while the driver keeps serving, a case that cannot set itself
//! up fails with its reason.
use super::*;
use crate::transport::{Fixture, READABLE_CONTENT, Reply};
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
            return Outcome::Done(Reply {
                status: status::STATUS_NO_SUCH_DEVICE,
                output: Vec::new(),
            });
        }
        let status = (self.answer)(code, input);
        if self.dies && is_handle_ioctl(code) && !status::is_success(status) {
            self.dead.set(true);
        }
        Outcome::Done(Reply {
            status,
            output: vec![
                0;
                if status::is_success(status) {
                    output_len
                } else {
                    0
                }
            ],
        })
    }
    fn ioctl_forwarded(&self, code: u32, input: &[u8], output_len: usize) -> Option<Outcome> {
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
    fn kernel_handle(&self) -> u64 {
        0xFFFF_FFFF_8000_0004
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
    let report = run(&Fake::new(accepts_everything), Profile::Full);
    let results = report.results.as_slice();
    assert_eq!(results.len(), CASES.len());
    assert!(find(results, "get_info").pass);
    for name in [
        "file_as_event",
        "event_without_modify_state",
        "kernel_handle_value",
        "null_handle",
        "current_thread_as_event",
    ] {
        let result = find(results, name);
        assert!(
            !result.pass,
            "{name} passed against a driver that accepts anything"
        );
        assert_eq!(
            result.observation.actual,
            Actual::Status(status::STATUS_SUCCESS)
        );
    }
    let table = table(&report);
    assert!(table.contains("FAIL"), "{table}");
    assert!(!table.contains(&format!("{} passed, 0 failed", CASES.len())));
}

#[test]
fn the_wine_rule_accepts_a_clean_failure_while_the_driver_keeps_serving() {
    let report = run(&Fake::new(like_wine), Profile::Wine);
    let results = report.results.as_slice();
    let wrong_type = find(results, "event_as_file");
    assert!(wrong_type.pass);
    assert_eq!(wrong_type.rule, WineRule::FailCleanly);
    assert_eq!(
        wrong_type.observation.actual,
        Actual::Status(status::STATUS_NOT_IMPLEMENTED)
    );
    assert_eq!(
        wrong_type.observation.detail.as_deref(),
        Some("GET_INFO still works afterwards")
    );
    let rows = json(&report);
    let row = rows
        .as_array()
        .and_then(|rows| rows.iter().find(|row| row["case"] == "event_as_file"))
        .expect("a row");
    assert_eq!(
        row["expected"],
        "STATUS_OBJECT_TYPE_MISMATCH or any failure"
    );
    assert!(
        results
            .iter()
            .all(|result| result.case.wine != WineRule::Skip)
    );
}

#[test]
fn the_wine_rule_fails_a_driver_that_stops_serving() {
    let mut fake = Fake::new(like_wine);
    fake.dies = true;
    let report = run(&fake, Profile::Wine);
    let results = report.results.as_slice();
    let first_handle_case = find(results, "event_signalled_when_due");
    assert!(!first_handle_case.pass);
    assert!(
        first_handle_case
            .observation
            .detail
            .as_deref()
            .is_some_and(|detail| detail.starts_with("the driver stopped serving")),
        "{:?}",
        first_handle_case.observation
    );
}

#[test]
fn a_case_that_cannot_set_itself_up_fails_with_its_reason() {
    let mut fake = Fake::new(accepts_everything);
    fake.unreadable = false;
    let report = run(&fake, Profile::Full);
    let results = report.results.as_slice();
    let denied = find(results, "open_as_me_denied");
    assert!(!denied.pass);
    assert_eq!(
        actual_label(&denied.observation.actual),
        "not run: no file this user cannot read"
    );
}

#[test]
fn a_pended_request_that_completes_at_once_is_wrong() {
    let report = run(&Fake::new(accepts_everything), Profile::Full);
    let results = report.results.as_slice();
    let pended = find(results, "pended_request_completes");
    assert_eq!(
        pended.observation.actual,
        Actual::Wrong("completed at once instead of pending until due".into())
    );
}

#[test]
fn json_rows_carry_case_expected_actual_pass() {
    let report = run(&Fake::new(accepts_everything), Profile::Full);
    let rows = json(&report);
    let rows = rows.as_array().expect("an array");
    assert_eq!(rows.len(), CASES.len());
    for row in rows {
        for field in ["case", "attacks", "expected", "actual", "pass"] {
            assert!(row.get(field).is_some(), "{field} missing in {row}");
        }
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
            "open_as_me_denied",
            "kernel_event_wait",
            "kernel_event_cannot_be_set",
            "pended_request_completes",
            "refusal_audit"
        ]
    );
    for case in CASES {
        assert!(case.attacks.len() <= 50, "{}: attacks too long", case.name);
        assert!(
            status::name(case.expected).is_some(),
            "{}: expected status has no name",
            case.name
        );
    }
}

#[test]
fn a_transport_that_cannot_forward_skips_the_wrong_context_case_and_says_so() {
    let mut fake = Fake::new(accepts_everything);
    fake.forwards = false;
    let report = run(&fake, Profile::Full);
    assert_eq!(report.results.len(), CASES.len() - 1);
    assert!(
        report
            .results
            .iter()
            .all(|result| result.case.needs == Needs::Device)
    );
    let table = table(&report);
    assert!(
        table.contains(
            "not run: wrong_context (needs a request dispatched in another process's context"
        ),
        "{table}"
    );
}
