//! Security descriptors for objects the driver creates and hands to user mode.
//!
//! An object created without a descriptor (an unnamed event, say) passes every access check:
//! whoever holds a `SYNCHRONIZE`-only handle to it can `DuplicateHandle` it to
//! `EVENT_ALL_ACCESS`, because duplication beyond the source handle's access is checked
//! against the object's descriptor, not refused. A handle is only as narrow as its object's
//! DACL. [`SecurityDescriptor::WAIT_ONLY`] gives every caller `SYNCHRONIZE` and nothing more.
//!
//! The descriptor is written out here as the bytes of its self-relative form (the WDK's
//! `SECURITY_DESCRIPTOR_RELATIVE`, `ACL`, `ACCESS_ALLOWED_ACE` and `SID` layouts), so it needs
//! no Rtl routine at run time (and no import Wine might lack); the kernel captures (copies) it
//! when the object is created.

/// The bytes of one self-relative security descriptor, 4-byte aligned as ACEs must be.
#[repr(C, align(4))]
pub struct SecurityDescriptor([u8; WAIT_ONLY_LEN]);

const WAIT_ONLY_LEN: usize = 68;

/// `SYNCHRONIZE` (0x0010_0000) as the little-endian bytes of an ACE's mask.
const SYNCHRONIZE: [u8; 4] = crate::ffi::SYNCHRONIZE.to_le_bytes();

impl SecurityDescriptor {
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

    /// The descriptor as `OBJECT_ATTRIBUTES.SecurityDescriptor` takes it.
    pub(crate) fn as_ptr(&'static self) -> crate::ffi::PVOID {
        core::ptr::from_ref(self).cast_mut().cast()
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

    #[test]
    fn the_wait_only_descriptor_is_consistent_with_its_own_sizes_and_offsets() {
        static WAIT_ONLY: SecurityDescriptor = SecurityDescriptor::WAIT_ONLY;
        let bytes = WAIT_ONLY.bytes();
        let word = |at: usize| u16::from_le_bytes([bytes[at], bytes[at + 1]]);
        let dacl = usize::from(word(16));
        assert_eq!(dacl, 20, "the DACL follows the 20-byte header");
        assert_eq!(
            usize::from(word(dacl + 2)),
            bytes.len() - dacl,
            "AclSize covers the rest"
        );
        let count = usize::from(word(dacl + 4));
        let mut at = dacl + 8;
        let mut sids = Vec::new();
        for _ in 0..count {
            let size = usize::from(word(at + 2));
            let mask = u32::from_le_bytes(bytes[at + 4..at + 8].try_into().unwrap());
            assert_eq!(
                mask,
                crate::ffi::SYNCHRONIZE,
                "each entry grants SYNCHRONIZE only"
            );
            sids.push((bytes[at + 15], bytes[at + 16]));
            at += size;
        }
        assert_eq!(at, bytes.len(), "the entries fill the ACL exactly");
        assert_eq!(sids, [(1, 0), (3, 4)], "S-1-1-0 and S-1-3-4");
        assert_eq!(core::ptr::from_ref(&WAIT_ONLY).addr() % 4, 0);
    }
}
