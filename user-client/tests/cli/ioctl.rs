//! `hgctl ioctl`: one raw request with handles planted at byte offsets.
use super::support::*;
use serde_json::Value;

/// A REGISTER_EVENT request (SignalEvent mode, due in 100 ms) with no handle yet.
const REGISTER: &str = "00000000 00000000 64000000 00000000";

fn ioctl(args: &[&str]) -> (Option<i32>, Value) {
    let mut all = vec!["ioctl", "--json"];
    all.extend_from_slice(args);
    let output = hgctl(&all);
    (output.status.code(), json(&output))
}

#[test]
fn get_info_returns_its_reply_and_information() {
    let (code, json) = ioctl(&["GET_INFO", "--output-len", "152"]);
    assert_eq!(code, Some(0));
    assert_eq!(json["command"], "ioctl");
    assert_eq!(json["transport"], "model");
    assert_eq!(json["code"], 0x22_6000);
    assert_eq!(json["name"], "GET_INFO");
    assert_eq!(json["method"], "METHOD_BUFFERED");
    assert_eq!(label(&json["status"]), SUCCESS);
    assert_eq!(json["information"], 152);
    let output = json["output"].as_str().expect("hex");
    assert_eq!(output.len(), 304);
    assert!(
        output.starts_with("020000000d000000"),
        "version 2, 13 refusal kinds: {output}"
    );
    let text = stdout(&hgctl(&["ioctl", "0x226000", "--output-len", "152"]));
    assert!(
        text.starts_with("IOCTL 0x00226000 (IOCTL_HANDLEGUARD_GET_INFO) on \\\\.\\HandleGuard\n"),
        "{text}"
    );
    assert!(text.contains("\nstatus STATUS_SUCCESS (0x00000000): success\ninformation 152\noutput 152 bytes:\n  0000  02 00 00 00 0d 00 00 00 01 00 00 00 00 00 00 00  ................\n"), "{text}");
    assert_fits(&text, 80);
}

#[test]
fn each_planted_kind_gets_the_status_the_driver_must_answer() {
    for (kind, status) in [
        ("event", SUCCESS),
        ("event:SYNCHRONIZE", ACCESS_DENIED),
        ("event:EVENT_MODIFY_STATE", ACCESS_DENIED),
        ("event:SYNCHRONIZE|EVENT_MODIFY_STATE", SUCCESS),
        ("file", TYPE_MISMATCH),
        ("process", TYPE_MISMATCH),
        ("thread", TYPE_MISMATCH),
        ("null", INVALID_HANDLE),
        ("-1", TYPE_MISMATCH),
        ("-2", TYPE_MISMATCH),
        ("closed", INVALID_HANDLE),
        ("kernel", INVALID_HANDLE),
        ("foreign", INVALID_HANDLE),
        ("garbage", INVALID_HANDLE),
        ("0x1234", INVALID_HANDLE),
    ] {
        let plant = format!("0={kind}");
        let (code, json) = ioctl(&[
            "REGISTER_EVENT",
            "--input",
            REGISTER,
            "--output-len",
            "8",
            "--handle",
            &plant,
        ]);
        assert_eq!(label(&json["status"]), status, "{kind}");
        assert_eq!(code, Some(i32::from(status != SUCCESS)), "{kind}");
        assert_eq!(json["handles"][0]["offset"], 0, "{kind}");
    }
}

