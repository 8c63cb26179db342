//! What a `no_std` kernel image needs from its runtime in the Linux cross build: the
//! floating-point marker, the stack probe and a panic handler. The WDK build gets these from
//! the WDK and wdk-panic; host builds from std.
use crate::ffi;

/// Tells the linker no floating-point support library is needed (MSVC convention).
#[unsafe(no_mangle)]
pub static _fltused: i32 = 0;

// Stack probe: any frame over 4 KiB calls __chkstk with the frame size in RAX. It touches
// each page of the new frame, from the caller's stack pointer downwards, so the guard page is
// hit in order; it must preserve every register but RAX's use and flags.
core::arch::global_asm!(
    ".globl __chkstk",
    "__chkstk:",
    "    push rcx",
    "    push rax",
    "    lea rcx, [rsp + 24]",
    "2:",
    "    cmp rax, 0x1000",
    "    jb 3f",
    "    sub rcx, 0x1000",
    "    test [rcx], rcx",
    "    sub rax, 0x1000",
    "    jmp 2b",
    "3:",
    "    sub rcx, rax",
    "    test [rcx], rcx",
    "    pop rax",
    "    pop rcx",
    "    ret",
);

/// A driver cannot unwind; a panic is a bug check with code 0x52504E43 ("RPNC", as
/// wdk-panic uses), so the crash is attributed to this driver.
#[panic_handler]
fn panic(_info: &core::panic::PanicInfo<'_>) -> ! {
    // SAFETY: KeBugCheckEx may be called at any IRQL and does not return.
    unsafe { ffi::KeBugCheckEx(0x5250_4E43, 0, 0, 0, 0) }
}
