//! hgctl as a user runs it, against the embedded model kernel with the real driver code.
use handleguard_protocol::checksum;
use serde_json::Value;
use std::process::{Command, Output};

fn hgctl(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hgctl"))
        .args(args)
        .output()
        .expect("hgctl runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|error| panic!("invalid JSON ({error}): {}", stdout(output)))
}

const SUCCESS: &str = "STATUS_SUCCESS (0x00000000)";
const INVALID_HANDLE: &str = "STATUS_INVALID_HANDLE (0xC0000008)";
const INVALID_PARAMETER: &str = "STATUS_INVALID_PARAMETER (0xC000000D)";
const INVALID_DEVICE_REQUEST: &str = "STATUS_INVALID_DEVICE_REQUEST (0xC0000010)";
const ACCESS_DENIED: &str = "STATUS_ACCESS_DENIED (0xC0000022)";
const BUFFER_TOO_SMALL: &str = "STATUS_BUFFER_TOO_SMALL (0xC0000023)";
const TYPE_MISMATCH: &str = "STATUS_OBJECT_TYPE_MISMATCH (0xC0000024)";
const NAME_NOT_FOUND: &str = "STATUS_OBJECT_NAME_NOT_FOUND (0xC0000034)";
const QUOTA_EXCEEDED: &str = "STATUS_QUOTA_EXCEEDED (0xC0000044)";
const CANCELLED: &str = "STATUS_CANCELLED (0xC0000120)";

/// The matrix, in order, with the exact status the driver must answer each case with
/// (derived from src/ and NT-SEMANTICS.md, not from hgctl's own table).
const MATRIX: &[(&str, &str)] = &[
    ("open_device", SUCCESS),
    ("get_info", SUCCESS),
    ("event_signalled_when_due", SUCCESS),
    ("file_handle_inspected", SUCCESS),
    ("file_as_event", TYPE_MISMATCH),
    ("event_as_file", TYPE_MISMATCH),
    ("event_without_modify_state", ACCESS_DENIED),
    ("file_without_read_data", ACCESS_DENIED),
    ("kernel_handle_value", INVALID_HANDLE),
    ("other_process_handle", INVALID_HANDLE),
    ("wrong_context", INVALID_DEVICE_REQUEST),
    ("null_handle", INVALID_HANDLE),
    ("current_process_as_event", TYPE_MISMATCH),
    ("current_thread_as_event", TYPE_MISMATCH),
    ("garbage_handle", INVALID_HANDLE),
    ("closed_handle", INVALID_HANDLE),
    ("closed_while_held", SUCCESS),
    ("unregister_before_due", SUCCESS),
    ("short_input", INVALID_PARAMETER),
    ("oversized_input", INVALID_PARAMETER),
    ("short_output", BUFFER_TOO_SMALL),
    ("unknown_code", INVALID_DEVICE_REQUEST),
    ("namespace_open", NAME_NOT_FOUND),
    ("quota", QUOTA_EXCEEDED),
    ("asynchronous_file", INVALID_PARAMETER),
    ("open_as_me_readable", SUCCESS),
    ("open_as_me_denied", ACCESS_DENIED),
    ("kernel_event_wait", SUCCESS),
    ("kernel_event_cannot_be_set", ACCESS_DENIED),
    ("pended_request_completes", SUCCESS),
    ("pended_request_cancelled", CANCELLED),
    ("refusal_audit", SUCCESS),
];

/// Cases Wine cannot show at all.
const NOT_UNDER_WINE: &[&str] = &[
    "wrong_context",
    "open_as_me_denied",
    "kernel_event_wait",
    "kernel_event_cannot_be_set",
    "pended_request_completes",
    "refusal_audit",
];

const READABLE: &str = r"C:\handleguard\readable.txt";
const READABLE_CONTENT: &[u8] = b"handleguard: a file the user may read\n";
const SECRET: &str = r"C:\handleguard\secret.txt";

#[test]
fn selftest_passes_every_case_against_the_model_and_prints_a_table() {
    let output = hgctl(&["selftest"]);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert!(
        text.starts_with("hgctl selftest, profile full, model transport"),
        "{text}"
    );
    let header = text.lines().nth(1).expect("a header");
    for column in ["case", "attacks", "expected", "actual", "result"] {
        assert!(header.contains(column), "{header}");
    }
    for (case, status) in MATRIX {
        let row = text
            .lines()
            .find(|line| line.starts_with(&format!("{case} ")))
            .unwrap_or_else(|| panic!("no row for {case}:\n{text}"));
        assert!(row.ends_with("PASS"), "{row}");
        assert_eq!(row.matches(status).count(), 2, "expected and actual: {row}");
    }
    assert!(
        text.contains(&format!("{} passed, 0 failed", MATRIX.len())),
        "{text}"
    );
    assert!(text.contains("(refused after 64 registrations)"), "{text}");
    assert!(text.contains("(11 of 11 reasons counted)"), "{text}");
    assert!(!text.contains("not run:"), "{text}");
    assert_eq!(stderr(&output), "", "no verifier stop, no leak at unload");
}

#[test]
fn selftest_json_lists_every_case_with_its_exact_status() {
    let output = hgctl(&["selftest", "--json"]);
    assert_eq!(output.status.code(), Some(0));
    let cases = json(&output);
    let cases = cases.as_array().expect("an array");
    let names: Vec<&str> = cases
        .iter()
        .filter_map(|case| case["case"].as_str())
        .collect();
    let expected_names: Vec<&str> = MATRIX.iter().map(|(name, _)| *name).collect();
    assert_eq!(names, expected_names);
    for (case, (name, status)) in cases.iter().zip(MATRIX) {
        for field in ["case", "attacks", "expected", "actual", "pass"] {
            assert!(case.get(field).is_some(), "{field} missing in {case}");
        }
        assert_eq!(case["expected"], *status, "{name}");
        assert_eq!(case["actual"], *status, "{name}");
        assert_eq!(case["pass"], true, "{name}");
    }
    let closed_while_held = &cases[16];
    assert_eq!(closed_while_held["case"], "closed_while_held");
    assert_eq!(
        closed_while_held["detail"],
        "signalled after 20 ms (virtual clock), due in 20 ms"
    );
}

#[test]
fn the_wine_profile_runs_what_wine_can_show() {
    let output = hgctl(&["selftest", "--profile", "wine", "--json"]);
    assert_eq!(output.status.code(), Some(0));
    let cases = json(&output);
    let cases = cases.as_array().expect("an array");
    let names: Vec<&str> = cases
        .iter()
        .filter_map(|case| case["case"].as_str())
        .collect();
    let expected_names: Vec<&str> = MATRIX
        .iter()
        .map(|(name, _)| *name)
        .filter(|name| !NOT_UNDER_WINE.contains(name))
        .collect();
    assert_eq!(names, expected_names);
    let row = |name: &str| {
        cases
            .iter()
            .find(|case| case["case"] == name)
            .unwrap_or_else(|| panic!("no {name}"))
    };
    // Requests without a user handle: the exact status, as on Windows.
    for (name, status) in [
        ("open_device", SUCCESS),
        ("null_handle", INVALID_HANDLE),
        ("short_output", BUFFER_TOO_SMALL),
        ("unknown_code", INVALID_DEVICE_REQUEST),
        ("namespace_open", NAME_NOT_FOUND),
        ("pended_request_cancelled", CANCELLED),
    ] {
        assert_eq!(row(name)["expected"], status, "{name}");
    }
    // Handle requests: the status or any failure, and the driver keeps serving.
    let wrong_type = row("event_as_file");
    assert_eq!(
        wrong_type["expected"],
        "STATUS_OBJECT_TYPE_MISMATCH or any failure"
    );
    assert_eq!(wrong_type["actual"], TYPE_MISMATCH);
    assert_eq!(wrong_type["detail"], "GET_INFO still works afterwards");
    assert!(cases.iter().all(|case| case["pass"] == true));
    let text = stdout(&hgctl(&["selftest", "--profile", "wine"]));
    for name in NOT_UNDER_WINE {
        assert!(
            text.contains(&format!("not run: {name} (Wine cannot show it)")),
            "{name}: {text}"
        );
    }
}

#[test]
fn info_prints_the_version_counters_and_refusal_audit() {
    let output = hgctl(&["info"]);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(0));
    assert!(
        text.starts_with("transport model (\\\\.\\HandleGuard)\n"),
        "{text}"
    );
    assert!(
        text.contains("protocol version 1 (hgctl speaks 1)"),
        "{text}"
    );
    assert!(text.contains("opens 1  requests 1"), "{text}");
    assert!(!text.contains("incompatible"), "{text}");
    assert!(text.contains("  too_little_access      0\n"), "{text}");
    let json = json(&hgctl(&["info", "--json"]));
    assert_eq!(json["transport"], "model");
    assert_eq!(json["protocol_version"], 1);
    assert_eq!(json["compatible"], true);
    assert_eq!(json["opens"], 1);
    assert_eq!(json["requests"], 1);
    assert_eq!(json["registrations"]["active"], 0);
    let refusals = json["refusals"].as_object().expect("refusals by name");
    assert_eq!(refusals.len(), 11);
    assert!(refusals.values().all(|count| count == 0));
}

