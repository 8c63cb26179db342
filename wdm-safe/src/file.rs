//! Reading a file through a private kernel handle with Zw calls (guidance rule 7: a handle
//! opened with a Zw call is used and closed with Zw calls).
use crate::ffi;
use crate::handle::KernelHandle;
use crate::status::{NtError, NtResult, NtStatus};

impl KernelHandle {
    /// `ZwQueryInformationFile(FileStandardInformation)`: the end-of-file position.
    ///
    /// IRQL: PASSIVE_LEVEL.
    ///
    /// # Errors
    /// The kernel's status.
    pub fn file_size(&self) -> NtResult<u64> {
        // SAFETY: all-zero is valid for both plain-data structs.
        let mut io_status: ffi::IO_STATUS_BLOCK = unsafe { core::mem::zeroed() };
        // SAFETY: as above.
        let mut info: ffi::FILE_STANDARD_INFORMATION = unsafe { core::mem::zeroed() };
        // SAFETY: our kernel handle; buffers of the stated size.
        let status = unsafe {
            ffi::ZwQueryInformationFile(
                self.raw(),
                &raw mut io_status,
                (&raw mut info).cast(),
                ffi::typed::size_of::<ffi::FILE_STANDARD_INFORMATION>(),
                ffi::_FILE_INFORMATION_CLASS::FileStandardInformation,
            )
        };
        NtStatus::from_raw(status).ok()?;
        // SAFETY: LARGE_INTEGER is a union of plain integers; QuadPart covers all of it.
        let end = unsafe { info.EndOfFile.QuadPart };
        u64::try_from(end).map_err(|_| NtError::UNSUCCESSFUL)
    }

    /// `ZwReadFile` of up to `buffer.len()` bytes at `offset`; returns the bytes read
    /// (0 at end of file).
    ///
    /// IRQL: PASSIVE_LEVEL.
    ///
    /// # Errors
    /// The kernel's status.
    pub fn read_at(&self, offset: u64, buffer: &mut [u8]) -> NtResult<usize> {
        let length = u32::try_from(buffer.len()).map_err(|_| NtError::INVALID_PARAMETER)?;
        // SAFETY: all-zero is valid for both plain-data structs.
        let mut io_status: ffi::IO_STATUS_BLOCK = unsafe { core::mem::zeroed() };
        // SAFETY: as above.
        let mut byte_offset: ffi::LARGE_INTEGER = unsafe { core::mem::zeroed() };
        byte_offset.QuadPart = i64::try_from(offset).map_err(|_| NtError::INVALID_PARAMETER)?;
        // SAFETY: our kernel handle (opened for synchronous I/O, so the call completes before
        // returning); a kernel buffer of `length` bytes.
        let status = unsafe {
            ffi::ZwReadFile(
                self.raw(),
                core::ptr::null_mut(),
                None,
                core::ptr::null_mut(),
                &raw mut io_status,
                buffer.as_mut_ptr().cast(),
                length,
                &raw mut byte_offset,
                core::ptr::null_mut(),
            )
        };
        let status = NtStatus::from_raw(status);
        if status == NtError::END_OF_FILE.status() {
            return Ok(0);
        }
        status.ok()?;
        let read = usize::try_from(io_status.Information).map_err(|_| NtError::UNSUCCESSFUL)?;
        Ok(read.min(buffer.len()))
    }
}
