//! `hgctl selftest`: the matrix against the model, its table, its JSON envelope, the Wine
//! profile, `--list`, `--case` and `--report`.
use super::support::*;
use serde_json::Value;

/// The matrix, in order, with the exact status the driver must answer each case with
/// (derived from the driver's source and the NT behaviour it relies on, not from hgctl's own
/// table).
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
    ("quota_charged", SUCCESS),
    ("device_handle_as_file", NOT_SUPPORTED),
    ("pipe_as_file", NOT_SUPPORTED),
    ("asynchronous_file", INVALID_PARAMETER),
    ("open_as_me_readable", SUCCESS),
    ("device_path_as_caller", NOT_SUPPORTED),
    ("open_as_me_denied", ACCESS_DENIED),
    ("kernel_event_wait", SUCCESS),
    ("kernel_event_cannot_be_set", ACCESS_DENIED),
    ("kernel_event_duplicated_up", ACCESS_DENIED),
    ("pended_request_completes", SUCCESS),
    ("pended_request_cancelled", CANCELLED),
    ("kernel_event_kernel_mode", INVALID_DEVICE_REQUEST),
    ("refusal_audit", SUCCESS),
];

/// Cases Wine cannot show at all.
const NOT_UNDER_WINE: &[&str] = &[
    "wrong_context",
    "quota_charged",
    "device_path_as_caller",
    "open_as_me_denied",
    "kernel_event_wait",
    "kernel_event_cannot_be_set",
    "kernel_event_duplicated_up",
    "pended_request_completes",
    "kernel_event_kernel_mode",
    "refusal_audit",
];

fn cases(document: &Value) -> &Vec<Value> {
    document["cases"].as_array().expect("an array of cases")
}

#[test]
fn selftest_passes_every_case_against_the_model_and_prints_a_table() {
    let output = hgctl(&["selftest"]);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert!(
        text.starts_with("hgctl selftest, profile full, model transport (\\\\.\\HandleGuard)\n"),
        "{text}"
    );
    let header = text.lines().nth(1).expect("a header");
    for column in ["result", "case", "what came back"] {
        assert!(header.contains(column), "{header}");
    }
    for (case, status) in MATRIX {
        // Each row: the verdict, the case, and the status, which is exactly the expected
        // one (a row whose status differs shows an "expected" line below it).
        let row = format!("PASS   {case:<26} {status}");
        assert!(
            text.lines().any(|line| line == row),
            "no row `{row}`:\n{text}"
        );
    }
    assert!(
        !text.contains("expected "),
        "every status as expected:\n{text}"
    );
    assert!(
        text.contains(&format!("{} passed, 0 failed, 0 skipped\n", MATRIX.len())),
        "{text}"
    );
    assert!(
        flat(&text).contains("(refused after 64 registrations)"),
        "{text}"
    );
    assert!(flat(&text).contains("(13 of 13 reasons counted)"), "{text}");
    assert!(!text.contains("SKIP"), "{text}");
    assert_fits(&text, 80);
    assert_eq!(stderr(&output), "", "no verifier stop, no leak at unload");
}

#[test]
fn selftest_json_is_an_envelope_with_a_summary_and_every_case_with_its_exact_status() {
    let output = hgctl(&["selftest", "--json"]);
    assert_eq!(output.status.code(), Some(0));
    let document = json(&output);
    assert_eq!(document["command"], "selftest");
    assert_eq!(document["transport"], "model");
    assert_eq!(document["device"], r"\\.\HandleGuard");
    assert_eq!(document["exit_code"], 0);
    let summary = &document["summary"];
    assert_eq!(summary["passed"], MATRIX.len());
    assert_eq!(summary["failed"], 0);
    assert_eq!(summary["skipped"], 0);
    assert_eq!(summary["profile"], "full");
    assert_eq!(summary["transport"], "model");
    assert_eq!(summary["driver_protocol_version"], 2);
    assert_eq!(summary["hgctl_protocol_version"], 2);
    assert_eq!(summary["hgctl_version"], env!("CARGO_PKG_VERSION"));
    let cases = cases(&document);
    let names: Vec<&str> = cases
        .iter()
        .filter_map(|case| case["case"].as_str())
        .collect();
    let expected_names: Vec<&str> = MATRIX.iter().map(|(name, _)| *name).collect();
    assert_eq!(names, expected_names);
    for (case, (name, status)) in cases.iter().zip(MATRIX) {
        assert_eq!(label(&case["expected"]), *status, "{name}");
        assert_eq!(label(&case["actual"]), *status, "{name}");
        assert_eq!(case["rule"], "exact", "{name}");
        assert_eq!(case["result"], "pass", "{name}");
        assert_eq!(case["why"], Value::Null, "{name}");
    }
    assert_eq!(
        cases[8]["expected"]["code"], 0xC000_0008_u32,
        "a number beside the name"
    );
    let closed_while_held = &cases[16];
    assert_eq!(closed_while_held["case"], "closed_while_held");
    assert_eq!(
        closed_while_held["detail"],
        "signalled after 20 ms (virtual clock), due in 20 ms"
    );
}

