//! Raw `DeviceIoControl` on an open of the device, as HLK's Device Fundamentals fuzz tests
//! send it: any code (random, near the driver's, the driver's own), zero-length, short and
//! random input, any output length; opens of random names under the device, opens and
//! closes, clock moves, cancels and exits in between. Every step is checked against the
//! oracle of `tests/sequence` (exact status and reply, audit counters, balanced references,
//! handles, pool, timers and IRPs); at the end the driver must unload with nothing left and
//! the verifier silent. Any difference is a panic, i.e. a crash.
#![no_main]

#[path = "../../tests/sequence/mod.rs"]
mod sequence;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let (config, ops) = sequence::decode_raw(data);
    sequence::run(config, &ops);
});
