//! Object manager routines: references by handle and by pointer, dereference, opening a
//! handle to an object, and closing handles (`ZwClose` / `NtClose` / `ObCloseHandle`).
//!
//! Each function is the implementation of the export of the same name, called by the export
//! list's wrapper (`crate::exports`) with the caller's context; the exports' contracts (their
//! `# Safety` sections) are documented there, once.
use super::zw::check_user_handle_in_zw;
use super::{bad_parameter, require_dispatch_or_below, require_passive};
use crate::consts::{CURRENT_PROCESS, CURRENT_THREAD, KERNEL_MODE, PASSIVE_LEVEL, USER_MODE};
use crate::descriptor;
use crate::machine::Deferred;
use crate::machine::context::{self, Context};
use crate::object_manager::is_kernel_handle;
use crate::object_types::ObjectKind;
use crate::requests;
use crate::security::{access_check, grant_unchecked};
use crate::verifier::codes;
use nt_bindings as nt;

/// The kind a `POBJECT_TYPE` argument names: `Ok(None)` for NULL, `Err` for a pointer that is
/// no object type.
fn kind_argument(
    context: &Context,
    routine: &str,
    object_type: nt::POBJECT_TYPE,
) -> Result<Option<ObjectKind>, nt::NTSTATUS> {
    if object_type.is_null() {
        return Ok(None);
    }
    if let Some(kind) = ObjectKind::from_type_pointer(object_type) {
        Ok(Some(kind))
    } else {
        bad_parameter(
            context,
            routine,
            "ObjectType is not an object type (passed *ExEventObjectType's address instead of its value?)",
        );
        Err(nt::STATUS_OBJECT_TYPE_MISMATCH)
    }
}

/// Records the stop for a pointer that is not a live object: C4/0x3F if it was one.
fn not_an_object(context: &Context, routine: &str, object: usize) {
    let mut state = context.machine.lock();
    if state.ob.was_deleted(object) {
        state.verifier.stop(
            codes::DRIVER_VERIFIER_DETECTED_VIOLATION,
            [codes::C4_BAD_REFERENCE_COUNT, object as u64, 0, 0],
            format!("{routine} on object {object:#x} whose reference count already dropped to zero (deleted)"),
        );
    } else {
        state.verifier.stop(
            codes::NTMODEL_CHECK,
            [codes::MODEL_NOT_AN_OBJECT, object as u64, 0, 0],
            format!("{routine} on {object:#x}, which is not an object"),
        );
    }
}

/// Runs a close that became due, now at `PASSIVE_LEVEL` (as NT does inline) or later.
fn run_or_defer(context: &Context, deferred: Option<Deferred>) {
    let Some(deferred) = deferred else {
        return;
    };
    if context::irql() == PASSIVE_LEVEL {
        requests::run_deferred_now(&context.machine, deferred);
    } else {
        context.machine.lock().deferred.push_back(deferred);
    }
}

