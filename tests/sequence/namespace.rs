//! The world the driver runs in: the users, the files of the namespace and who may read
//! them, the access masks handles are made with, the driver's codes, and how the model
//! kernel resolves a path.

use handleguard_protocol::{self as protocol, CHECKSUM_WINDOW, FileReport, Message};
use nt_bindings as nt;

pub(super) const SERVICE_PARAMETERS: &str =
    r"\Registry\Machine\System\CurrentControlSet\Services\handleguard\Parameters";
pub(super) const DEVICE: &str = r"\\.\HandleGuard";
pub(super) const USERS: [&str; 3] = ["alice", "bob", "carol"];
pub(super) const TICKS_PER_MS: u64 = 10_000;

/// The files of the namespace: path and who may read them.
pub(super) const FILES: [(&str, &[&str]); 5] = [
    (r"\??\C:\data\public.txt", &["*"]),
    (r"\??\C:\data\alice.txt", &["alice"]),
    (r"\??\C:\data\secret.txt", &[]),
    (r"\??\C:\data\big.bin", &["*"]),
    (r"\??\C:\data\empty.txt", &["*"]),
];

/// Access masks events are created with: mostly what registration needs.
pub(super) const EVENT_ACCESS: [u32; 8] = [
    nt::SYNCHRONIZE | nt::EVENT_MODIFY_STATE,
    nt::SYNCHRONIZE | nt::EVENT_MODIFY_STATE,
    nt::SYNCHRONIZE | nt::EVENT_MODIFY_STATE,
    nt::SYNCHRONIZE,
    nt::EVENT_MODIFY_STATE,
    nt::GENERIC_ALL,
    nt::EVENT_QUERY_STATE,
    nt::SYNCHRONIZE | nt::EVENT_MODIFY_STATE | nt::FILE_READ_DATA,
];

/// Access masks files are opened with: mostly what inspection needs.
pub(super) const FILE_ACCESS: [u32; 6] = [
    nt::FILE_READ_DATA | nt::SYNCHRONIZE,
    nt::FILE_READ_DATA | nt::SYNCHRONIZE,
    nt::FILE_READ_DATA | nt::SYNCHRONIZE,
    nt::FILE_READ_ATTRIBUTES | nt::SYNCHRONIZE,
    nt::GENERIC_READ,
    nt::FILE_READ_DATA,
];

/// Access masks the device is opened with.
pub(super) const DEVICE_ACCESS: [u32; 4] = [
    nt::GENERIC_READ | nt::GENERIC_WRITE,
    nt::GENERIC_READ,
    nt::FILE_READ_ATTRIBUTES,
    0,
];

/// The driver's codes, for raw requests.
pub(super) const CODES: [u32; 7] = [
    protocol::IOCTL_HANDLEGUARD_GET_INFO,
    protocol::IOCTL_HANDLEGUARD_REGISTER_EVENT,
    protocol::IOCTL_HANDLEGUARD_UNREGISTER,
    protocol::IOCTL_HANDLEGUARD_INSPECT_FILE,
    protocol::IOCTL_HANDLEGUARD_OPEN_AS_CALLER,
    protocol::IOCTL_HANDLEGUARD_CREATE_KERNEL_EVENT,
    protocol::IOCTL_HANDLEGUARD_SIGNAL_KERNEL_EVENT,
];

/// The bytes of the n-th file.
pub(super) fn content(file: usize) -> Vec<u8> {
    match file {
        0 => b"public numbers".to_vec(),
        1 => b"alice's notes".to_vec(),
        2 => b"the secret".to_vec(),
        3 => (0..5000u32).map(|i| (i * 7 % 251) as u8).collect(),
        _ => Vec::new(),
    }
}

/// Whether `user` may read the n-th file.
pub(super) fn readable(file: usize, user: &str) -> bool {
    FILES[file]
        .1
        .iter()
        .any(|reader| *reader == "*" || *reader == user)
}

/// What `INSPECT_FILE` and `OPEN_AS_CALLER` report for the n-th file.
pub(super) fn report_of(file: usize) -> FileReport {
    let bytes = content(file);
    let window = bytes.len().min(CHECKSUM_WINDOW as usize);
    FileReport {
        size: bytes.len() as u64,
        checksum: protocol::checksum(&bytes[..window]),
        checksummed: u32::try_from(window).expect("at most CHECKSUM_WINDOW"),
    }
}

/// A message's wire bytes.
pub(super) fn encode<M: Message>(message: &M) -> Vec<u8> {
    let mut out = vec![0; M::SIZE];
    message.write_to(&mut out).expect("fits");
    out
}

/// What follows `\\.\` after Win32's normalization: `/` is `\`, empty and `.` segments
/// vanish, `..` drops the segment before it, and without a trailing separator the last
/// segment loses trailing dots and spaces.
fn win32_normalized(rest: &str) -> String {
    let rest = rest.replace('/', "\\");
    let mut kept: Vec<&str> = Vec::new();
    for segment in rest.split('\\') {
        if segment == ".." {
            kept.pop();
        } else if !segment.is_empty() && segment != "." {
            kept.push(segment);
        }
    }
    let joined = kept.join("\\");
    if rest.ends_with('\\') {
        format!("{joined}\\")
    } else {
        joined.trim_end_matches(['.', ' ']).to_owned()
    }
}

/// How the model resolves a path (`ntmodel`'s `resolve`): a file, the volume the files are on
/// (whole), the device with or without a name under it, or nothing (the sequences make no
/// named pipes, so a pipe path finds nothing).
pub(super) enum Resolved {
    Disk(usize),
    Volume,
    Device { under: bool },
    Nothing,
}

pub(super) fn resolve(path: &str) -> Resolved {
    let path = if let Some(rest) = path.strip_prefix("\\\\?\\") {
        format!("\\??\\{rest}")
    } else if let Some(rest) = path.strip_prefix("\\\\.\\") {
        format!("\\??\\{}", win32_normalized(rest))
    } else {
        path.to_owned()
    };
    let mut lower = path.to_ascii_lowercase();
    for prefix in ["\\dosdevices\\", "\\global??\\"] {
        if let Some(rest) = lower.strip_prefix(prefix) {
            lower = format!("\\??\\{rest}");
            break;
        }
    }
    if let Some(file) = FILES
        .iter()
        .position(|(name, _)| name.to_ascii_lowercase() == lower)
    {
        return Resolved::Disk(file);
    }
    if lower == "\\??\\c:" || lower == "\\device\\harddiskvolume1" {
        return Resolved::Volume;
    }
    if let Some(rest) = lower.strip_prefix("\\??\\") {
        let (link, tail) = match rest.find('\\') {
            Some(split) => (&rest[..split], &rest[split..]),
            None => (rest, ""),
        };
        if link != "handleguard" {
            return Resolved::Nothing;
        }
        return Resolved::Device {
            under: !tail.is_empty(),
        };
    }
    let name = "\\device\\handleguard";
    if lower == name {
        Resolved::Device { under: false }
    } else if lower.starts_with(name) && lower[name.len()..].starts_with('\\') {
        Resolved::Device { under: true }
    } else {
        Resolved::Nothing
    }
}
