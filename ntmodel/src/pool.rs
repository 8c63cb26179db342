//! Pool: tagged allocations with per-tag accounting, double-free and wrong-tag detection.
use crate::block::Block;
use crate::origin::Origin;
use crate::quarantine::Quarantine;
use std::collections::{BTreeMap, HashMap};

/// Per-tag pool accounting.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TagStats {
    /// Allocations made with this tag, ever.
    pub allocations: u64,
    /// Bytes allocated with this tag, ever.
    pub bytes: u64,
    /// Allocations not yet freed.
    pub outstanding: u64,
    /// Bytes not yet freed.
    pub outstanding_bytes: u64,
}

/// One live allocation.
#[derive(Debug)]
pub struct Allocation {
    /// The memory.
    pub block: Block,
    /// Its tag.
    pub tag: u32,
    /// Requested size.
    pub size: usize,
    /// Who allocated it (the model's own allocations are never leaks).
    pub origin: Origin,
}

/// Why a free was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum FreeError {
    /// The address was freed before and not reallocated since.
    DoubleFree,
    /// Freed with a tag other than the allocation's (the allocation's tag is given).
    WrongTag(u32),
    /// Not an address the pool handed out.
    NotAllocated,
}

/// The pool.
#[derive(Debug, Default)]
pub struct Pool {
    live: HashMap<usize, Allocation>,
    /// Freed blocks, poisoned and kept (bounded) so a second free or a use after free is
    /// recognised.
    freed: Quarantine,
    stats: BTreeMap<u32, TagStats>,
}

impl Pool {
    /// Allocates `size` bytes, zeroed or filled with a garbage pattern.
    pub fn allocate(&mut self, size: usize, tag: u32, zeroed: bool, origin: Origin) -> usize {
        let block = if zeroed {
            Block::zeroed(size)
        } else {
            Block::filled(size, 0xC5)
        };
        let addr = block.addr();
        let stats = self.stats.entry(tag).or_default();
        stats.allocations += 1;
        stats.bytes += size as u64;
        stats.outstanding += 1;
        stats.outstanding_bytes += size as u64;
        self.live.insert(
            addr,
            Allocation {
                block,
                tag,
                size,
                origin,
            },
        );
        addr
    }

    /// Frees `addr` if it was allocated with `tag`.
    pub fn free(&mut self, addr: usize, tag: u32) -> Result<(), FreeError> {
        let Some(allocation) = self.live.get(&addr) else {
            return Err(if self.freed.contains(addr) {
                FreeError::DoubleFree
            } else {
                FreeError::NotAllocated
            });
        };
        if allocation.tag != tag {
            return Err(FreeError::WrongTag(allocation.tag));
        }
        let Some(allocation) = self.live.remove(&addr) else {
            return Err(FreeError::NotAllocated);
        };
        if let Some(stats) = self.stats.get_mut(&allocation.tag) {
            stats.outstanding -= 1;
            stats.outstanding_bytes -= allocation.size as u64;
        }
        allocation.block.poison(0xDF);
        self.freed.insert(allocation.block);
        Ok(())
    }

    /// The live allocation at `addr`.
    pub fn get(&self, addr: usize) -> Option<&Allocation> {
        self.live.get(&addr)
    }

    /// Accounting for `tag`.
    pub fn stats(&self, tag: u32) -> TagStats {
        self.stats.get(&tag).copied().unwrap_or_default()
    }

    /// Accounting for every tag ever used.
    pub fn all_stats(&self) -> Vec<(u32, TagStats)> {
        self.stats
            .iter()
            .map(|(tag, stats)| (*tag, *stats))
            .collect()
    }

    /// Live allocations that `keep` keeps (by their origin), by address.
    pub fn outstanding(&self, keep: impl Fn(Origin) -> bool) -> Vec<&Allocation> {
        let mut list: Vec<&Allocation> = self
            .live
            .values()
            .filter(|allocation| keep(allocation.origin))
            .collect();
        list.sort_by_key(|a| a.block.addr());
        list
    }
}

/// A pool tag as text (`'Hgrd'` is stored little-endian: "Hgrd").
pub fn tag_text(tag: u32) -> String {
    tag.to_le_bytes()
        .iter()
        .map(|&b| {
            if b.is_ascii_graphic() {
                char::from(b)
            } else {
                '.'
            }
        })
        .collect()
}