#[test]
fn event_is_signalled_when_due_on_the_virtual_clock() {
    let output = hgctl(&["event", "--due-ms", "30"]);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(
        stdout(&output),
        "registration 0x1: event signalled after 30 ms (virtual clock), due in 30 ms: latency 0 ms\n"
    );
    let json = json(&hgctl(&["event", "--due-ms", "30", "--json"]));
    assert_eq!(json["signalled"], true);
    assert_eq!(json["signalled_after_ms"], 30);
    assert_eq!(json["latency_ms"], 0);
    assert_eq!(json["clock"], "virtual");
}

#[test]
fn an_unregistered_event_is_never_signalled() {
    let output = hgctl(&["event", "--unregister", "--json"]);
    assert_eq!(output.status.code(), Some(0));
    let json = json(&output);
    assert_eq!(json["unregistered"], SUCCESS);
    assert_eq!(json["signalled"], false);
    let text = stdout(&hgctl(&["event", "--unregister"]));
    assert!(
        text.contains("event signalled 100 ms after it would have been due: false"),
        "{text}"
    );
}

#[test]
fn a_pended_request_completes_when_due_or_is_cancelled() {
    let done = hgctl(&["event", "--pended", "--due-ms", "10", "--json"]);
    assert_eq!(done.status.code(), Some(0));
    let done = json(&done);
    assert_eq!(done["status"], SUCCESS);
    assert_eq!(done["waited_ms"], 10);
    let cancelled = hgctl(&["event", "--pended", "--unregister"]);
    assert_eq!(cancelled.status.code(), Some(0));
    assert!(
        stdout(&cancelled).starts_with(&format!(
            "pended request cancelled before due: REGISTER_EVENT (pended): {CANCELLED}"
        )),
        "{}",
        stdout(&cancelled)
    );
}