#[test]
fn the_wine_profile_runs_what_wine_can_show_and_lists_the_rest_as_skipped() {
    let output = hgctl(&["selftest", "--profile", "wine", "--json"]);
    assert_eq!(output.status.code(), Some(0));
    let document = json(&output);
    let cases = cases(&document);
    let names: Vec<&str> = cases
        .iter()
        .filter_map(|case| case["case"].as_str())
        .collect();
    let every_name: Vec<&str> = MATRIX.iter().map(|(name, _)| *name).collect();
    assert_eq!(
        names, every_name,
        "skipped cases are present, in matrix order"
    );
    let row = |name: &str| {
        cases
            .iter()
            .find(|case| case["case"] == name)
            .unwrap_or_else(|| panic!("no {name}"))
    };
    for name in NOT_UNDER_WINE {
        assert_eq!(row(name)["result"], "skipped", "{name}");
        assert_eq!(row(name)["why"], "Wine cannot show it", "{name}");
        assert_eq!(row(name)["actual"], Value::Null, "{name}");
    }
    // Requests without a user handle: the exact status, as on Windows.
    for (name, status) in [
        ("open_device", SUCCESS),
        ("null_handle", INVALID_HANDLE),
        ("short_output", BUFFER_TOO_SMALL),
        ("unknown_code", INVALID_DEVICE_REQUEST),
        ("namespace_open", NAME_NOT_FOUND),
        ("pended_request_cancelled", CANCELLED),
    ] {
        assert_eq!(row(name)["rule"], "exact", "{name}");
        assert_eq!(label(&row(name)["expected"]), status, "{name}");
    }
    // Handle requests: the status or any failure, and the driver keeps serving.
    let wrong_type = row("event_as_file");
    assert_eq!(wrong_type["rule"], "fail_cleanly");
    assert_eq!(label(&wrong_type["expected"]), TYPE_MISMATCH);
    assert_eq!(label(&wrong_type["actual"]), TYPE_MISMATCH);
    assert_eq!(wrong_type["detail"], "GET_INFO still works afterwards");
    let run: Vec<&Value> = cases
        .iter()
        .filter(|case| case["result"] != "skipped")
        .collect();
    assert!(run.iter().all(|case| case["result"] == "pass"));
    let summary = &document["summary"];
    assert_eq!(summary["profile"], "wine");
    assert_eq!(summary["skipped"], NOT_UNDER_WINE.len());
    assert_eq!(summary["passed"], MATRIX.len() - NOT_UNDER_WINE.len());
    let text = stdout(&hgctl(&["selftest", "--profile", "wine"]));
    for name in NOT_UNDER_WINE {
        let row = format!("SKIP   {name:<26} not run: Wine cannot show it");
        assert!(text.lines().any(|line| line == row), "{row}: {text}");
    }
    assert!(
        text.lines().any(|line| line
            == "       expected STATUS_OBJECT_TYPE_MISMATCH (0xC0000024) or any failure"),
        "{text}"
    );
    assert_fits(&text, 80);
}

#[test]
fn list_names_every_case_without_opening_a_device() {
    // A device that does not exist: --list opens none.
    let output = hgctl(&["--device", r"\\.\Nowhere", "selftest", "--list", "--json"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let document = json(&output);
    assert_eq!(document["command"], "selftest");
    assert_eq!(document["transport"], "model");
    assert_eq!(document["device"], Value::Null);
    let listed = cases(&document);
    assert_eq!(listed.len(), MATRIX.len());
    for (case, (name, status)) in listed.iter().zip(MATRIX) {
        assert_eq!(case["case"], *name);
        assert_eq!(label(&case["expected"]), *status, "{name}");
    }
    assert_eq!(listed[10]["wine"], "skip", "wrong_context");
    let text = stdout(&hgctl(&["selftest", "--list"]));
    assert!(
        text.contains("null_handle                NULL\n                           STATUS_INVALID_HANDLE (0xC0000008)\n"),
        "{text}"
    );
    assert_fits(&text, 80);
}

#[test]
fn case_runs_only_the_cases_named() {
    let output = hgctl(&[
        "selftest",
        "--case",
        "null_handle",
        "--case",
        "get_info",
        "--json",
    ]);
    assert_eq!(output.status.code(), Some(0));
    let document = json(&output);
    let names: Vec<&str> = cases(&document)
        .iter()
        .filter_map(|case| case["case"].as_str())
        .collect();
    assert_eq!(names, ["get_info", "null_handle"]);
    assert_eq!(document["summary"]["passed"], 2);
    let message = misused(&["selftest", "--case", "nope"]);
    assert!(
        message.contains("invalid value 'nope' for '--case <NAME>'"),
        "{message}"
    );
    assert!(message.contains("open_device"), "{message}");
}

#[test]
fn report_saves_the_json_document_whatever_is_printed() {
    let dir = std::env::temp_dir().join(format!("hgctl-report-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temp dir");
    let file = dir.join("selftest.json");
    let path = file.to_str().expect("a UTF-8 path");
    let output = hgctl(&["selftest", "--case", "quota", "--report", path]);
    assert_eq!(output.status.code(), Some(0));
    assert!(stdout(&output).starts_with("hgctl selftest, profile full"));
    let saved: Value =
        serde_json::from_slice(&std::fs::read(&file).expect("the report")).expect("JSON");
    assert_eq!(saved["command"], "selftest");
    assert_eq!(saved["transport"], "model");
    assert_eq!(saved["summary"]["passed"], 1);
    assert_eq!(label(&saved["cases"][0]["actual"]), QUOTA_EXCEEDED);
    let printed = json_of(&["selftest", "--case", "quota", "--report", path, "--json"]);
    let saved: Value =
        serde_json::from_slice(&std::fs::read(&file).expect("the report")).expect("JSON");
    assert_eq!(saved, printed, "the file holds what --json prints");
    std::fs::remove_dir_all(&dir).expect("cleaned up");

    let nowhere = dir.join("no-such-dir").join("report.json");
    let message = refused(&["selftest", "--report", nowhere.to_str().expect("UTF-8")]);
    assert!(
        message.starts_with(&format!("hgctl: --report {}: ", nowhere.display())),
        "{message}"
    );
}
