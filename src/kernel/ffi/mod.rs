//! The NT API, from one of two backends:
//!
//! - `wdk` feature (Windows host with the WDK, `cargo make`): wdk-sys.
//! - otherwise: the committed `nt-bindings` (Linux cross build to a real `.sys`, and host tests
//!   where the model kernel `ntmodel` defines every import).
//!
//! Both expose the same names. The only places where they must differ are the object-type
//! exports and the field paths that go through anonymous unions; each of those is one
//! function here, so nothing else in the driver names a backend-specific path.
#[cfg(not(feature = "wdk"))]
mod bindings;
#[cfg(not(feature = "wdk"))]
pub use bindings::*;

#[cfg(feature = "wdk")]
mod wdk;
#[cfg(feature = "wdk")]
pub use wdk::*;
