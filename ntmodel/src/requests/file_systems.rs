//! Opens the model's file systems answer without a driver: a file of the namespace, the volume as a whole, the ends of
//! a named pipe, and relative opens (`RootDirectory` = a file handle, empty name: the same file
//! again in a new file object, as `ReOpenFile` does). Reads and writes of pipe ends.
use super::file_object::{OpenPlan, OpenRequest, new_file_object};
use crate::consts::FILE_OPENED;
use crate::file_system::Pipe;
use crate::machine::Subsystems;
use crate::object_manager::{Extra, FileExtra, FileTarget};
use crate::object_types::ObjectKind;
use crate::origin::Origin;
use crate::security::{access_check, grant_unchecked};
use nt_bindings as nt;

/// Inserts a file object on a file system's device (not a driver's) and a handle to it.
fn insert_file(
    state: &mut Subsystems,
    plan: &OpenPlan,
    request: &OpenRequest<'_>,
    (device, vpb, flags): (usize, usize, u32),
    target: FileTarget,
    granted: u32,
) -> u64 {
    let (block, name) = new_file_object(device, vpb, "", flags, granted, request.share);
    let extra = Extra::File(FileExtra {
        target,
        _name: name,
        opened: true,
        cleanup_sent: false,
        lock_holder: None,
    });
    let object = state.ob.insert(ObjectKind::File, block, extra, None, false);
    state.ob.create_handle(
        plan.context.process,
        object,
        granted,
        request.attributes,
        plan.kernel_handle,
        request.origin,
    )
}

/// Opens a file of the namespace (no driver involved): a new file object on the volume.
pub(super) fn open_disk(
    state: &mut Subsystems,
    plan: &OpenPlan,
    request: &OpenRequest<'_>,
    key: String,
) -> Result<(u64, u64), nt::NTSTATUS> {
    if request.disposition != nt::FILE_OPEN && request.disposition != 3 {
        return Err(nt::STATUS_NOT_SUPPORTED);
    }
    let entry = state
        .files
        .get(&key)
        .ok_or(nt::STATUS_OBJECT_NAME_NOT_FOUND)?
        .clone();
    let granted = if plan.check {
        let user = state.ps.user_of(plan.context.process);
        access_check(ObjectKind::File, Some(&entry.security), &user, plan.desired)?
    } else {
        grant_unchecked(ObjectKind::File, plan.desired)
    };
    // A relative open names the file by its root: its own FileName is the (empty) rest.
    let name = if request.root == 0 {
        entry.path.as_str()
    } else {
        ""
    };
    let volume = &state.files.devices;
    let (block, name) = new_file_object(
        volume.volume(),
        volume.vpb(),
        name,
        plan.flags(),
        granted,
        request.share,
    );
    let extra = Extra::File(FileExtra {
        target: FileTarget::Disk(key),
        _name: name,
        opened: true,
        cleanup_sent: false,
        lock_holder: None,
    });
    let object = state
        .ob
        .insert(ObjectKind::File, block, extra, Some(entry.security), false);
    let handle = state.ob.create_handle(
        plan.context.process,
        object,
        granted,
        request.attributes,
        plan.kernel_handle,
        request.origin,
    );
    Ok((handle, FILE_OPENED))
}

/// Opens the volume as a whole (`\\.\C:`): the file system marks the file object
/// `FO_VOLUME_OPEN` (a DASD open); its reads are the volume's sectors. The model's volume has
/// no security descriptor (anyone may open it), so a test can see what a driver reads there.
pub(super) fn open_volume(
    state: &mut Subsystems,
    plan: &OpenPlan,
    request: &OpenRequest<'_>,
) -> (u64, u64) {
    let granted = grant_unchecked(ObjectKind::File, plan.desired);
    let devices = &state.files.devices;
    let at = (
        devices.volume(),
        devices.vpb(),
        plan.flags() | nt::FO_VOLUME_OPEN,
    );
    let handle = insert_file(state, plan, request, at, FileTarget::Volume, granted);
    (handle, FILE_OPENED)
}

