//! hgctl as a user runs it, against the embedded model kernel with the real driver code.
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

#[test]
fn selftest_passes_every_case_against_the_model() {
    let output = hgctl(&["selftest"]);
    let text = stdout(&output);
    assert!(output.status.success(), "{text}");
    assert!(text.contains("24 passed, 0 failed"), "{text}");
    assert!(!text.contains("FAIL "), "{text}");
}

#[test]
fn selftest_json_lists_every_case_with_its_fields() {
    let output = hgctl(&["selftest", "--json"]);
    assert!(output.status.success());
    let cases: serde_json::Value = serde_json::from_slice(&output.stdout).expect("valid JSON");
    let cases = cases.as_array().expect("an array");
    assert_eq!(cases.len(), 24);
    for case in cases {
        for field in ["case", "attacks", "expected", "actual", "pass"] {
            assert!(case.get(field).is_some(), "{field} missing in {case}");
        }
        assert_eq!(case["pass"], true, "{case}");
        assert_eq!(case["expected"], case["actual"], "{case}");
    }
    let wrong_type = cases
        .iter()
        .find(|case| case["case"] == "file_as_event")
        .expect("the case");
    assert_eq!(
        wrong_type["expected"],
        "STATUS_OBJECT_TYPE_MISMATCH (0xC0000024)"
    );
}

#[test]
fn the_wine_profile_runs_only_what_wine_can_show() {
    let output = hgctl(&["selftest", "--profile", "wine", "--json"]);
    assert!(output.status.success());
    let cases: serde_json::Value = serde_json::from_slice(&output.stdout).expect("valid JSON");
    let names: Vec<&str> = cases
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|case| case["case"].as_str())
        .collect();
    assert!(
        names.contains(&"get_info")
            && names.contains(&"namespace_open")
            && names.contains(&"null_handle")
    );
    assert!(!names.contains(&"closed_while_held") && !names.contains(&"quota"));
    assert!(
        names.contains(&"open_as_me_readable"),
        "the driver's own kernel handles are shown under Wine too"
    );
}

#[test]
fn info_prints_the_version_counters_and_refusal_audit() {
    let output = hgctl(&["info"]);
    let text = stdout(&output);
    assert!(output.status.success());
    assert!(text.contains("transport model"), "{text}");
    assert!(text.contains("protocol version 1"), "{text}");
    assert!(text.contains("too_little_access"), "{text}");
    let json: serde_json::Value =
        serde_json::from_slice(&hgctl(&["info", "--json"]).stdout).expect("JSON");
    assert_eq!(json["protocol_version"], 1);
    assert_eq!(json["opens"], 1);
    assert_eq!(json["refusals"]["wrong_type"], 0);
}

#[test]
fn event_commands_report_what_happened() {
    let output = hgctl(&["event", "--due-ms", "30"]);
    assert!(output.status.success());
    assert!(stdout(&output).contains("event signalled: true"));
    let unregistered = stdout(&hgctl(&["event", "--unregister"]));
    assert!(
        unregistered.contains("STATUS_SUCCESS") && unregistered.contains("event signalled: false"),
        "{unregistered}"
    );
    let pended = stdout(&hgctl(&["event", "--pended", "--due-ms", "10"]));
    assert!(
        pended.contains("pended request completed: STATUS_SUCCESS"),
        "{pended}"
    );
    let cancelled = stdout(&hgctl(&["event", "--pended", "--unregister"]));
    assert!(cancelled.contains("STATUS_CANCELLED"), "{cancelled}");
}

#[test]
fn kernel_event_can_be_waited_on_but_not_set() {
    let output = hgctl(&["kernel-event", "--due-ms", "20", "--json"]);
    assert!(output.status.success());
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(json["signalled_before"], false);
    assert_eq!(json["signalled_after"], true);
    assert_eq!(json["set_event"], "STATUS_ACCESS_DENIED (0xC0000022)");
}

#[test]
fn file_and_open_as_me_explain_refusals_in_words() {
    let file = hgctl(&["file", r"\??\C:\handleguard\readable.txt"]);
    assert!(file.status.success());
    assert!(stdout(&file).contains("38 bytes"), "{}", stdout(&file));
    let denied = hgctl(&["open-as-me", r"\??\C:\handleguard\secret.txt"]);
    assert!(!denied.status.success());
    let message = String::from_utf8_lossy(&denied.stderr);
    assert!(
        message.starts_with("hgctl: STATUS_ACCESS_DENIED (0xC0000022): access denied"),
        "{message}"
    );
    let missing = hgctl(&["file", r"\??\C:\nowhere.txt"]);
    assert!(String::from_utf8_lossy(&missing.stderr).contains("STATUS_OBJECT_NAME_NOT_FOUND"));
}

#[test]
fn argument_errors_exit_with_2_and_help_explains_the_rules() {
    let bad = hgctl(&["selftest", "--profile", "nope"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("invalid value 'nope'"));
    assert_eq!(hgctl(&["frobnicate"]).status.code(), Some(2));
    let help = stdout(&hgctl(&["--help"]));
    assert!(
        help.contains("selftest") && help.contains("kernel-event") && help.contains("open-as-me"),
        "{help}"
    );
    let event_help = stdout(&hgctl(&["event", "--help"]));
    assert!(event_help.contains("RequestorMode"), "{event_help}");
}

#[test]
fn bench_reports_a_ratio() {
    let output = hgctl(&["bench", "--count", "200", "--json"]);
    assert!(output.status.success());
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert!(json["ratio"].as_f64().is_some_and(|ratio| ratio > 0.0));
}
