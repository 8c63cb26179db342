//! `hgctl probe`: the attack matrix against handleguard, which refuses every attack, and
//! against the deliberately vulnerable twin, each of whose IOCTLs accepts what its mistake
//! lets through (and, since none checks it runs in the requestor's context, a System handle
//! value in a request dispatched in a System worker).
use crate::support::{
    ACCESS_DENIED, INVALID_DEVICE_REQUEST, INVALID_HANDLE, INVALID_PARAMETER, SUCCESS,
    TYPE_MISMATCH, hgctl, json, label, misused, stdout,
};
use serde_json::Value;

const TWIN: &str = r"\\.\HandleGuardTwin";
const EVENT_ACCESS: &str = "SYNCHRONIZE|EVENT_MODIFY_STATE";
/// REGISTER_EVENT's input: the handle, then a due time of 100 ms.
const REGISTER_INPUT: &str = "00000000000000006400000000000000";

/// The probe's exit code and its JSON.
fn probe(args: &[&str]) -> (Option<i32>, Value) {
    let output = hgctl(&[&["--json", "probe"], args].concat());
    (output.status.code(), json(&output))
}

fn probe_twin(code: &str) -> (Option<i32>, Value) {
    let output = hgctl(&[
        "--json",
        "--model-driver",
        "twin",
        "--device",
        TWIN,
        "probe",
        code,
        "--input-len",
        "16",
        "--type",
        "event",
        "--access",
        EVENT_ACCESS,
    ]);
    (output.status.code(), json(&output))
}

/// Each row as (attack, verdict, status).
fn rows(report: &Value) -> Vec<(String, String, String)> {
    report["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|row| {
            (
                row["attack"].as_str().expect("attack").to_string(),
                row["verdict"].as_str().expect("verdict").to_string(),
                label(&row["status"]),
            )
        })
        .collect()
}

fn expected(rows: &[(&str, &str, &str)]) -> Vec<(String, String, String)> {
    rows.iter()
        .map(|(attack, verdict, status)| {
            (
                (*attack).to_string(),
                (*verdict).to_string(),
                (*status).to_string(),
            )
        })
        .collect()
}

/// The verifier stops of the row named `attack`, as (code, subcode).
fn stops_of(report: &Value, attack: &str) -> Vec<(u64, u64)> {
    report["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|row| row["attack"] == attack)
        .unwrap_or_else(|| panic!("no row {attack}"))["verifier_stops"]
        .as_array()
        .expect("stops")
        .iter()
        .map(|stop| {
            (
                stop["code"].as_u64().expect("code"),
                stop["params"][0].as_u64().expect("subcode"),
            )
        })
        .collect()
}

/// Rows with any verifier stop.
fn rows_with_stops(report: &Value) -> Vec<String> {
    report["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .filter(|row| {
            row["verifier_stops"]
                .as_array()
                .is_some_and(|s| !s.is_empty())
        })
        .map(|row| row["attack"].as_str().expect("attack").to_string())
        .collect()
}

#[test]
fn handleguard_s_register_event_refuses_every_attack() {
    let (code, report) = probe(&[
        "REGISTER_EVENT",
        "--type",
        "event",
        "--access",
        EVENT_ACCESS,
        "--output-len",
        "8",
        "--input",
        REGISTER_INPUT,
    ]);
    assert_eq!(code, Some(0), "{report}");
    assert_eq!(report["command"], "probe");
    assert_eq!(report["transport"], "model");
    assert_eq!(report["device"], r"\\.\HandleGuard");
    assert_eq!(report["exit_code"], 0);
    assert_eq!(report["baseline"], true);
    assert_eq!(report["findings"], 0);
    assert_eq!(
        rows(&report),
        expected(&[
            ("control", "ok", SUCCESS),
            ("other context", "refused", INVALID_DEVICE_REQUEST),
            ("wrong type", "refused", TYPE_MISMATCH),
            ("lacks EVENT_MODIFY_STATE", "refused", ACCESS_DENIED),
            ("lacks SYNCHRONIZE", "refused", ACCESS_DENIED),
            ("kernel handle", "refused", INVALID_HANDLE),
            ("other process's", "refused", INVALID_HANDLE),
            ("NULL", "refused", INVALID_HANDLE),
            ("-1", "refused", TYPE_MISMATCH),
            ("-2", "refused", TYPE_MISMATCH),
            ("closed", "refused", INVALID_HANDLE),
            ("garbage", "refused", INVALID_HANDLE),
        ])
    );
    assert_eq!(rows_with_stops(&report), Vec::<String>::new());
}

