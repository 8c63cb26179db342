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
    /// The process whose pool quota pays for it (`POOL_FLAG_USE_QUOTA`), returned at free.
    pub charged_to: Option<usize>,
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
    /// Per-process nonpaged pool quota, by `EPROCESS` address.
    quotas: HashMap<usize, Quota>,
    /// Driver Verifier's low resources simulation: allocations with a tag that fail next.
    failures: HashMap<u32, u32>,
}

/// One process's nonpaged pool quota: what its allocations charged, and its limit.
#[derive(Clone, Copy, Debug, Default)]
struct Quota {
    charged: usize,
    limit: Option<usize>,
}

/// Why an allocation returned NULL.
#[derive(Debug, PartialEq, Eq)]
pub enum AllocateError {
    /// The process's pool quota would be exceeded (`STATUS_QUOTA_EXCEEDED` when raised).
    QuotaExceeded,
    /// The low resources simulation failed it (`STATUS_INSUFFICIENT_RESOURCES` when raised).
    Simulated,
}

impl Pool {
    /// Allocates `size` bytes, zeroed or filled with a garbage pattern, charged to
    /// `charge_to`'s quota if given. Fails when the tag's simulated failures are not used up,
    /// or when the charge would take the process over its limit.
    pub fn allocate(
        &mut self,
        size: usize,
        tag: u32,
        zeroed: bool,
        origin: Origin,
        charge_to: Option<usize>,
    ) -> Result<usize, AllocateError> {
        if let Some(left) = self.failures.get_mut(&tag) {
            *left -= 1;
            if *left == 0 {
                self.failures.remove(&tag);
            }
            return Err(AllocateError::Simulated);
        }
        if let Some(process) = charge_to {
            let quota = self.quotas.entry(process).or_default();
            let charged = quota.charged.saturating_add(size);
            if quota.limit.is_some_and(|limit| charged > limit) {
                return Err(AllocateError::QuotaExceeded);
            }
            quota.charged = charged;
        }
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
                charged_to: charge_to,
            },
        );
        Ok(addr)
    }

    /// Sets `process`'s nonpaged pool quota limit in bytes (`None`: unlimited, the default).
    pub fn set_quota_limit(&mut self, process: usize, limit: Option<usize>) {
        self.quotas.entry(process).or_default().limit = limit;
    }

    /// Bytes of pool charged to `process` and not yet returned.
    pub fn charged(&self, process: usize) -> usize {
        self.quotas.get(&process).map_or(0, |quota| quota.charged)
    }

    /// Makes the next `count` allocations with `tag` fail (as Driver Verifier's low resources
    /// simulation does, for one tag).
    pub fn fail_next(&mut self, tag: u32, count: u32) {
        if count == 0 {
            self.failures.remove(&tag);
        } else {
            self.failures.insert(tag, count);
        }
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
        if let Some(quota) = allocation
            .charged_to
            .and_then(|process| self.quotas.get_mut(&process))
        {
            quota.charged -= allocation.size;
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