/// Opens the client end of an existing named pipe (`\\.\pipe\name`).
pub(super) fn open_pipe(
    state: &mut Subsystems,
    plan: &OpenPlan,
    request: &OpenRequest<'_>,
    name: &str,
) -> Result<(u64, u64), nt::NTSTATUS> {
    if !state.files.pipes.contains_key(name) {
        return Err(nt::STATUS_OBJECT_NAME_NOT_FOUND);
    }
    let granted = grant_unchecked(ObjectKind::File, plan.desired);
    let at = (state.files.devices.named_pipe(), 0, plan.flags());
    let target = FileTarget::Pipe {
        name: name.to_owned(),
        server: false,
    };
    let handle = insert_file(state, plan, request, at, target, granted);
    Ok((handle, FILE_OPENED))
}

/// A relative open: `request.root` is a handle (in the caller's table for its previous mode)
/// to a file object, the name is empty, and the result is a new file object on the same file,
/// with its own position and its own lock, checked as an open of that file by name would be.
/// The model supports it for files of the namespace only (`STATUS_NOT_SUPPORTED` otherwise).
pub(super) fn open_relative(
    state: &mut Subsystems,
    plan: &OpenPlan,
    request: &OpenRequest<'_>,
) -> Result<(u64, u64), nt::NTSTATUS> {
    if !request.path.is_empty() {
        return Err(nt::STATUS_NOT_SUPPORTED);
    }
    let root = state
        .ob
        .reference_by_handle(
            plan.context.process,
            plan.context.thread,
            request.root,
            0,
            Some(ObjectKind::File),
            request.mode,
            Origin::Model,
        )?
        .object;
    let target = state
        .ob
        .get(root)
        .and_then(|header| header.file())
        .map(|file| file.target.clone());
    if let Ok((_, Some(deferred))) = state.drop_reference(root, Origin::Model) {
        state.deferred.push_back(deferred);
    }
    match target {
        Some(FileTarget::Disk(key)) => open_disk(state, plan, request, key),
        _ => Err(nt::STATUS_NOT_SUPPORTED),
    }
}

/// Creates the named pipe `name` (lower-cased) and returns a handle to its server end for
/// the current process (`CreateNamedPipeW`, synchronous I/O). `STATUS_OBJECT_NAME_COLLISION`
/// if it exists (the model has one instance per pipe).
pub fn create_named_pipe(
    state: &mut Subsystems,
    process: usize,
    name: &str,
) -> Result<u64, nt::NTSTATUS> {
    let name = name.to_ascii_lowercase();
    if name.is_empty() || state.files.pipes.contains_key(&name) {
        return Err(nt::STATUS_OBJECT_NAME_COLLISION);
    }
    state.files.pipes.insert(name.clone(), Pipe::default());
    let granted = nt::FILE_GENERIC_READ | nt::FILE_GENERIC_WRITE;
    let (block, file_name) = new_file_object(
        state.files.devices.named_pipe(),
        0,
        "",
        nt::FO_SYNCHRONOUS_IO | nt::FO_NAMED_PIPE,
        granted,
        nt::FILE_SHARE_READ | nt::FILE_SHARE_WRITE,
    );
    let extra = Extra::File(FileExtra {
        target: FileTarget::Pipe { name, server: true },
        _name: file_name,
        opened: true,
        cleanup_sent: false,
        lock_holder: None,
    });
    let object = state.ob.insert(ObjectKind::File, block, extra, None, false);
    Ok(state
        .ob
        .create_handle(process, object, granted, 0, false, Origin::Model))
}

/// The pipe and direction a pipe end reads from: `(name, server)`.
fn pipe_end(state: &Subsystems, file: usize) -> Option<(String, bool)> {
    match &state.ob.get(file)?.file()?.target {
        FileTarget::Pipe { name, server } => Some((name.clone(), *server)),
        _ => None,
    }
}

/// The bytes waiting to be read at the pipe end `file` (what `FileStandardInformation`
/// reports as its `EndOfFile`: Microsoft's FILE_STANDARD_INFORMATION page for pipes).
pub fn pipe_available(state: &Subsystems, file: usize) -> Option<usize> {
    let (name, server) = pipe_end(state, file)?;
    let pipe = state.files.pipes.get(&name)?;
    Some(if server {
        pipe.to_server.len()
    } else {
        pipe.to_client.len()
    })
}