#[test]
fn the_text_says_each_row_and_that_nothing_was_found() {
    let output = hgctl(&[
        "probe",
        "REGISTER_EVENT",
        "--type",
        "event",
        "--access",
        EVENT_ACCESS,
        "--output-len",
        "8",
        "--input",
        REGISTER_INPUT,
    ]);
    assert_eq!(output.status.code(), Some(0));
    let text = stdout(&output);
    assert!(
        text.contains("  lacks EVENT_MODIFY_STATE refused  STATUS_ACCESS_DENIED (0xC0000022)\n"),
        "{text}"
    );
    assert!(
        text.ends_with("no findings: every attack was refused\n"),
        "{text}"
    );
}

#[test]
fn the_kernel_mode_twin_accepts_a_kernel_handle_and_too_little_access_and_the_verifier_stops() {
    let (code, report) = probe_twin("0x222004");
    assert_eq!(code, Some(1), "{report}");
    assert_eq!(report["exit_code"], 1);
    assert_eq!(report["device"], TWIN);
    assert_eq!(report["baseline"], true);
    assert_eq!(
        rows(&report),
        expected(&[
            ("control", "ok", SUCCESS),
            ("other context", "ACCEPTED", SUCCESS),
            ("wrong type", "refused", TYPE_MISMATCH),
            ("lacks EVENT_MODIFY_STATE", "ACCEPTED", SUCCESS),
            ("lacks SYNCHRONIZE", "ACCEPTED", SUCCESS),
            ("kernel handle", "ACCEPTED", SUCCESS),
            ("other process's", "refused", INVALID_HANDLE),
            ("NULL", "refused", INVALID_HANDLE),
            ("-1", "refused", TYPE_MISMATCH),
            ("-2", "refused", TYPE_MISMATCH),
            ("closed", "refused", INVALID_HANDLE),
            ("garbage", "refused", INVALID_HANDLE),
        ])
    );
    // C4/0xF6: a user handle referenced as KernelMode, even the control's right one.
    for attack in ["control", "lacks EVENT_MODIFY_STATE", "garbage"] {
        assert_eq!(stops_of(&report, attack), [(0xC4, 0xF6)], "{attack}");
    }
    assert_eq!(stops_of(&report, "NULL"), [(0xC4, 0xF5)]);
    // A kernel handle as KernelMode is what KernelMode is for: no stop, just the finding.
    assert_eq!(stops_of(&report, "kernel handle"), []);
    assert_eq!(report["findings"], 10);
}

#[test]
fn the_no_type_twin_accepts_the_wrong_type() {
    let (code, report) = probe_twin("0x222040");
    assert_eq!(code, Some(1), "{report}");
    assert_eq!(report["baseline"], true);
    assert_eq!(
        rows(&report),
        expected(&[
            ("control", "ok", SUCCESS),
            ("other context", "ACCEPTED", SUCCESS),
            ("wrong type", "ACCEPTED", SUCCESS),
            ("lacks EVENT_MODIFY_STATE", "refused", ACCESS_DENIED),
            ("lacks SYNCHRONIZE", "refused", ACCESS_DENIED),
            ("kernel handle", "refused", INVALID_HANDLE),
            ("other process's", "refused", INVALID_HANDLE),
            ("NULL", "refused", INVALID_HANDLE),
            // The pseudo-handles name the caller's process and thread: any type passes.
            ("-1", "ACCEPTED", SUCCESS),
            ("-2", "ACCEPTED", SUCCESS),
            ("closed", "refused", INVALID_HANDLE),
            ("garbage", "refused", INVALID_HANDLE),
        ])
    );
    assert_eq!(rows_with_stops(&report), ["NULL"]);
    assert_eq!(stops_of(&report, "NULL"), [(0xC4, 0xF5)]);
    assert_eq!(report["findings"], 5);
}

