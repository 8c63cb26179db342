//! Executive routines: pool, `DbgPrint`, `KeBugCheckEx`, `MmGetSystemRoutineAddress`.
//!
//! Each function is the implementation of the export of the same name, called by the export
//! list's wrapper (`crate::exports`) with the caller's context; the exports' contracts (their
//! `# Safety` sections) are documented there, once.
use super::{bad_parameter, require_dispatch_or_below, require_passive, routine_address};
use crate::consts::status_bits;
use crate::machine::context::{self, Context};
use crate::pool::{AllocateError, FreeError, tag_text};
use crate::unicode::read_unicode;
use crate::verifier::codes;
use nt_bindings as nt;
use std::ffi::CStr;

/// How an allocation pays and fails.
#[derive(Clone, Copy)]
struct Request {
    size: usize,
    tag: u32,
    zeroed: bool,
    /// Charged to the current process's pool quota.
    quota: bool,
    /// A failure raises an exception (which no driver code here handles) instead of NULL.
    raise: bool,
}

fn allocate(context: &Context, routine: &str, request: Request) -> nt::PVOID {
    if !require_dispatch_or_below(context, routine) {
        return std::ptr::null_mut();
    }
    let Request { size, tag, .. } = request;
    let mut state = context.machine.lock();
    if size == 0 {
        state.verifier.stop(
            codes::DRIVER_VERIFIER_DETECTED_VIOLATION,
            [0x00, u64::from(context::irql()), 0, 0],
            format!("{routine}: zero-byte pool allocation"),
        );
        return std::ptr::null_mut();
    }
    if tag == 0 {
        state.verifier.stop(
            codes::BAD_POOL_CALLER,
            [0x9B, 0, size as u64, 0],
            format!("{routine}: pool tag 0"),
        );
        return std::ptr::null_mut();
    }
    let charge_to = request.quota.then_some(context.process);
    match state
        .pool
        .allocate(size, tag, request.zeroed, context.origin(), charge_to)
    {
        Ok(address) => address as nt::PVOID,
        Err(error) => {
            if request.raise {
                let (status, why) = match error {
                    AllocateError::QuotaExceeded => {
                        (nt::STATUS_QUOTA_EXCEEDED, "pool quota exceeded")
                    }
                    AllocateError::Simulated => (nt::STATUS_INSUFFICIENT_RESOURCES, "no pool"),
                };
                state.verifier.stop(
                    codes::KMODE_EXCEPTION_NOT_HANDLED,
                    [status_bits(status), 0, 0, 0],
                    format!("{routine} raised {status:#010x} ({why}) and no handler caught it"),
                );
            }
            std::ptr::null_mut()
        }
    }
}

/// `ExAllocatePool2`: zeroed unless `POOL_FLAG_UNINITIALIZED`; charged to the current
/// process with `POOL_FLAG_USE_QUOTA`.
pub fn ExAllocatePool2(
    context: &Context,
    Flags: nt::ULONG64,
    NumberOfBytes: nt::SIZE_T,
    Tag: nt::ULONG,
) -> nt::PVOID {
    let size = usize::try_from(NumberOfBytes).unwrap_or(usize::MAX);
    if Flags & (nt::POOL_FLAG_NON_PAGED | 0x100) == 0 {
        bad_parameter(
            context,
            "ExAllocatePool2",
            "neither POOL_FLAG_NON_PAGED nor POOL_FLAG_PAGED",
        );
        return std::ptr::null_mut();
    }
    allocate(
        context,
        "ExAllocatePool2",
        Request {
            size,
            tag: Tag,
            zeroed: Flags & nt::POOL_FLAG_UNINITIALIZED == 0,
            quota: Flags & nt::POOL_FLAG_USE_QUOTA != 0,
            raise: Flags & nt::POOL_FLAG_RAISE_ON_FAILURE != 0,
        },
    )
}

/// `ExAllocatePoolWithTag`: memory is not zeroed (it holds a garbage pattern).
pub fn ExAllocatePoolWithTag(
    context: &Context,
    PoolType: nt::POOL_TYPE,
    NumberOfBytes: nt::SIZE_T,
    Tag: nt::ULONG,
) -> nt::PVOID {
    let _ = PoolType;
    let size = usize::try_from(NumberOfBytes).unwrap_or(usize::MAX);
    allocate(
        context,
        "ExAllocatePoolWithTag",
        Request {
            size,
            tag: Tag,
            zeroed: false,
            quota: false,
            raise: false,
        },
    )
}

/// `ExAllocatePoolWithQuotaTag`: not zeroed; charged to the current process; a failure
/// raises unless the pool type has `POOL_QUOTA_FAIL_INSTEAD_OF_RAISE`.
pub fn ExAllocatePoolWithQuotaTag(
    context: &Context,
    PoolType: nt::POOL_TYPE,
    NumberOfBytes: nt::SIZE_T,
    Tag: nt::ULONG,
) -> nt::PVOID {
    let size = usize::try_from(NumberOfBytes).unwrap_or(usize::MAX);
    allocate(
        context,
        "ExAllocatePoolWithQuotaTag",
        Request {
            size,
            tag: Tag,
            zeroed: false,
            quota: true,
            raise: PoolType & nt::POOL_QUOTA_FAIL_INSTEAD_OF_RAISE == 0,
        },
    )
}

