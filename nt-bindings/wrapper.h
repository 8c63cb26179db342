/* Input for scripts/regenerate.sh: the slice of the DDK handleguard uses, from mingw-w64's
 * headers, with the defines wdk-sys builds WDM drivers with. */
#include <ntifs.h>
#include <ntddk.h>

/* Not in mingw-w64's headers (Windows 10 2004+). Declared here so bindgen emits it like the rest. */
static const ULONG64 POOL_FLAG_NON_PAGED = 0x0000000000000040ULL;
static const ULONG64 POOL_FLAG_UNINITIALIZED = 0x0000000000000002ULL;
NTKERNELAPI PVOID NTAPI ExAllocatePool2(ULONG64 Flags, SIZE_T NumberOfBytes, ULONG Tag);
