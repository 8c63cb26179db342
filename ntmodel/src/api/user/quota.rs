//! A process's nonpaged pool quota: what drivers charged to it (`POOL_FLAG_USE_QUOTA`,
//! `ExAllocatePoolWithQuotaTag`) and the limit past which such allocations fail.
use super::Process;

impl Process {
    /// Limits the nonpaged pool that allocations charged to this process may hold, in bytes
    /// (`None`: no limit, the default). An allocation that would go over it fails: NULL, or
    /// the exception it was asked to raise.
    pub fn set_pool_quota(&self, limit: Option<usize>) {
        self.kernel
            .inner
            .lock()
            .pool
            .set_quota_limit(self.eprocess, limit);
    }

    /// Bytes of pool charged to this process and not yet freed.
    #[must_use]
    pub fn pool_charged(&self) -> usize {
        self.kernel.inner.lock().pool.charged(self.eprocess)
    }
}
