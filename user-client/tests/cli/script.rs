//! `hgctl script`: several commands against one model kernel.
use super::support::*;
use serde_json::Value;

#[test]
fn a_refusal_in_one_line_is_counted_by_info_in_the_next() {
    let output = hgctl_reading(&["script", "-"], "event --without-modify-state\ninfo\n");
    assert_eq!(output.status.code(), Some(1), "the worst line's code");
    let text = stdout(&output);
    assert!(
        text.starts_with("> event --without-modify-state\n> info\ntransport model"),
        "{text}"
    );
    assert!(
        text.contains("opens 1  requests 2\n"),
        "one open, both requests: {text}"
    );
    assert!(text.contains("  too_little_access      1\n"), "{text}");
    assert!(text.ends_with("script: 2 lines run, 1 failed\n"), "{text}");
    assert!(
        stderr(&output)
            .starts_with("hgctl: line 1: REGISTER_EVENT: STATUS_ACCESS_DENIED (0xC0000022)"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn script_json_holds_every_line_s_envelope() {
    let script = "# the clock and the counters carry over\n\nevent --due-ms 30\nevent --without-modify-state\nkernel-event --due-ms 0\ninfo\n";
    let output = hgctl_reading(&["--json", "script", "-"], script);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stderr(&output), "");
    let json = json(&output);
    assert_eq!(json["command"], "script");
    assert_eq!(json["transport"], "model");
    assert_eq!(json["exit_code"], 1);
    assert_eq!(json["ran"], 4);
    assert_eq!(json["failed"], 1);
    let steps = json["steps"].as_array().expect("steps");
    let lines: Vec<u64> = steps
        .iter()
        .filter_map(|step| step["line"].as_u64())
        .collect();
    assert_eq!(lines, [3, 4, 5, 6], "comments and blank lines skipped");
    assert_eq!(steps[0]["command"], "event");
    assert_eq!(steps[0]["transport"], "model");
    assert_eq!(steps[0]["signalled_after_ms"], 30);
    assert_eq!(steps[1]["exit_code"], 1);
    assert_eq!(label(&steps[1]["status"]), ACCESS_DENIED);
    assert_eq!(steps[2]["text"], "kernel-event --due-ms 0");
    let info = &steps[3];
    assert_eq!(info["refusals"]["too_little_access"], 1);
    assert_eq!(
        info["registrations"]["fired"], 1,
        "the first line's event fired"
    );
    assert_eq!(info["requests"], 6);
}

#[test]
fn a_script_is_checked_before_any_line_runs() {
    let output = hgctl_reading(&["script", "-"], "info\nevent --due-ms soon\ninfo\n");
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(stdout(&output), "", "nothing ran");
    assert_eq!(
        stderr(&output),
        "hgctl: line 2 (event --due-ms soon): invalid value 'soon' for '--due-ms <DUE_MS>': invalid digit found in string\n"
    );
    for (line, message) in [
        (
            "script other.txt",
            "hgctl: line 1 (script other.txt): `script` does not run inside a script\n",
        ),
        (
            "completions bash",
            "hgctl: line 1 (completions bash): `completions` does not run inside a script\n",
        ),
        (
            "--json info",
            "hgctl: line 1 (--json info): unexpected argument '--json' found\n",
        ),
        ("file \"C:\\x", "hgctl: line 1: a quote is not closed\n"),
    ] {
        let output = hgctl_reading(&["script", "-"], line);
        assert_eq!(output.status.code(), Some(2), "{line}");
        assert_eq!(stderr(&output), message, "{line}");
    }
    let json = json(&hgctl_reading(&["--json", "script", "-"], "frob\n"));
    assert_eq!(json["exit_code"], 2);
    assert_eq!(json["command"], "script");
    assert_eq!(
        json["error"],
        "line 1 (frob): unrecognized subcommand 'frob'"
    );
    assert_eq!(json["status"], Value::Null);
}

#[test]
fn a_script_file_runs_and_quotes_keep_paths_with_spaces_whole() {
    let file = std::env::temp_dir().join(format!("hgctl-script-{}.txt", std::process::id()));
    std::fs::write(
        &file,
        format!("file \"{READABLE}\"\nopen-as-me '{SECRET}'\nhandles\n"),
    )
    .expect("written");
    let output = hgctl(&["script", file.to_str().expect("UTF-8")]);
    std::fs::remove_file(&file).expect("removed");
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    assert!(text.contains(&format!("{READABLE}: 38 bytes")), "{text}");
    assert!(text.contains("1 handles in this process"), "{text}");
    assert!(
        stderr(&output).starts_with(
            r"hgctl: line 2: \??\C:\handleguard\secret.txt: OPEN_AS_CALLER: STATUS_ACCESS_DENIED"
        ),
        "{}",
        stderr(&output)
    );
    let missing = refused(&["script", "/no/such/script.txt"]);
    assert!(
        missing.starts_with("hgctl: script /no/such/script.txt: "),
        "{missing}"
    );
}
