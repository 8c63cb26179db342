//! The registry: keys addressed by full name (`\Registry\Machine\...`), values with a type and
//! bytes. `ZwOpenKey` / `ZwQueryValueKey` are in `exports/zw.rs`.
use crate::names::key;
use std::collections::HashMap;

/// A registry value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Value {
    /// `REG_DWORD`, `REG_SZ`, ...
    pub kind: u32,
    /// The data.
    pub data: Vec<u8>,
}

/// The registry.
#[derive(Debug, Default)]
pub struct Registry {
    keys: HashMap<String, HashMap<String, Value>>,
}

impl Registry {
    /// Creates `path` (and nothing else) if missing.
    pub fn create_key(&mut self, path: &str) {
        self.keys.entry(key(path)).or_default();
    }

    /// Sets a value, creating the key.
    pub fn set_value(&mut self, path: &str, name: &str, value: Value) {
        self.keys
            .entry(key(path))
            .or_default()
            .insert(key(name), value);
    }

    /// Deletes a value; whether it existed.
    pub fn delete_value(&mut self, path: &str, name: &str) -> bool {
        self.keys
            .get_mut(&key(path))
            .is_some_and(|values| values.remove(&key(name)).is_some())
    }

    /// Whether the key exists.
    pub fn key_exists(&self, path: &str) -> bool {
        self.keys.contains_key(&key(path))
    }

    /// A value of a key.
    pub fn value(&self, path: &str, name: &str) -> Option<&Value> {
        self.keys.get(&key(path))?.get(&key(name))
    }
}
