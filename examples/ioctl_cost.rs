//! Drives one kind of IOCTL `count` times against the real driver on the model kernel, for
//! instruction counting under callgrind (scripts/cost.sh). Usage:
//!     ioctl_cost <get_info|register|refused|inspect|open_as_caller> <count>
use handleguard_protocol::{
    self as protocol, FileReport, InfoReply, InspectFileRequest, Message, OpenAsCallerRequest,
    RegisterEventRequest,
};
use nt_bindings as nt;
use ntmodel::{EventKind, FileOpen, FileSecurity, Kernel, User};

const FILE: &str = r"\??\C:\cost\a.txt";
const PARAMETERS: &str =
    r"\Registry\Machine\System\CurrentControlSet\Services\handleguard\Parameters";

fn bytes<M: Message>(message: &M) -> Vec<u8> {
    let mut out = vec![0; M::SIZE];
    let _ = message.write_to(&mut out);
    out
}

fn main() {
    let mut args = std::env::args().skip(1);
    let kind = args.next().unwrap_or_default();
    let count: u32 = args.next().and_then(|n| n.parse().ok()).unwrap_or(1000);
    let kernel = Kernel::new();
    kernel.set_registry_dword(PARAMETERS, "MaxRegistrationsPerOpen", 4096);
    kernel.add_file(FILE, &[7u8; 600], &FileSecurity::readable_by(&["bench"]));
    assert_eq!(
        kernel.load_driver(handleguard::DriverEntry),
        nt::STATUS_SUCCESS
    );
    let process = kernel.create_process("bench.exe", User::new("bench"));
    let device = process
        .open(
            protocol::DEVICE_WIN32_PATH,
            nt::GENERIC_READ | nt::GENERIC_WRITE,
        )
        .expect("device");
    let event = process.create_event(
        nt::SYNCHRONIZE | nt::EVENT_MODIFY_STATE,
        EventKind::Notification,
        false,
    );
    let file = process
        .open_file(
            FILE,
            nt::FILE_READ_DATA | nt::SYNCHRONIZE,
            FileOpen::Synchronous,
        )
        .expect("file");
    let (code, input, output_len) = match kind.as_str() {
        "get_info" => (
            protocol::IOCTL_HANDLEGUARD_GET_INFO,
            Vec::new(),
            InfoReply::SIZE,
        ),
        "register" => (
            protocol::IOCTL_HANDLEGUARD_REGISTER_EVENT,
            bytes(&RegisterEventRequest {
                event,
                due_ms: 600_000,
                mode: 0,
            }),
            8,
        ),
        "refused" => (
            protocol::IOCTL_HANDLEGUARD_REGISTER_EVENT,
            bytes(&RegisterEventRequest {
                event: file,
                due_ms: 1,
                mode: 0,
            }),
            8,
        ),
        "inspect" => (
            protocol::IOCTL_HANDLEGUARD_INSPECT_FILE,
            bytes(&InspectFileRequest { file }),
            FileReport::SIZE,
        ),
        "open_as_caller" => (
            protocol::IOCTL_HANDLEGUARD_OPEN_AS_CALLER,
            bytes(&OpenAsCallerRequest::new(FILE).expect("path")),
            FileReport::SIZE,
        ),
        other => {
            eprintln!("unknown kind {other:?}");
            std::process::exit(2);
        }
    };
    for _ in 0..count {
        let outcome = process.ioctl(device, code, &input, output_len);
        std::hint::black_box(outcome.status());
    }
    process.exit();
    assert!(kernel.unload_driver().is_ok(), "unload clean");
}
