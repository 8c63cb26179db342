/* scripts/wdk-check.sh: mingw-w64's wdm.h plus the two WDK declarations it lacks and that
 * wdk-sys 0.5 needs: the POOL_FLAGS type (wdk-sys writes the POOL_FLAG_* constants itself,
 * typed POOL_FLAGS: without it they fail to compile, E0432) and ExAllocatePool2, which
 * wdk-alloc and the driver call (Windows 10 2004 and later), as the WDK's wdm.h declares
 * them. This folder comes first on the include path, so <wdm.h> finds this file, which
 * then reads mingw-w64's own. */
#ifndef HANDLEGUARD_WDK_CHECK_WDM_H
#define HANDLEGUARD_WDK_CHECK_WDM_H

#include_next <wdm.h>

typedef ULONG64 POOL_FLAGS;

NTKERNELAPI PVOID NTAPI ExAllocatePool2(POOL_FLAGS Flags, SIZE_T NumberOfBytes, ULONG Tag);

#endif
