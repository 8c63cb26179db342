//! Operation sequences decoded from the input, as in `tests/properties.rs`: processes
//! (64-bit and WOW64), opens, sub-opens, events and files with random access, every IOCTL
//! with handle values drawn from valid, closed, other-process, kernel, pseudo and garbage
//! values, requests forwarded into another context, closes (cleanup), the clock,
//! cancellation and process exit; each step checked against the oracle, a clean unload at
//! the end. Any difference, verifier stop, leak or panic is a crash.
#![no_main]

#[path = "../../tests/sequence/mod.rs"]
mod sequence;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let (config, ops) = sequence::decode(data);
    sequence::run(config, &ops);
});
