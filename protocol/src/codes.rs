//! IOCTL codes, computed with `CTL_CODE` exactly as `devioctl.h` defines it.

/// `FILE_DEVICE_UNKNOWN`, the device type of `\Device\HandleGuard`.
pub const FILE_DEVICE_UNKNOWN: u32 = 0x22;
/// `METHOD_BUFFERED`: the I/O manager copies input and output through one system buffer.
pub const METHOD_BUFFERED: u32 = 0;
/// `FILE_ANY_ACCESS`: any open of the device may send the IOCTL. No handleguard code uses it.
pub const FILE_ANY_ACCESS: u32 = 0;
/// `FILE_READ_ACCESS`: the I/O manager sends the IOCTL only on a handle granted
/// `FILE_READ_DATA`.
pub const FILE_READ_ACCESS: u32 = 1;
/// `FILE_WRITE_ACCESS`: only on a handle granted `FILE_WRITE_DATA`.
pub const FILE_WRITE_ACCESS: u32 = 2;

/// `CTL_CODE(DeviceType, Function, Method, Access)` from `devioctl.h`.
#[must_use]
pub const fn ctl_code(device_type: u32, function: u32, method: u32, access: u32) -> u32 {
    (device_type << 16) | (access << 14) | (function << 2) | method
}

/// A METHOD_BUFFERED code that reads (queries the driver or a file): `FILE_READ_ACCESS`.
const fn reads(function: u32) -> u32 {
    ctl_code(
        FILE_DEVICE_UNKNOWN,
        function,
        METHOD_BUFFERED,
        FILE_READ_ACCESS,
    )
}

/// A METHOD_BUFFERED code that creates or changes driver state: `FILE_WRITE_ACCESS`, so a
/// read-only handle (what a low-integrity process can get to a medium-integrity device) cannot
/// make the driver hold anything.
const fn writes(function: u32) -> u32 {
    ctl_code(
        FILE_DEVICE_UNKNOWN,
        function,
        METHOD_BUFFERED,
        FILE_WRITE_ACCESS,
    )
}

/// Protocol version, counters and the refusal audit. No input; output [`InfoReply`](crate::InfoReply).
pub const IOCTL_HANDLEGUARD_GET_INFO: u32 = reads(0x800);
/// Register an event to be signalled when due, or pend this IRP until due.
/// Input [`RegisterEventRequest`](crate::RegisterEventRequest); output [`RegisterEventReply`](crate::RegisterEventReply).
pub const IOCTL_HANDLEGUARD_REGISTER_EVENT: u32 = writes(0x801);
/// Cancel a registration by id. Input [`IdRequest`](crate::IdRequest); no output.
pub const IOCTL_HANDLEGUARD_UNREGISTER: u32 = writes(0x802);
/// Inspect a file through a file handle. Input [`InspectFileRequest`](crate::InspectFileRequest); output [`FileReport`](crate::FileReport).
pub const IOCTL_HANDLEGUARD_INSPECT_FILE: u32 = reads(0x803);
/// Open a path on the caller's behalf, with the caller's access checked.
/// Input [`OpenAsCallerRequest`](crate::OpenAsCallerRequest); output [`FileReport`](crate::FileReport).
pub const IOCTL_HANDLEGUARD_OPEN_AS_CALLER: u32 = reads(0x804);
/// Create an event in the kernel and receive a SYNCHRONIZE-only handle to it.
/// Input [`KernelEventRequest`](crate::KernelEventRequest); output [`KernelEventReply`](crate::KernelEventReply).
pub const IOCTL_HANDLEGUARD_CREATE_KERNEL_EVENT: u32 = writes(0x805);
/// Signal a kernel-created event now. Input [`IdRequest`](crate::IdRequest); no output.
pub const IOCTL_HANDLEGUARD_SIGNAL_KERNEL_EVENT: u32 = writes(0x806);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ctl_code_matches_the_documented_bit_layout() {
        // CTL_CODE(FILE_DEVICE_UNKNOWN, 0x800, METHOD_BUFFERED, FILE_ANY_ACCESS), as in
        // Microsoft's event sample's IOCTL_REGISTER_EVENT.
        assert_eq!(ctl_code(0x22, 0x800, 0, 0), 0x0022_2000);
        // CTL_CODE(FILE_DEVICE_DISK, 0x0, METHOD_NEITHER, FILE_READ_ACCESS)
        assert_eq!(ctl_code(0x07, 0, 3, 1), 0x0007_4003);
    }

    #[test]
    fn every_code_is_buffered_and_distinct() {
        let codes = [
            IOCTL_HANDLEGUARD_GET_INFO,
            IOCTL_HANDLEGUARD_REGISTER_EVENT,
            IOCTL_HANDLEGUARD_UNREGISTER,
            IOCTL_HANDLEGUARD_INSPECT_FILE,
            IOCTL_HANDLEGUARD_OPEN_AS_CALLER,
            IOCTL_HANDLEGUARD_CREATE_KERNEL_EVENT,
            IOCTL_HANDLEGUARD_SIGNAL_KERNEL_EVENT,
        ];
        assert_eq!(
            codes,
            [
                0x22_6000, 0x22_A004, 0x22_A008, 0x22_600C, 0x22_6010, 0x22_A014, 0x22_A018
            ]
        );
        for code in codes {
            assert_eq!(code & 3, METHOD_BUFFERED);
        }
    }
}
