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

/// A Win32 path as `CreateFileW` hands it to the kernel (`RtlDosPathNameToNtPathName_U`):
/// a device path `\\.\X` is normalized, then prefixed `\??\`; a verbatim path `\\?\X` is
/// prefixed as it is; NT paths are unchanged.
///
/// Normalization, as Win32 does it for every path but a verbatim one: `/` becomes `\`, runs
/// of separators become one, `.` segments go, `..` removes the segment before it (never the
/// device prefix), and a last segment loses its trailing dots and spaces unless the path ends
/// in a separator. So `\\.\HandleGuard\.` and `\\.\HandleGuard.` name the device itself,
/// and `\\.\HandleGuard\\` reaches it as `\??\HandleGuard\` (a FileName of `\`).
pub fn nt_path(path: &str) -> String {
    if let Some(rest) = path.strip_prefix("\\\\?\\") {
        return format!("\\??\\{rest}");
    }
    if let Some(rest) = path
        .strip_prefix("\\\\.\\")
        .or_else(|| path.strip_prefix("//./"))
    {
        return format!("\\??\\{}", normalize_win32(rest));
    }
    path.to_owned()
}

/// The normalization of [`nt_path`], for what follows a device prefix.
fn normalize_win32(rest: &str) -> String {
    let rest = rest.replace('/', "\\");
    let trailing_separator = rest.ends_with('\\');
    let mut segments: Vec<&str> = Vec::new();
    for segment in rest.split('\\') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            segment => segments.push(segment),
        }
    }
    let mut normalized = segments.join("\\");
    if trailing_separator {
        normalized.push('\\');
    } else {
        let kept = normalized.trim_end_matches(['.', ' ']).len();
        normalized.truncate(kept);
    }
    normalized
}

#[cfg(test)]
mod tests {
    use super::nt_path;

    #[test]
    fn device_paths_are_normalized_as_win32_does() {
        for (win32, nt) in [
            (r"\\.\HandleGuard", r"\??\HandleGuard"),
            (r"\\.\HandleGuard\", r"\??\HandleGuard\"),
            (r"\\.\HandleGuard\\", r"\??\HandleGuard\"),
            (r"\\.\HandleGuard\.", r"\??\HandleGuard"),
            (r"\\.\HandleGuard.", r"\??\HandleGuard"),
            (r"\\.\HandleGuard. . ", r"\??\HandleGuard"),
            (r"\\.\HandleGuard\x\..", r"\??\HandleGuard"),
            (r"\\.\HandleGuard\x", r"\??\HandleGuard\x"),
            (r"\\.\HandleGuard/x", r"\??\HandleGuard\x"),
            (r"\\.\..\HandleGuard", r"\??\HandleGuard"),
            (r"\\?\HandleGuard\.", r"\??\HandleGuard\."),
            (r"\??\HandleGuard\.", r"\??\HandleGuard\."),
            (r"\Device\HandleGuard", r"\Device\HandleGuard"),
        ] {
            assert_eq!(nt_path(win32), nt, "{win32}");
        }
    }
}
