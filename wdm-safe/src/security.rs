//! Security descriptors for objects the driver creates and hands to user mode.
//!
//! An object created without a descriptor (an unnamed event, say) passes every access check:
//! whoever holds a `SYNCHRONIZE`-only handle to it can `DuplicateHandle` it to
//! `EVENT_ALL_ACCESS`, because duplication beyond the source handle's access is checked
//! against the object's descriptor, not refused. A handle is only as narrow as its object's
//! DACL. [`SecurityDescriptor::WAIT_ONLY`] gives every caller `SYNCHRONIZE` and nothing more.
//! [`SecurityDescriptor::DEVICE`] is the control device's explicit DACL.
//!
//! The descriptor is written out here as the bytes of its self-relative form (the WDK's
//! `SECURITY_DESCRIPTOR_RELATIVE`, `ACL`, `ACCESS_ALLOWED_ACE` and `SID` layouts), so it needs
//! no Rtl routine at run time (and no import Wine might lack); the kernel captures (copies) it
//! when the object is created.

/// The bytes of one self-relative security descriptor, 4-byte aligned as ACEs must be.
/// Constants are sized (`SecurityDescriptor<[u8; N]>`); code takes `&SecurityDescriptor`.
#[repr(C, align(4))]
pub struct SecurityDescriptor<B: ?Sized = [u8]>(B);

/// `SYNCHRONIZE` (0x0010_0000) as the little-endian bytes of an ACE's mask.
const SYNCHRONIZE: [u8; 4] = crate::ffi::SYNCHRONIZE.to_le_bytes();
/// `FILE_ALL_ACCESS` (what `GA` maps to on a device).
const FILE_ALL: [u8; 4] = 0x001F_01FFu32.to_le_bytes();
/// `FILE_GENERIC_READ | FILE_GENERIC_WRITE | FILE_GENERIC_EXECUTE` (`GRGWGX`).
const FILE_RWX: [u8; 4] = 0x0012_01BFu32.to_le_bytes();
/// `FILE_GENERIC_READ | FILE_GENERIC_WRITE` (`GRGW`).
const FILE_RW: [u8; 4] = 0x0012_019Fu32.to_le_bytes();
/// `FILE_GENERIC_READ` (`GR`).
const FILE_R: [u8; 4] = 0x0012_0089u32.to_le_bytes();

/// A GUID, as `GUID` lays it out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Guid {
    /// `Data1`.
    pub data1: u32,
    /// `Data2`.
    pub data2: u16,
    /// `Data3`.
    pub data3: u16,
    /// `Data4`.
    pub data4: [u8; 8],
}

impl Guid {
    pub(crate) fn to_ffi(self) -> crate::ffi::GUID {
        crate::ffi::GUID {
            Data1: self.data1,
            Data2: self.data2,
            Data3: self.data3,
            Data4: self.data4,
        }
    }
}

/// How a control device is protected: its DACL as a descriptor and as the same SDDL string,
/// and the device class GUID under which `IoCreateDeviceSecure` lets administrators override
/// it (`HKLM\SYSTEM\CurrentControlSet\Control\Class\{guid}\Properties\Security`) where
/// the kernel provides that routine.
pub struct DeviceSecurity {
    /// The DACL `ObSetSecurityObjectByPointer` sets.
    pub descriptor: &'static SecurityDescriptor,
    /// The same DACL as SDDL, UTF-16.
    pub sddl: &'static [u16],
    /// The device class.
    pub class: Guid,
}

/// [`SecurityDescriptor::DEVICE`] as SDDL: `SDDL_DEVOBJ_SYS_ALL_ADM_RWX_WORLD_RW_RES_R`.
pub const DEVICE_SDDL: &str = "D:P(A;;GA;;;SY)(A;;GRGWGX;;;BA)(A;;GRGW;;;WD)(A;;GR;;;RC)";

