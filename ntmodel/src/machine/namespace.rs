//! Resolving a name: an NT or Win32 path, through the symbolic links of `\??`, to a file of
//! the file namespace or to a device and the rest of the path.
use super::Subsystems;
use crate::names::{key, normalize_link, nt_path};
use nt_bindings as nt;

/// Where a path leads.
#[derive(Debug, PartialEq, Eq)]
pub enum Resolved {
    /// A device, with the rest of the path (`FileObject->FileName`).
    Device { device: usize, remainder: String },
    /// A file of the file namespace (its key).
    Disk(String),
}

impl Subsystems {
    /// Resolves an NT or Win32 path through symbolic links to a device or a file.
    pub fn resolve(&self, path: &str) -> Result<Resolved, nt::NTSTATUS> {
        let mut path = nt_path(path);
        let lower = normalize_link(&path);
        if self.files.contains(&lower) {
            return Ok(Resolved::Disk(lower));
        }
        if let Some(rest) = lower.strip_prefix("\\??\\") {
            let (link, tail_len) = match rest.find('\\') {
                Some(split) => (&rest[..split], rest.len() - split),
                None => (rest, 0),
            };
            let Some(found) = self.io.links.get(&format!("\\??\\{link}")) else {
                return Err(nt::STATUS_OBJECT_NAME_NOT_FOUND);
            };
            let tail = &path[path.len() - tail_len..];
            path = format!("{}{tail}", found.target);
            let lower = key(&path);
            if self.files.contains(&lower) {
                return Ok(Resolved::Disk(lower));
            }
        }
        let lower = key(&path);
        let mut best: Option<(usize, usize)> = None;
        for (name, device) in &self.io.device_names {
            let matches = lower == *name
                || (lower.starts_with(name.as_str()) && lower[name.len()..].starts_with('\\'));
            if matches && best.is_none_or(|(length, _)| name.len() > length) {
                best = Some((name.len(), *device));
            }
        }
        match best {
            Some((length, device)) => Ok(Resolved::Device {
                device,
                remainder: path[length..].to_owned(),
            }),
            None => Err(nt::STATUS_OBJECT_NAME_NOT_FOUND),
        }
    }
}
