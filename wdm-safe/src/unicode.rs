//! UTF-16 names: [`wide!`](crate::wide) builds them at compile time from ASCII literals, and
//! the layer's own `UnicodeStr` describes borrowed text as a `UNICODE_STRING`.
use crate::ffi;

/// UTF-16 code units of an ASCII string; `N` must be the string's length.
///
/// # Panics
/// At compile time, when used in a const, if `N` is wrong or the string is not ASCII.
#[must_use]
#[expect(
    clippy::indexing_slicing,
    reason = "only evaluated in constants (through `wide!`), where a bad index is a compile error"
)]
pub const fn ascii_to_utf16<const N: usize>(text: &str) -> [u16; N] {
    let bytes = text.as_bytes();
    assert!(bytes.len() == N, "length mismatch");
    let mut units = [0u16; N];
    let mut index = 0;
    while index < N {
        assert!(bytes[index].is_ascii(), "not ASCII");
        units[index] = bytes[index] as u16;
        index += 1;
    }
    units
}

/// A `&'static [u16]` from an ASCII string constant.
#[macro_export]
macro_rules! wide {
    ($text:expr) => {{
        const UNITS: [u16; $text.len()] = $crate::unicode::ascii_to_utf16($text);
        &UNITS as &'static [u16]
    }};
}

/// A `UNICODE_STRING` describing borrowed UTF-16 text.
pub(crate) struct UnicodeStr<'a> {
    raw: ffi::UNICODE_STRING,
    _text: core::marker::PhantomData<&'a [u16]>,
}

impl<'a> UnicodeStr<'a> {
    /// Describes `text`, or `None` if it is longer than a `UNICODE_STRING` can count.
    #[must_use]
    pub(crate) fn new(text: &'a [u16]) -> Option<Self> {
        let bytes = u16::try_from(core::mem::size_of_val(text)).ok()?;
        Some(Self {
            raw: ffi::UNICODE_STRING {
                Length: bytes,
                MaximumLength: bytes,
                // The kernel takes `PWSTR` but never writes through a string it is given.
                Buffer: text.as_ptr().cast_mut(),
            },
            _text: core::marker::PhantomData,
        })
    }

    /// The `UNICODE_STRING` for a call that reads it.
    pub(crate) fn as_ptr(&mut self) -> ffi::PUNICODE_STRING {
        &raw mut self.raw
    }
}
