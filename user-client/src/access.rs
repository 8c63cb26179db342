//! Access masks: the rights hgctl asks for, their names, and masks in words.
//!
//! Specific rights (the low 16 bits) mean different things per object type, so a mask is
//! named for a type: `0x0002` is `EVENT_MODIFY_STATE` on an event, `FILE_WRITE_DATA` on a file.

/// `SYNCHRONIZE`.
pub const SYNCHRONIZE: u32 = 0x0010_0000;
/// `EVENT_MODIFY_STATE`.
pub const EVENT_MODIFY_STATE: u32 = 0x0002;
/// `FILE_READ_DATA`.
pub const FILE_READ_DATA: u32 = 0x0001;
/// `FILE_READ_ATTRIBUTES`.
pub const FILE_READ_ATTRIBUTES: u32 = 0x0080;
/// What the driver needs on an event.
pub const EVENT: u32 = SYNCHRONIZE | EVENT_MODIFY_STATE;
/// What the driver needs on a file, plus SYNCHRONIZE for synchronous I/O.
pub const FILE: u32 = FILE_READ_DATA | SYNCHRONIZE;
/// `EVENT_ALL_ACCESS`.
pub const EVENT_ALL_ACCESS: u32 = 0x001F_0003;
/// `FILE_GENERIC_READ`.
pub const FILE_GENERIC_READ: u32 = 0x0012_0089;
/// `PROCESS_ALL_ACCESS`.
pub const PROCESS_ALL_ACCESS: u32 = 0x001F_FFFF;
/// `THREAD_ALL_ACCESS`.
pub const THREAD_ALL_ACCESS: u32 = 0x001F_FFFF;

/// Rights that mean the same on every type.
const STANDARD: &[(&str, u32)] = &[
    ("GENERIC_READ", 0x8000_0000),
    ("GENERIC_WRITE", 0x4000_0000),
    ("GENERIC_EXECUTE", 0x2000_0000),
    ("GENERIC_ALL", 0x1000_0000),
    ("MAXIMUM_ALLOWED", 0x0200_0000),
    ("ACCESS_SYSTEM_SECURITY", 0x0100_0000),
    ("SYNCHRONIZE", SYNCHRONIZE),
    ("WRITE_OWNER", 0x0008_0000),
    ("WRITE_DAC", 0x0004_0000),
    ("READ_CONTROL", 0x0002_0000),
    ("DELETE", 0x0001_0000),
];

/// Type-specific rights, combinations first (so a mask reads as its combination).
const EVENT_RIGHTS: &[(&str, u32)] = &[
    ("EVENT_ALL_ACCESS", EVENT_ALL_ACCESS),
    ("EVENT_MODIFY_STATE", EVENT_MODIFY_STATE),
    ("EVENT_QUERY_STATE", 0x0001),
];
const FILE_RIGHTS: &[(&str, u32)] = &[
    ("FILE_ALL_ACCESS", 0x001F_01FF),
    ("FILE_GENERIC_READ", FILE_GENERIC_READ),
    ("FILE_GENERIC_WRITE", 0x0012_0116),
    ("FILE_GENERIC_EXECUTE", 0x0012_00A0),
    ("FILE_READ_DATA", FILE_READ_DATA),
    ("FILE_WRITE_DATA", 0x0002),
    ("FILE_APPEND_DATA", 0x0004),
    ("FILE_READ_EA", 0x0008),
    ("FILE_WRITE_EA", 0x0010),
    ("FILE_EXECUTE", 0x0020),
    ("FILE_DELETE_CHILD", 0x0040),
    ("FILE_READ_ATTRIBUTES", FILE_READ_ATTRIBUTES),
    ("FILE_WRITE_ATTRIBUTES", 0x0100),
];
const PROCESS_RIGHTS: &[(&str, u32)] = &[
    ("PROCESS_ALL_ACCESS", PROCESS_ALL_ACCESS),
    ("PROCESS_TERMINATE", 0x0001),
    ("PROCESS_CREATE_THREAD", 0x0002),
    ("PROCESS_VM_OPERATION", 0x0008),
    ("PROCESS_VM_READ", 0x0010),
    ("PROCESS_VM_WRITE", 0x0020),
    ("PROCESS_DUP_HANDLE", 0x0040),
    ("PROCESS_CREATE_PROCESS", 0x0080),
    ("PROCESS_SET_QUOTA", 0x0100),
    ("PROCESS_SET_INFORMATION", 0x0200),
    ("PROCESS_QUERY_INFORMATION", 0x0400),
    ("PROCESS_SUSPEND_RESUME", 0x0800),
    ("PROCESS_QUERY_LIMITED_INFORMATION", 0x1000),
];
const THREAD_RIGHTS: &[(&str, u32)] = &[
    ("THREAD_ALL_ACCESS", THREAD_ALL_ACCESS),
    ("THREAD_TERMINATE", 0x0001),
    ("THREAD_SUSPEND_RESUME", 0x0002),
    ("THREAD_GET_CONTEXT", 0x0008),
    ("THREAD_SET_CONTEXT", 0x0010),
    ("THREAD_SET_INFORMATION", 0x0020),
    ("THREAD_QUERY_INFORMATION", 0x0040),
    ("THREAD_SET_THREAD_TOKEN", 0x0080),
    ("THREAD_IMPERSONATE", 0x0100),
    ("THREAD_DIRECT_IMPERSONATION", 0x0200),
    ("THREAD_SET_LIMITED_INFORMATION", 0x0400),
    ("THREAD_QUERY_LIMITED_INFORMATION", 0x0800),
];

