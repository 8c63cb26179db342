//! Freed memory the model keeps for a while, poisoned, so that a stale pointer the driver
//! still uses (an IRP completed after it finished, an object used after its last reference,
//! pool freed twice) is recognised, and its address is not handed out again meanwhile.
//!
//! The quarantine is bounded: the oldest block is really freed when a new one would exceed
//! the capacity, so a run of millions of requests stays in constant memory. A stale use of a
//! block older than the last `capacity` frees is then no longer recognised as such (as with
//! Driver Verifier's special pool, whose protection also ends when the page is reused).
use crate::block::Block;
use std::collections::{HashMap, VecDeque};

/// Blocks freed in each subsystem that the model keeps before really freeing them.
pub const DEFAULT_CAPACITY: usize = 4096;

/// A bounded set of freed blocks by address.
#[derive(Debug)]
pub struct Quarantine {
    blocks: HashMap<usize, (u64, Block)>,
    /// Insertion order: (address, generation); an entry whose generation no longer matches
    /// the map's was removed or replaced.
    order: VecDeque<(usize, u64)>,
    capacity: usize,
    generation: u64,
}

impl Default for Quarantine {
    fn default() -> Self {
        Self::with_capacity(DEFAULT_CAPACITY)
    }
}

impl Quarantine {
    /// A quarantine keeping at most `capacity` blocks.
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            blocks: HashMap::new(),
            order: VecDeque::new(),
            capacity: capacity.max(1),
            generation: 0,
        }
    }

    /// Keeps `block` (already poisoned by the caller); frees the oldest if full.
    pub fn insert(&mut self, block: Block) {
        let addr = block.addr();
        self.generation += 1;
        self.blocks.insert(addr, (self.generation, block));
        self.order.push_back((addr, self.generation));
        while self.blocks.len() > self.capacity {
            let Some((oldest, generation)) = self.order.pop_front() else {
                break;
            };
            if self
                .blocks
                .get(&oldest)
                .is_some_and(|(kept, _)| *kept == generation)
            {
                self.blocks.remove(&oldest);
            }
        }
        // Entries of removed blocks would otherwise pile up in `order`.
        if self.order.len() > self.capacity.saturating_mul(2) {
            let blocks = &self.blocks;
            self.order.retain(|(addr, generation)| {
                blocks.get(addr).is_some_and(|(kept, _)| kept == generation)
            });
        }
    }

    /// Whether the block at `addr` is kept here.
    pub fn contains(&self, addr: usize) -> bool {
        self.blocks.contains_key(&addr)
    }

    /// Takes the block at `addr` out (its address is in use again).
    pub fn remove(&mut self, addr: usize) -> Option<Block> {
        self.blocks.remove(&addr).map(|(_, block)| block)
    }

    /// Blocks kept now.
    pub fn len(&self) -> usize {
        self.blocks.len()
    }
}