#[test]
fn a_kernel_event_can_be_waited_on_but_not_set() {
    let output = hgctl(&["kernel-event", "--due-ms", "20", "--json"]);
    assert_eq!(output.status.code(), Some(0));
    let json = json(&output);
    assert_eq!(json["signalled_before"], false);
    assert_eq!(json["set_event"], ACCESS_DENIED);
    assert_eq!(json["signalled_after_set"], false);
    assert_eq!(json["signalled_after_ms"], 20);
    let on_request = json_of(&["kernel-event", "--due-ms", "0", "--json"]);
    assert_eq!(on_request["signal_kernel_event"], SUCCESS);
    assert_eq!(on_request["signalled_after_ms"], 0);
    let text = stdout(&hgctl(&["kernel-event"]));
    assert!(
        text.contains("SetEvent through it: SetEvent on the driver's handle: STATUS_ACCESS_DENIED (0xC0000022): the driver handed out this handle with SYNCHRONIZE only"),
        "{text}"
    );
}

fn json_of(args: &[&str]) -> Value {
    json(&hgctl(args))
}

#[test]
fn file_and_open_as_me_report_size_and_checksum() {
    let sum = checksum(READABLE_CONTENT);
    let file = hgctl(&["file", READABLE]);
    assert_eq!(file.status.code(), Some(0));
    assert_eq!(
        stdout(&file),
        format!(
            "{READABLE}: 38 bytes, checksum {sum:#010x} over the first 38 bytes (read by the driver through its own kernel handle)\n"
        )
    );
    let opened = json_of(&["open-as-me", READABLE, "--json"]);
    assert_eq!(opened["path"], r"\??\C:\handleguard\readable.txt");
    assert_eq!(opened["size"], 38);
    assert_eq!(opened["checksum"], sum);
}

/// A refused command: exit code 1, the message on stderr, nothing on stdout.
fn refused(args: &[&str]) -> String {
    let output = hgctl(args);
    assert_eq!(output.status.code(), Some(1), "{args:?}");
    assert_eq!(stdout(&output), "", "{args:?}");
    stderr(&output)
}

