//! What the driver must answer: the bytes of each request (as the client builds them from an
//! [`Req`]), the I/O manager's checks, and the driver's reply, status, audit and state change
//! for the bytes it receives.

use super::namespace::{CODES, FILES, Resolved, USERS, encode, readable, report_of, resolve};
use super::oracle::{Kind, Runner, What};
use super::{CodePick, IdPick, PathPick, Req};
use handleguard_protocol::{
    self as protocol, FileReport, IdRequest, InfoReply, InspectFileRequest, KernelEventReply,
    KernelEventRequest, MAX_PATH_UNITS, OpenAsCallerRequest, PROTOCOL_VERSION, REFUSAL_KINDS,
    Refusal, RegisterEventReply, RegisterEventRequest,
};
use nt_bindings as nt;

/// Why a request fails: refused (audited under this reason) or failed (not audited).
pub(super) enum Fail {
    Refused(Refusal, nt::NTSTATUS),
    Failed(nt::NTSTATUS),
}

fn bad_input() -> Fail {
    Fail::Refused(Refusal::BadBuffer, nt::STATUS_INVALID_PARAMETER)
}

fn too_small() -> Fail {
    Fail::Refused(Refusal::BadBuffer, nt::STATUS_BUFFER_TOO_SMALL)
}

fn not_a_file() -> Fail {
    Fail::Refused(Refusal::NotAFile, nt::STATUS_NOT_SUPPORTED)
}

fn wrong_context() -> Fail {
    Fail::Refused(Refusal::WrongContext, nt::STATUS_INVALID_DEVICE_REQUEST)
}

/// The driver checks the reply fits, then that it runs in the requestor's context (a handle
/// value means nothing elsewhere), before it touches any handle or path.
fn room_and_context(out_len: usize, reply_size: usize, same: bool) -> Result<(), Fail> {
    if out_len < reply_size {
        return Err(too_small());
    }
    if !same {
        return Err(wrong_context());
    }
    Ok(())
}

/// What a request must come to.
pub(super) enum Expect {
    Done(nt::NTSTATUS, Vec<u8>),
    /// Pended as registration `slot` of `open`.
    Pending {
        open: usize,
        slot: usize,
    },
    /// A kernel event created: the reply carries a new handle and this id.
    KernelEvent {
        key: u64,
        event: usize,
    },
}

/// The `OPEN_AS_CALLER` request `path` picks.
fn open_as_caller_request(path: &PathPick) -> OpenAsCallerRequest {
    let request = match path {
        PathPick::File(n) => OpenAsCallerRequest::new(FILES[usize::from(*n) % 5].0),
        PathPick::Upper(n) => {
            OpenAsCallerRequest::new(&FILES[usize::from(*n) % 5].0.to_ascii_uppercase())
        }
        PathPick::Missing => OpenAsCallerRequest::new(r"\??\C:\data\missing.txt"),
        PathPick::Device => OpenAsCallerRequest::new(r"\??\HandleGuard"),
        PathPick::UnderDevice => OpenAsCallerRequest::new(r"\Device\HandleGuard\x"),
        PathPick::Malformed(kind) => {
            let mut request = OpenAsCallerRequest::new(FILES[0].0).expect("a valid path");
            match kind % 4 {
                0 => request.path_units = 0,
                1 => {
                    request.path_units =
                        u32::try_from(MAX_PATH_UNITS).expect("MAX_PATH_UNITS fits u32") + 1;
                }
                2 => request.path[MAX_PATH_UNITS - 1] = u16::from(b'x'),
                _ => request.reserved = 1,
            }
            Some(request)
        }
        PathPick::Units(units) => {
            let mut path = [0u16; MAX_PATH_UNITS];
            let count = units.len().clamp(1, MAX_PATH_UNITS);
            path[0] = u16::from(b'A');
            for (slot, unit) in path.iter_mut().zip(units) {
                *slot = *unit;
            }
            Some(OpenAsCallerRequest {
                path_units: u32::try_from(count).expect("at most MAX_PATH_UNITS"),
                reserved: 0,
                path,
            })
        }
    };
    request.expect("a path that fits")
}

/// The code a raw request carries.
fn raw_code(code: CodePick) -> u32 {
    match code {
        CodePick::Ours(n) => CODES[usize::from(n) % CODES.len()],
        CodePick::Near(function, method, access) => protocol::ctl_code(
            protocol::FILE_DEVICE_UNKNOWN,
            0x800 + u32::from(function % 16),
            u32::from(method % 4),
            u32::from(access % 4),
        ),
        CodePick::Any(code) => code,
    }
}

