//! Request and reply structs. Each is `#[repr(C)]` with explicit fixed-width fields, a size
//! checked at compile time, and an encoding that is exactly its fields in order,
//! little-endian, with no padding.

/// Why bytes could not be decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WireError {
    /// The buffer is not exactly the struct's size.
    Length {
        /// The struct's wire size.
        expected: usize,
        /// The buffer's length.
        actual: usize,
    },
    /// A field holds a value the protocol does not define.
    Value,
}

/// A request or reply struct: fixed size, exact-length decoding.
pub trait Message: Sized {
    /// Size on the wire, in bytes.
    const SIZE: usize;

    /// Decodes exactly [`Message::SIZE`] bytes.
    ///
    /// # Errors
    /// [`WireError::Length`] if `bytes` is shorter or longer than the struct,
    /// [`WireError::Value`] if a field cannot be decoded.
    fn decode(bytes: &[u8]) -> Result<Self, WireError>;

    /// Writes the struct at the start of `out` and returns the bytes written.
    ///
    /// # Errors
    /// [`WireError::Length`] if `out` is shorter than the struct.
    fn write_to(&self, out: &mut [u8]) -> Result<usize, WireError>;
}

/// A fixed-width field of a wire struct.
trait Field: Sized {
    const WIDTH: usize;
    fn put(&self, out: &mut [u8]);
    fn get(bytes: &[u8]) -> Option<Self>;
}

macro_rules! int_field {
    ($($ty:ty),*) => {$(
        impl Field for $ty {
            const WIDTH: usize = core::mem::size_of::<$ty>();
            fn put(&self, out: &mut [u8]) {
                out.copy_from_slice(&self.to_le_bytes());
            }
            fn get(bytes: &[u8]) -> Option<Self> {
                Some(<$ty>::from_le_bytes(bytes.try_into().ok()?))
            }
        }
    )*};
}
int_field!(u16, u32, u64);

impl<T: Field + Copy + Default, const N: usize> Field for [T; N] {
    const WIDTH: usize = T::WIDTH * N;
    fn put(&self, out: &mut [u8]) {
        for (item, chunk) in self.iter().zip(out.chunks_exact_mut(T::WIDTH)) {
            item.put(chunk);
        }
    }
    fn get(bytes: &[u8]) -> Option<Self> {
        let mut items = [T::default(); N];
        for (item, chunk) in items.iter_mut().zip(bytes.chunks_exact(T::WIDTH)) {
            *item = T::get(chunk)?;
        }
        Some(items)
    }
}