#[test]
fn refused_handles_are_explained_with_the_rule_behind_them() {
    assert!(
        refused(&["event", "--without-modify-state"]).starts_with(
            "hgctl: REGISTER_EVENT: STATUS_ACCESS_DENIED (0xC0000022): the driver refused the handle: it was opened without EVENT_MODIFY_STATE"
        )
    );
    assert!(
        refused(&["file", READABLE, "--without-read-data"]).starts_with(
            "hgctl: INSPECT_FILE: STATUS_ACCESS_DENIED (0xC0000022): the driver refused the handle: it was opened without FILE_READ_DATA"
        )
    );
    assert!(
        refused(&["file", READABLE, "--overlapped"]).starts_with(
            "hgctl: INSPECT_FILE: STATUS_INVALID_PARAMETER (0xC000000D): the driver refused the file: it was opened for overlapped (asynchronous) I/O"
        )
    );
    assert!(
        refused(&["open-as-me", SECRET]).starts_with(
            r"hgctl: \??\C:\handleguard\secret.txt: OPEN_AS_CALLER: STATUS_ACCESS_DENIED (0xC0000022): you may not read that file: the driver opened it with OBJ_FORCE_ACCESS_CHECK"
        )
    );
    assert_eq!(
        refused(&["file", r"C:\nowhere.txt"]),
        "hgctl: C:\\nowhere.txt: opening the file: STATUS_OBJECT_NAME_NOT_FOUND (0xC0000034): no such file\n"
    );
}

#[test]
fn errors_are_json_with_json() {
    let output = hgctl(&["--json", "event", "--without-modify-state"]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stderr(&output), "");
    let json = json(&output);
    assert_eq!(json["status"], ACCESS_DENIED);
    assert!(
        json["error"]
            .as_str()
            .is_some_and(|error| error.contains("EVENT_MODIFY_STATE")),
        "{json}"
    );
}

#[test]
fn device_picks_the_path_and_a_name_under_the_device_is_refused() {
    let json = json_of(&["--device", r"\\.\HandleGuard", "--model", "info", "--json"]);
    assert_eq!(json["device"], r"\\.\HandleGuard");
    let message = refused(&["--device", r"\\.\HandleGuard\x", "info"]);
    assert!(
        message.starts_with(&format!(
            r"hgctl: cannot open \\.\HandleGuard\x on the model: opening the device: {NAME_NOT_FOUND}: no device of that name"
        )),
        "{message}"
    );
}

#[test]
fn argument_errors_exit_with_2_and_say_what_is_wrong() {
    let bad = hgctl(&["selftest", "--profile", "nope"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("invalid value 'nope' for '--profile <PROFILE>'"));
    assert!(stderr(&bad).contains("[possible values: full, wine]"));
    let unknown = hgctl(&["frobnicate"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(stderr(&unknown).contains("unrecognized subcommand 'frobnicate'"));
    let missing = hgctl(&["file"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(stderr(&missing).contains("<PATH>"));
    let zero = hgctl(&["bench", "--count", "0"]);
    assert_eq!(zero.status.code(), Some(2));
    let not_a_number = hgctl(&["event", "--due-ms", "soon"]);
    assert_eq!(not_a_number.status.code(), Some(2));
    assert_eq!(hgctl(&[]).status.code(), Some(2));
}

#[test]
fn help_explains_the_rule_each_command_shows() {
    let help = hgctl(&["--help"]);
    assert_eq!(help.status.code(), Some(0));
    let help = stdout(&help);
    for command in [
        "info",
        "event",
        "file",
        "open-as-me",
        "kernel-event",
        "selftest",
        "bench",
    ] {
        assert!(help.contains(&format!("  {command} ")), "{command}: {help}");
    }
    assert!(!help.contains("__hold"));
    assert!(help.contains("Exit codes: 0 success, 1"), "{help}");
    for (command, rule) in [
        ("event", "SYNCHRONIZE | EVENT_MODIFY_STATE"),
        ("event", "RequestorMode"),
        ("file", "FILE_READ_DATA"),
        ("open-as-me", "OBJ_FORCE_ACCESS_CHECK"),
        ("kernel-event", "SYNCHRONIZE only"),
        ("selftest", "fail cleanly"),
        ("info", "per reason"),
    ] {
        let text = stdout(&hgctl(&[command, "--help"]));
        assert!(text.contains(rule), "{command} --help lacks {rule}: {text}");
    }
}

#[test]
fn bench_reports_round_trips_and_a_ratio() {
    let output = hgctl(&["bench", "--count", "200", "--json"]);
    assert_eq!(output.status.code(), Some(0));
    let json = json(&output);
    assert_eq!(json["transport"], "model");
    assert_eq!(json["count"], 200);
    for field in ["get_info_per_s", "validating_per_s", "ratio"] {
        assert!(
            json[field].as_f64().is_some_and(|value| value > 0.0),
            "{field}: {json}"
        );
    }
    let text = stdout(&hgctl(&["bench", "--count", "50"]));
    assert!(text.contains("ratio GET_INFO / validating"), "{text}");
}