impl Runner {
    /// The driver's `UserHandle::from_wire` and `reference`: a WOW64 caller's value must fit
    /// 32 bits and is widened, then the kernel's answer, with the audit reason.
    fn driver_reference(
        &self,
        proc: usize,
        wire: u64,
        event: bool,
        access: u32,
    ) -> Result<usize, Fail> {
        let value = if self.procs[proc].wow64 {
            // A WOW64 caller's handles are 32 bits, sign-extended; anything above is refused.
            let Ok(low) = u32::try_from(wire) else {
                return Err(Fail::Refused(
                    Refusal::InvalidHandle,
                    nt::STATUS_INVALID_HANDLE,
                ));
            };
            i64::from(low.cast_signed()).cast_unsigned()
        } else {
            wire
        };
        self.reference(proc, value, event, access)
            .map_err(|status| {
                let reason = match status {
                    nt::STATUS_OBJECT_TYPE_MISMATCH => Refusal::WrongType,
                    nt::STATUS_ACCESS_DENIED => Refusal::TooLittleAccess,
                    _ if value.cast_signed() < -2 => Refusal::KernelHandle,
                    _ => Refusal::InvalidHandle,
                };
                Fail::Refused(reason, status)
            })
    }

    /// The slot of `open` whose live registration has id `key`.
    fn find(&self, open: usize, key: u64) -> Option<usize> {
        let slot = usize::try_from(key & 0xFFFF_FFFF).ok()?.checked_sub(1)?;
        let entry = self.opens[open].slots.get(slot)?;
        let reg = entry.reg?;
        (reg.key == key && entry.generation == (key >> 32) as u32).then_some(slot)
    }

    /// The registration id `pick` names, for a request on `open`.
    fn id_value(&self, open: Option<usize>, pick: IdPick) -> u64 {
        match pick {
            IdPick::Live(n) => {
                let live: Vec<u64> = open
                    .map(|open| {
                        self.opens[open]
                            .slots
                            .iter()
                            .filter_map(|slot| slot.reg.map(|reg| reg.key))
                            .collect()
                    })
                    .unwrap_or_default();
                if live.is_empty() {
                    1
                } else {
                    live[usize::from(n) % live.len()]
                }
            }
            IdPick::Issued(n) => {
                if self.issued.is_empty() {
                    1 << 32 | 1
                } else {
                    self.issued[usize::from(n) % self.issued.len()]
                }
            }
            IdPick::Garbage(value) => value,
        }
    }

    /// The request's code, input bytes and output length.
    pub(super) fn build(
        &self,
        proc: usize,
        open: Option<usize>,
        req: &Req,
    ) -> (u32, Vec<u8>, usize) {
        match req {
            Req::GetInfo { input_len, out } => (
                protocol::IOCTL_HANDLEGUARD_GET_INFO,
                vec![0x5A; usize::from(*input_len)],
                out.resolve(InfoReply::SIZE),
            ),
            Req::Register {
                handle,
                due_ms,
                mode,
                out,
            } => {
                let event = self.handle_value(proc, *handle, Kind::is_event);
                let request = RegisterEventRequest {
                    event,
                    due_ms: *due_ms,
                    mode: *mode,
                };
                (
                    protocol::IOCTL_HANDLEGUARD_REGISTER_EVENT,
                    encode(&request),
                    out.resolve(RegisterEventReply::SIZE),
                )
            }
            Req::Unregister { id: pick } => (
                protocol::IOCTL_HANDLEGUARD_UNREGISTER,
                encode(&IdRequest {
                    id: self.id_value(open, *pick),
                }),
                0,
            ),
            Req::Inspect { handle, out } => {
                let file =
                    self.handle_value(proc, *handle, |kind| matches!(kind, Kind::Disk { .. }));
                (
                    protocol::IOCTL_HANDLEGUARD_INSPECT_FILE,
                    encode(&InspectFileRequest { file }),
                    out.resolve(FileReport::SIZE),
                )
            }
            Req::OpenAsCaller { path, out } => (
                protocol::IOCTL_HANDLEGUARD_OPEN_AS_CALLER,
                encode(&open_as_caller_request(path)),
                out.resolve(FileReport::SIZE),
            ),
            Req::CreateKernelEvent {
                due_ms,
                reserved,
                out,
            } => (
                protocol::IOCTL_HANDLEGUARD_CREATE_KERNEL_EVENT,
                encode(&KernelEventRequest {
                    due_ms: *due_ms,
                    reserved: *reserved,
                }),
                out.resolve(KernelEventReply::SIZE),
            ),
            Req::SignalKernelEvent { id: pick } => (
                protocol::IOCTL_HANDLEGUARD_SIGNAL_KERNEL_EVENT,
                encode(&IdRequest {
                    id: self.id_value(open, *pick),
                }),
                0,
            ),
            Req::Raw {
                code,
                input,
                out_len,
            } => (raw_code(*code), input.clone(), usize::from(*out_len)),
        }
    }

