//! Pool quota flags and `ExAllocatePoolWithQuotaTag`, declared by hand.
//!
//! The values are the WDK's (`wdm.h`): `POOL_FLAG_USE_QUOTA` and `POOL_FLAG_RAISE_ON_FAILURE`
//! are `ExAllocatePool2` flags (Windows 10 2004+, absent from mingw-w64's headers);
//! `POOL_QUOTA_FAIL_INSTEAD_OF_RAISE` is ORed into the pool type of
//! `ExAllocatePoolWithQuotaTag`, which otherwise raises an exception when the quota is spent.
use crate::{POOL_TYPE, PVOID, SIZE_T, ULONG, ULONG64};

/// `ExAllocatePool2`: charge the allocation to the current process's pool quota.
pub const POOL_FLAG_USE_QUOTA: ULONG64 = 0x1;
/// `ExAllocatePool2`: raise an exception instead of returning NULL.
pub const POOL_FLAG_RAISE_ON_FAILURE: ULONG64 = 0x20;
/// `ExAllocatePoolWithQuotaTag`: return NULL instead of raising an exception.
pub const POOL_QUOTA_FAIL_INSTEAD_OF_RAISE: POOL_TYPE = 8;

#[cfg_attr(
    windows,
    link(name = "ntoskrnl.exe", kind = "raw-dylib", modifiers = "+verbatim")
)]
unsafe extern "C" {
    pub fn ExAllocatePoolWithQuotaTag(
        PoolType: POOL_TYPE,
        NumberOfBytes: SIZE_T,
        Tag: ULONG,
    ) -> PVOID;
}
