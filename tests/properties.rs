//! Property tests: random operation sequences on the real driver in the model kernel, each
//! step checked against the oracle of `tests/sequence` (exact statuses, replies, ids, audit
//! counters; handle tables, references, pool, timers and IRPs balanced after every step; a
//! clean unload at the end). Bounded so the suite stays fast; `PROPTEST_CASES` raises the
//! number of cases for a longer run.
mod sequence;

use proptest::collection::vec;
use proptest::prelude::*;
use sequence::{CodePick, Config, HandlePick, IdPick, Op, OutLen, PathPick, Req};
use std::fs;
use std::panic;
use std::path::{Path, PathBuf};

fn out_len() -> impl Strategy<Value = OutLen> {
    prop_oneof![
        6 => Just(OutLen::Exact),
        1 => Just(OutLen::Zero),
        1 => Just(OutLen::Short),
        1 => (0u16..600).prop_map(OutLen::Long),
    ]
}

fn due_ms() -> impl Strategy<Value = u32> {
    prop_oneof![
        2 => Just(0u32),
        6 => 1u32..40,
        1 => any::<u32>(),
    ]
}

fn handle() -> impl Strategy<Value = HandlePick> {
    prop_oneof![
        30 => (any::<u8>(), prop_oneof![6 => Just(0u8), 1 => 1u8..4])
            .prop_map(|(n, tag)| HandlePick::Fitting(n, tag)),
        2 => any::<u8>().prop_map(HandlePick::Any),
        1 => (any::<u8>(), 1u32..).prop_map(|(n, high)| HandlePick::HighBits(n, high)),
        2 => any::<u8>().prop_map(HandlePick::Closed),
        1 => (any::<u8>(), any::<u8>()).prop_map(|(q, n)| HandlePick::Foreign(q, n)),
        1 => Just(HandlePick::Kernel),
        1 => Just(HandlePick::CurrentProcess),
        1 => Just(HandlePick::CurrentThread),
        1 => Just(HandlePick::Null),
        1 => any::<u64>().prop_map(HandlePick::Garbage),
    ]
}

fn device() -> impl Strategy<Value = HandlePick> {
    prop_oneof![
        12 => any::<u8>().prop_map(|n| HandlePick::Fitting(n, 0)),
        1 => handle(),
    ]
}

fn id() -> impl Strategy<Value = IdPick> {
    prop_oneof![
        3 => any::<u8>().prop_map(IdPick::Live),
        1 => any::<u8>().prop_map(IdPick::Issued),
        1 => any::<u64>().prop_map(IdPick::Garbage),
    ]
}

fn path() -> impl Strategy<Value = PathPick> {
    prop_oneof![
        4 => any::<u8>().prop_map(PathPick::File),
        1 => any::<u8>().prop_map(PathPick::Upper),
        1 => Just(PathPick::Missing),
        1 => Just(PathPick::Device),
        1 => Just(PathPick::UnderDevice),
        1 => any::<u8>().prop_map(PathPick::Malformed),
        1 => vec(
            prop_oneof![
                3 => prop::sample::select(b"\\?CDHGadehilnrtu.:".to_vec()).prop_map(u16::from),
                1 => any::<u16>(),
            ],
            1..40
        )
        .prop_map(PathPick::Units),
    ]
}

/// A path under one of the device's names, or a file's path, with random characters added.
fn open_path() -> impl Strategy<Value = Vec<u16>> {
    (
        prop::sample::select(vec![
            r"\\.\HandleGuard",
            r"\Device\HandleGuard",
            r"\??\HandleGuard",
            r"\DosDevices\HANDLEGUARD",
            r"\??\C:\data\public.txt",
            r"\??\C:\data\secret.txt",
        ]),
        vec(
            prop_oneof![
                3 => prop::sample::select(b"\\\\.xAz".to_vec()).prop_map(u16::from),
                1 => any::<u16>(),
            ],
            0..6,
        ),
    )
        .prop_map(|(prefix, tail)| prefix.encode_utf16().chain(tail).collect())
}