#[test]
fn the_no_access_twin_accepts_too_little_access() {
    let (code, report) = probe_twin("0x222044");
    assert_eq!(code, Some(1), "{report}");
    assert_eq!(report["baseline"], true);
    assert_eq!(
        rows(&report),
        expected(&[
            ("control", "ok", SUCCESS),
            ("other context", "ACCEPTED", SUCCESS),
            ("wrong type", "refused", TYPE_MISMATCH),
            ("lacks EVENT_MODIFY_STATE", "ACCEPTED", SUCCESS),
            ("lacks SYNCHRONIZE", "ACCEPTED", SUCCESS),
            ("kernel handle", "refused", INVALID_HANDLE),
            ("other process's", "refused", INVALID_HANDLE),
            ("NULL", "refused", INVALID_HANDLE),
            ("-1", "refused", TYPE_MISMATCH),
            ("-2", "refused", TYPE_MISMATCH),
            ("closed", "refused", INVALID_HANDLE),
            ("garbage", "refused", INVALID_HANDLE),
        ])
    );
    assert_eq!(rows_with_stops(&report), ["NULL"]);
    assert_eq!(report["findings"], 4);
}

#[test]
fn the_any_context_twin_accepts_a_system_handle_value_in_a_system_worker() {
    let (code, report) = probe_twin("0x222048");
    assert_eq!(code, Some(1), "{report}");
    assert_eq!(report["baseline"], true);
    assert_eq!(
        rows(&report),
        expected(&[
            ("control", "ok", SUCCESS),
            // Its one mistake: forwarded to a System worker, the value names System's event.
            ("other context", "ACCEPTED", SUCCESS),
            ("wrong type", "refused", TYPE_MISMATCH),
            ("lacks EVENT_MODIFY_STATE", "refused", ACCESS_DENIED),
            ("lacks SYNCHRONIZE", "refused", ACCESS_DENIED),
            ("kernel handle", "refused", INVALID_HANDLE),
            ("other process's", "refused", INVALID_HANDLE),
            ("NULL", "refused", INVALID_HANDLE),
            ("-1", "refused", TYPE_MISMATCH),
            ("-2", "refused", TYPE_MISMATCH),
            ("closed", "refused", INVALID_HANDLE),
            ("garbage", "refused", INVALID_HANDLE),
        ])
    );
    assert_eq!(rows_with_stops(&report), ["NULL"]);
    assert_eq!(report["findings"], 2);
}

#[test]
fn a_control_the_driver_refuses_is_no_baseline() {
    // REGISTER_EVENT without its due time: even the right handle is refused.
    let (code, report) = probe(&[
        "REGISTER_EVENT",
        "--type",
        "event",
        "--access",
        EVENT_ACCESS,
        "--output-len",
        "8",
    ]);
    assert_eq!(code, Some(1), "{report}");
    assert_eq!(report["baseline"], false);
    assert_eq!(report["findings"], 0);
    assert_eq!(
        rows(&report).first(),
        Some(&(
            "control".to_string(),
            "failed".to_string(),
            INVALID_PARAMETER.to_string()
        ))
    );
}

#[test]
fn a_handle_field_past_the_input_is_a_usage_error() {
    let message = misused(&[
        "probe",
        "0x222004",
        "--offset",
        "12",
        "--input-len",
        "16",
        "--type",
        "event",
        "--access",
        "SYNCHRONIZE",
    ]);
    assert!(message.contains("--offset 12 --input-len 16"), "{message}");
}