#[test]
fn planted_values_are_what_they_say() {
    let (_, json) = ioctl(&[
        "REGISTER_EVENT",
        "--input",
        REGISTER,
        "--handle",
        "0=kernel",
    ]);
    let kernel = json["handles"][0]["value"].as_u64().expect("a value");
    assert_eq!(kernel >> 63, 1, "the kernel-handle bit: {kernel:#x}");
    assert_eq!(json["handles"][0]["access"], Value::Null);
    let (_, json) = ioctl(&["REGISTER_EVENT", "--input", REGISTER, "--handle", "0=-2"]);
    assert_eq!(json["handles"][0]["value"], u64::MAX - 1);
    assert!(
        json["input"]
            .as_str()
            .expect("hex")
            .starts_with("feffffffffffffff")
    );
    let (_, json) = ioctl(&[
        "REGISTER_EVENT",
        "--input",
        REGISTER,
        "--handle",
        "0=event:SYNCHRONIZE",
    ]);
    assert_eq!(json["handles"][0]["kind"], "event");
    assert_eq!(json["handles"][0]["access"], 0x0010_0000);
    assert_eq!(json["handles"][0]["access_names"], "SYNCHRONIZE");
    let text = stdout(&hgctl(&[
        "ioctl",
        "REGISTER_EVENT",
        "--input",
        REGISTER,
        "--output-len",
        "8",
        "--handle",
        "0=event:SYNCHRONIZE",
    ]));
    assert!(
        text.contains("\n  offset 0: event 0x8 (SYNCHRONIZE)\n"),
        "{text}"
    );
    assert!(
        text.contains("status STATUS_ACCESS_DENIED (0xC0000022): the driver refused the handle: it was\n       opened without EVENT_MODIFY_STATE"),
        "handleguard's rule for its own code: {text}"
    );
}

#[test]
fn a_file_handle_is_inspected_unless_it_lacks_read_data() {
    let (code, json) = ioctl(&["INSPECT_FILE", "--handle", "0=file", "--output-len", "16"]);
    assert_eq!(code, Some(0));
    assert_eq!(
        json["input"].as_str().map(str::len),
        Some(16),
        "grown to hold the handle"
    );
    assert_eq!(json["information"], 16);
    assert!(
        json["output"]
            .as_str()
            .expect("hex")
            .starts_with("2600000000000000"),
        "38 bytes: {json}"
    );
    let (code, json) = ioctl(&[
        "INSPECT_FILE",
        "--handle",
        "0=file:FILE_READ_ATTRIBUTES|SYNCHRONIZE",
        "--output-len",
        "16",
    ]);
    assert_eq!(code, Some(1));
    assert_eq!(label(&json["status"]), ACCESS_DENIED);
    assert_eq!(json["output"], "");
}

#[test]
fn codes_methods_and_buffers_reach_the_driver_as_given() {
    let (_, unknown) = ioctl(&["0x222ffc"]);
    assert_eq!(label(&unknown["status"]), INVALID_DEVICE_REQUEST);
    let text = stdout(&hgctl(&["ioctl", "0x222ffc"]));
    assert!(
        text.contains("status STATUS_INVALID_DEVICE_REQUEST (0xC0000010): the driver does not implement\n       this IOCTL code"),
        "{text}"
    );
    let (_, neither) = ioctl(&["GET_INFO", "--method", "neither", "--output-len", "152"]);
    assert_eq!(neither["code"], 0x22_6003);
    assert_eq!(neither["method"], "METHOD_NEITHER");
    assert_eq!(label(&neither["status"]), INVALID_DEVICE_REQUEST);
    let (_, short) = ioctl(&["GET_INFO", "--output-len", "135"]);
    assert_eq!(label(&short["status"]), BUFFER_TOO_SMALL);
    let (_, extra) = ioctl(&["GET_INFO", "--input", "00", "--output-len", "152"]);
    assert_eq!(label(&extra["status"]), INVALID_PARAMETER);
}

#[test]
fn input_comes_from_a_file_or_standard_input() {
    let file = std::env::temp_dir().join(format!("hgctl-input-{}.bin", std::process::id()));
    // UNREGISTER of an id nobody registered.
    std::fs::write(&file, 7u64.to_le_bytes()).expect("written");
    let path = file.to_str().expect("UTF-8");
    let (code, json) = ioctl(&["UNREGISTER", "--input-file", path]);
    std::fs::remove_file(&file).expect("removed");
    assert_eq!(code, Some(1));
    assert_eq!(json["input"], "0700000000000000");
    assert_eq!(json["status"]["name"], "STATUS_NOT_FOUND");
    let piped = hgctl_reading(
        &["ioctl", "--json", "UNREGISTER", "--input-file", "-"],
        "\u{7}\0\0\0\0\0\0\0",
    );
    assert_eq!(super::support::json(&piped)["input"], "0700000000000000");
}