fn req() -> impl Strategy<Value = Req> {
    prop_oneof![
        2 => (prop_oneof![4 => Just(0u8), 1 => 1u8..16], out_len())
            .prop_map(|(input_len, out)| Req::GetInfo { input_len, out }),
        6 => (
            handle(),
            due_ms(),
            prop_oneof![5 => Just(0u32), 4 => Just(1u32), 1 => any::<u32>()],
            out_len()
        )
            .prop_map(|(handle, due_ms, mode, out)| Req::Register {
                handle,
                due_ms,
                mode,
                out
            }),
        3 => id().prop_map(|id| Req::Unregister { id }),
        3 => (handle(), out_len()).prop_map(|(handle, out)| Req::Inspect { handle, out }),
        2 => (path(), out_len()).prop_map(|(path, out)| Req::OpenAsCaller { path, out }),
        3 => (due_ms(), prop_oneof![6 => Just(0u32), 1 => any::<u32>()], out_len()).prop_map(
            |(due_ms, reserved, out)| Req::CreateKernelEvent {
                due_ms,
                reserved,
                out
            }
        ),
        2 => id().prop_map(|id| Req::SignalKernelEvent { id }),
        2 => (
            prop_oneof![
                any::<u8>().prop_map(CodePick::Ours),
                (any::<u8>(), any::<u8>(), any::<u8>())
                    .prop_map(|(f, m, a)| CodePick::Near(f, m, a)),
                any::<u32>().prop_map(CodePick::Any)
            ],
            vec(any::<u8>(), 0..600),
            0u16..700
        )
            .prop_map(|(code, input, out_len)| Req::Raw {
                code,
                input,
                out_len
            }),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    let p = any::<u8>();
    prop_oneof![
        1 => (any::<u8>(), any::<bool>()).prop_map(|(user, wow64)| Op::Spawn { user, wow64 }),
        2 => (p, any::<u8>()).prop_map(|(p, access)| Op::OpenDevice { p, access }),
        1 => (p, any::<u8>()).prop_map(|(p, name)| Op::OpenUnder { p, name }),
        1 => (p, open_path()).prop_map(|(p, units)| Op::OpenPath { p, units }),
        1 => (p, any::<u8>()).prop_map(|(p, handle)| Op::Duplicate { p, handle }),
        4 => (p, any::<u8>(), any::<bool>(), any::<bool>()).prop_map(
            |(p, access, synchronization, initial)| Op::CreateEvent {
                p,
                access,
                synchronization,
                initial
            }
        ),
        2 => (p, any::<u8>(), any::<u8>(), prop::bool::weighted(0.8)).prop_map(
            |(p, file, access, synchronous)| Op::OpenFile {
                p,
                file,
                access,
                synchronous
            }
        ),
        14 => (
            p,
            device(),
            prop_oneof![8 => Just(None), 1 => (0u8..5).prop_map(Some)],
            req()
        )
            .prop_map(|(p, device, via, req)| Op::Ioctl {
                p,
                device,
                via,
                req
            }),
        2 => (p, device(), req())
            .prop_map(|(p, device, req)| Op::IoctlCancelled { p, device, req }),
        1 => (p, prop::bool::weighted(0.6)).prop_map(|(p, starved)| Op::PoolQuota { p, starved }),
        1 => (p, any::<bool>()).prop_map(|(p, data)| Op::CreatePipe { p, data }),
        2 => (p, handle()).prop_map(|(p, handle)| Op::Close { p, handle }),
        1 => (p, handle()).prop_map(|(p, handle)| Op::SetEvent { p, handle }),
        2 => (p, any::<u8>()).prop_map(|(p, event)| Op::Observe { p, event }),
        3 => prop_oneof![Just(0u16), 1u16..30, any::<u16>()].prop_map(|ms| Op::Advance { ms }),
        2 => any::<u8>().prop_map(|irp| Op::Cancel { irp }),
        1 => p.prop_map(|p| Op::Exit { p }),
    ]
}

fn config() -> impl Strategy<Value = Config> {
    prop_oneof![
        1 => Just(None),
        4 => (1u32..5).prop_map(Some),
        1 => Just(Some(0)),
        1 => Just(Some(4097)),
    ]
    .prop_map(|quota| Config { quota })
}

/// 192 sequences, or `PROPTEST_CASES` of them: an explicit `cases` in the config would
/// otherwise override the variable, which proptest reads only into its default.
fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(192)
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(),
        max_shrink_iters: 4096,
        ..ProptestConfig::default()
    })]

    /// Every step returns what the oracle says; everything balances; unload is clean.
    #[test]
    fn random_operation_sequences_match_the_oracle(
        config in config(),
        ops in vec(op(), 1..120),
    ) {
        sequence::run(config, &ops);
    }
}

/// Replays every seed of `fuzz/seeds/<target>` through the oracle, decoded as that fuzz
/// target decodes it, and prints how many ran. The directory must exist and hold at least one
/// seed: a missing or empty seed corpus fails rather than passing vacuously.
fn replay_seeds(target: &str, decode: fn(&[u8]) -> (Config, Vec<Op>)) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/seeds")
        .join(target);
    let entries = fs::read_dir(&root)
        .unwrap_or_else(|error| panic!("the seed corpus {}: {error}", root.display()));
    let mut seeds: Vec<PathBuf> = entries
        .map(|entry| entry.expect("a seed directory entry").path())
        .collect();
    seeds.sort();
    assert!(!seeds.is_empty(), "no seeds in {}", root.display());
    for seed in &seeds {
        let bytes =
            fs::read(seed).unwrap_or_else(|error| panic!("the seed {}: {error}", seed.display()));
        let (config, ops) = decode(&bytes);
        if let Err(panic) = panic::catch_unwind(|| sequence::run(config, &ops)) {
            eprintln!("the seed {} failed", seed.display());
            panic::resume_unwind(panic);
        }
    }
    println!("{target}: {} seeds replayed", seeds.len());
}

/// Every seed of the `sequences` fuzz target passes too (so a crash the fuzzer found and that
/// was fixed stays fixed in the normal suite).
#[test]
fn the_sequences_seed_corpus_passes() {
    replay_seeds("sequences", sequence::decode);
}

/// Every seed of the `ioctl` fuzz target (raw `DeviceIoControl`) passes too.
#[test]
fn the_ioctl_seed_corpus_passes() {
    replay_seeds("ioctl", sequence::decode_raw);
}
