//! The model's names in words, and what a failed open can be told about them: the devices
//! `\\.\X` reaches, the files that exist.
use crate::explain::Op;
use crate::status::{self, Status};
use crate::transport::{NameRow, ProcessRow};
use ntmodel::{Kernel, NameEntry, Process};

/// A file of the namespace in words: its size, owner and readers.
fn file_words(size: usize, owner: &str, readers: &[String]) -> String {
    let readers = match readers {
        [] => "nobody else".to_string(),
        [everyone] if everyone == "*" => "everyone".to_string(),
        readers => readers.join(", "),
    };
    format!("file, {size} bytes, owner {owner}, readable by {readers}")
}

/// Every device, link and file, and every process with its user (`caller` marks hgctl's).
pub fn list(kernel: &Kernel, caller: &Process) -> (Vec<NameRow>, Vec<ProcessRow>) {
    let names = kernel
        .namespace()
        .into_iter()
        .map(|entry| match entry {
            NameEntry::Device { name } => NameRow {
                kind: "device",
                name,
                what: "device object".to_string(),
            },
            NameEntry::Link { name, target } => NameRow {
                kind: "link",
                what: format!("symbolic link to {target}"),
                name,
            },
            NameEntry::File {
                path,
                size,
                owner,
                readers,
            } => NameRow {
                kind: "file",
                name: path,
                what: file_words(size, &owner, &readers),
            },
        })
        .collect();
    let me = caller.pid();
    let processes = kernel
        .processes()
        .into_iter()
        .map(|process| ProcessRow {
            caller: process.pid == me,
            pid: process.pid,
            image: process.image,
            user: process.user,
        })
        .collect();
    (names, processes)
}

/// What exists instead, when `op` found no such name.
pub fn hint(kernel: &Kernel, op: Op, status: Status) -> Option<String> {
    let missing = matches!(
        status,
        status::STATUS_OBJECT_NAME_NOT_FOUND | status::STATUS_OBJECT_PATH_NOT_FOUND
    );
    let names = kernel.namespace();
    let have: Vec<String> = match op {
        Op::OpenDevice if missing => names
            .iter()
            .filter_map(|entry| match entry {
                NameEntry::Link { name, target } => {
                    let short = name.rsplit('\\').next().unwrap_or_default();
                    Some(format!(
                        "\\\\.\\{short} ({name}, a symbolic link to {target})"
                    ))
                }
                _ => None,
            })
            .collect(),
        Op::OpenFile | Op::OpenAsCaller if missing => names
            .iter()
            .filter_map(|entry| match entry {
                NameEntry::File { path, .. } => Some(path.clone()),
                _ => None,
            })
            .collect(),
        _ => return None,
    };
    Some(format!(
        "The model has {}; `hgctl names` lists every name and user",
        have.join(", ")
    ))
}
