//! Completion: `IoCompleteRequest` records the status exactly once; finishing an IRP copies
//! the output back to the caller, frees the buffers and the IRP, and drops its file-object
//! reference (at once if the dispatch routine already returned, else when it returns).
use crate::consts::{DISPATCH_LEVEL, is_error, status_bits};
use crate::fields;
use crate::io_manager::{IrpKind, IrpResult};
use crate::machine::context;
use crate::machine::{Deferred, Machine, Subsystems};
use crate::origin::Origin;
use crate::verifier::codes;
use nt_bindings as nt;
use std::sync::Arc;

/// `IofCompleteRequest`: records the completion (exactly once) and, for an IRP whose
/// dispatch routine already returned, queues the completion work for the next safe point.
pub fn complete(machine: &Arc<Machine>, irp: usize) {
    let irql = context::irql();
    let mut state = machine.lock();
    let Some(record) = state.io.irps.get_mut(&irp) else {
        if state.io.was_retired(irp) {
            state.verifier.stop(
                codes::MULTIPLE_IRP_COMPLETE_REQUESTS,
                [irp as u64, 0, 0, 0],
                "IRP completed after it was already completed and finished",
            );
        } else {
            state.verifier.stop(
                codes::NTMODEL_CHECK,
                [codes::MODEL_UNKNOWN_IRP, irp as u64, 0, 0],
                "IoCompleteRequest on an IRP the I/O manager did not issue",
            );
        }
        return;
    };
    if record.completed.is_some() {
        state.verifier.stop(
            codes::MULTIPLE_IRP_COMPLETE_REQUESTS,
            [irp as u64, 0, 0, 0],
            "IRP completed twice",
        );
        return;
    }
    // SAFETY: a live IRP the model issued.
    let (status, information) = unsafe { fields::irp_io_status(irp) };
    // SAFETY: as above.
    let cancel_routine_set = unsafe { fields::has_cancel_routine(irp) };
    record.completed = Some((status, information));
    let finish_later = record.dispatch_returned;
    if irql > DISPATCH_LEVEL {
        state.verifier.stop(
            codes::DRIVER_VERIFIER_IOMANAGER_VIOLATION,
            [
                codes::C9_COMPLETE_ABOVE_DISPATCH,
                u64::from(irql),
                irp as u64,
                0,
            ],
            "IoCompleteRequest called above DISPATCH_LEVEL",
        );
    }
    if status == nt::STATUS_PENDING || status == -1 {
        state.verifier.stop(
            codes::DRIVER_VERIFIER_IOMANAGER_VIOLATION,
            [
                codes::C9_COMPLETE_PENDING_STATUS,
                status_bits(status),
                irp as u64,
                0,
            ],
            "IoCompleteRequest with STATUS_PENDING",
        );
    }
    if status == nt::STATUS_DRIVER_INTERNAL_ERROR {
        state.verifier.stop(
            codes::NTMODEL_CHECK,
            [codes::MODEL_DRIVER_INTERNAL_ERROR, irp as u64, 0, 0],
            "IRP completed with STATUS_DRIVER_INTERNAL_ERROR: the driver reports a bug of its own \
             (wdm-safe completes an IRP dropped without completion this way)",
        );
    }
    if cancel_routine_set {
        state.verifier.stop(
            codes::DRIVER_VERIFIER_IOMANAGER_VIOLATION,
            [codes::C9_COMPLETE_WITH_CANCEL_ROUTINE, 0, irp as u64, 0],
            "IoCompleteRequest with a cancel routine still set",
        );
    }
    if finish_later {
        state.deferred.push_back(Deferred::FinishIrp(irp));
    }
}

/// Finishes a completed device-control IRP: copies the output back (METHOD_BUFFERED:
/// `Information` bytes of the system buffer, unless the status is an error), frees the
/// buffers and the IRP (its memory goes to the quarantine), and drops its file-object
/// reference. The result is returned, and kept only if a `PendingIrp` still holds the
/// request.
pub fn finish(state: &mut Subsystems, irp: usize) -> (Option<IrpResult>, Option<Deferred>) {
    let Some(record) = state.io.retire_irp(irp) else {
        return (None, None);
    };
    let (status, information) = record.completed.unwrap_or((nt::STATUS_INTERNAL_ERROR, 0));
    let mut output = Vec::new();
    if record.kind == IrpKind::DeviceControl && !is_error(status) {
        let fits =
            usize::try_from(information).is_ok_and(|information| information <= record.output_len);
        if !fits {
            state.verifier.stop(
                codes::NTMODEL_CHECK,
                [codes::MODEL_INFORMATION_TOO_LARGE, irp as u64, information, record.output_len as u64],
                format!("IoStatus.Information {information} is larger than the output buffer ({} bytes)", record.output_len),
            );
        }
        let count = usize::try_from(information)
            .unwrap_or(usize::MAX)
            .min(record.output_len);
        output = match (record.method, &record.system_buffer) {
            (nt::METHOD_BUFFERED, Some(buffer)) => buffer.read_bytes(0, count),
            (nt::METHOD_NEITHER, _) => record
                .user_buffers
                .get(1)
                .map(|block| block.read_bytes(0, count))
                .unwrap_or_default(),
            _ => Vec::new(),
        };
    }
    let mut deferred = None;
    if record.holds_file_reference {
        deferred = drop_io_reference(state, record.file);
    }
    if matches!(
        record.kind,
        IrpKind::Create | IrpKind::Cleanup | IrpKind::Close
    ) && let Some(next) = state.release_if_unused(record.file)
    {
        deferred = Some(next);
    }
    let result = IrpResult {
        status,
        information,
        output,
    };
    state.io.keep_result(&record, result.clone());
    (Some(result), deferred)
}

/// Drops a reference the I/O manager holds on a file object. If it is already gone, the
/// driver dereferenced the object once too often: a stop.
pub fn drop_io_reference(state: &mut Subsystems, file: usize) -> Option<Deferred> {
    if let Ok((_, deferred)) = state.drop_reference(file, Origin::Model) {
        return deferred;
    }
    state.verifier.stop(
        codes::DRIVER_VERIFIER_DETECTED_VIOLATION,
        [codes::C4_BAD_REFERENCE_COUNT, file as u64, 0, 0],
        format!("the I/O manager's reference on file object {file:#x} was already dropped (the driver dereferenced it once too often)"),
    );
    None
}