/// `ObReferenceObjectByHandle`.
pub unsafe fn ObReferenceObjectByHandle(
    context: &Context,
    Handle: nt::HANDLE,
    DesiredAccess: nt::ACCESS_MASK,
    ObjectType: nt::POBJECT_TYPE,
    AccessMode: nt::KPROCESSOR_MODE,
    Object: *mut nt::PVOID,
    HandleInformation: nt::POBJECT_HANDLE_INFORMATION,
) -> nt::NTSTATUS {
    if Object.is_null() {
        bad_parameter(context, "ObReferenceObjectByHandle", "Object is NULL");
        return nt::STATUS_INVALID_PARAMETER;
    }
    // SAFETY: the caller passes a writable Object; it is NULL on every failure.
    unsafe { Object.write(std::ptr::null_mut()) };
    if !require_passive(
        context,
        "ObReferenceObjectByHandle",
        codes::C4_IRQL_OB_PASSIVE,
    ) {
        return nt::STATUS_UNSUCCESSFUL;
    }
    let kind = match kind_argument(context, "ObReferenceObjectByHandle", ObjectType) {
        Ok(kind) => kind,
        Err(status) => return status,
    };
    let value = Handle as u64;
    let mode = if AccessMode == KERNEL_MODE {
        KERNEL_MODE
    } else {
        USER_MODE
    };
    let mut state = context.machine.lock();
    if value == 0 {
        state.verifier.stop(
            codes::DRIVER_VERIFIER_DETECTED_VIOLATION,
            [codes::C4_NULL_HANDLE, 0, ObjectType as u64, 0],
            "NULL handle passed to ObReferenceObjectByHandle",
        );
    } else if mode == KERNEL_MODE
        && !is_kernel_handle(value)
        && value != CURRENT_PROCESS
        && value != CURRENT_THREAD
        && !state.ps.is_system(context.process)
    {
        state.verifier.stop(
            codes::DRIVER_VERIFIER_DETECTED_VIOLATION,
            [codes::C4_USER_HANDLE_AS_KERNEL, value, context.process as u64, ObjectType as u64],
            format!("driver referenced a user-mode handle ({value:#x}) as KernelMode in a user process (pass Irp->RequestorMode)"),
        );
    } else if mode != KERNEL_MODE
        && is_kernel_handle(value)
        && state
            .ob
            .lookup_handle(state.ps.system_process, value, KERNEL_MODE)
            .is_some_and(|entry| entry.origin.is_export())
    {
        state.verifier.stop(
            codes::DRIVER_VERIFIER_DETECTED_VIOLATION,
            [
                codes::C4_KERNEL_HANDLE_AS_USER,
                value,
                context.process as u64,
                ObjectType as u64,
            ],
            format!("driver referenced its own kernel handle ({value:#x}) as UserMode"),
        );
    }
    match state.ob.reference_by_handle(
        context.process,
        context.thread,
        value,
        DesiredAccess,
        kind,
        mode,
        context.origin(),
    ) {
        Ok(referenced) => {
            // SAFETY: the caller passes a writable Object.
            unsafe { Object.write(referenced.object as nt::PVOID) };
            // SAFETY: the caller passes NULL or a writable OBJECT_HANDLE_INFORMATION.
            if let Some(information) = unsafe { HandleInformation.as_mut() } {
                information.HandleAttributes = referenced.attributes;
                information.GrantedAccess = referenced.granted;
            }
            nt::STATUS_SUCCESS
        }
        Err(status) => status,
    }
}

/// `ObReferenceObjectByPointer`.
pub unsafe fn ObReferenceObjectByPointer(
    context: &Context,
    Object: nt::PVOID,
    DesiredAccess: nt::ACCESS_MASK,
    ObjectType: nt::POBJECT_TYPE,
    AccessMode: nt::KPROCESSOR_MODE,
) -> nt::NTSTATUS {
    let _ = DesiredAccess;
    if !require_dispatch_or_below(context, "ObReferenceObjectByPointer") {
        return nt::STATUS_UNSUCCESSFUL;
    }
    let kind = match kind_argument(context, "ObReferenceObjectByPointer", ObjectType) {
        Ok(kind) => kind,
        Err(status) => return status,
    };
    let object = Object as usize;
    let mut state = context.machine.lock();
    let Some(header) = state.ob.get(object) else {
        drop(state);
        not_an_object(context, "ObReferenceObjectByPointer", object);
        return nt::STATUS_INVALID_PARAMETER;
    };
    if AccessMode != KERNEL_MODE && kind != Some(header.kind) {
        return nt::STATUS_OBJECT_TYPE_MISMATCH;
    }
    state.ob.add_reference(object, context.origin());
    nt::STATUS_SUCCESS
}

