//! NT constants the model needs that the committed bindings do not carry.
use nt_bindings as nt;

macro_rules! status {
    ($($name:ident = $value:literal,)*) => {
        $(
            #[allow(clippy::cast_possible_wrap, missing_docs)]
            pub const $name: nt::NTSTATUS = $value as u32 as nt::NTSTATUS;
        )*
    };
}

status! {
    STATUS_INVALID_INFO_CLASS = 0xC000_0003,
    STATUS_ACCESS_VIOLATION = 0xC000_0005,
    STATUS_PIPE_EMPTY = 0xC000_00D9,
    STATUS_POSSIBLE_DEADLOCK = 0xC000_0194,
    STATUS_INFO_LENGTH_MISMATCH = 0xC000_0004,
    STATUS_INVALID_CID = 0xC000_000B,
    STATUS_NO_SUCH_DEVICE = 0xC000_000E,
    STATUS_MUTANT_NOT_OWNED = 0xC000_0046,
    STATUS_SEMAPHORE_LIMIT_EXCEEDED = 0xC000_0047,
    STATUS_INVALID_PARAMETER_4 = 0xC000_00F2,
    STATUS_IMAGE_ALREADY_LOADED = 0xC000_010E,
    STATUS_HANDLE_NOT_CLOSABLE = 0xC000_0235,
}

/// An NTSTATUS's bits, for bug check parameters.
pub fn status_bits(status: nt::NTSTATUS) -> u64 {
    u64::from(status.cast_unsigned())
}

/// `NT_ERROR(status)`: severity 3.
pub fn is_error(status: nt::NTSTATUS) -> bool {
    status.cast_unsigned() >> 30 == 3
}

/// An `IRP_MJ_*` constant as the `UCHAR` of a stack location.
pub fn major(function: u32) -> u8 {
    u8::try_from(function).unwrap_or(u8::MAX)
}

/// `OBJ_PROTECT_CLOSE`: the handle cannot be closed.
pub const OBJ_PROTECT_CLOSE: u32 = 0x1;
/// `OBJ_AUDIT_OBJECT_CLOSE`: generate an audit on close.
pub const OBJ_AUDIT_OBJECT_CLOSE: u32 = 0x4;
/// Handle attributes a handle-table entry keeps (and `HandleInformation` reports).
pub const ENTRY_ATTRIBUTES: u32 = nt::OBJ_INHERIT | OBJ_PROTECT_CLOSE | OBJ_AUDIT_OBJECT_CLOSE;

/// `KERNEL_HANDLE_FLAG` on x64: kernel handles are "negative" as a LONG.
pub const KERNEL_HANDLE_FLAG: u64 = 0xFFFF_FFFF_8000_0000;
/// `NtCurrentProcess()`.
pub const CURRENT_PROCESS: u64 = u64::MAX;
/// `NtCurrentThread()`.
pub const CURRENT_THREAD: u64 = u64::MAX - 1;

/// `KernelMode`.
pub const KERNEL_MODE: i8 = 0;
/// `UserMode`.
pub const USER_MODE: i8 = 1;

/// `PASSIVE_LEVEL`.
pub const PASSIVE_LEVEL: u8 = 0;
/// `DISPATCH_LEVEL`.
pub const DISPATCH_LEVEL: u8 = 2;

/// `SL_PENDING_RETURNED` in `IO_STACK_LOCATION::Control`.
pub const SL_PENDING_RETURNED: u8 = 0x01;

/// `IO_TYPE_*` values of the `Type` field of I/O manager structures.
pub const IO_TYPE_DEVICE: i16 = 3;
pub const IO_TYPE_DRIVER: i16 = 4;
pub const IO_TYPE_FILE: i16 = 5;
pub const IO_TYPE_IRP: i16 = 6;

/// IRP flags the I/O manager sets.
pub const IRP_SYNCHRONOUS_API: u32 = 0x4;
pub const IRP_BUFFERED_IO: u32 = 0x10;
pub const IRP_DEALLOCATE_BUFFER: u32 = 0x20;
pub const IRP_INPUT_OPERATION: u32 = 0x40;
pub const IRP_CREATE_OPERATION: u32 = 0x80;
pub const IRP_CLOSE_OPERATION: u32 = 0x400;

/// `DO_EXCLUSIVE`.
pub const DO_EXCLUSIVE: u32 = 0x8;
/// `FO_CLEANUP_COMPLETE`.
pub const FO_CLEANUP_COMPLETE: u32 = 0x4000;
/// `FILE_SYNCHRONOUS_IO_ALERT`.
pub const FILE_SYNCHRONOUS_IO_ALERT: u32 = 0x10;
/// `FILE_OPENED` in `IoStatus.Information` of a create.
pub const FILE_OPENED: u64 = 1;

/// Access a process grants through `NtCurrentProcess()`.
pub const CURRENT_PROCESS_ACCESS: u32 = crate::rights::PROCESS_ALL_ACCESS;
/// Access a thread grants through `NtCurrentThread()`.
pub const CURRENT_THREAD_ACCESS: u32 = crate::rights::THREAD_ALL_ACCESS;

/// Dispatcher object types in `DISPATCHER_HEADER::Type`.
pub const EVENT_NOTIFICATION_OBJECT: u8 = 0;
pub const EVENT_SYNCHRONIZATION_OBJECT: u8 = 1;
pub const MUTANT_OBJECT: u8 = 2;
pub const PROCESS_OBJECT: u8 = 3;
pub const SEMAPHORE_OBJECT: u8 = 5;
pub const THREAD_OBJECT: u8 = 6;
pub const TIMER_NOTIFICATION_OBJECT: u8 = 8;
pub const TIMER_SYNCHRONIZATION_OBJECT: u8 = 9;
/// `DpcObject` in `KDPC::Type`.
pub const DPC_OBJECT: u8 = 0x13;

/// 100-ns units per millisecond.
pub const TICKS_PER_MS: u64 = 10_000;
/// The model's boot time in NT system time (100 ns since 1601): 2025-01-01.
pub const BOOT_TIME: u64 = 133_801_632_000_000_000;
