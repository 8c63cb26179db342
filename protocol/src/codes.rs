//! IOCTL codes, computed with `CTL_CODE` exactly as `devioctl.h` defines it.

/// `FILE_DEVICE_UNKNOWN`, the device type of `\Device\HandleGuard`.
pub const FILE_DEVICE_UNKNOWN: u32 = 0x22;
/// `METHOD_BUFFERED`: the I/O manager copies input and output through one system buffer.
pub const METHOD_BUFFERED: u32 = 0;
/// `FILE_ANY_ACCESS`: any open of the device may send the IOCTL; the device ACL decides who
/// can open it at all (see `driver.inf`).
pub const FILE_ANY_ACCESS: u32 = 0;

/// `CTL_CODE(DeviceType, Function, Method, Access)` from `devioctl.h`.
#[must_use]
pub const fn ctl_code(device_type: u32, function: u32, method: u32, access: u32) -> u32 {
    (device_type << 16) | (access << 14) | (function << 2) | method
}

const fn buffered(function: u32) -> u32 {
    ctl_code(
        FILE_DEVICE_UNKNOWN,
        function,
        METHOD_BUFFERED,
        FILE_ANY_ACCESS,
    )
}

/// Protocol version, counters and the refusal audit. No input; output [`InfoReply`](crate::InfoReply).
pub const IOCTL_HANDLEGUARD_GET_INFO: u32 = buffered(0x800);
/// Register an event to be signalled when due, or pend this IRP until due.
/// Input [`RegisterEventRequest`](crate::RegisterEventRequest); output [`RegisterEventReply`](crate::RegisterEventReply).
pub const IOCTL_HANDLEGUARD_REGISTER_EVENT: u32 = buffered(0x801);
/// Cancel a registration by id. Input [`IdRequest`](crate::IdRequest); no output.
pub const IOCTL_HANDLEGUARD_UNREGISTER: u32 = buffered(0x802);
/// Inspect a file through a file handle. Input [`InspectFileRequest`](crate::InspectFileRequest); output [`FileReport`](crate::FileReport).
pub const IOCTL_HANDLEGUARD_INSPECT_FILE: u32 = buffered(0x803);
/// Open a path on the caller's behalf, with the caller's access checked.
/// Input [`OpenAsCallerRequest`](crate::OpenAsCallerRequest); output [`FileReport`](crate::FileReport).
pub const IOCTL_HANDLEGUARD_OPEN_AS_CALLER: u32 = buffered(0x804);
/// Create an event in the kernel and receive a SYNCHRONIZE-only handle to it.
/// Input [`KernelEventRequest`](crate::KernelEventRequest); output [`KernelEventReply`](crate::KernelEventReply).
pub const IOCTL_HANDLEGUARD_CREATE_KERNEL_EVENT: u32 = buffered(0x805);
/// Signal a kernel-created event now. Input [`IdRequest`](crate::IdRequest); no output.
pub const IOCTL_HANDLEGUARD_SIGNAL_KERNEL_EVENT: u32 = buffered(0x806);

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
                0x22_2000, 0x22_2004, 0x22_2008, 0x22_200C, 0x22_2010, 0x22_2014, 0x22_2018
            ]
        );
        for code in codes {
            assert_eq!(code & 3, METHOD_BUFFERED);
        }
    }
}
