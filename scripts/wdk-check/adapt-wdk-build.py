#!/usr/bin/env python3
"""Adapts a copy of wdk-build (0.6.x) so that it builds and runs on a Linux host.

Usage: adapt-wdk-build.py SOURCE DESTINATION

SOURCE is the crate as the registry has it (untouched); DESTINATION is written anew. Used by
scripts/wdk-check.sh only: nothing of wdk-build is committed to this repository, and the
Windows build (`cargo make`) uses wdk-build as published.

wdk-build refuses non-Windows hosts on purpose. What this changes, and nothing else:
  1. the `windows` crate (registry lookups) becomes a Windows-only dependency, and the two
     registry lookups for the WDK's install folder are compiled on Windows only (here the
     folder comes from WDKContentRoot);
  2. `set_var`/`remove_var` call std's functions on every host instead of a `compile_error!`
     off Windows (std's are unsafe off Windows because another thread may read the
     environment at the same time; wdk-build's callers are single-threaded build scripts
     and cargo-make scripts);
  3. the makefile link made by `cargo_make::load_rust_driver_makefile` is a Unix symlink in
     place of Windows' `symlink_file`.
Every edit must apply exactly as often as expected, or the script fails: a new wdk-build
version is then checked by hand before this is changed.
"""

import re
import shutil
import sys
from pathlib import Path

WINDOWS_ONLY = "#[cfg(windows)]\n"

# (file, what, pattern, replacement, expected matches); patterns are regular expressions.
EDITS = [
    (
        "Cargo.toml",
        "the windows crate as a Windows-only dependency",
        r"^\[dependencies\.windows\]$",
        "[target.'cfg(windows)'.dependencies.windows]",
        1,
    ),
    (
        "Cargo.toml",
        "the windows crate as a Windows-only dev-dependency",
        r"^\[dev-dependencies\.windows\]$",
        "[target.'cfg(windows)'.dev-dependencies.windows]",
        1,
    ),
    (
        "src/utils.rs",
        "the windows crate's imports on Windows only",
        r"^use windows::\{",
        WINDOWS_ONLY + "use windows::{",
        1,
    ),
    (
        "src/utils.rs",
        "CStr (used by the registry reader only) on Windows only",
        r"^    ffi::\{CStr, OsStr\},$",
        "    ffi::OsStr,",
        1,
    ),
    (
        "src/utils.rs",
        "the registry reader on Windows only",
        r"^fn read_registry_key_string_value\(",
        WINDOWS_ONLY + "fn read_registry_key_string_value(",
        1,
    ),
    (
        "src/utils.rs",
        "the KitsRoot10 registry lookups on Windows only",
        r"^    if let Some\(path\) = read_registry_key_string_value\(",
        "    " + WINDOWS_ONLY + "    if let Some(path) = read_registry_key_string_value(",
        2,
    ),
    (
        "src/utils.rs",
        "set_var and remove_var for every host",
        r'^(#\[allow\(dead_code\)\]\n)?#\[cfg\(target_os = "windows"\)\]\n(pub fn (set|remove)_var)',
        r"\1\2",
        2,
    ),
    (
        "src/utils.rs",
        "the compile_error! stand-ins off Windows removed",
        r'^(#\[allow\(dead_code\)\]\n)?#\[cfg\(not\(target_os = "windows"\)\)\]\npub fn (set|remove)_var.*?\n\}\n',
        "",
        2,
    ),
    (
        "src/cargo_make.rs",
        "a Unix symlink for the makefile",
        r"std::os::windows::fs::symlink_file\(",
        "std::os::unix::fs::symlink(",
        2,
    ),
]


def adapt(source: Path, destination: Path) -> None:
    if destination.exists():
        shutil.rmtree(destination)
    shutil.copytree(source, destination)
    # CStr is still needed when the registry reader is compiled (Windows).
    edits = EDITS + [
        (
            "src/utils.rs",
            "CStr imported where the registry reader uses it",
            r"^(fn read_registry_key_string_value\([^{]*\{\n)",
            r"\1    use std::ffi::CStr;\n",
            1,
        )
    ]
    for file, what, pattern, replacement, expected in edits:
        path = destination / file
        raw = path.read_bytes().decode()
        # The sources have CRLF line ends: patch with LF, write back what the file had.
        crlf = "\r\n" in raw
        text = raw.replace("\r\n", "\n")
        new, count = re.subn(pattern, replacement, text, flags=re.MULTILINE | re.DOTALL)
        if count != expected:
            sys.exit(
                f"adapt-wdk-build: {file}: '{what}' matched {count} times, expected "
                f"{expected}: this wdk-build differs from the one the adaptation was written "
                "for"
            )
        path.write_bytes((new.replace("\n", "\r\n") if crlf else new).encode())
        print(f"adapt-wdk-build: {file}: {what}")


def main() -> None:
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    adapt(Path(sys.argv[1]), Path(sys.argv[2]))


if __name__ == "__main__":
    main()