    /// The I/O manager's part: the device handle must name a device file object with the
    /// access the code's required-access bits ask for.
    pub(super) fn io_manager(
        &self,
        proc: usize,
        device: u64,
        code: u32,
    ) -> Result<usize, nt::NTSTATUS> {
        let required = match (code >> 14) & 3 {
            1 => nt::FILE_READ_DATA,
            2 => nt::FILE_WRITE_DATA,
            3 => nt::FILE_READ_DATA | nt::FILE_WRITE_DATA,
            _ => 0,
        };
        let obj = self.reference(proc, device, false, required)?;
        match self.objs[obj].kind {
            Kind::Device { open } => Ok(open),
            _ => Err(nt::STATUS_INVALID_DEVICE_REQUEST),
        }
    }

    /// The driver's part, from the bytes it receives.
    pub(super) fn driver(
        &mut self,
        proc: usize,
        open: usize,
        same: bool,
        code: u32,
        input: &[u8],
        out_len: usize,
    ) -> Expect {
        self.counters.requests += 1;
        let result = match code {
            protocol::IOCTL_HANDLEGUARD_GET_INFO => {
                if !input.is_empty() {
                    Err(bad_input())
                } else if out_len < InfoReply::SIZE {
                    Err(too_small())
                } else {
                    Ok(Expect::Done(nt::STATUS_SUCCESS, encode(&self.info())))
                }
            }
            protocol::IOCTL_HANDLEGUARD_REGISTER_EVENT => {
                self.register(proc, open, same, input, out_len)
            }
            protocol::IOCTL_HANDLEGUARD_UNREGISTER => match IdRequest::decode(input) {
                Err(_) => Err(bad_input()),
                Ok(IdRequest { id }) => match self.find(open, id) {
                    Some(slot) => {
                        self.cancel_reg(open, slot);
                        Ok(Expect::Done(nt::STATUS_SUCCESS, Vec::new()))
                    }
                    None => Err(Fail::Failed(nt::STATUS_NOT_FOUND)),
                },
            },
            protocol::IOCTL_HANDLEGUARD_INSPECT_FILE => self.inspect(proc, same, input, out_len),
            protocol::IOCTL_HANDLEGUARD_OPEN_AS_CALLER => {
                self.open_as_caller(proc, same, input, out_len)
            }
            protocol::IOCTL_HANDLEGUARD_CREATE_KERNEL_EVENT => {
                self.create_kernel_event(proc, open, same, input, out_len)
            }
            protocol::IOCTL_HANDLEGUARD_SIGNAL_KERNEL_EVENT => match IdRequest::decode(input) {
                Err(_) => Err(bad_input()),
                Ok(IdRequest { id }) => {
                    let event = self.find(open, id).and_then(|slot| {
                        match self.opens[open].slots[slot].reg.map(|reg| reg.what) {
                            Some(What::Kernel(event)) => Some(event),
                            _ => None,
                        }
                    });
                    match event {
                        Some(event) => {
                            self.objs[event].signaled = true;
                            Ok(Expect::Done(nt::STATUS_SUCCESS, Vec::new()))
                        }
                        None => Err(Fail::Failed(nt::STATUS_NOT_FOUND)),
                    }
                }
            },
            _ => Err(Fail::Refused(
                Refusal::UnknownCode,
                nt::STATUS_INVALID_DEVICE_REQUEST,
            )),
        };
        match result {
            Ok(expect) => expect,
            Err(Fail::Refused(reason, status)) => {
                self.counters.refusals[reason.index()] += 1;
                Expect::Done(status, Vec::new())
            }
            Err(Fail::Failed(status)) => Expect::Done(status, Vec::new()),
        }
    }

    /// The counters `GET_INFO` must report.
    pub(super) fn info(&self) -> InfoReply {
        InfoReply {
            version: PROTOCOL_VERSION,
            refusal_kinds: u32::try_from(REFUSAL_KINDS).expect("a handful of kinds"),
            opens: self.counters.opens,
            requests: self.counters.requests,
            registrations_active: self.counters.active,
            registrations_fired: self.counters.fired,
            registrations_cancelled: self.counters.cancelled,
            refusals: self.counters.refusals,
        }
    }

