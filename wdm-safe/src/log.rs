//! `DbgPrint` with Rust formatting: one line, formatted into a stack buffer, passed as `%s`.
use crate::ffi;
use core::fmt::{self, Write};

const LINE: usize = 192;

struct Line {
    bytes: [u8; LINE],
    len: usize,
}

impl Write for Line {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        // Keep one byte for the NUL; cut silently rather than fail.
        for &byte in text.as_bytes() {
            if self.len + 1 >= LINE {
                break;
            }
            if let Some(slot) = self.bytes.get_mut(self.len) {
                *slot = if byte == 0 { b'?' } else { byte };
                self.len += 1;
            }
        }
        Ok(())
    }
}

/// Prints `<source>: <message>\n` with `DbgPrint`, cut to 191 bytes. Any IRQL (DbgPrint's
/// own contract).
pub fn print(source: &str, message: fmt::Arguments<'_>) {
    let mut line = Line {
        bytes: [0; LINE],
        len: 0,
    };
    let _ = writeln!(line, "{source}: {message}");
    // SAFETY: "%s" with one pointer to a NUL-terminated string (the buffer is zeroed and
    // `write_str` always leaves the last byte 0).
    unsafe {
        ffi::DbgPrint(c"%s".as_ptr(), line.bytes.as_ptr());
    }
}