fn rights_of(type_name: &str) -> &'static [(&'static str, u32)] {
    match type_name {
        "Event" => EVENT_RIGHTS,
        "File" => FILE_RIGHTS,
        "Process" => PROCESS_RIGHTS,
        "Thread" => THREAD_RIGHTS,
        _ => &[],
    }
}

/// Parses `SYNCHRONIZE|EVENT_MODIFY_STATE` (also `+` or `,` between names), a number
/// (`0x100002`), or a mix of both.
///
/// # Errors
/// The name hgctl does not know, with the names it does.
pub fn parse(text: &str) -> Result<u32, String> {
    let all = [
        STANDARD,
        EVENT_RIGHTS,
        FILE_RIGHTS,
        PROCESS_RIGHTS,
        THREAD_RIGHTS,
    ];
    let mut mask = 0u32;
    for word in text.split(['|', '+', ',']).map(str::trim) {
        if let Some(value) = crate::number::parse_u64(word).and_then(|v| u32::try_from(v).ok()) {
            mask |= value;
            continue;
        }
        let upper = word.to_ascii_uppercase();
        let right = all
            .iter()
            .flat_map(|table| table.iter())
            .find(|(name, _)| *name == upper)
            .ok_or_else(|| {
                format!(
                    "unknown access right '{word}': give a number (0x100002) or names such as SYNCHRONIZE|EVENT_MODIFY_STATE, FILE_READ_DATA, PROCESS_QUERY_LIMITED_INFORMATION, GENERIC_READ"
                )
            })?;
        mask |= right.1;
    }
    Ok(mask)
}

/// `mask` in words for an object of `type_name`: `SYNCHRONIZE | EVENT_MODIFY_STATE`; bits
/// hgctl has no name for stay a number; 0 is `0`.
#[must_use]
pub fn words(type_name: &str, mask: u32) -> String {
    let specific = rights_of(type_name);
    let combinations = specific.iter().filter(|(_, bits)| *bits > 0xFFFF);
    let singles = specific.iter().filter(|(_, bits)| *bits <= 0xFFFF);
    let mut left = mask;
    let mut names = Vec::new();
    // Combinations may share standard rights (both generic masks hold SYNCHRONIZE).
    for &(name, bits) in combinations {
        if mask & bits == bits {
            names.push(name.to_string());
            left &= !bits;
        }
    }
    for &(name, bits) in STANDARD.iter().chain(singles) {
        if left & bits == bits {
            names.push(name.to_string());
            left &= !bits;
        }
    }
    if left != 0 || names.is_empty() {
        names.push(format!("{left:#x}"));
    }
    names.join(" | ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_numbers_parse_to_the_same_mask() {
        assert_eq!(parse("SYNCHRONIZE|EVENT_MODIFY_STATE"), Ok(EVENT));
        assert_eq!(parse("synchronize+event_modify_state"), Ok(EVENT));
        assert_eq!(parse("0x100002"), Ok(EVENT));
        assert_eq!(parse("SYNCHRONIZE,1"), Ok(FILE));
        assert!(parse("EVENT_FROB").is_err_and(|why| why.contains("'EVENT_FROB'")));
    }

    #[test]
    fn a_mask_reads_as_its_combination_then_its_rights() {
        assert_eq!(words("Event", EVENT_ALL_ACCESS), "EVENT_ALL_ACCESS");
        assert_eq!(words("Event", EVENT), "SYNCHRONIZE | EVENT_MODIFY_STATE");
        assert_eq!(words("File", FILE), "SYNCHRONIZE | FILE_READ_DATA");
        assert_eq!(words("File", FILE_GENERIC_READ), "FILE_GENERIC_READ");
        assert_eq!(
            words("File", 0x0012_019F),
            "FILE_GENERIC_READ | FILE_GENERIC_WRITE"
        );
        assert_eq!(words("Key", 0x0002_0019), "READ_CONTROL | 0x19");
        assert_eq!(words("Event", 0), "0x0");
    }
}