    /// `REGISTER_EVENT`: mode 0 signals the event when due, mode 1 pends the IRP until then.
    fn register(
        &mut self,
        proc: usize,
        open: usize,
        same: bool,
        input: &[u8],
        out_len: usize,
    ) -> Result<Expect, Fail> {
        let wire = RegisterEventRequest::decode(input).map_err(|_| bad_input())?;
        match wire.mode {
            0 => {
                room_and_context(out_len, RegisterEventReply::SIZE, same)?;
                let event = self.driver_reference(
                    proc,
                    wire.event,
                    true,
                    nt::SYNCHRONIZE | nt::EVENT_MODIFY_STATE,
                )?;
                let (_, key) = self.insert(proc, open, What::Signal(event), Some(wire.due_ms))?;
                Ok(Expect::Done(
                    nt::STATUS_SUCCESS,
                    encode(&RegisterEventReply { id: key }),
                ))
            }
            1 => {
                // Its pool is charged to the requestor, in its context.
                if !same {
                    return Err(wrong_context());
                }
                let (slot, _) =
                    self.insert(proc, open, What::Irp(usize::MAX), Some(wire.due_ms))?;
                Ok(Expect::Pending { open, slot })
            }
            _ => Err(bad_input()),
        }
    }

    /// `INSPECT_FILE`: the report of a synchronous disk file the handle may read, read through
    /// the driver's own file object. Anything else the handle names is refused by what its
    /// file object is, before anything is opened or read: the volume whole, a device (the very
    /// handle the request came on included).
    fn inspect(
        &mut self,
        proc: usize,
        same: bool,
        input: &[u8],
        out_len: usize,
    ) -> Result<Expect, Fail> {
        let InspectFileRequest { file } =
            InspectFileRequest::decode(input).map_err(|_| bad_input())?;
        room_and_context(out_len, FileReport::SIZE, same)?;
        let obj = self.driver_reference(proc, file, false, nt::FILE_READ_DATA)?;
        match self.objs[obj].kind {
            Kind::Disk {
                synchronous: false, ..
            } => Err(Fail::Refused(
                Refusal::AsynchronousFile,
                nt::STATUS_INVALID_PARAMETER,
            )),
            // The reopen is checked against the caller's token: every user who holds a handle
            // to a file may open it (handles are opened by their own process's user).
            Kind::Disk { file, .. } => {
                Ok(Expect::Done(nt::STATUS_SUCCESS, encode(&report_of(file))))
            }
            _ => Err(not_a_file()),
        }
    }

    /// `OPEN_AS_CALLER`: the driver opens the path with the caller's rights and reports it.
    fn open_as_caller(
        &mut self,
        proc: usize,
        same: bool,
        input: &[u8],
        out_len: usize,
    ) -> Result<Expect, Fail> {
        let wire = OpenAsCallerRequest::decode(input).map_err(|_| bad_input())?;
        let units = wire.units().ok_or_else(bad_input)?;
        room_and_context(out_len, FileReport::SIZE, same)?;
        match resolve(&String::from_utf16_lossy(units)) {
            Resolved::Disk(file) if readable(file, USERS[self.procs[proc].user]) => {
                Ok(Expect::Done(nt::STATUS_SUCCESS, encode(&report_of(file))))
            }
            Resolved::Disk(_) => Err(Fail::Refused(
                Refusal::CallerAccessDenied,
                nt::STATUS_ACCESS_DENIED,
            )),
            // The driver opens what the path names (its own device, the volume whole) with the
            // caller's rights, sees it is no file on a volume and closes it again unread.
            // Its own device's IRP_MJ_CREATE charges the open's state to the requestor first.
            Resolved::Device { under: false } if self.procs[proc].starved => {
                Err(Fail::Failed(nt::STATUS_INSUFFICIENT_RESOURCES))
            }
            Resolved::Device { under: false } | Resolved::Volume => Err(not_a_file()),
            Resolved::Device { under: true } => {
                self.counters.refusals[Refusal::NamespaceOpen.index()] += 1;
                Err(Fail::Failed(nt::STATUS_OBJECT_NAME_NOT_FOUND))
            }
            Resolved::Nothing => Err(Fail::Failed(nt::STATUS_OBJECT_NAME_NOT_FOUND)),
        }
    }

    /// `CREATE_KERNEL_EVENT`: a driver-owned event, a `SYNCHRONIZE` handle for the caller.
    fn create_kernel_event(
        &mut self,
        proc: usize,
        open: usize,
        same: bool,
        input: &[u8],
        out_len: usize,
    ) -> Result<Expect, Fail> {
        let wire = KernelEventRequest::decode(input).map_err(|_| bad_input())?;
        if wire.reserved != 0 {
            return Err(bad_input());
        }
        room_and_context(out_len, KernelEventReply::SIZE, same)?;
        let event = self.new_obj(Kind::KernelEvent);
        let due = (wire.due_ms != 0).then_some(wire.due_ms);
        let (_, key) = self.insert(proc, open, What::Kernel(event), due)?;
        Ok(Expect::KernelEvent { key, event })
    }
}
