//! The driver's `DbgPrint` lines, each prefixed `handleguard: `.

/// `DbgPrint` a formatted line as `handleguard: <message>`.
macro_rules! log {
    ($($arg:tt)*) => {
        wdm_safe::log::print("handleguard", format_args!($($arg)*))
    };
}
pub(crate) use log;
