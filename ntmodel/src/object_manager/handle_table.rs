//! A process's handle table: values are multiples of 4 starting at 4, freed slots are reused
//! (most recently freed first, as NT's free list does), and the low two bits of a value are
//! tag bits that lookup ignores.
use crate::origin::Origin;

/// One entry: which object, with what granted access and attributes.
#[derive(Clone, Debug)]
pub struct HandleEntry {
    /// Body address of the object.
    pub object: usize,
    /// The access mask granted when the handle was created.
    pub granted: u32,
    /// `OBJ_INHERIT` / `OBJ_PROTECT_CLOSE` / `OBJ_AUDIT_OBJECT_CLOSE`.
    pub attributes: u32,
    /// Who created it (the unload leak report counts the driver's).
    pub origin: Origin,
}

/// A handle table.
#[derive(Default, Debug)]
pub struct HandleTable {
    slots: Vec<Option<HandleEntry>>,
    free: Vec<usize>,
}

impl HandleTable {
    fn index_of(value: u64) -> Option<usize> {
        let index = (value >> 2).checked_sub(1)?;
        usize::try_from(index).ok()
    }

    fn value_of(index: usize) -> u64 {
        (index as u64 + 1) << 2
    }

    /// Inserts an entry and returns its handle value (no kernel bit).
    pub fn insert(&mut self, entry: HandleEntry) -> u64 {
        if let Some(index) = self.free.pop()
            && let Some(slot) = self.slots.get_mut(index)
        {
            *slot = Some(entry);
            return Self::value_of(index);
        }
        self.slots.push(Some(entry));
        Self::value_of(self.slots.len() - 1)
    }

    /// The entry for `value` (tag bits ignored).
    pub fn get(&self, value: u64) -> Option<&HandleEntry> {
        self.slots.get(Self::index_of(value)?)?.as_ref()
    }

    /// Removes and returns the entry for `value`.
    pub fn remove(&mut self, value: u64) -> Option<HandleEntry> {
        let index = Self::index_of(value)?;
        let entry = self.slots.get_mut(index)?.take()?;
        self.free.push(index);
        Some(entry)
    }

    /// Every live entry with its value.
    pub fn iter(&self) -> impl Iterator<Item = (u64, &HandleEntry)> {
        self.slots
            .iter()
            .enumerate()
            .filter_map(|(index, slot)| slot.as_ref().map(|entry| (Self::value_of(index), entry)))
    }
}
