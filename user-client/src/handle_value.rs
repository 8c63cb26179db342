//! Handle values that are no handle of the caller's, which every attack on a driver tries.

/// `NtCurrentProcess()`: -1.
pub const CURRENT_PROCESS: u64 = u64::MAX;
/// `NtCurrentThread()`: -2.
pub const CURRENT_THREAD: u64 = u64::MAX - 1;
/// A value no handle table reaches (tables top out near 2^24 entries of 4).
pub const GARBAGE: u64 = 0x0000_1234_5678_9AB0;
