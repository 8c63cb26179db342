//! Build script. On a Windows host building with the WDK (`--features wdk`, as `cargo make`
//! does), wdk-build configures the driver binary (WDK paths, linker arguments). Everywhere
//! else it does nothing: no wdk crate is compiled on Linux, where the cross build passes its
//! own linker arguments (scripts/cross-build.sh).
//!
//! A build script is compiled for the host, so `windows` here is the host's OS; wdk-build is a
//! build-dependency of Windows hosts only (Cargo.toml).

#[cfg(all(windows, feature = "wdk"))]
fn main() -> Result<(), wdk_build::ConfigError> {
    wdk_build::configure_wdk_binary_build()
}

/// Nothing to do; without this line cargo would run it again whenever any file changes.
#[cfg(not(all(windows, feature = "wdk")))]
fn main() {
    println!("cargo::rerun-if-changed=build.rs");
}
