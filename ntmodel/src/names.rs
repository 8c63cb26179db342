//! NT names: the case-insensitive key the model files names under, `\DosDevices` and
//! `\GLOBAL??` as `\??`, and Win32 device paths (`\\.\X`) as NT paths.

/// Case-insensitive key for a name.
pub fn key(name: &str) -> String {
    name.to_ascii_lowercase()
}

/// `\DosDevices\X` and `\GLOBAL??\X` are `\??\X` (lower case).
pub fn normalize_link(name: &str) -> String {
    let lower = key(name);
    for prefix in ["\\dosdevices\\", "\\global??\\"] {
        if let Some(rest) = lower.strip_prefix(prefix) {
            return format!("\\??\\{rest}");
        }
    }
    lower
}

/// A Win32 path (`\\.\X`, `\\?\X`) as an NT path (`\??\X`); NT paths unchanged.
pub fn nt_path(path: &str) -> String {
    for prefix in ["\\\\.\\", "\\\\?\\"] {
        if let Some(rest) = path.strip_prefix(prefix) {
            return format!("\\??\\{rest}");
        }
    }
    path.to_owned()
}
