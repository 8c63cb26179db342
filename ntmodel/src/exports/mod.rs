//! The exported ntoskrnl routines and data the driver imports, listed once: each entry
//! defines a `#[no_mangle] extern "C"` symbol with exactly the signature of `nt-bindings`, its
//! contract, how the call trace renders it, and which function in `crate::routines`
//! implements it (see `macros.rs`); the export table is generated from the same list. Each
//! export finds its kernel through the calling thread's context; a call from a thread that is
//! not running in a model kernel is a harness bug and aborts with a message.
//!
//! This file is longer than 400 lines on purpose: it is the one list of every export with its
//! documented contract, one entry each, and splitting it would mean two lists.
#[macro_use]
mod macros;
mod render;
mod tracing;

exports! {
    data {
        /// The object types a driver may import as data (`POBJECT_TYPE *`). Each symbol holds
        /// the `POBJECT_TYPE` value itself (the driver reads it without a dereference, as a
        /// `raw-dylib` import is read on Windows). They are process-wide constants: a type is
        /// the same in every kernel instance.
        types {
            /// `*CmKeyObjectType`.
            static CmKeyObjectType = ObjectKind::Key;
            /// `*ExEventObjectType`.
            static ExEventObjectType = ObjectKind::Event;
            /// `*ExSemaphoreObjectType`.
            static ExSemaphoreObjectType = ObjectKind::Semaphore;
            /// `*IoFileObjectType`.
            static IoFileObjectType = ObjectKind::File;
            /// `*MmSectionObjectType`.
            static MmSectionObjectType = ObjectKind::Section;
            /// `*PsProcessType`.
            static PsProcessType = ObjectKind::Process;
            /// `*PsThreadType`.
            static PsThreadType = ObjectKind::Thread;
        }
    }
    /// Executive exports: pool, `DbgPrint`, `KeBugCheckEx`, `MmGetSystemRoutineAddress`.
    ex {
        /// `ExAllocatePool2`: zeroed unless `POOL_FLAG_UNINITIALIZED`.
        fn ex::ExAllocatePool2(
            Flags: nt::ULONG64 => hex,
            NumberOfBytes: nt::SIZE_T => number,
            Tag: nt::ULONG => tag,
        ) -> nt::PVOID => pointer;
        /// `ExAllocatePoolWithTag`: memory is not zeroed (it holds a garbage pattern).
        fn ex::ExAllocatePoolWithTag(
            PoolType: nt::POOL_TYPE => number,
            NumberOfBytes: nt::SIZE_T => number,
            Tag: nt::ULONG => tag,
        ) -> nt::PVOID => pointer;
        /// `ExAllocatePoolWithQuotaTag`: charged to the current process; over its quota,
        /// NULL with `POOL_QUOTA_FAIL_INSTEAD_OF_RAISE`, an unhandled exception without.
        fn ex::ExAllocatePoolWithQuotaTag(
            PoolType: nt::POOL_TYPE => hex,
            NumberOfBytes: nt::SIZE_T => number,
            Tag: nt::ULONG => tag,
        ) -> nt::PVOID => pointer;
        /// `ExFreePoolWithTag`: BAD_POOL_CALLER on a double free, a wrong tag or a foreign address;
        /// C4/0x15 if the block holds an armed timer.
        ///
        /// # Safety
        /// `P` is a pool allocation of the caller.
        unsafe fn ex::ExFreePoolWithTag(
            P: nt::PVOID => pointer,
            Tag: nt::ULONG => tag,
        );
        /// `DbgPrint`, for the one way the driver calls it: `DbgPrint("%s", message)`. (C-variadic
        /// functions cannot be defined in stable Rust; with pointer arguments the SysV x86-64 calling
        /// convention passes them exactly like this two-argument function.)
        ///
        /// # Safety
        /// Both arguments are NUL-terminated strings.
        unsafe fn ex::DbgPrint(
            Format: *const nt::CHAR => c_string,
            Argument: *const nt::CHAR => c_string,
        ) -> nt::ULONG => number;
        /// `KeBugCheckEx`: the driver's panic handler on Windows. Prints and aborts.
        noreturn fn ex::KeBugCheckEx(
            BugCheckCode: nt::ULONG => hex,
            BugCheckParameter1: nt::ULONG_PTR => hex,
            BugCheckParameter2: nt::ULONG_PTR => hex,
            BugCheckParameter3: nt::ULONG_PTR => hex,
            BugCheckParameter4: nt::ULONG_PTR => hex,
        );
        /// `MmGetSystemRoutineAddress`: the model's own export for a name it implements, NULL for
        /// any other name or one the test hid.
        ///
        /// # Safety
        /// `SystemRoutineName` is a valid `UNICODE_STRING`.
        unsafe fn ex::MmGetSystemRoutineAddress(
            SystemRoutineName: nt::PUNICODE_STRING => unicode,
        ) -> nt::PVOID => pointer;
    }
    /// I/O manager exports: devices, symbolic links, IRP completion, the requestor's process, and
    /// the cancel spin lock.
    io {
        /// `IoCreateDevice`: a `DEVICE_OBJECT` (plus extension) linked first in the driver's list,
        /// with `DO_DEVICE_INITIALIZING` set.
        ///
        /// # Safety
        /// `DriverObject` is the caller's driver object, `DeviceName` NULL or a valid string,
        /// `DeviceObject` writable.
        unsafe fn io::IoCreateDevice(
            DriverObject: nt::PDRIVER_OBJECT => pointer,
            DeviceExtensionSize: nt::ULONG => number,
            DeviceName: nt::PUNICODE_STRING => unicode,
            DeviceType: nt::ULONG => hex,
            DeviceCharacteristics: nt::ULONG => hex,
            Exclusive: nt::BOOLEAN => boolean,
            DeviceObject: *mut nt::PDEVICE_OBJECT => out,
        ) -> nt::NTSTATUS => status;
        /// `IoCreateFile` (`CreateFileTypeNone`): the create of `ZwCreateFile`, with
        /// `IO_FORCE_ACCESS_CHECK` (checked against the caller's token) and
        /// `IO_NO_PARAMETER_CHECKING` (kernel buffers; required from a user thread's context).
        ///
        /// # Safety
        /// Pointers as `IoCreateFile` documents them.
        unsafe fn io_file::IoCreateFile(
            FileHandle: nt::PHANDLE => out,
            DesiredAccess: nt::ACCESS_MASK => access,
            ObjectAttributes: nt::POBJECT_ATTRIBUTES => attributes,
            IoStatusBlock: nt::PIO_STATUS_BLOCK => out,
            AllocationSize: nt::PLARGE_INTEGER => pointer,
            FileAttributes: nt::ULONG => hex,
            ShareAccess: nt::ULONG => hex,
            Disposition: nt::ULONG => number,
            CreateOptions: nt::ULONG => hex,
            EaBuffer: nt::PVOID => pointer,
            EaLength: nt::ULONG => number,
            CreateFileType: nt::CREATE_FILE_TYPE => number,
            InternalParameters: nt::PVOID => pointer,
            Options: nt::ULONG => hex,
        ) -> nt::NTSTATUS => status;
        /// `IoDeleteDevice`.
        ///
        /// # Safety
        /// `DeviceObject` is a device the caller created.
        unsafe fn io::IoDeleteDevice(
            DeviceObject: nt::PDEVICE_OBJECT => pointer,
        );
        /// `IoCreateSymbolicLink`.
        ///
        /// # Safety
        /// Both names are valid `UNICODE_STRING`s.
        unsafe fn io::IoCreateSymbolicLink(
            SymbolicLinkName: nt::PUNICODE_STRING => unicode,
            DeviceName: nt::PUNICODE_STRING => unicode,
        ) -> nt::NTSTATUS => status;
        /// `IoDeleteSymbolicLink`.
        ///
        /// # Safety
        /// `SymbolicLinkName` is a valid `UNICODE_STRING`.
        unsafe fn io::IoDeleteSymbolicLink(
            SymbolicLinkName: nt::PUNICODE_STRING => unicode,
        ) -> nt::NTSTATUS => status;
        /// `IofCompleteRequest` (`IoCompleteRequest`): completion exactly once.
        ///
        /// # Safety
        /// `Irp` is an IRP the caller owns.
        unsafe fn io::IofCompleteRequest(
            Irp: nt::PIRP => pointer,
            PriorityBoost: nt::CCHAR => number,
        );
        /// `IoGetCurrentProcess` (`PsGetCurrentProcess`).
        fn io::IoGetCurrentProcess(
        ) -> nt::PEPROCESS => pointer;
        /// `IoGetRequestorProcess`: the process of `Irp->Tail.Overlay.Thread`.
        ///
        /// # Safety
        /// `Irp` is an IRP the caller owns.
        unsafe fn io::IoGetRequestorProcess(
            Irp: nt::PIRP => pointer,
        ) -> nt::PEPROCESS => pointer;
        /// `IoIs32bitProcess`: whether the IRP's requestor (or, for NULL, the current process) is a
        /// WOW64 process.
        ///
        /// # Safety
        /// `Irp` is NULL or an IRP the caller owns.
        unsafe fn io::IoIs32bitProcess(
            Irp: nt::PIRP => pointer,
        ) -> nt::BOOLEAN => boolean;
        /// `IoAcquireCancelSpinLock`.
        ///
        /// # Safety
        /// `Irql` is writable.
        unsafe fn io::IoAcquireCancelSpinLock(
            Irql: nt::PKIRQL => out,
        );
        /// `IoReleaseCancelSpinLock`.
        fn io::IoReleaseCancelSpinLock(
            Irql: nt::KIRQL => number,
        );
    }
    /// Object manager exports: references by handle and by pointer, dereference, opening a handle
    /// to an object, and closing handles.
    ob {
        /// `ObReferenceObjectByHandle`.
        ///
        /// # Safety
        /// `Object` is writable; `HandleInformation` is NULL or writable.
        unsafe fn ob::ObReferenceObjectByHandle(
            Handle: nt::HANDLE => handle,
            DesiredAccess: nt::ACCESS_MASK => access_of(ObjectType),
            ObjectType: nt::POBJECT_TYPE => object_type,
            AccessMode: nt::KPROCESSOR_MODE => mode,
            Object: *mut nt::PVOID => out,
            HandleInformation: nt::POBJECT_HANDLE_INFORMATION => out,
        ) -> nt::NTSTATUS => status;
        /// `ObReferenceObjectByPointer`.
        ///
        /// # Safety
        /// `Object` is an object pointer the caller holds a reference to.
        unsafe fn ob::ObReferenceObjectByPointer(
            Object: nt::PVOID => pointer,
            DesiredAccess: nt::ACCESS_MASK => access_of(ObjectType),
            ObjectType: nt::POBJECT_TYPE => object_type,
            AccessMode: nt::KPROCESSOR_MODE => mode,
        ) -> nt::NTSTATUS => status;
        /// `ObfReferenceObject`: returns the new logical count (references + handles).
        ///
        /// # Safety
        /// `Object` is an object pointer the caller holds a reference to.
        unsafe fn ob::ObfReferenceObject(
            Object: nt::PVOID => pointer,
        ) -> nt::LONG_PTR => number;
        /// `ObfDereferenceObject`: drops a reference; the last one deletes the object (a file object's
        /// last reference sends `IRP_MJ_CLOSE`). Returns the new logical count.
        ///
        /// # Safety
        /// `Object` is an object pointer the caller holds a reference to.
        unsafe fn ob::ObfDereferenceObject(
            Object: nt::PVOID => pointer,
        ) -> nt::LONG_PTR => number;
        /// `ObOpenObjectByPointer`: a handle to `Object` in the current process's table, or the kernel
        /// table with `OBJ_KERNEL_HANDLE` from kernel mode.
        ///
        /// # Safety
        /// `Object` is an object pointer the caller holds a reference to; `Handle` is writable.
        unsafe fn ob::ObOpenObjectByPointer(
            Object: nt::PVOID => pointer,
            HandleAttributes: nt::ULONG => hex,
            PassedAccessState: nt::PACCESS_STATE => pointer,
            DesiredAccess: nt::ACCESS_MASK => access,
            ObjectType: nt::POBJECT_TYPE => object_type,
            AccessMode: nt::KPROCESSOR_MODE => mode,
            Handle: nt::PHANDLE => out,
        ) -> nt::NTSTATUS => status;
        /// `ObSetSecurityObjectByPointer`: replaces the DACL of `Object` with the one in
        /// `SecurityDescriptor` (`DACL_SECURITY_INFORMATION` only).
        ///
        /// # Safety
        /// `Object` is an object pointer the caller holds a reference to;
        /// `SecurityDescriptor` is readable.
        unsafe fn ob::ObSetSecurityObjectByPointer(
            Object: nt::PVOID => pointer,
            SecurityInformation: nt::SECURITY_INFORMATION => hex,
            SecurityDescriptor: nt::PVOID => pointer,
        ) -> nt::NTSTATUS => status;
        /// `ObCloseHandle`: closes a handle as a caller in `PreviousMode`.
        ///
        /// # Safety
        /// None beyond the NT contract; any value is accepted.
        unsafe fn ob::ObCloseHandle(
            Handle: nt::HANDLE => handle,
            PreviousMode: nt::KPROCESSOR_MODE => mode,
        ) -> nt::NTSTATUS => status;
        /// `NtClose`: closes a handle with the thread's previous mode.
        ///
        /// # Safety
        /// None beyond the NT contract; any value is accepted.
        unsafe fn ob::NtClose(
            Handle: nt::HANDLE => handle,
        ) -> nt::NTSTATUS => status;
        /// `ZwClose`: closes a handle with previous mode `KernelMode`.
        ///
        /// # Safety
        /// None beyond the NT contract; any value is accepted.
        unsafe fn ob::ZwClose(
            Handle: nt::HANDLE => handle,
        ) -> nt::NTSTATUS => status;
    }
    /// `Zw` exports: the system services as a driver calls them, with previous mode `KernelMode`
    /// (parameters trusted, access checks skipped unless `OBJ_FORCE_ACCESS_CHECK`).
    zw {
        /// `ZwCreateEvent`: an unnamed event object and a handle to it.
        ///
        /// # Safety
        /// `EventHandle` is writable; `ObjectAttributes` NULL or valid.
        unsafe fn zw_event::ZwCreateEvent(
            EventHandle: nt::PHANDLE => out,
            DesiredAccess: nt::ACCESS_MASK => access,
            ObjectAttributes: nt::POBJECT_ATTRIBUTES => attributes,
            EventType: nt::EVENT_TYPE => number,
            InitialState: nt::BOOLEAN => boolean,
        ) -> nt::NTSTATUS => status;
        /// `ZwCreateFile`: opens an existing file of the namespace or a device (`FILE_OPEN`).
        /// Access is checked only with `OBJ_FORCE_ACCESS_CHECK` (the previous mode is `KernelMode`).
        ///
        /// # Safety
        /// Pointers as `ZwCreateFile` documents them.
        unsafe fn zw_file::ZwCreateFile(
            FileHandle: nt::PHANDLE => out,
            DesiredAccess: nt::ACCESS_MASK => access,
            ObjectAttributes: nt::POBJECT_ATTRIBUTES => attributes,
            IoStatusBlock: nt::PIO_STATUS_BLOCK => out,
            AllocationSize: nt::PLARGE_INTEGER => pointer,
            FileAttributes: nt::ULONG => hex,
            ShareAccess: nt::ULONG => hex,
            CreateDisposition: nt::ULONG => number,
            CreateOptions: nt::ULONG => hex,
            EaBuffer: nt::PVOID => pointer,
            EaLength: nt::ULONG => number,
        ) -> nt::NTSTATUS => status;
        /// `ZwReadFile`: synchronous read of a namespace file, at `ByteOffset` or (for a file opened
        /// for synchronous I/O) at the current position.
        ///
        /// # Safety
        /// Pointers as `ZwReadFile` documents them; `Buffer` holds `Length` writable bytes.
        unsafe fn zw_file::ZwReadFile(
            FileHandle: nt::HANDLE => handle,
            Event: nt::HANDLE => handle,
            ApcRoutine: nt::PIO_APC_ROUTINE => routine,
            ApcContext: nt::PVOID => pointer,
            IoStatusBlock: nt::PIO_STATUS_BLOCK => out,
            Buffer: nt::PVOID => out,
            Length: nt::ULONG => number,
            ByteOffset: nt::PLARGE_INTEGER => pointer,
            Key: nt::PULONG => pointer,
        ) -> nt::NTSTATUS => status;
        /// `ZwQueryInformationFile` for `FileStandardInformation` and `FilePositionInformation`.
        ///
        /// # Safety
        /// `FileInformation` holds `Length` writable bytes; `IoStatusBlock` is writable.
        unsafe fn zw_file::ZwQueryInformationFile(
            FileHandle: nt::HANDLE => handle,
            IoStatusBlock: nt::PIO_STATUS_BLOCK => out,
            FileInformation: nt::PVOID => out,
            Length: nt::ULONG => number,
            FileInformationClass: nt::FILE_INFORMATION_CLASS => number,
        ) -> nt::NTSTATUS => status;
        /// `ZwOpenKey`: a handle to an existing registry key, by full name.
        ///
        /// # Safety
        /// `KeyHandle` is writable; `ObjectAttributes` valid.
        unsafe fn zw_key::ZwOpenKey(
            KeyHandle: nt::PHANDLE => out,
            DesiredAccess: nt::ACCESS_MASK => access,
            ObjectAttributes: nt::POBJECT_ATTRIBUTES => attributes,
        ) -> nt::NTSTATUS => status;
        /// `ZwQueryValueKey` with `KeyValuePartialInformation`.
        ///
        /// # Safety
        /// `KeyValueInformation` holds `Length` writable bytes; `ResultLength` is writable.
        unsafe fn zw_key::ZwQueryValueKey(
            KeyHandle: nt::HANDLE => handle,
            ValueName: nt::PUNICODE_STRING => unicode,
            KeyValueInformationClass: nt::KEY_VALUE_INFORMATION_CLASS => number,
            KeyValueInformation: nt::PVOID => out,
            Length: nt::ULONG => number,
            ResultLength: nt::PULONG => out,
        ) -> nt::NTSTATUS => status;
    }
    /// Dispatcher exports: events, timers, DPCs, spin locks.
    ke {
        /// `KeInitializeEvent`.
        ///
        /// # Safety
        /// `Event` points to writable memory for a `KEVENT`.
        unsafe fn ke::KeInitializeEvent(
            Event: nt::PRKEVENT => pointer,
            Type: nt::EVENT_TYPE => number,
            State: nt::BOOLEAN => boolean,
        );
        /// `KeSetEvent`: signals the event; returns the previous state.
        ///
        /// # Safety
        /// `Event` points to an initialised `KEVENT`.
        unsafe fn ke::KeSetEvent(
            Event: nt::PRKEVENT => pointer,
            Increment: nt::KPRIORITY => number,
            Wait: nt::BOOLEAN => boolean,
        ) -> nt::LONG => number;
        /// `KeClearEvent`.
        ///
        /// # Safety
        /// `Event` points to an initialised `KEVENT`.
        unsafe fn ke::KeClearEvent(
            Event: nt::PRKEVENT => pointer,
        );
        /// `KeReadStateEvent`.
        ///
        /// # Safety
        /// `Event` points to an initialised `KEVENT`.
        unsafe fn ke::KeReadStateEvent(
            Event: nt::PRKEVENT => pointer,
        ) -> nt::LONG => number;
        /// `KeInitializeTimerEx`.
        ///
        /// # Safety
        /// `Timer` points to writable memory for a `KTIMER`.
        unsafe fn ke::KeInitializeTimerEx(
            Timer: nt::PKTIMER => pointer,
            Type: nt::TIMER_TYPE => number,
        );
        /// `KeSetTimer`: negative `DueTime` is relative (100 ns units), positive absolute system time.
        /// Returns whether the timer was already armed.
        ///
        /// # Safety
        /// `Timer` is an initialised `KTIMER`, `Dpc` NULL or an initialised `KDPC`; both stay valid
        /// until the timer fires or is cancelled.
        unsafe fn ke::KeSetTimer(
            Timer: nt::PKTIMER => pointer,
            DueTime: nt::LARGE_INTEGER => large_integer,
            Dpc: nt::PKDPC => pointer,
        ) -> nt::BOOLEAN => boolean;
        /// `KeCancelTimer`: TRUE if the timer was armed (and now is not).
        ///
        /// # Safety
        /// `Timer` is an initialised `KTIMER`.
        unsafe fn ke::KeCancelTimer(
            Timer: nt::PKTIMER => pointer,
        ) -> nt::BOOLEAN => boolean;
        /// `KeInitializeDpc`.
        ///
        /// # Safety
        /// `Dpc` points to writable memory for a `KDPC`.
        unsafe fn ke::KeInitializeDpc(
            Dpc: nt::PRKDPC => pointer,
            DeferredRoutine: nt::PKDEFERRED_ROUTINE => routine,
            DeferredContext: nt::PVOID => pointer,
        );
        /// `KeFlushQueuedDpcs`: returns when every queued DPC has run (queued ones run here).
        fn ke::KeFlushQueuedDpcs(
        );
        /// `KeAcquireSpinLockRaiseToDpc`: spins until the lock word is free, raises to
        /// `DISPATCH_LEVEL`; returns the old IRQL.
        ///
        /// # Safety
        /// `SpinLock` points to a `KSPIN_LOCK` that every user accesses through these routines.
        unsafe fn ke::KeAcquireSpinLockRaiseToDpc(
            SpinLock: nt::PKSPIN_LOCK => pointer,
        ) -> nt::KIRQL => number;
        /// `KeReleaseSpinLock`: releases the lock and lowers the IRQL to `NewIrql`.
        ///
        /// # Safety
        /// `SpinLock` points to a `KSPIN_LOCK` held by this thread.
        unsafe fn ke::KeReleaseSpinLock(
            SpinLock: nt::PKSPIN_LOCK => pointer,
            NewIrql: nt::KIRQL => number,
        );
    }


}

/// The address of an export, by name (what `MmGetSystemRoutineAddress` returns).
pub(crate) fn routine_address(name: &str) -> Option<usize> {
    routine_table()
        .into_iter()
        .find(|(routine, _)| *routine == name)
        .map(|(_, address)| address)
}
