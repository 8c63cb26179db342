//! A fixed-capacity table addressed by generational keys: insert, lookup and removal are
//! O(1), and a key whose value was removed never reaches a value inserted later in its slot.
//!
//! Plain safe code, generic over its storage (pool memory in the driver, a `Vec` in tests).
//! A slot is only taken by [`Vacancy::fill`]: a [`Vacancy`] dropped unfilled leaves the slot
//! free, so no path can lose one.
#![forbid(unsafe_code)]

use core::ops::DerefMut;

/// Identifies a value: slot index + 1 in the low half, the slot's generation in the high half.
/// Never 0, so 0 can mean "no key" on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SlotKey(u64);

impl SlotKey {
    /// The key as sent on the wire (never 0).
    #[must_use]
    pub fn to_wire(self) -> u64 {
        self.0
    }

    /// A key from the wire; nothing is trusted until a table finds it.
    #[must_use]
    pub fn from_wire(value: u64) -> Self {
        Self(value)
    }

    fn new(index: u32, generation: u32) -> Self {
        Self((u64::from(generation) << 32) | (u64::from(index) + 1))
    }

    fn index(self) -> Option<usize> {
        let low = usize::try_from(self.0 & 0xFFFF_FFFF).ok()?;
        low.checked_sub(1)
    }

    fn generation(self) -> u32 {
        // The high half of a u64 always fits.
        u32::try_from(self.0 >> 32).unwrap_or(u32::MAX)
    }
}

/// End of the free list.
const END: u32 = u32::MAX;

/// One entry of a table's storage.
pub struct Slot<T> {
    generation: u32,
    /// The next free slot while this one is free.
    next_free: u32,
    value: Option<T>,
}

impl<T> Slot<T> {
    /// An empty slot, to build storage with.
    #[must_use]
    pub const fn vacant() -> Self {
        Self {
            generation: 0,
            next_free: END,
            value: None,
        }
    }
}

/// The table over storage `S` (a slice of [`Slot`]s).
pub struct SlotTable<S> {
    entries: S,
    /// Head of the free list (`END` when full).
    free_head: u32,
    len: usize,
}

impl<T, S: DerefMut<Target = [Slot<T>]>> SlotTable<S> {
    /// A table using every slot of `entries` (at most `u32::MAX - 1` of them are used); any
    /// values already in them are dropped.
    pub fn new(mut entries: S) -> Self {
        let usable = entries.len().min(END as usize);
        let mut next = END;
        for (index, slot) in entries.iter_mut().enumerate().take(usable).rev() {
            slot.value = None;
            slot.next_free = next;
            next = u32::try_from(index).unwrap_or(END);
        }
        Self {
            entries,
            free_head: next,
            len: 0,
        }
    }

    /// How many values the table holds.
    #[must_use]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the table holds no value.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The free slot the next value would take, or `None` when the table is full. Nothing is
    /// taken until [`Vacancy::fill`].
    pub fn vacancy(&mut self) -> Option<Vacancy<'_, S>> {
        let index = self.free_head;
        let generation = self.entries.get(index as usize)?.generation;
        Some(Vacancy {
            table: self,
            key: SlotKey::new(index, generation),
        })
    }

    /// The slot index of the live value `key` names.
    fn find(&self, key: SlotKey) -> Option<usize> {
        let index = key.index()?;
        let slot = self.entries.get(index)?;
        (slot.value.is_some() && slot.generation == key.generation()).then_some(index)
    }

    /// The value `key` names, if it is still in the table.
    #[must_use]
    pub fn get(&self, key: SlotKey) -> Option<&T> {
        let index = self.find(key)?;
        self.entries.get(index)?.value.as_ref()
    }

    /// As [`SlotTable::get`], mutably.
    pub fn get_mut(&mut self, key: SlotKey) -> Option<&mut T> {
        let index = self.find(key)?;
        self.entries.get_mut(index)?.value.as_mut()
    }

    /// Takes the value `key` names out; its slot's next value gets a new generation.
    pub fn remove(&mut self, key: SlotKey) -> Option<T> {
        let index = self.find(key)?;
        let slot = self.entries.get_mut(index)?;
        let value = slot.value.take()?;
        slot.generation = slot.generation.wrapping_add(1);
        slot.next_free = self.free_head;
        self.free_head = u32::try_from(index).unwrap_or(END);
        self.len -= 1;
        Some(value)
    }

    /// How many slots the table has.
    #[must_use]
    pub fn capacity(&self) -> usize {
        self.entries.len().min(END as usize)
    }

    /// The key of the value in slot `index`, if there is one.
    #[must_use]
    pub fn key_at(&self, index: usize) -> Option<SlotKey> {
        let slot = self.entries.get(index)?;
        slot.value.as_ref()?;
        Some(SlotKey::new(u32::try_from(index).ok()?, slot.generation))
    }
}