/// `ObSetSecurityObjectByPointer`: the object's DACL becomes the descriptor's; its owner
/// stays (SYSTEM for an object that had no descriptor: the kernel's own objects, such as
/// device objects, are created in System context).
pub unsafe fn ObSetSecurityObjectByPointer(
    context: &Context,
    Object: nt::PVOID,
    SecurityInformation: nt::SECURITY_INFORMATION,
    SecurityDescriptor: nt::PVOID,
) -> nt::NTSTATUS {
    if !require_passive(
        context,
        "ObSetSecurityObjectByPointer",
        codes::C4_IRQL_OB_PASSIVE,
    ) {
        return nt::STATUS_UNSUCCESSFUL;
    }
    if SecurityInformation != nt::DACL_SECURITY_INFORMATION || SecurityDescriptor.is_null() {
        bad_parameter(
            context,
            "ObSetSecurityObjectByPointer",
            "the model sets DACL_SECURITY_INFORMATION from a descriptor only",
        );
        return nt::STATUS_INVALID_PARAMETER;
    }
    let object = Object as usize;
    let owner = {
        let state = context.machine.lock();
        // Device objects live in the I/O manager's table, other objects in the object
        // manager's.
        let current = if let Some(device) = state.io.devices.get(&object) {
            device.security.as_ref()
        } else if let Some(header) = state.ob.get(object) {
            header.security.as_ref()
        } else {
            drop(state);
            not_an_object(context, "ObSetSecurityObjectByPointer", object);
            return nt::STATUS_INVALID_PARAMETER;
        };
        current.map_or_else(|| "SYSTEM".to_owned(), |security| security.owner.clone())
    };
    // SAFETY: a kernel-mode caller's readable descriptor (this routine's contract).
    let security = match unsafe { descriptor::read(SecurityDescriptor as usize, &owner) } {
        Ok(security) => security,
        Err(why) => {
            bad_parameter(context, "ObSetSecurityObjectByPointer", why);
            return nt::STATUS_INVALID_SECURITY_DESCR;
        }
    };
    let mut state = context.machine.lock();
    if let Some(device) = state.io.devices.get_mut(&object) {
        device.security = security;
    } else if let Some(header) = state.ob.get_any_mut(object) {
        header.security = security;
    }
    nt::STATUS_SUCCESS
}

/// `ObfReferenceObject`: returns the new logical count (references + handles).
pub unsafe fn ObfReferenceObject(context: &Context, Object: nt::PVOID) -> nt::LONG_PTR {
    let object = Object as usize;
    let mut state = context.machine.lock();
    if state.ob.add_reference(object, context.origin()).is_none() {
        drop(state);
        not_an_object(context, "ObfReferenceObject", object);
        return 0;
    }
    state.ob.get(object).map_or(0, |header| {
        nt::LONG_PTR::try_from(header.refs + u64::from(header.handles)).unwrap_or(nt::LONG_PTR::MAX)
    })
}

/// `ObfDereferenceObject`: drops a reference; the last one deletes the object (a file object's
/// last reference sends `IRP_MJ_CLOSE`). Returns the new logical count.
pub unsafe fn ObfDereferenceObject(context: &Context, Object: nt::PVOID) -> nt::LONG_PTR {
    let object = Object as usize;
    let mut state = context.machine.lock();
    let handles = state.ob.get(object).map_or(0, |header| header.handles);
    if let Ok((left, deferred)) = state.drop_reference(object, context.origin()) {
        drop(state);
        run_or_defer(context, deferred);
        return nt::LONG_PTR::try_from(left + u64::from(handles)).unwrap_or(nt::LONG_PTR::MAX);
    }
    let live = state.ob.get(object).is_some();
    drop(state);
    if live {
        context.machine.lock().verifier.stop(
            codes::DRIVER_VERIFIER_DETECTED_VIOLATION,
            [codes::C4_BAD_REFERENCE_COUNT, object as u64, 0, 0],
            format!("ObDereferenceObject on {object:#x} without a reference to drop (more dereferences than references)"),
        );
    } else {
        not_an_object(context, "ObDereferenceObject", object);
    }
    0
}