/// `ExFreePoolWithTag`: BAD_POOL_CALLER on a double free, a wrong tag or a foreign address;
/// C4/0x15 if the block holds an armed timer.
pub unsafe fn ExFreePoolWithTag(context: &Context, P: nt::PVOID, Tag: nt::ULONG) {
    if !require_dispatch_or_below(context, "ExFreePoolWithTag") {
        return;
    }
    let address = P as usize;
    let mut state = context.machine.lock();
    if let Some(allocation) = state.pool.get(address) {
        let range = address..address + allocation.size;
        for timer in state.ke.disarm_timers_in(range.clone()) {
            state.verifier.stop(
                codes::DRIVER_VERIFIER_DETECTED_VIOLATION,
                [0x15, timer as u64, 0, address as u64],
                format!(
                    "pool block {address:#x} freed while it holds an armed timer at {timer:#x}"
                ),
            );
        }
        if state.ke.unqueue_dpcs_in(&range) {
            state.verifier.stop(
                codes::NTMODEL_CHECK,
                [codes::MODEL_BAD_PARAMETER, address as u64, 0, 0],
                format!("pool block {address:#x} freed while it holds a queued DPC"),
            );
        }
    }
    match state.pool.free(address, Tag) {
        Ok(()) => {}
        Err(FreeError::DoubleFree) => state.verifier.stop(
            codes::BAD_POOL_CALLER,
            [codes::POOL_DOUBLE_FREE, 0, address as u64, u64::from(Tag)],
            format!("pool block {address:#x} freed twice"),
        ),
        Err(FreeError::WrongTag(allocated)) => state.verifier.stop(
            codes::BAD_POOL_CALLER,
            [
                codes::POOL_WRONG_TAG,
                address as u64,
                u64::from(allocated),
                u64::from(Tag),
            ],
            format!(
                "pool block {address:#x} allocated with tag '{}' freed with tag '{}'",
                tag_text(allocated),
                tag_text(Tag)
            ),
        ),
        Err(FreeError::NotAllocated) => state.verifier.stop(
            codes::BAD_POOL_CALLER,
            [codes::POOL_BAD_ADDRESS, address as u64, 0, 0],
            format!("ExFreePoolWithTag on {address:#x}, which the pool never allocated"),
        ),
    }
}

/// `DbgPrint`, for the one way the driver calls it: `DbgPrint("%s", message)`. (C-variadic
/// functions cannot be defined in stable Rust; with pointer arguments the SysV x86-64 calling
/// convention passes them exactly like this two-argument function.)
pub unsafe fn DbgPrint(
    context: &Context,
    Format: *const nt::CHAR,
    Argument: *const nt::CHAR,
) -> nt::ULONG {
    if Format.is_null() {
        bad_parameter(context, "DbgPrint", "Format is NULL");
        return 0;
    }
    // SAFETY: the caller passes a NUL-terminated format.
    let format = unsafe { CStr::from_ptr(Format) }
        .to_string_lossy()
        .into_owned();
    let text = if format == "%s" && !Argument.is_null() {
        // SAFETY: with "%s" the argument is a NUL-terminated string.
        unsafe { CStr::from_ptr(Argument) }
            .to_string_lossy()
            .into_owned()
    } else {
        context.machine.lock().verifier.stop(
            codes::NTMODEL_CHECK,
            [codes::MODEL_DBGPRINT_FORMAT, 0, 0, 0],
            format!(
                "DbgPrint with format {format:?}: the model only supports DbgPrint(\"%s\", text)"
            ),
        );
        format
    };
    let text = text.trim_end_matches('\n').to_owned();
    if std::env::var_os("NTMODEL_DBGPRINT").is_some() {
        eprintln!("[DbgPrint] {text}");
    }
    context.machine.lock().verifier.debug_print(text);
    0
}

/// `MmGetSystemRoutineAddress`: the model's own export for a name it implements, NULL for
/// any other name or one the test hid.
pub unsafe fn MmGetSystemRoutineAddress(
    context: &Context,
    SystemRoutineName: nt::PUNICODE_STRING,
) -> nt::PVOID {
    require_passive(
        context,
        "MmGetSystemRoutineAddress",
        codes::C4_IRQL_ZW_PASSIVE,
    );
    // SAFETY: the caller passes a valid string.
    let Some(name) = (unsafe { read_unicode(SystemRoutineName) }) else {
        return std::ptr::null_mut();
    };
    if context.machine.lock().hidden_routines.contains(&name) {
        return std::ptr::null_mut();
    }
    routine_address(&name).map_or(std::ptr::null_mut(), |address| address as nt::PVOID)
}

/// `KeBugCheckEx`: the driver's panic handler on Windows. Prints and aborts.
pub fn KeBugCheckEx(
    code: nt::ULONG,
    parameter1: nt::ULONG_PTR,
    parameter2: nt::ULONG_PTR,
    parameter3: nt::ULONG_PTR,
    parameter4: nt::ULONG_PTR,
) -> ! {
    eprintln!(
        "ntmodel: *** KeBugCheckEx({code:#X}, {parameter1:#x}, {parameter2:#x}, {parameter3:#x}, {parameter4:#x})"
    );
    std::process::abort()
}