/// A free slot of a table, and the key a value put there will have.
#[must_use = "a vacancy takes nothing until it is filled"]
pub struct Vacancy<'t, S> {
    table: &'t mut SlotTable<S>,
    key: SlotKey,
}

impl<T, S: DerefMut<Target = [Slot<T>]>> Vacancy<'_, S> {
    /// The key the value will have.
    #[must_use]
    pub fn key(&self) -> SlotKey {
        self.key
    }

    /// Puts `value` in the slot and takes it off the free list.
    pub fn fill(self, value: T) -> SlotKey {
        let table = self.table;
        if let Some(index) = self.key.index()
            && let Some(slot) = table.entries.get_mut(index)
        {
            table.free_head = slot.next_free;
            slot.value = Some(value);
            table.len += 1;
        }
        self.key
    }
}

#[cfg(test)]
mod tests {
    use super::{Slot, SlotKey, SlotTable};

    fn table(capacity: usize) -> SlotTable<Vec<Slot<&'static str>>> {
        SlotTable::new((0..capacity).map(|_| Slot::vacant()).collect())
    }

    fn insert(table: &mut SlotTable<Vec<Slot<&'static str>>>, value: &'static str) -> SlotKey {
        table.vacancy().expect("a free slot").fill(value)
    }

    #[test]
    fn a_value_is_found_by_its_key_until_removed() {
        let mut table = table(2);
        let key = insert(&mut table, "a");
        assert_eq!(table.get(key), Some(&"a"));
        assert_eq!(table.remove(key), Some("a"));
        assert_eq!(table.get(key), None);
        assert_eq!(table.remove(key), None);
    }

    #[test]
    fn a_stale_key_does_not_reach_the_next_value_in_its_slot() {
        let mut table = table(1);
        let old = insert(&mut table, "old");
        table.remove(old);
        let new = insert(&mut table, "new");
        assert_ne!(old, new);
        assert_eq!(table.get(old), None);
        assert_eq!(table.get(new), Some(&"new"));
    }

    #[test]
    fn a_full_table_has_no_vacancy_until_a_value_leaves() {
        let mut table = table(2);
        let first = insert(&mut table, "1");
        insert(&mut table, "2");
        assert!(table.vacancy().is_none());
        table.remove(first);
        assert!(table.vacancy().is_some());
        assert_eq!(table.len(), 1);
    }

    #[test]
    fn a_vacancy_dropped_unfilled_leaves_the_slot_free() {
        let mut table = table(1);
        for _ in 0..3 {
            let vacancy = table.vacancy().expect("the slot is free");
            drop(vacancy);
        }
        assert!(table.is_empty());
        let key = insert(&mut table, "kept");
        assert_eq!(table.get(key), Some(&"kept"));
    }

    #[test]
    fn the_key_of_a_vacancy_is_the_key_of_its_value() {
        let mut table = table(3);
        let vacancy = table.vacancy().expect("a free slot");
        let promised = vacancy.key();
        assert_eq!(vacancy.fill("v"), promised);
        assert_eq!(table.get(promised), Some(&"v"));
    }

    #[test]
    fn keys_from_the_wire_are_never_trusted() {
        let mut table = table(2);
        insert(&mut table, "a");
        for forged in [0, 3, u64::MAX, 1 << 32 | 1, 0xFFFF_FFFF] {
            assert_eq!(table.get(SlotKey::from_wire(forged)), None, "{forged:#x}");
        }
        assert_eq!(table.get(SlotKey::from_wire(1)), Some(&"a"));
    }

    #[test]
    fn key_at_names_the_live_value_of_each_slot() {
        let mut table = table(3);
        let a = insert(&mut table, "a");
        let b = insert(&mut table, "b");
        table.remove(a);
        assert_eq!(table.capacity(), 3);
        assert_eq!(table.key_at(0), None);
        assert_eq!(table.key_at(1), Some(b));
        assert_eq!(table.key_at(2), None);
        assert_eq!(table.key_at(3), None);
    }

    #[test]
    fn an_empty_table_has_no_room() {
        let mut table = table(0);
        assert!(table.vacancy().is_none());
    }
}
