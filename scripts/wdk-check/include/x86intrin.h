/* scripts/wdk-check.sh: stands in for clang's x86intrin.h while wdk-sys's bindgen reads
 * mingw-w64's headers. mingw-w64's intrin.h includes it, and clang's own brings in its AMX
 * headers, for whose __tile1024i_str (1024-byte aligned) bindgen writes a layout assertion
 * that fails to compile for this target (E0080 in wdk-sys's types.rs). The driver calls no
 * intrinsics, so an empty header loses nothing that the check is about. */
