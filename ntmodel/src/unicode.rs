//! `UNICODE_STRING`s: reading the driver's, and making ones that live in model memory.
use crate::block::Block;
use nt_bindings as nt;

/// A UTF-16 buffer and a `UNICODE_STRING` describing it, both in model memory.
#[derive(Debug)]
pub struct OwnedUnicode {
    /// The characters (no terminating NUL counted, one present); kept alive.
    pub _buffer: Block,
    /// The `UNICODE_STRING`.
    pub string: Block,
}

impl OwnedUnicode {
    /// Copies `text`.
    pub fn new(text: &str) -> Self {
        let (buffer, raw) = unicode_buffer(text);
        let string = Block::zeroed(size_of::<nt::UNICODE_STRING>());
        // SAFETY: `string` is a fresh block the size of a UNICODE_STRING, suitably aligned.
        unsafe { string.as_ptr::<nt::UNICODE_STRING>().write(raw) };
        Self {
            _buffer: buffer,
            string,
        }
    }

    /// The `PUNICODE_STRING`.
    pub fn as_ptr(&self) -> nt::PUNICODE_STRING {
        self.string.as_ptr()
    }
}

/// A UTF-16 copy of `text` (NUL-terminated) and a `UNICODE_STRING` value describing it.
/// An empty text gives `Length` 0 with a valid (empty) buffer.
pub fn unicode_buffer(text: &str) -> (Block, nt::UNICODE_STRING) {
    let units: Vec<u16> = text.encode_utf16().collect();
    let bytes: Vec<u8> = units
        .iter()
        .chain(std::iter::once(&0))
        .flat_map(|unit| unit.to_le_bytes())
        .collect();
    let buffer = Block::from_bytes(&bytes);
    let length = u16::try_from(units.len() * 2).unwrap_or(u16::MAX - 1);
    let raw = nt::UNICODE_STRING {
        Length: length,
        MaximumLength: length.saturating_add(2),
        Buffer: buffer.as_ptr(),
    };
    (buffer, raw)
}

/// Reads a `UNICODE_STRING` the driver passed.
///
/// # Safety
/// `string` is NULL or points to a readable `UNICODE_STRING` whose buffer holds `Length`
/// readable bytes.
pub unsafe fn read_unicode(string: *const nt::UNICODE_STRING) -> Option<String> {
    // SAFETY: the caller guarantees NULL or a readable UNICODE_STRING.
    let string = unsafe { string.as_ref() }?;
    let count = usize::from(string.Length / 2);
    if count == 0 {
        return Some(String::new());
    }
    if string.Buffer.is_null() {
        return None;
    }
    // SAFETY: the caller guarantees Length readable bytes at Buffer; u16 alignment is what a
    // PWSTR promises.
    let units = unsafe { std::slice::from_raw_parts(string.Buffer.cast_const(), count) };
    Some(String::from_utf16_lossy(units))
}

/// Reads the `ObjectName` of an `OBJECT_ATTRIBUTES`, with its `Attributes`.
///
/// # Safety
/// `attributes` is NULL or points to a readable `OBJECT_ATTRIBUTES` whose `ObjectName`
/// satisfies [`read_unicode`]'s contract.
pub unsafe fn read_object_attributes(
    attributes: *const nt::OBJECT_ATTRIBUTES,
) -> Option<(Option<String>, u32, usize)> {
    // SAFETY: the caller guarantees NULL or readable attributes.
    let attributes = unsafe { attributes.as_ref() }?;
    // SAFETY: the caller guarantees the name is NULL or readable.
    let name = unsafe { read_unicode(attributes.ObjectName) };
    Some((
        name,
        attributes.Attributes,
        attributes.RootDirectory as usize,
    ))
}