/// `ObOpenObjectByPointer`: a handle to `Object` in the current process's table, or the kernel
/// table with `OBJ_KERNEL_HANDLE` from kernel mode.
#[expect(
    clippy::too_many_arguments,
    reason = "the NT routine's own parameters, plus the caller's context"
)]
pub unsafe fn ObOpenObjectByPointer(
    context: &Context,
    Object: nt::PVOID,
    HandleAttributes: nt::ULONG,
    PassedAccessState: nt::PACCESS_STATE,
    DesiredAccess: nt::ACCESS_MASK,
    ObjectType: nt::POBJECT_TYPE,
    AccessMode: nt::KPROCESSOR_MODE,
    Handle: nt::PHANDLE,
) -> nt::NTSTATUS {
    let _ = PassedAccessState;
    if Handle.is_null() {
        bad_parameter(context, "ObOpenObjectByPointer", "Handle is NULL");
        return nt::STATUS_INVALID_PARAMETER;
    }
    // SAFETY: the caller passes a writable Handle.
    unsafe { Handle.write(std::ptr::null_mut()) };
    if !require_passive(context, "ObOpenObjectByPointer", codes::C4_IRQL_OB_PASSIVE) {
        return nt::STATUS_UNSUCCESSFUL;
    }
    let kind = match kind_argument(context, "ObOpenObjectByPointer", ObjectType) {
        Ok(kind) => kind,
        Err(status) => return status,
    };
    let object = Object as usize;
    let mut state = context.machine.lock();
    let Some(header) = state.ob.get(object) else {
        drop(state);
        not_an_object(context, "ObOpenObjectByPointer", object);
        return nt::STATUS_INVALID_PARAMETER;
    };
    let object_kind = header.kind;
    if kind.is_some_and(|kind| kind != object_kind) {
        return nt::STATUS_OBJECT_TYPE_MISMATCH;
    }
    let kernel_mode = AccessMode == KERNEL_MODE;
    let kernel_handle = kernel_mode && HandleAttributes & nt::OBJ_KERNEL_HANDLE != 0;
    let desired = object_kind.map_generic(DesiredAccess);
    let granted = if !kernel_mode || HandleAttributes & nt::OBJ_FORCE_ACCESS_CHECK != 0 {
        let user = state.ps.user_of(context.process);
        match access_check(object_kind, header.security.as_ref(), &user, desired) {
            Ok(granted) => granted,
            Err(status) => return status,
        }
    } else {
        grant_unchecked(object_kind, desired)
    };
    if kernel_mode && !kernel_handle && !state.ps.is_system(context.process) {
        state.verifier.stop(
            codes::NTMODEL_CHECK,
            [codes::MODEL_PRIVATE_HANDLE_IN_USER_PROCESS, object as u64, context.process as u64, 0],
            "ObOpenObjectByPointer(KernelMode) without OBJ_KERNEL_HANDLE in a user process: the driver's private handle would be visible to (and closable by) the user process",
        );
        return nt::STATUS_ACCESS_DENIED;
    }
    let value = state.ob.create_handle(
        context.process,
        object,
        granted,
        HandleAttributes,
        kernel_handle,
        context.origin(),
    );
    // SAFETY: the caller passes a writable Handle.
    unsafe { Handle.write(value as nt::HANDLE) };
    nt::STATUS_SUCCESS
}

/// `ZwClose`: closes a handle with previous mode `KernelMode`.
pub unsafe fn ZwClose(context: &Context, Handle: nt::HANDLE) -> nt::NTSTATUS {
    if !require_passive(context, "ZwClose", codes::C4_IRQL_ZW_PASSIVE) {
        return nt::STATUS_UNSUCCESSFUL;
    }
    check_user_handle_in_zw(context, "ZwClose", Handle as u64);
    context::with_previous_mode(KERNEL_MODE, || {
        requests::close_handle(context, "ZwClose", Handle as u64, KERNEL_MODE)
    })
}

/// `NtClose`: closes a handle with the thread's previous mode.
pub unsafe fn NtClose(context: &Context, Handle: nt::HANDLE) -> nt::NTSTATUS {
    if !require_passive(context, "NtClose", codes::C4_IRQL_ZW_PASSIVE) {
        return nt::STATUS_UNSUCCESSFUL;
    }
    requests::close_handle(context, "NtClose", Handle as u64, context.previous_mode)
}

/// `ObCloseHandle`: closes a handle as a caller in `PreviousMode`.
pub unsafe fn ObCloseHandle(
    context: &Context,
    Handle: nt::HANDLE,
    PreviousMode: nt::KPROCESSOR_MODE,
) -> nt::NTSTATUS {
    if !require_passive(context, "ObCloseHandle", codes::C4_IRQL_OB_PASSIVE) {
        return nt::STATUS_UNSUCCESSFUL;
    }
    let mode = if PreviousMode == KERNEL_MODE {
        KERNEL_MODE
    } else {
        USER_MODE
    };
    requests::close_handle(context, "ObCloseHandle", Handle as u64, mode)
}