#[test]
fn a_pended_request_is_waited_for_or_cancelled() {
    // CompleteIrp mode (1), due in 10 ms.
    let (code, json) = ioctl(&[
        "REGISTER_EVENT",
        "--input",
        "00000000 00000000 0a000000 01000000",
    ]);
    assert_eq!(code, Some(0));
    assert_eq!(json["pended"], true);
    assert_eq!(json["cancelled"], false);
    assert_eq!(label(&json["status"]), SUCCESS);
    // Due in 60 s, waited for 5 ms: cancelled.
    let (code, json) = ioctl(&[
        "REGISTER_EVENT",
        "--input",
        "00000000 00000000 60ea0000 01000000",
        "--wait-ms",
        "5",
    ]);
    assert_eq!(code, Some(1));
    assert_eq!(json["pended"], true);
    assert_eq!(json["cancelled"], true);
    assert_eq!(label(&json["status"]), CANCELLED);
}

#[test]
fn malformed_requests_are_usage_errors() {
    for (args, message) in [
        (&["ioctl", "FROB"][..], "unknown IOCTL 'FROB'"),
        (
            &["ioctl", "GET_INFO", "--input", "abc"],
            "odd number of hex digits",
        ),
        (
            &["ioctl", "GET_INFO", "--handle", "0=frob"],
            "unknown handle kind 'frob'",
        ),
        (
            &["ioctl", "GET_INFO", "--handle", "0=null:SYNCHRONIZE"],
            "only event, file",
        ),
        (
            &["ioctl", "GET_INFO", "--handle", "0=event:FROB"],
            "unknown access right 'FROB'",
        ),
        (
            &["ioctl", "GET_INFO", "--input", "00", "--input-file", "x"],
            "cannot be used with",
        ),
    ] {
        let stderr = misused(args);
        assert!(stderr.contains(message), "{args:?}: {stderr}");
    }
    let overlap = hgctl(&[
        "ioctl", "GET_INFO", "--handle", "0=null", "--handle", "4=null",
    ]);
    assert_eq!(overlap.status.code(), Some(2));
    assert_eq!(
        stderr(&overlap),
        "hgctl: --handle: the values at offsets 0 and 4 overlap (each takes 8 bytes)\n"
    );
}

#[test]
fn another_device_s_codes_get_no_handleguard_names_or_rules() {
    // The same device by another path stands in for another driver's device: hgctl cannot
    // know that the code means what handleguard's does.
    let (code, json) = ioctl(&[
        "--device",
        r"\??\HandleGuard",
        "REGISTER_EVENT",
        "--input",
        REGISTER,
        "--output-len",
        "8",
        "--handle",
        "0=event:SYNCHRONIZE",
    ]);
    assert_eq!(code, Some(1));
    assert_eq!(json["device"], r"\??\HandleGuard");
    assert_eq!(json["name"], Value::Null);
    assert_eq!(label(&json["status"]), ACCESS_DENIED);
    let text = stdout(&hgctl(&[
        "--device",
        r"\??\HandleGuard",
        "ioctl",
        "REGISTER_EVENT",
        "--input",
        REGISTER,
        "--output-len",
        "8",
        "--handle",
        "0=event:SYNCHRONIZE",
    ]));
    assert!(
        text.starts_with("IOCTL 0x0022a004 on \\??\\HandleGuard\n"),
        "{text}"
    );
    assert!(
        flat(&text).contains("status STATUS_ACCESS_DENIED (0xC0000022): access denied: the handle lacks the access the operation uses"),
        "the status's general words: {text}"
    );
}
