//! Operations from fuzz input: [`decode`] for the `sequences` target (any operation),
//! [`decode_raw`] for the `ioctl` target (mostly raw `DeviceIoControl`). Both read bytes
//! until they run out (missing bytes read as zero), so every input is a valid case.

use super::{CodePick, Config, HandlePick, IdPick, MAX_OPS, Op, OutLen, PathPick, Req};

/// Reads operations from fuzz input: a byte for the configuration, then operations until
/// the bytes run out.
#[allow(dead_code, reason = "the ioctl fuzz target decodes with decode_raw")]
pub fn decode(bytes: &[u8]) -> (Config, Vec<Op>) {
    let mut input = Bytes(bytes);
    let quota = match input.u8() % 8 {
        0 => None,
        1 => Some(0),
        2 => Some(4097),
        n => Some(u32::from(n) - 2),
    };
    let mut ops = Vec::new();
    while !input.0.is_empty() && ops.len() < MAX_OPS {
        ops.push(input.op());
    }
    (Config { quota }, ops)
}

/// Reads fuzz input as the HLK Device Fundamentals fuzz tests exercise a device: mostly raw
/// `DeviceIoControl` (random codes, near-ours codes and ours; zero-length, short and random
/// input; any output length) on an open of the device, with opens of random names under the
/// device, opens and closes of the device, clock moves, cancels and exits in between.
#[allow(dead_code, reason = "the sequences fuzz target decodes with decode")]
pub fn decode_raw(bytes: &[u8]) -> (Config, Vec<Op>) {
    let mut input = Bytes(bytes);
    let quota = Some(u32::from(input.u8() % 8) + 1);
    let mut ops = Vec::new();
    while !input.0.is_empty() && ops.len() < MAX_OPS {
        ops.push(input.raw_op());
    }
    (Config { quota }, ops)
}

struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn u8(&mut self) -> u8 {
        match self.0.split_first() {
            Some((first, rest)) => {
                self.0 = rest;
                *first
            }
            None => 0,
        }
    }
    fn u16(&mut self) -> u16 {
        u16::from_le_bytes([self.u8(), self.u8()])
    }
    fn u32(&mut self) -> u32 {
        u32::from_le_bytes([self.u8(), self.u8(), self.u8(), self.u8()])
    }
    fn u64(&mut self) -> u64 {
        u64::from(self.u32()) | (u64::from(self.u32()) << 32)
    }
    fn bytes(&mut self, len: usize) -> Vec<u8> {
        let len = len.min(self.0.len());
        let (taken, rest) = self.0.split_at(len);
        self.0 = rest;
        taken.to_vec()
    }

    fn out(&mut self) -> OutLen {
        match self.u8() % 6 {
            0..=2 => OutLen::Exact,
            3 => OutLen::Zero,
            4 => OutLen::Short,
            _ => OutLen::Long(self.u16() % 1024),
        }
    }

    fn due(&mut self) -> u32 {
        match self.u8() % 4 {
            0 => 0,
            1 | 2 => u32::from(self.u8() % 64),
            _ => self.u32(),
        }
    }

    fn handle(&mut self) -> HandlePick {
        match self.u8() % 16 {
            0..=6 => {
                let n = self.u8();
                let tag = self.u8();
                HandlePick::Fitting(n, if tag < 192 { 0 } else { tag & 3 })
            }
            7 => HandlePick::Any(self.u8()),
            8 => HandlePick::HighBits(self.u8(), self.u32()),
            9 => HandlePick::Closed(self.u8()),
            10 => HandlePick::Foreign(self.u8(), self.u8()),
            11 => HandlePick::Kernel,
            12 => HandlePick::CurrentProcess,
            13 => HandlePick::CurrentThread,
            14 => HandlePick::Null,
            _ => HandlePick::Garbage(self.u64()),
        }
    }

    fn device(&mut self) -> HandlePick {
        if self.u8().is_multiple_of(8) {
            self.handle()
        } else {
            HandlePick::Fitting(self.u8(), 0)
        }
    }

    fn id(&mut self) -> IdPick {
        match self.u8() % 4 {
            0 | 1 => IdPick::Live(self.u8()),
            2 => IdPick::Issued(self.u8()),
            _ => IdPick::Garbage(self.u64()),
        }
    }

    fn path(&mut self) -> PathPick {
        match self.u8() % 8 {
            0 | 1 => PathPick::File(self.u8()),
            2 => PathPick::Upper(self.u8()),
            3 => PathPick::Missing,
            4 => PathPick::Device,
            5 => PathPick::UnderDevice,
            6 => PathPick::Malformed(self.u8()),
            _ => {
                let len = usize::from(self.u8() % 64) + 1;
                let units = (0..len)
                    .map(|_| {
                        let unit = self.u8();
                        // Mostly path-like characters, sometimes any unit.
                        match unit % 8 {
                            0 => u16::from(b'\\'),
                            1 => self.u16(),
                            _ => u16::from(b"\\?CDHGadehilnrtu.:"[usize::from(unit) % 18]),
                        }
                    })
                    .collect();
                PathPick::Units(units)
            }
        }
    }

    fn req(&mut self) -> Req {
        match self.u8() % 9 {
            0 => Req::GetInfo {
                input_len: if self.u8().is_multiple_of(4) {
                    self.u8() % 16
                } else {
                    0
                },
                out: self.out(),
            },
            1 | 2 => Req::Register {
                handle: self.handle(),
                due_ms: self.due(),
                mode: match self.u8() % 8 {
                    0..=3 => 0,
                    4..=6 => 1,
                    _ => self.u32(),
                },
                out: self.out(),
            },
            3 => Req::Unregister { id: self.id() },
            4 => Req::Inspect {
                handle: self.handle(),
                out: self.out(),
            },
            5 => Req::OpenAsCaller {
                path: self.path(),
                out: self.out(),
            },
            6 => Req::CreateKernelEvent {
                due_ms: self.due(),
                reserved: u32::from(self.u8().is_multiple_of(8)),
                out: self.out(),
            },
            7 => Req::SignalKernelEvent { id: self.id() },
            _ => {
                let code = if self.u8().is_multiple_of(2) {
                    CodePick::Ours(self.u8())
                } else {
                    CodePick::Any(self.u32())
                };
                let len = usize::from(self.u16() % 700);
                Req::Raw {
                    code,
                    input: self.bytes(len),
                    out_len: self.u16() % 1024,
                }
            }
        }
    }

    fn op(&mut self) -> Op {
        let p = self.u8();
        match self.u8() % 16 {
            0 => Op::Spawn {
                user: self.u8(),
                wow64: self.u8().is_multiple_of(2),
            },
            1 => Op::OpenDevice {
                p,
                access: self.u8(),
            },
            2 if self.u8().is_multiple_of(2) => Op::OpenUnder { p, name: self.u8() },
            2 => {
                let units = match self.path() {
                    PathPick::Units(units) => units,
                    _ => r"\\.\HandleGuard".encode_utf16().collect(),
                };
                Op::OpenPath { p, units }
            }
            3 => Op::Duplicate {
                p,
                handle: self.u8(),
            },
            4 => Op::CreateEvent {
                p,
                access: self.u8(),
                synchronization: self.u8().is_multiple_of(2),
                initial: self.u8().is_multiple_of(4),
            },
            5 => Op::OpenFile {
                p,
                file: self.u8(),
                access: self.u8(),
                synchronous: !self.u8().is_multiple_of(4),
            },
            6..=9 => Op::Ioctl {
                p,
                device: self.device(),
                via: match self.u8() % 8 {
                    0 => Some(self.u8() % 5),
                    _ => None,
                },
                req: self.req(),
            },
            10 => Op::Close {
                p,
                handle: self.handle(),
            },
            11 => Op::SetEvent {
                p,
                handle: self.handle(),
            },
            12 => Op::Observe {
                p,
                event: self.u8(),
            },
            13 => Op::Advance {
                ms: match self.u8() % 4 {
                    0 => 0,
                    1 | 2 => u16::from(self.u8() % 32),
                    _ => self.u16(),
                },
            },
            14 if self.u8().is_multiple_of(2) => Op::Cancel { irp: self.u8() },
            14 if self.u8().is_multiple_of(3) => Op::CreatePipe {
                p,
                data: self.u8().is_multiple_of(2),
            },
            14 if self.u8().is_multiple_of(4) => Op::PoolQuota {
                p,
                starved: !self.u8().is_multiple_of(3),
            },
            14 => Op::IoctlCancelled {
                p,
                device: self.device(),
                req: self.req(),
            },
            _ => Op::Exit { p },
        }
    }

    /// One operation of [`decode_raw`].
    fn raw_op(&mut self) -> Op {
        let p = self.u8() % 4;
        match self.u8() {
            0..=199 => self.raw_ioctl(p),
            200..=219 => self.open_near_device(p),
            220..=229 => Op::OpenDevice {
                p,
                access: self.u8(),
            },
            230..=239 => Op::Close {
                p,
                handle: HandlePick::Fitting(self.u8(), 0),
            },
            240..=247 => Op::Advance {
                ms: u16::from(self.u8()),
            },
            248..=251 => Op::Cancel { irp: self.u8() },
            252..=253 => Op::Spawn {
                user: self.u8(),
                wow64: self.u8().is_multiple_of(2),
            },
            _ => Op::Exit { p },
        }
    }

    /// Any code, zero, short or random input, any output length, mostly on a device handle.
    fn raw_ioctl(&mut self, p: u8) -> Op {
        let code = match self.u8() % 4 {
            0 => CodePick::Ours(self.u8()),
            1 => CodePick::Near(self.u8(), self.u8(), self.u8()),
            _ => CodePick::Any(self.u32()),
        };
        let len = match self.u8() % 4 {
            0 => 0,
            1 => usize::from(self.u8() % 32),
            _ => usize::from(self.u16() % 1024),
        };
        let data = self.bytes(len);
        let out_len = match self.u8() % 4 {
            0 => 0,
            1 => u16::from(self.u8() % 32),
            2 => self.u16() % 1024,
            _ => self.u16(),
        };
        Op::Ioctl {
            p,
            device: if self.u8().is_multiple_of(16) {
                self.handle()
            } else {
                HandlePick::Fitting(self.u8(), 0)
            },
            via: self.u8().is_multiple_of(16).then(|| self.u8() % 5),
            req: Req::Raw {
                code,
                input: data,
                out_len,
            },
        }
    }

    /// An open of one of the device's names followed by random characters.
    fn open_near_device(&mut self, p: u8) -> Op {
        let prefix = [
            r"\\.\HandleGuard",
            r"\Device\HandleGuard",
            r"\??\HandleGuard",
        ][usize::from(self.u8() % 3)];
        let len = usize::from(self.u8() % 24);
        let mut units: Vec<u16> = prefix.encode_utf16().collect();
        for _ in 0..len {
            let unit = self.u8();
            units.push(match unit % 4 {
                0 => u16::from(b'\\'),
                1 => self.u16(),
                _ => u16::from(unit % 94 + 33),
            });
        }
        Op::OpenPath { p, units }
    }
}
