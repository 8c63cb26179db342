//! Build script. On a Windows host building with the WDK (`--features wdk`, as `cargo make`
//! does), wdk-build configures the driver binary (WDK paths, linker arguments). Everywhere
//! else it does nothing: no wdk crate is compiled on Linux, where the cross build passes its
//! own linker arguments (scripts/cross-build.sh).

#[cfg(feature = "wdk")]
fn main() -> Result<(), wdk_build::ConfigError> {
    // Build scripts run on the host: `cfg!(windows)` is the host here.
    if cfg!(windows) {
        wdk_build::configure_wdk_binary_build()
    } else {
        Ok(())
    }
}

#[cfg(not(feature = "wdk"))]
fn main() {}