/// Takes up to `length` bytes waiting at the pipe end `file` (a read consumes them); an
/// empty vector when nothing waits (the caller decides what an empty pipe means for it).
pub fn pipe_read(state: &mut Subsystems, file: usize, length: usize) -> Option<Vec<u8>> {
    let (name, server) = pipe_end(state, file)?;
    let pipe = state.files.pipes.get_mut(&name)?;
    let queue = if server {
        &mut pipe.to_server
    } else {
        &mut pipe.to_client
    };
    let count = queue.len().min(length);
    Some(queue.drain(..count).collect())
}

/// Writes `data` from the pipe end `file` to the other end.
pub fn pipe_write(state: &mut Subsystems, file: usize, data: &[u8]) -> Option<usize> {
    let (name, server) = pipe_end(state, file)?;
    let pipe = state.files.pipes.get_mut(&name)?;
    let queue = if server {
        &mut pipe.to_client
    } else {
        &mut pipe.to_server
    };
    queue.extend(data);
    Some(data.len())
}

/// `NtReadFile` from user mode of up to `length` bytes, synchronously, at the file object's
/// position (a file or the volume; the position moves past what was read) or from a pipe end
/// (consumed). The model does not block a user thread: an empty pipe answers
/// `STATUS_PIPE_EMPTY`, as a pipe in `PIPE_NOWAIT` mode would.
pub fn user_read(
    state: &mut Subsystems,
    file: usize,
    length: usize,
) -> Result<Vec<u8>, nt::NTSTATUS> {
    let target = state
        .ob
        .get(file)
        .and_then(|header| header.file())
        .map(|extra| extra.target.clone())
        .ok_or(nt::STATUS_OBJECT_TYPE_MISMATCH)?;
    let content = match target {
        FileTarget::Disk(key) => state
            .files
            .get(&key)
            .map(|entry| entry.content.clone())
            .ok_or(nt::STATUS_NO_SUCH_FILE)?,
        FileTarget::Volume => vec![0; crate::file_system::VOLUME_SIZE],
        FileTarget::Pipe { .. } => {
            let data = pipe_read(state, file, length).unwrap_or_default();
            if data.is_empty() && length > 0 {
                return Err(crate::consts::STATUS_PIPE_EMPTY);
            }
            return Ok(data);
        }
        FileTarget::Device(_) => return Err(nt::STATUS_INVALID_DEVICE_REQUEST),
    };
    let file_pointer = file as *mut nt::FILE_OBJECT;
    // SAFETY: a live file object (the caller holds a reference); the model alone writes it.
    let object = unsafe { &mut *file_pointer };
    if object.Flags & nt::FO_SYNCHRONOUS_IO == 0 {
        // An overlapped read needs an explicit offset, which this call does not take.
        return Err(nt::STATUS_INVALID_PARAMETER);
    }
    // SAFETY: every bit pattern of a LARGE_INTEGER is a valid LONGLONG.
    let position = unsafe { object.CurrentByteOffset.QuadPart };
    let start = usize::try_from(position).unwrap_or(usize::MAX);
    if start >= content.len() {
        return Err(nt::STATUS_END_OF_FILE);
    }
    let count = (content.len() - start).min(length);
    object.CurrentByteOffset.QuadPart = position + i64::try_from(count).unwrap_or(0);
    Ok(content
        .get(start..start + count)
        .unwrap_or_default()
        .to_vec())
}

/// `NtWriteFile` from user mode: to the other end of a pipe. The model's files and volume are
/// read-only (`STATUS_MEDIA_WRITE_PROTECTED` would be Windows' word for it; the model says
/// `STATUS_NOT_SUPPORTED`).
pub fn user_write(state: &mut Subsystems, file: usize, data: &[u8]) -> Result<usize, nt::NTSTATUS> {
    pipe_write(state, file, data).ok_or(nt::STATUS_NOT_SUPPORTED)
}