impl SecurityDescriptor<[u8; 112]> {
    /// The device's: `D:P(A;;GA;;;SY)(A;;GRGWGX;;;BA)(A;;GRGW;;;WD)(A;;GR;;;RC)`, the WDK's
    /// `SDDL_DEVOBJ_SYS_ALL_ADM_RWX_WORLD_RW_RES_R` (wdmsec.h), with the generic rights
    /// written as the file rights they map to on a device. Any user may open the device to
    /// read and write (the driver serves every user, each with their own handles); nobody but
    /// SYSTEM may change its DACL, take ownership or delete it; restricted tokens may only
    /// read. The owner and group are left to the kernel.
    #[rustfmt::skip]
    pub const DEVICE: Self = Self([
        // SECURITY_DESCRIPTOR_RELATIVE: Revision 1, Control SE_DACL_PRESENT |
        // SE_SELF_RELATIVE (DACL protected from inheritance: SE_DACL_PROTECTED 0x1000), no
        // owner, group or SACL, DACL at offset 20.
        1, 0, 0x04, 0x90,
        0, 0, 0, 0,
        0, 0, 0, 0,
        0, 0, 0, 0,
        20, 0, 0, 0,
        // ACL: ACL_REVISION, AclSize 92, AceCount 4.
        2, 0, 92, 0,
        4, 0, 0, 0,
        // (A;;GA;;;SY): S-1-5-18.
        0, 0, 20, 0,
        FILE_ALL[0], FILE_ALL[1], FILE_ALL[2], FILE_ALL[3],
        1, 1, 0, 0, 0, 0, 0, 5,
        18, 0, 0, 0,
        // (A;;GRGWGX;;;BA): S-1-5-32-544, two subauthorities.
        0, 0, 24, 0,
        FILE_RWX[0], FILE_RWX[1], FILE_RWX[2], FILE_RWX[3],
        1, 2, 0, 0, 0, 0, 0, 5,
        32, 0, 0, 0,
        0x20, 0x02, 0, 0,
        // (A;;GRGW;;;WD): S-1-1-0.
        0, 0, 20, 0,
        FILE_RW[0], FILE_RW[1], FILE_RW[2], FILE_RW[3],
        1, 1, 0, 0, 0, 0, 0, 1,
        0, 0, 0, 0,
        // (A;;GR;;;RC): S-1-5-12.
        0, 0, 20, 0,
        FILE_R[0], FILE_R[1], FILE_R[2], FILE_R[3],
        1, 1, 0, 0, 0, 0, 0, 5,
        12, 0, 0, 0,
    ]);
}

impl SecurityDescriptor<[u8; 68]> {
    /// Owner, group and SACL absent (the kernel fills in the owner and group from the
    /// creator's token); a DACL granting Everyone `SYNCHRONIZE` and OWNER RIGHTS
    /// `SYNCHRONIZE`: anyone given a handle may wait on the object, nobody may get more, the
    /// owner included. The OWNER RIGHTS entry matters: the user whose request made the object
    /// owns it (the driver creates it in the requestor's context, and the kernel takes the
    /// creating thread's token), and an owner is implicitly granted `READ_CONTROL |
    /// WRITE_DAC` (so could rewrite the DACL and grant itself anything) unless an OWNER
    /// RIGHTS entry is present, which then says all the owner gets.
    #[rustfmt::skip]
    pub const WAIT_ONLY: Self = Self([
        // SECURITY_DESCRIPTOR_RELATIVE: Revision 1, Sbz1, Control = SE_DACL_PRESENT |
        // SE_SELF_RELATIVE; Owner, Group, Sacl offsets 0 (absent); Dacl at offset 20.
        1, 0, 0x04, 0x80,
        0, 0, 0, 0,
        0, 0, 0, 0,
        0, 0, 0, 0,
        20, 0, 0, 0,
        // ACL: AclRevision ACL_REVISION (2), Sbz1, AclSize 48, AceCount 2, Sbz2.
        2, 0, 48, 0,
        2, 0, 0, 0,
        // ACCESS_ALLOWED_ACE: AceType 0, AceFlags 0, AceSize 20; Mask; SID S-1-1-0
        // (Everyone): Revision 1, one subauthority, authority 1, subauthority 0.
        0, 0, 20, 0,
        SYNCHRONIZE[0], SYNCHRONIZE[1], SYNCHRONIZE[2], SYNCHRONIZE[3],
        1, 1, 0, 0, 0, 0, 0, 1,
        0, 0, 0, 0,
        // ACCESS_ALLOWED_ACE: as above, for S-1-3-4 (OWNER RIGHTS): authority 3, subauthority 4.
        0, 0, 20, 0,
        SYNCHRONIZE[0], SYNCHRONIZE[1], SYNCHRONIZE[2], SYNCHRONIZE[3],
        1, 1, 0, 0, 0, 0, 0, 3,
        4, 0, 0, 0,
    ]);
}

