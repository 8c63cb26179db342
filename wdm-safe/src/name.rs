//! Names that came off the wire. A [`RequestorPath`] is its own type so that it can only be
//! opened the way a user's name must be: with `OBJ_FORCE_ACCESS_CHECK`, in the requestor's
//! context ([`crate::handle::KernelHandle::open_file_for_requestor`]). Nothing else in the
//! layer accepts one.
use crate::unicode::UnicodeStr;

/// An NT path a request named, as UTF-16 code units. Untrusted.
#[derive(Clone, Copy, Debug)]
pub struct RequestorPath<'a> {
    units: &'a [u16],
}

impl<'a> RequestorPath<'a> {
    /// A path from a request, or `None` if it is empty or longer than a `UNICODE_STRING`
    /// can count.
    #[must_use]
    pub fn from_wire(units: &'a [u16]) -> Option<Self> {
        let fits = u16::try_from(core::mem::size_of_val(units)).is_ok();
        (fits && !units.is_empty()).then_some(Self { units })
    }

    /// The path as a `UNICODE_STRING` for the open.
    pub(crate) fn unicode(&self) -> Option<UnicodeStr<'a>> {
        UnicodeStr::new(self.units)
    }
}