macro_rules! wire_struct {
    ($(#[$meta:meta])* pub struct $name:ident [$size:literal] {
        $($(#[$fmeta:meta])* pub $field:ident: $ty:ty,)*
    }) => {
        $(#[$meta])*
        #[repr(C)]
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub struct $name {
            $($(#[$fmeta])* pub $field: $ty,)*
        }

        const _: () = assert!(core::mem::size_of::<$name>() == $size);
        const _: () = assert!(0 $(+ <$ty as Field>::WIDTH)* == $size);

        impl Message for $name {
            const SIZE: usize = $size;

            fn decode(bytes: &[u8]) -> Result<Self, WireError> {
                $name::decode(bytes)
            }

            fn write_to(&self, out: &mut [u8]) -> Result<usize, WireError> {
                let actual = out.len();
                let target = out
                    .get_mut(..$size)
                    .ok_or(WireError::Length { expected: $size, actual })?;
                target.copy_from_slice(&self.encode());
                Ok($size)
            }
        }

        impl $name {
            /// Size on the wire, in bytes.
            pub const SIZE: usize = $size;

            /// The wire bytes of this struct.
            #[must_use]
            #[allow(unused_assignments)]
            pub fn encode(&self) -> [u8; $size] {
                let mut bytes = [0u8; $size];
                let mut rest: &mut [u8] = &mut bytes;
                $(
                    let (here, tail) = rest.split_at_mut(<$ty as Field>::WIDTH);
                    self.$field.put(here);
                    rest = tail;
                )*
                bytes
            }

            /// Decodes exactly [`Self::SIZE`] bytes.
            ///
            /// # Errors
            /// [`WireError::Length`] if `bytes` is shorter or longer than the struct.
            #[allow(unused_assignments)]
            pub fn decode(bytes: &[u8]) -> Result<Self, WireError> {
                if bytes.len() != $size {
                    return Err(WireError::Length { expected: $size, actual: bytes.len() });
                }
                let mut rest = bytes;
                Ok(Self {
                    $($field: {
                        let (here, tail) = rest.split_at(<$ty as Field>::WIDTH);
                        rest = tail;
                        <$ty as Field>::get(here).ok_or(WireError::Value)?
                    },)*
                })
            }
        }
    };
}

/// Why the driver refused a request, counted per reason in [`InfoReply::refusals`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum Refusal {
    /// The handle names an object of another type (`STATUS_OBJECT_TYPE_MISMATCH`).
    WrongType = 0,
    /// The handle lacks the access the driver would use (`STATUS_ACCESS_DENIED`).
    TooLittleAccess = 1,
    /// The value is no handle in the caller's process (`STATUS_INVALID_HANDLE`).
    InvalidHandle = 2,
    /// The value is a kernel handle, which user mode may not pass (`STATUS_INVALID_HANDLE`).
    KernelHandle = 3,
    /// The open has as many registrations as its quota allows (`STATUS_QUOTA_EXCEEDED`).
    Quota = 4,
    /// The request did not arrive in the requesting process's context.
    WrongContext = 5,
    /// Input or output buffer of the wrong size, or a malformed field.
    BadBuffer = 6,
    /// An IOCTL code the driver does not implement.
    UnknownCode = 7,
    /// An open of a name under the device (`\Device\HandleGuard\x`).
    NamespaceOpen = 8,
    /// The caller may not open the path it asked the driver to open.
    CallerAccessDenied = 9,
    /// A file handle opened for asynchronous I/O; inspection needs a synchronous one.
    AsynchronousFile = 10,
    /// A request from kernel mode (another driver) for what only a user-mode caller can be
    /// given: a handle in its process (`STATUS_INVALID_DEVICE_REQUEST`).
    KernelRequestor = 11,
    /// A file handle or path that is not a file on a file-system volume: a named pipe, a
    /// mailslot, a device (the driver's own included) or a whole volume
    /// (`STATUS_NOT_SUPPORTED`).
    NotAFile = 12,
}

impl Refusal {
    /// Every reason, in index order.
    pub const ALL: [Refusal; REFUSAL_KINDS] = [
        Refusal::WrongType,
        Refusal::TooLittleAccess,
        Refusal::InvalidHandle,
        Refusal::KernelHandle,
        Refusal::Quota,
        Refusal::WrongContext,
        Refusal::BadBuffer,
        Refusal::UnknownCode,
        Refusal::NamespaceOpen,
        Refusal::CallerAccessDenied,
        Refusal::AsynchronousFile,
        Refusal::KernelRequestor,
        Refusal::NotAFile,
    ];

    /// Index of this reason in [`InfoReply::refusals`].
    #[must_use]
    pub const fn index(self) -> usize {
        self as usize
    }

    /// A short name for tables and JSON.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Refusal::WrongType => "wrong_type",
            Refusal::TooLittleAccess => "too_little_access",
            Refusal::InvalidHandle => "invalid_handle",
            Refusal::KernelHandle => "kernel_handle",
            Refusal::Quota => "quota",
            Refusal::WrongContext => "wrong_context",
            Refusal::BadBuffer => "bad_buffer",
            Refusal::UnknownCode => "unknown_code",
            Refusal::NamespaceOpen => "namespace_open",
            Refusal::CallerAccessDenied => "caller_access_denied",
            Refusal::AsynchronousFile => "asynchronous_file",
            Refusal::KernelRequestor => "kernel_requestor",
            Refusal::NotAFile => "not_a_file",
        }
    }
}

/// Number of [`Refusal`] reasons.
pub const REFUSAL_KINDS: usize = 13;

wire_struct! {
    /// Reply of `IOCTL_HANDLEGUARD_GET_INFO`.
    pub struct InfoReply [152] {
        /// [`crate::PROTOCOL_VERSION`].
        pub version: u32,
        /// Number of entries in `refusals` ([`REFUSAL_KINDS`]).
        pub refusal_kinds: u32,
        /// Opens of the device not yet closed.
        pub opens: u64,
        /// Device-control requests received.
        pub requests: u64,
        /// Registrations currently waiting.
        pub registrations_active: u64,
        /// Registrations completed by their timer (event signalled or IRP completed).
        pub registrations_fired: u64,
        /// Registrations cancelled (unregister, IRP cancel, cleanup, unload).
        pub registrations_cancelled: u64,
        /// Refused requests, indexed by [`Refusal::index`].
        pub refusals: [u64; REFUSAL_KINDS],
    }
}

/// How a registration reports that it is due.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum NotifyMode {
    /// Signal the caller's event (the event handle is validated and referenced).
    SignalEvent = 0,
    /// Pend the IOCTL itself and complete it when due (no handle involved).
    CompleteIrp = 1,
}

impl NotifyMode {
    /// Decodes a wire value.
    ///
    /// # Errors
    /// [`WireError::Value`] for an undefined mode.
    pub const fn from_wire(value: u32) -> Result<Self, WireError> {
        match value {
            0 => Ok(NotifyMode::SignalEvent),
            1 => Ok(NotifyMode::CompleteIrp),
            _ => Err(WireError::Value),
        }
    }
}

wire_struct! {
    /// Input of `IOCTL_HANDLEGUARD_REGISTER_EVENT`.
    pub struct RegisterEventRequest [16] {
        /// The event handle (ignored with [`NotifyMode::CompleteIrp`]).
        pub event: u64,
        /// Milliseconds from now until due.
        pub due_ms: u32,
        /// A [`NotifyMode`] value.
        pub mode: u32,
    }
}

wire_struct! {
    /// Output of `IOCTL_HANDLEGUARD_REGISTER_EVENT`.
    pub struct RegisterEventReply [8] {
        /// Id for `IOCTL_HANDLEGUARD_UNREGISTER` (never 0).
        pub id: u64,
    }
}

wire_struct! {
    /// Input of `IOCTL_HANDLEGUARD_UNREGISTER` and `IOCTL_HANDLEGUARD_SIGNAL_KERNEL_EVENT`.
    pub struct IdRequest [8] {
        /// A registration id returned by the driver.
        pub id: u64,
    }
}

wire_struct! {
    /// Input of `IOCTL_HANDLEGUARD_INSPECT_FILE`.
    pub struct InspectFileRequest [8] {
        /// A file handle opened with read access.
        pub file: u64,
    }
}

/// Bytes the driver reads to compute [`FileReport::checksum`].
pub const CHECKSUM_WINDOW: u32 = 4096;

wire_struct! {
    /// Output of `IOCTL_HANDLEGUARD_INSPECT_FILE` and `IOCTL_HANDLEGUARD_OPEN_AS_CALLER`.
    pub struct FileReport [16] {
        /// End of file, in bytes.
        pub size: u64,
        /// [`checksum`] of the first `checksummed` bytes.
        pub checksum: u32,
        /// Bytes read: `min(size, CHECKSUM_WINDOW)`.
        pub checksummed: u32,
    }
}

/// Longest path [`OpenAsCallerRequest`] carries, in UTF-16 code units.
pub const MAX_PATH_UNITS: usize = 260;

wire_struct! {
    /// Input of `IOCTL_HANDLEGUARD_OPEN_AS_CALLER`: an NT path (`\??\C:\...`) in UTF-16.
    pub struct OpenAsCallerRequest [528] {
        /// Code units of `path` in use (1..=[`MAX_PATH_UNITS`]).
        pub path_units: u32,
        /// Must be zero.
        pub reserved: u32,
        /// The path; units past `path_units` must be zero.
        pub path: [u16; MAX_PATH_UNITS],
    }
}

impl OpenAsCallerRequest {
    /// A request for `path`, or `None` if it is empty or longer than [`MAX_PATH_UNITS`].
    #[must_use]
    pub fn new(path: &str) -> Option<Self> {
        let mut units = [0u16; MAX_PATH_UNITS];
        let mut count = 0usize;
        for unit in path.encode_utf16() {
            *units.get_mut(count)? = unit;
            count += 1;
        }
        if count == 0 {
            return None;
        }
        Some(Self {
            path_units: u32::try_from(count).ok()?,
            reserved: 0,
            path: units,
        })
    }

    /// The path's code units, or `None` if the length or padding is malformed.
    #[must_use]
    pub fn units(&self) -> Option<&[u16]> {
        let count = usize::try_from(self.path_units).ok()?;
        if count == 0 || self.reserved != 0 {
            return None;
        }
        let (used, unused) = (self.path.get(..count)?, self.path.get(count..)?);
        unused.iter().all(|&unit| unit == 0).then_some(used)
    }
}

wire_struct! {
    /// Input of `IOCTL_HANDLEGUARD_CREATE_KERNEL_EVENT`.
    pub struct KernelEventRequest [8] {
        /// Milliseconds until the driver signals the event; 0 = only on request.
        pub due_ms: u32,
        /// Must be zero.
        pub reserved: u32,
    }
}

wire_struct! {
    /// Output of `IOCTL_HANDLEGUARD_CREATE_KERNEL_EVENT`.
    pub struct KernelEventReply [16] {
        /// A handle in the caller's process with `SYNCHRONIZE` access only.
        pub handle: u64,
        /// Registration id for signal and unregister.
        pub id: u64,
    }
}

/// The checksum both sides compute over file bytes: 32-bit FNV-1a.
#[must_use]
pub fn checksum(bytes: &[u8]) -> u32 {
    checksum_update(CHECKSUM_SEED, bytes)
}

/// FNV-1a's offset basis: the checksum of no bytes.
pub const CHECKSUM_SEED: u32 = 0x811C_9DC5;

/// Continues a [`checksum`] over more bytes: `checksum(a ++ b) == checksum_update(checksum(a), b)`.
#[must_use]
pub fn checksum_update(hash: u32, bytes: &[u8]) -> u32 {
    bytes.iter().fold(hash, |hash, &byte| {
        (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn register_request_is_handle_then_due_then_mode_little_endian() {
        let request = RegisterEventRequest {
            event: 0x1122_3344_5566_7788,
            due_ms: 250,
            mode: 1,
        };
        assert_eq!(
            request.encode(),
            [
                0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, 250, 0, 0, 0, 1, 0, 0, 0
            ]
        );
        assert_eq!(RegisterEventRequest::decode(&request.encode()), Ok(request));
    }

    #[test]
    fn decode_rejects_short_and_long_buffers() {
        assert_eq!(
            RegisterEventRequest::decode(&[0; 15]),
            Err(WireError::Length {
                expected: 16,
                actual: 15
            })
        );
        assert_eq!(
            RegisterEventRequest::decode(&[0; 17]),
            Err(WireError::Length {
                expected: 16,
                actual: 17
            })
        );
        assert_eq!(
            IdRequest::decode(&[]),
            Err(WireError::Length {
                expected: 8,
                actual: 0
            })
        );
    }

    #[test]
    fn info_reply_layout_puts_refusals_last() {
        let mut reply = InfoReply {
            version: 1,
            refusal_kinds: 11,
            opens: 2,
            requests: 3,
            registrations_active: 4,
            registrations_fired: 5,
            registrations_cancelled: 6,
            refusals: [0; REFUSAL_KINDS],
        };
        reply.refusals[Refusal::AsynchronousFile.index()] = 0xAB;
        let bytes = reply.encode();
        assert_eq!(bytes[..8], [1, 0, 0, 0, 11, 0, 0, 0]);
        assert_eq!(bytes[8..16], 2u64.to_le_bytes());
        assert_eq!(bytes[40..48], 6u64.to_le_bytes());
        assert_eq!(bytes[128..136], 0xABu64.to_le_bytes());
        assert_eq!(InfoReply::decode(&bytes), Ok(reply));
    }

    #[test]
    fn file_report_and_kernel_event_reply_layouts() {
        let report = FileReport {
            size: 0x0102,
            checksum: 0xDEAD_BEEF,
            checksummed: 7,
        };
        assert_eq!(
            report.encode(),
            [2, 1, 0, 0, 0, 0, 0, 0, 0xEF, 0xBE, 0xAD, 0xDE, 7, 0, 0, 0]
        );
        let reply = KernelEventReply {
            handle: 0x44,
            id: 9,
        };
        assert_eq!(
            reply.encode(),
            [0x44, 0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0]
        );
    }

    #[test]
    fn open_as_caller_request_carries_utf16_and_rejects_bad_padding() {
        let request = OpenAsCallerRequest::new("\\??\\C:\\a").expect("short path");
        let bytes = request.encode();
        assert_eq!(bytes[..4], [8, 0, 0, 0]);
        assert_eq!(bytes[8..10], [b'\\', 0]);
        let decoded = OpenAsCallerRequest::decode(&bytes).expect("exact size");
        assert_eq!(decoded.units().map(<[u16]>::len), Some(8));

        let mut padded = decoded;
        padded.path[100] = u16::from(b'x');
        assert_eq!(padded.units(), None);
        let mut empty = decoded;
        empty.path_units = 0;
        assert_eq!(empty.units(), None);
        let mut too_long = decoded;
        too_long.path_units = 261;
        assert_eq!(too_long.units(), None);
        assert!(OpenAsCallerRequest::new("").is_none());
        assert!(OpenAsCallerRequest::new(&"a".repeat(261)).is_none());
    }

    #[test]
    fn write_to_needs_room_and_reports_bytes_written() {
        let reply = RegisterEventReply { id: 7 };
        let mut out = [0xFFu8; 12];
        assert_eq!(reply.write_to(&mut out), Ok(8));
        assert_eq!(out, [7, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF]);
        assert_eq!(
            reply.write_to(&mut out[..7]),
            Err(WireError::Length {
                expected: 8,
                actual: 7
            })
        );
    }

    #[test]
    fn notify_mode_rejects_undefined_values() {
        assert_eq!(NotifyMode::from_wire(0), Ok(NotifyMode::SignalEvent));
        assert_eq!(NotifyMode::from_wire(1), Ok(NotifyMode::CompleteIrp));
        assert_eq!(NotifyMode::from_wire(2), Err(WireError::Value));
    }

    #[test]
    fn checksum_is_fnv1a_32() {
        assert_eq!(checksum(b""), 0x811C_9DC5);
        assert_eq!(checksum(b"a"), 0xE40C_292C);
        assert_eq!(checksum(b"foobar"), 0xBF9C_F968);
        assert_eq!(
            checksum_update(checksum(b"foo"), b"bar"),
            checksum(b"foobar")
        );
    }

    #[test]
    fn refusal_indexes_are_dense() {
        for (index, refusal) in Refusal::ALL.iter().enumerate() {
            assert_eq!(refusal.index(), index);
        }
    }
}
