//! Security: the model's reduced security descriptor (an owner, readers and what they get, or
//! an exact DACL a driver gave) and `SeAccessCheck` against it. An object without a
//! descriptor grants every access, as an unnamed event created without one does on Windows.
use crate::object_types::ObjectKind;
use nt_bindings as nt;

/// `READ_CONTROL`.
pub const READ_CONTROL: u32 = 0x0002_0000;
/// `WRITE_DAC`.
pub const WRITE_DAC: u32 = 0x0004_0000;

/// Who may do what to an object (a much reduced security descriptor).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Security {
    /// The owner: full access (files), or with a `dacl` what Windows gives an owner.
    pub owner: String,
    /// Users (or "*" for everyone) granted `read_access`.
    pub readers: Vec<String>,
    /// What readers get.
    pub read_access: u32,
    /// An exact DACL (from a security descriptor a driver passed): when present it alone
    /// decides, as `SeAccessCheck` does, and `readers` is unused.
    pub dacl: Option<Vec<Ace>>,
}

/// Whom an access-allowed entry names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Trustee {
    /// `S-1-1-0`, Everyone.
    Everyone,
    /// `S-1-3-4`, OWNER RIGHTS: the owner's rights, replacing its implicit
    /// `READ_CONTROL | WRITE_DAC`.
    OwnerRights,
    /// `S-1-5-18`, Local System.
    System,
    /// `S-1-5-32-544`, BUILTIN\Administrators: no user of the model is one.
    Administrators,
    /// `S-1-5-12`, RESTRICTED (restricted tokens): no token of the model is restricted.
    RestrictedCode,
}

/// An `ACCESS_ALLOWED_ACE`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ace {
    /// Whom it names.
    pub trustee: Trustee,
    /// What it grants.
    pub mask: u32,
}

/// What a DACL grants `user`, `owner` owning the object: the masks of the entries naming
/// them, plus the owner's implicit `READ_CONTROL | WRITE_DAC` unless an OWNER RIGHTS entry is
/// present (Microsoft, "SID strings" / OWNER RIGHTS, Windows Vista and later).
fn dacl_allows(dacl: &[Ace], owner: &str, user: &str) -> u32 {
    let is_owner = user.eq_ignore_ascii_case(owner);
    let is_system = user.eq_ignore_ascii_case("SYSTEM");
    let mut granted = 0;
    let mut owner_rights = false;
    for ace in dacl {
        let applies = match ace.trustee {
            Trustee::Everyone => true,
            Trustee::System => is_system,
            Trustee::Administrators | Trustee::RestrictedCode => false,
            Trustee::OwnerRights => {
                owner_rights = true;
                is_owner
            }
        };
        if applies {
            granted |= ace.mask;
        }
    }
    if is_owner && !owner_rights {
        granted |= READ_CONTROL | WRITE_DAC;
    }
    granted
}

impl Security {
    /// Only `owner` (and SYSTEM) may access the object.
    pub fn owned_by(owner: &str) -> Self {
        Self {
            owner: owner.to_owned(),
            readers: Vec::new(),
            read_access: 0,
            dacl: None,
        }
    }

    /// The rights `user` can be granted.
    pub fn allowed(&self, kind: ObjectKind, user: &str) -> u32 {
        if let Some(dacl) = &self.dacl {
            return dacl_allows(dacl, &self.owner, user);
        }
        if user.eq_ignore_ascii_case("SYSTEM") || user.eq_ignore_ascii_case(&self.owner) {
            kind.all_access()
        } else if self
            .readers
            .iter()
            .any(|reader| reader == "*" || reader.eq_ignore_ascii_case(user))
        {
            self.read_access
        } else {
            0
        }
    }
}

/// `SeAccessCheck` for `user` against `security`; `desired` is already generic-mapped.
/// No security descriptor means every access is granted (unnamed objects of types that do
/// not require security, such as events).
pub fn access_check(
    kind: ObjectKind,
    security: Option<&Security>,
    user: &str,
    desired: u32,
) -> Result<u32, nt::NTSTATUS> {
    let allowed = security.map_or_else(
        || kind.all_access(),
        |security| security.allowed(kind, user),
    );
    let wanted = desired & !nt::MAXIMUM_ALLOWED;
    if wanted & !allowed != 0 {
        return Err(nt::STATUS_ACCESS_DENIED);
    }
    if desired & nt::MAXIMUM_ALLOWED != 0 {
        if allowed == 0 {
            return Err(nt::STATUS_ACCESS_DENIED);
        }
        return Ok(allowed | wanted);
    }
    Ok(wanted)
}

/// The access a handle gets when no check is made (kernel mode without
/// `OBJ_FORCE_ACCESS_CHECK`): what was asked for, `MAXIMUM_ALLOWED` meaning everything.
pub fn grant_unchecked(kind: ObjectKind, desired: u32) -> u32 {
    if desired & nt::MAXIMUM_ALLOWED != 0 {
        kind.all_access() | (desired & !nt::MAXIMUM_ALLOWED)
    } else {
        desired
    }
}
