//! `Block`: one heap allocation with a stable address that driver code reads and writes
//! through raw pointers (a `KEVENT`, a `FILE_OBJECT`, an IRP with its stack locations, pool).
//!
//! Rust never makes references into a block; every access goes through raw pointers, so the
//! driver's writes and the model's reads need no aliasing story beyond "one thread at a
//! time, or atomics" (which the NT contracts already demand of the driver).
use std::alloc::{Layout, alloc, alloc_zeroed, dealloc};
use std::ptr::NonNull;

/// Alignment of every block: what pool memory guarantees on x64.
pub const BLOCK_ALIGN: usize = 16;

/// An owned, raw, 16-byte aligned allocation.
///
/// # Invariants
/// `ptr` was returned by the global allocator for `layout` and is freed only by `Drop`.
pub struct Block {
    ptr: NonNull<u8>,
    layout: Layout,
}

// SAFETY: a Block is plain memory; the model synchronises access to it through its state
// lock or atomics, exactly as the NT contracts require of the driver.
unsafe impl Send for Block {}
// SAFETY: as above; `&Block` only exposes the address.
unsafe impl Sync for Block {}

impl Block {
    fn layout(size: usize) -> Layout {
        match Layout::from_size_align(size.max(1), BLOCK_ALIGN) {
            Ok(layout) => layout,
            Err(_) => std::process::abort(),
        }
    }

    /// `size` zeroed bytes.
    pub fn zeroed(size: usize) -> Self {
        let layout = Self::layout(size);
        // SAFETY: the layout has a non-zero size.
        let raw = unsafe { alloc_zeroed(layout) };
        let Some(ptr) = NonNull::new(raw) else {
            std::alloc::handle_alloc_error(layout)
        };
        Self { ptr, layout }
    }

    /// `size` bytes filled with `pattern` (uninitialised pool is never zero by accident).
    pub fn filled(size: usize, pattern: u8) -> Self {
        let layout = Self::layout(size);
        // SAFETY: the layout has a non-zero size.
        let raw = unsafe { alloc(layout) };
        let Some(ptr) = NonNull::new(raw) else {
            std::alloc::handle_alloc_error(layout)
        };
        // SAFETY: fresh allocation of layout.size() bytes.
        unsafe { ptr.as_ptr().write_bytes(pattern, layout.size()) };
        Self { ptr, layout }
    }

    /// A block holding a copy of `bytes`.
    pub fn from_bytes(bytes: &[u8]) -> Self {
        let block = Self::zeroed(bytes.len());
        block.write_bytes(0, bytes);
        block
    }

    /// The address of the first byte.
    pub fn addr(&self) -> usize {
        self.ptr.as_ptr() as usize
    }

    /// The block as a pointer to `T` (the caller picks a `T` that fits).
    pub fn as_ptr<T>(&self) -> *mut T {
        self.ptr.as_ptr().cast()
    }

    /// Size in bytes.
    pub fn len(&self) -> usize {
        self.layout.size()
    }

    /// Copies `bytes` into the block at `offset`, clipped to the block.
    pub fn write_bytes(&self, offset: usize, bytes: &[u8]) {
        let room = self.len().saturating_sub(offset);
        let count = bytes.len().min(room);
        if count == 0 {
            return;
        }
        let target = self.ptr.as_ptr().wrapping_add(offset);
        // SAFETY: offset + count <= len, inside our allocation; `bytes` is a separate slice.
        unsafe { target.copy_from_nonoverlapping(bytes.as_ptr(), count) };
    }

    /// Copies `count` bytes from `offset`, clipped to the block.
    pub fn read_bytes(&self, offset: usize, count: usize) -> Vec<u8> {
        let room = self.len().saturating_sub(offset);
        let count = count.min(room);
        let mut out = vec![0u8; count];
        if count > 0 {
            let source = self.ptr.as_ptr().wrapping_add(offset);
            // SAFETY: offset + count <= len, inside our allocation; `out` has count bytes.
            unsafe { out.as_mut_ptr().copy_from_nonoverlapping(source, count) };
        }
        out
    }

    /// Overwrites the whole block with `pattern` (freed objects are poisoned).
    pub fn poison(&self, pattern: u8) {
        // SAFETY: our allocation, layout.size() bytes.
        unsafe { self.ptr.as_ptr().write_bytes(pattern, self.layout.size()) };
    }
}

impl Drop for Block {
    fn drop(&mut self) {
        // SAFETY: the invariant: allocated with this layout, freed once, here.
        unsafe { dealloc(self.ptr.as_ptr(), self.layout) };
    }
}

impl std::fmt::Debug for Block {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Block({:#x}, {} bytes)", self.addr(), self.len())
    }
}
