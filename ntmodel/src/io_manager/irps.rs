//! IRPs the I/O manager issued: one allocation holding the `IRP` and its stack locations,
//! the model's record of what it is for, and the result of a finished one.
use super::IoManager;
use crate::block::Block;
use crate::consts::IO_TYPE_IRP;
use nt_bindings as nt;

/// What an IRP is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IrpKind {
    /// `IRP_MJ_CREATE`.
    Create,
    /// `IRP_MJ_CLEANUP`.
    Cleanup,
    /// `IRP_MJ_CLOSE`.
    Close,
    /// `IRP_MJ_DEVICE_CONTROL`.
    DeviceControl,
}

/// An IRP the I/O manager issued and has not finished.
#[derive(Debug)]
pub struct IrpRecord {
    /// Id visible to tests (addresses get reused, ids do not).
    pub id: u64,
    /// `IRP` + stack locations.
    pub block: Block,
    /// What it is.
    pub kind: IrpKind,
    /// Target device.
    pub device: usize,
    /// Its current stack location (`IoGetCurrentIrpStackLocation` during dispatch).
    pub stack: usize,
    /// Its file object.
    pub file: usize,
    /// The IRP holds a reference on `file` (dropped when it is finished).
    pub holds_file_reference: bool,
    /// Requesting thread (`Tail.Overlay.Thread`).
    pub thread: usize,
    /// METHOD_BUFFERED system buffer.
    pub system_buffer: Option<Block>,
    /// The caller's own input and output buffers ("user memory").
    pub user_buffers: Vec<Block>,
    /// The caller's output buffer length.
    pub output_len: usize,
    /// Transfer type (`code & 3`).
    pub method: u32,
    /// The dispatch routine has returned.
    pub dispatch_returned: bool,
    /// `PendingIrp`s holding it (its result is kept when it finishes only if one does).
    pub watchers: u32,
    /// Completed with (status, information).
    pub completed: Option<(nt::NTSTATUS, u64)>,
}

/// The outcome of a finished IRP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IrpResult {
    /// `IoStatus.Status`.
    pub status: nt::NTSTATUS,
    /// `IoStatus.Information`.
    pub information: u64,
    /// Bytes copied back to the caller's output buffer.
    pub output: Vec<u8>,
}

impl IoManager {
    /// Allocates an IRP for `device` with its current stack location filled from `stack`,
    /// and records it. Returns its address.
    pub fn allocate_irp(
        &mut self,
        kind: IrpKind,
        device: usize,
        file: usize,
        thread: usize,
        mode: i8,
        mut stack: nt::IO_STACK_LOCATION,
    ) -> usize {
        let device_object = device as *mut nt::DEVICE_OBJECT;
        // SAFETY: callers pass a live device block, which holds a DEVICE_OBJECT.
        let stack_size = unsafe { (*device_object).StackSize }.max(1);
        let count = usize::try_from(stack_size).unwrap_or(1);
        let size = size_of::<nt::IRP>() + count * size_of::<nt::IO_STACK_LOCATION>();
        let block = Block::zeroed(size);
        let irp_pointer = block.as_ptr::<nt::IRP>();
        // The current location during dispatch is the last one (IoCallDriver has decremented).
        let current = (block.addr()
            + size_of::<nt::IRP>()
            + (count - 1) * size_of::<nt::IO_STACK_LOCATION>())
            as *mut nt::IO_STACK_LOCATION;
        stack.DeviceObject = device_object;
        stack.FileObject = file as nt::PFILE_OBJECT;
        let overlay = nt::_IRP__bindgen_ty_3__bindgen_ty_1 {
            Thread: thread as nt::PETHREAD,
            OriginalFileObject: file as nt::PFILE_OBJECT,
            __bindgen_anon_2: nt::_IRP__bindgen_ty_3__bindgen_ty_1__bindgen_ty_2 {
                ListEntry: nt::LIST_ENTRY::default(),
                __bindgen_anon_1:
                    nt::_IRP__bindgen_ty_3__bindgen_ty_1__bindgen_ty_2__bindgen_ty_1 {
                        CurrentStackLocation: current,
                    },
            },
            ..Default::default()
        };
        let irp = nt::IRP {
            Type: IO_TYPE_IRP,
            Size: u16::try_from(size).unwrap_or(u16::MAX),
            RequestorMode: mode,
            StackCount: stack_size,
            CurrentLocation: stack_size,
            Tail: nt::_IRP__bindgen_ty_3 { Overlay: overlay },
            ..Default::default()
        };
        // SAFETY: a fresh block big enough for the IRP, 16-aligned.
        unsafe { irp_pointer.write(irp) };
        // SAFETY: `current` is inside the block, after the IRP, aligned for a stack location.
        unsafe { current.write(stack) };
        let addr = block.addr();
        let id = self.next_irp;
        self.next_irp += 1;
        self.irps.insert(
            addr,
            IrpRecord {
                id,
                block,
                kind,
                device,
                stack: current as usize,
                file,
                holds_file_reference: false,
                thread,
                system_buffer: None,
                user_buffers: Vec::new(),
                output_len: 0,
                method: 0,
                dispatch_returned: false,
                watchers: 0,
                completed: None,
            },
        );
        addr
    }

    /// Retires a finished IRP's memory (poisoned and kept) and returns its record.
    pub fn retire_irp(&mut self, irp: usize) -> Option<IrpRecord> {
        let mut record = self.irps.remove(&irp)?;
        let block = std::mem::replace(&mut record.block, Block::zeroed(0));
        block.poison(0xDB);
        self.retired.insert(block);
        Some(record)
    }

    /// Whether `irp` is the memory of an IRP already finished.
    pub fn was_retired(&self, irp: usize) -> bool {
        self.retired.contains(irp)
    }

    /// Records the result of a finished IRP if a `PendingIrp` still holds it.
    pub fn keep_result(&mut self, record: &IrpRecord, result: IrpResult) {
        if record.watchers > 0 {
            self.results.insert(record.id, (result, record.watchers));
        }
    }

    /// One more `PendingIrp` holds the request `id` (live or finished).
    pub fn watch(&mut self, id: u64) {
        if let Some(record) = self.irps.values_mut().find(|record| record.id == id) {
            record.watchers += 1;
        } else if let Some((_, watchers)) = self.results.get_mut(&id) {
            *watchers += 1;
        }
    }

    /// One `PendingIrp` less holds the request `id`; its result goes with the last one.
    pub fn unwatch(&mut self, id: u64) {
        if let Some(record) = self.irps.values_mut().find(|record| record.id == id) {
            record.watchers = record.watchers.saturating_sub(1);
        } else if let Some((_, watchers)) = self.results.get_mut(&id) {
            *watchers = watchers.saturating_sub(1);
            if *watchers == 0 {
                self.results.remove(&id);
            }
        }
    }

    /// The result of the finished request `id`, if a `PendingIrp` holds it.
    pub fn result(&self, id: u64) -> Option<&IrpResult> {
        self.results.get(&id).map(|(result, _)| result)
    }

    /// The live, not yet completed IRP with this id: (address, device).
    pub fn pending_irp(&self, id: u64) -> Option<(usize, usize)> {
        self.irps
            .iter()
            .find(|(_, record)| record.id == id && record.completed.is_none())
            .map(|(irp, record)| (*irp, record.device))
    }
}