impl SecurityDescriptor {
    /// The descriptor as `OBJECT_ATTRIBUTES.SecurityDescriptor` and
    /// `ObSetSecurityObjectByPointer` take it.
    pub(crate) fn as_ptr(&'static self) -> crate::ffi::PVOID {
        core::ptr::from_ref(self).cast::<u8>().cast_mut().cast()
    }

    /// The bytes (for tests and inspection).
    #[must_use]
    pub fn bytes(&self) -> &[u8] {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::SecurityDescriptor;

    /// Walks a descriptor's DACL by its own sizes: (mask, SID authority, first subauthority)
    /// of each entry, checking that the sizes and offsets agree.
    fn entries(descriptor: &SecurityDescriptor) -> Vec<(u32, u8, u8)> {
        let bytes = descriptor.bytes();
        let word = |at: usize| u16::from_le_bytes([bytes[at], bytes[at + 1]]);
        let dacl = usize::from(word(16));
        assert_eq!(dacl, 20, "the DACL follows the 20-byte header");
        assert_eq!(
            usize::from(word(dacl + 2)),
            bytes.len() - dacl,
            "AclSize covers the rest"
        );
        let mut at = dacl + 8;
        let mut found = Vec::new();
        for _ in 0..word(dacl + 4) {
            let size = usize::from(word(at + 2));
            let sid_len = 8 + 4 * usize::from(bytes[at + 9]);
            assert_eq!(size, 8 + sid_len, "AceSize fits its SID");
            let mask = u32::from_le_bytes(bytes[at + 4..at + 8].try_into().unwrap());
            found.push((mask, bytes[at + 15], bytes[at + 16]));
            at += size;
        }
        assert_eq!(at, bytes.len(), "the entries fill the ACL exactly");
        assert_eq!(core::ptr::from_ref(descriptor).cast::<u8>().addr() % 4, 0);
        found
    }

    #[test]
    fn the_wait_only_descriptor_grants_synchronize_to_everyone_and_owner_rights() {
        static WAIT_ONLY: SecurityDescriptor<[u8; 68]> = SecurityDescriptor::WAIT_ONLY;
        assert_eq!(
            entries(&WAIT_ONLY),
            [(0x0010_0000, 1, 0), (0x0010_0000, 3, 4)],
            "S-1-1-0 and S-1-3-4"
        );
    }

    #[test]
    fn the_device_sddl_says_what_the_device_descriptor_holds() {
        static DEVICE: SecurityDescriptor<[u8; 112]> = SecurityDescriptor::DEVICE;
        // Generic rights as the file generic mapping gives them on a device; SIDs as their
        // (authority, first subauthority).
        let rights = |sddl: &str| match sddl {
            "GA" => 0x001F_01FF,
            "GRGWGX" => 0x0012_01BF,
            "GRGW" => 0x0012_019F,
            "GR" => 0x0012_0089,
            other => panic!("{other}"),
        };
        let sid = |sddl: &str| match sddl {
            "SY" => (5, 18),
            "BA" => (5, 32),
            "WD" => (1, 0),
            "RC" => (5, 12),
            other => panic!("{other}"),
        };
        let aces = super::DEVICE_SDDL
            .strip_prefix("D:P(")
            .and_then(|rest| rest.strip_suffix(')'))
            .expect("a protected DACL");
        let expected: Vec<(u32, u8, u8)> = aces
            .split(")(")
            .map(|ace| {
                let fields: Vec<&str> = ace.split(';').collect();
                assert_eq!((fields[0], fields[1]), ("A", ""), "{ace}");
                let (authority, sub) = sid(fields[5]);
                (rights(fields[2]), authority, sub)
            })
            .collect();
        assert_eq!(entries(&DEVICE), expected);
    }

    #[test]
    fn the_device_descriptor_is_sys_all_adm_rwx_world_rw_res_r() {
        static DEVICE: SecurityDescriptor<[u8; 112]> = SecurityDescriptor::DEVICE;
        assert_eq!(
            entries(&DEVICE),
            [
                (0x001F_01FF, 5, 18),
                (0x0012_01BF, 5, 32),
                (0x0012_019F, 1, 0),
                (0x0012_0089, 5, 12)
            ]
        );
    }
}
