//! Security: the model's reduced security descriptor (an owner, readers and what they get) and
//! `SeAccessCheck` against it. An object without a descriptor grants every access, as an
//! unnamed event created without one does on Windows.
use crate::object_types::ObjectKind;
use nt_bindings as nt;

/// Who may do what to an object (a much reduced security descriptor).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Security {
    /// The owner: full access.
    pub owner: String,
    /// Users (or "*" for everyone) granted `read_access`.
    pub readers: Vec<String>,
    /// What readers get.
    pub read_access: u32,
}

impl Security {
    /// Only `owner` (and SYSTEM) may access the object.
    pub fn owned_by(owner: &str) -> Self {
        Self {
            owner: owner.to_owned(),
            readers: Vec::new(),
            read_access: 0,
        }
    }

    /// The rights `user` can be granted.
    pub fn allowed(&self, kind: ObjectKind, user: &str) -> u32 {
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
