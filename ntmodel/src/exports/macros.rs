//! The `exports!` macro: from one list entry per export it defines the `#[no_mangle]` symbol
//! (a thin wrapper that finds the caller's context and calls the implementation in
//! `crate::routines`), and adds the export to the table `MmGetSystemRoutineAddress` and the
//! import-coverage checks read.
//!
//! An entry is `[unsafe | noreturn] fn impl_module::Name(Param: Type => format, ...)
//! [-> Type => format];`, or `static Name = ObjectKind::X;` in the data section. The formats
//! say how the call trace renders each argument and the result.

/// Defines the exports listed (see the module documentation).
macro_rules! exports {
    (
        data {
            $(#[$data_meta:meta])*
            $data:ident { $($statics:tt)* }
        }
        $(
            $(#[$family_meta:meta])*
            $family:ident { $($entries:tt)* }
        )*
    ) => {
        $(
            $(#[$family_meta])*
            #[expect(non_snake_case, reason = "NT's own parameter names")]
            pub mod $family {
                use nt_bindings as nt;
                exports!(@define $($entries)*);
            }
        )*

        $(#[$data_meta])*
        pub mod $data {
            use crate::object_types::{ObjectKind, ObjectTypeExport};
            exports!(@statics $($statics)*);
        }

        /// Every export with its address. Referencing them all here also makes sure every
        /// export is linked into any binary that creates a kernel.
        #[expect(clippy::vec_init_then_push, reason = "one push per list entry, generated")]
        pub(crate) fn routine_table() -> Vec<(&'static str, usize)> {
            let mut table = Vec::new();
            $(exports!(@table table, $family; $($entries)*);)*
            exports!(@table_statics table, $data; $($statics)*);
            table
        }
    };

    (@define) => {};
    (@define
        $(#[$meta:meta])*
        unsafe fn $module:ident :: $name:ident ($($parameters:tt)*) $(-> $ret:ty => $ret_format:ident)?;
        $($rest:tt)*
    ) => {
        exports!(@wrapper [unsafe] [$(#[$meta])*] $module $name [$($parameters)*] [$($ret => $ret_format)?]);
        exports!(@define $($rest)*);
    };
    (@define
        $(#[$meta:meta])*
        fn $module:ident :: $name:ident ($($parameters:tt)*) $(-> $ret:ty => $ret_format:ident)?;
        $($rest:tt)*
    ) => {
        exports!(@wrapper [] [$(#[$meta])*] $module $name [$($parameters)*] [$($ret => $ret_format)?]);
        exports!(@define $($rest)*);
    };
    (@define
        $(#[$meta:meta])*
        noreturn fn $module:ident :: $name:ident (
            $($parameter:ident : $type:ty => $format:ident $(($($with:ident),*))?),* $(,)?
        );
        $($rest:tt)*
    ) => {
        $(#[$meta])*
        #[unsafe(no_mangle)]
        pub extern "C" fn $name($($parameter: $type),*) -> ! {
            crate::routines::$module::$name($($parameter),*)
        }
        exports!(@define $($rest)*);
    };

    (@wrapper [unsafe] [$(#[$meta:meta])*] $module:ident $name:ident
        [$($parameter:ident : $type:ty => $format:ident $(($($with:ident),*))?),* $(,)?]
        [$($ret:ty => $ret_format:ident)?]
    ) => {
        $(#[$meta])*
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $name($($parameter: $type),*) $(-> $ret)? {
            crate::routines::with_context(stringify!($name), |context| {
                let call = exports!(@begin context $name [$($parameter => $format $(($($with),*))?),*]);
                // SAFETY: the caller upholds this export's contract (its `# Safety` section),
                // which is exactly what the implementation relies on.
                let result = unsafe { crate::routines::$module::$name(context, $($parameter),*) };
                exports!(@end context call result [$($ret_format)?]);
                result
            })
        }
    };
    (@wrapper [] [$(#[$meta:meta])*] $module:ident $name:ident
        [$($parameter:ident : $type:ty => $format:ident $(($($with:ident),*))?),* $(,)?]
        [$($ret:ty => $ret_format:ident)?]
    ) => {
        $(#[$meta])*
        #[unsafe(no_mangle)]
        pub extern "C" fn $name($($parameter: $type),*) $(-> $ret)? {
            crate::routines::with_context(stringify!($name), |context| {
                let call = exports!(@begin context $name [$($parameter => $format $(($($with),*))?),*]);
                let result = crate::routines::$module::$name(context, $($parameter),*);
                exports!(@end context call result [$($ret_format)?]);
                result
            })
        }
    };

    // The call trace: the arguments rendered (only while the trace is on) before the call,
    // the result after it.
    (@begin $context:ident $name:ident
        [$($parameter:ident => $format:ident $(($($with:ident),*))?),*]
    ) => {
        crate::exports::tracing::begin($context, stringify!($name), || {
            vec![$(
                // SAFETY: the argument is what the export's contract says; the formatter reads
                // through a pointer argument only what the export itself reads.
                unsafe { crate::exports::render::$format($parameter $(, $($with),*)?) }
            ),*]
        })
    };
    (@end $context:ident $call:ident $result:ident []) => {
        crate::exports::tracing::end($context, $call, || {
            let () = $result;
            None
        });
    };
    (@end $context:ident $call:ident $result:ident [$ret_format:ident]) => {
        crate::exports::tracing::end($context, $call, || {
            // SAFETY: a result is a plain value.
            Some(unsafe { crate::exports::render::$ret_format($result) })
        });
    };

    (@statics) => {};
    (@statics $(#[$meta:meta])* static $name:ident = $kind:expr; $($rest:tt)*) => {
        $(#[$meta])*
        #[unsafe(no_mangle)]
        pub static $name: ObjectTypeExport = ObjectTypeExport::of($kind);
        exports!(@statics $($rest)*);
    };

    (@table $table:ident, $family:ident;) => {};
    (@table $table:ident, $family:ident;
        $(#[$meta:meta])* unsafe fn $module:ident :: $name:ident $parameters:tt $(-> $ret:ty => $ret_format:ident)?;
        $($rest:tt)*
    ) => {
        $table.push((stringify!($name), $family::$name as *const () as usize));
        exports!(@table $table, $family; $($rest)*);
    };
    (@table $table:ident, $family:ident;
        $(#[$meta:meta])* noreturn fn $module:ident :: $name:ident $parameters:tt;
        $($rest:tt)*
    ) => {
        $table.push((stringify!($name), $family::$name as *const () as usize));
        exports!(@table $table, $family; $($rest)*);
    };
    (@table $table:ident, $family:ident;
        $(#[$meta:meta])* fn $module:ident :: $name:ident $parameters:tt $(-> $ret:ty => $ret_format:ident)?;
        $($rest:tt)*
    ) => {
        $table.push((stringify!($name), $family::$name as *const () as usize));
        exports!(@table $table, $family; $($rest)*);
    };
    (@table_statics $table:ident, $data:ident;) => {};
    (@table_statics $table:ident, $data:ident;
        $(#[$meta:meta])* static $name:ident = $kind:expr; $($rest:tt)*
    ) => {
        $table.push((stringify!($name), std::ptr::from_ref(&$data::$name) as usize));
        exports!(@table_statics $table, $data; $($rest)*);
    };
}
