//! Security descriptors as a driver passes them (`OBJECT_ATTRIBUTES.SecurityDescriptor`),
//! read into the model's [`Security`]: the self-relative and the absolute (x64) forms, with a
//! DACL of `ACCESS_ALLOWED_ACE`s naming well-known SIDs (Everyone, OWNER RIGHTS, Local
//! System). Layouts: the WDK's `SECURITY_DESCRIPTOR[_RELATIVE]`, `ACL`, `ACCESS_ALLOWED_ACE`
//! and `SID`. What the model cannot represent is refused, never guessed.
use crate::security::{Ace, Security, Trustee};

const SE_DACL_PRESENT: u16 = 0x0004;
const SE_SELF_RELATIVE: u16 = 0x8000;
const ACL_REVISION: u8 = 2;
const ACCESS_ALLOWED_ACE_TYPE: u8 = 0;

/// Why a descriptor was refused (`STATUS_INVALID_SECURITY_DESCR` to the caller).
pub type Invalid = &'static str;

/// `count` bytes at `address`.
///
/// # Safety
/// `address..address + count` is readable.
unsafe fn bytes<'a>(address: usize, count: usize) -> &'a [u8] {
    // SAFETY: the caller's contract.
    unsafe { std::slice::from_raw_parts(address as *const u8, count) }
}

fn u16_at(bytes: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(bytes.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

/// The descriptor at `address`, owned (as the kernel makes it when the descriptor names no
/// owner) by `owner`: `None` for a NULL DACL or no DACL (every access granted).
///
/// # Safety
/// `address` points to a security descriptor the caller may read (a driver's pointer,
/// trusted as the kernel trusts kernel-mode callers).
pub unsafe fn read(address: usize, owner: &str) -> Result<Option<Security>, Invalid> {
    // SAFETY: the header of a descriptor: 20 bytes in the self-relative form, 40 in the
    // absolute one; the first 4 say which.
    let head = unsafe { bytes(address, 4) };
    if head.first() != Some(&1) {
        return Err("revision is not SECURITY_DESCRIPTOR_REVISION (1)");
    }
    let control = u16_at(head, 2).ok_or("short header")?;
    if control & SE_DACL_PRESENT == 0 {
        return Ok(None);
    }
    let acl = if control & SE_SELF_RELATIVE != 0 {
        // SAFETY: a self-relative descriptor's header is 20 bytes.
        let header = unsafe { bytes(address, 20) };
        match u32_at(header, 16).ok_or("short header")? {
            0 => 0,
            offset => address + offset as usize,
        }
    } else {
        // SAFETY: an absolute descriptor's header is 40 bytes on x64; Dacl is at 32.
        let header = unsafe { bytes(address, 40) };
        let pointer: [u8; 8] = header
            .get(32..40)
            .and_then(|b| b.try_into().ok())
            .ok_or("short header")?;
        usize::try_from(u64::from_le_bytes(pointer)).map_err(|_| "bad DACL pointer")?
    };
    if acl == 0 {
        return Ok(None);
    }
    // SAFETY: an ACL header is 8 bytes; AclSize says how many follow.
    let acl_header = unsafe { bytes(acl, 8) };
    if acl_header.first() != Some(&ACL_REVISION) {
        return Err("ACL revision is not ACL_REVISION (2)");
    }
    let size = usize::from(u16_at(acl_header, 2).ok_or("short ACL")?);
    let count = u16_at(acl_header, 4).ok_or("short ACL")?;
    // SAFETY: the ACL is AclSize bytes long.
    let acl = unsafe { bytes(acl, size.max(8)) };
    let mut aces = Vec::new();
    let mut at = 8;
    for _ in 0..count {
        let ace_type = *acl.get(at).ok_or("ACE beyond AclSize")?;
        let ace_size = usize::from(u16_at(acl, at + 2).ok_or("ACE beyond AclSize")?);
        let ace = acl.get(at..at + ace_size).ok_or("ACE beyond AclSize")?;
        if ace_type != ACCESS_ALLOWED_ACE_TYPE {
            return Err("the model knows ACCESS_ALLOWED_ACE only");
        }
        let mask = u32_at(ace, 4).ok_or("short ACE")?;
        aces.push(Ace {
            trustee: trustee(ace.get(8..).ok_or("short ACE")?)?,
            mask,
        });
        at += ace_size;
    }
    Ok(Some(Security {
        owner: owner.to_owned(),
        readers: Vec::new(),
        read_access: 0,
        dacl: Some(aces),
    }))
}

/// The well-known SID at the start of `sid`.
fn trustee(sid: &[u8]) -> Result<Trustee, Invalid> {
    let [1, count, authority @ ..] = sid.get(..8).ok_or("short SID")? else {
        return Err("SID revision is not 1");
    };
    let subs: Vec<u32> = sid
        .get(8..8 + 4 * usize::from(*count))
        .ok_or("short SID")?
        .chunks(4)
        .map(|sub| u32::from_le_bytes([sub[0], sub[1], sub[2], sub[3]]))
        .collect();
    match (authority, subs.as_slice()) {
        ([0, 0, 0, 0, 0, 1], [0]) => Ok(Trustee::Everyone),
        ([0, 0, 0, 0, 0, 3], [4]) => Ok(Trustee::OwnerRights),
        ([0, 0, 0, 0, 0, 5], [18]) => Ok(Trustee::System),
        ([0, 0, 0, 0, 0, 5], [12]) => Ok(Trustee::RestrictedCode),
        ([0, 0, 0, 0, 0, 5], [32, 544]) => Ok(Trustee::Administrators),
        _ => Err("the model knows S-1-1-0, S-1-3-4, S-1-5-12, S-1-5-18 and S-1-5-32-544 only"),
    }
}
