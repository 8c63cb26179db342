//! Security descriptors a driver gives the objects it creates: the DACL decides every access
//! check of the object (opens from user mode, duplication beyond the source handle's access),
//! the creator owns it and, unless an OWNER RIGHTS entry says otherwise, may always read and
//! rewrite the DACL; an object without a descriptor grants anything.
use nt_bindings as nt;
use ntmodel::constants::EVENT_ALL_ACCESS;
use ntmodel::{Kernel, PreviousMode, Process, User};

const WRITE_DAC: u32 = 0x0004_0000;

/// A self-relative descriptor with a DACL of ACCESS_ALLOWED_ACEs, each (mask, authority,
/// subauthority) of a one-subauthority SID, laid out as the WDK's structures are.
fn descriptor(aces: &[(u32, u8, u32)]) -> Vec<u32> {
    let mut bytes = vec![
        1, 0, 0x04, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 20, 0, 0, 0,
    ];
    let acl_size = u16::try_from(8 + 20 * aces.len()).expect("small");
    bytes.extend([2, 0]);
    bytes.extend(acl_size.to_le_bytes());
    bytes.extend(u16::try_from(aces.len()).expect("small").to_le_bytes());
    bytes.extend([0, 0]);
    for &(mask, authority, sub) in aces {
        bytes.extend([0, 0, 20, 0]);
        bytes.extend(mask.to_le_bytes());
        bytes.extend([1, 1, 0, 0, 0, 0, 0, authority]);
        bytes.extend(sub.to_le_bytes());
    }
    // As u32 words: 4-byte aligned, as a descriptor must be.
    bytes
        .chunks(4)
        .map(|word| u32::from_le_bytes(word.try_into().expect("whole words")))
        .collect()
}

const EVERYONE: (u8, u32) = (1, 0);
const OWNER_RIGHTS: (u8, u32) = (3, 4);

/// `ZwCreateEvent` in `process`'s context (as a driver handling its request), with
/// `descriptor`, then a handle for user mode with `SYNCHRONIZE` (`ObOpenObjectByPointer`,
/// UserMode): the status of each.
fn create_and_hand_out(
    kernel: &Kernel,
    process: &Process,
    descriptor: Option<&mut [u32]>,
) -> (nt::NTSTATUS, nt::NTSTATUS, u64) {
    kernel.run_in(process, PreviousMode::KernelMode, || {
        let mut attributes = nt::OBJECT_ATTRIBUTES {
            Length: u32::try_from(size_of::<nt::OBJECT_ATTRIBUTES>()).expect("small"),
            Attributes: nt::OBJ_KERNEL_HANDLE,
            SecurityDescriptor: descriptor.map_or(std::ptr::null_mut(), |d| d.as_mut_ptr().cast()),
            ..Default::default()
        };
        let mut private: nt::HANDLE = std::ptr::null_mut();
        // SAFETY: valid pointers.
        let created = unsafe {
            ntmodel::ZwCreateEvent(
                &raw mut private,
                EVENT_ALL_ACCESS,
                &raw mut attributes,
                nt::_EVENT_TYPE::NotificationEvent,
                0,
            )
        };
        if created != nt::STATUS_SUCCESS {
            return (created, created, 0);
        }
        let mut object: nt::PVOID = std::ptr::null_mut();
        // SAFETY: our kernel handle; a KernelMode reference is not checked.
        let referenced = unsafe {
            ntmodel::ObReferenceObjectByHandle(
                private,
                0,
                std::ptr::null_mut(),
                0,
                &raw mut object,
                std::ptr::null_mut(),
            )
        };
        assert_eq!(referenced, nt::STATUS_SUCCESS);
        // SAFETY: our kernel handle, closed once.
        assert_eq!(unsafe { ntmodel::ZwClose(private) }, nt::STATUS_SUCCESS);
        let mut handle: nt::HANDLE = std::ptr::null_mut();
        // SAFETY: a referenced object and a valid out pointer.
        let opened = unsafe {
            ntmodel::ObOpenObjectByPointer(
                object,
                0,
                std::ptr::null_mut(),
                nt::SYNCHRONIZE,
                std::ptr::null_mut(),
                1,
                &raw mut handle,
            )
        };
        // SAFETY: the reference taken above, released once.
        unsafe { ntmodel::ObfDereferenceObject(object) };
        (created, opened, handle as u64)
    })
}

#[test]
fn without_a_descriptor_a_synchronize_handle_duplicates_to_all_access() {
    let k = Kernel::new();
    let alice = k.create_process("app.exe", User::new("alice"));
    let (_, opened, handle) = create_and_hand_out(&k, &alice, None);
    assert_eq!(opened, nt::STATUS_SUCCESS);
    let wider = alice
        .duplicate(handle, EVENT_ALL_ACCESS)
        .expect("nothing checks");
    assert_eq!(alice.granted_access(wider), Some(EVENT_ALL_ACCESS));
    k.check_no_stop();
}

#[test]
fn a_dacl_granting_synchronize_stops_duplication_beyond_it_but_the_owner_keeps_write_dac() {
    let k = Kernel::new();
    let alice = k.create_process("app.exe", User::new("alice"));
    let mut dacl = descriptor(&[(nt::SYNCHRONIZE, EVERYONE.0, EVERYONE.1)]);
    let (_, opened, handle) = create_and_hand_out(&k, &alice, Some(&mut dacl));
    assert_eq!(opened, nt::STATUS_SUCCESS);
    assert_eq!(
        alice.duplicate(handle, nt::EVENT_MODIFY_STATE),
        Err(nt::STATUS_ACCESS_DENIED)
    );
    let owner = alice
        .duplicate(handle, WRITE_DAC)
        .expect("the owner's implicit right");
    assert_eq!(alice.granted_access(owner), Some(WRITE_DAC));
    k.check_no_stop();
}

#[test]
fn an_owner_rights_entry_replaces_the_owners_implicit_rights() {
    let k = Kernel::new();
    let alice = k.create_process("app.exe", User::new("alice"));
    let mut dacl = descriptor(&[
        (nt::SYNCHRONIZE, EVERYONE.0, EVERYONE.1),
        (nt::SYNCHRONIZE, OWNER_RIGHTS.0, OWNER_RIGHTS.1),
    ]);
    let (_, opened, handle) = create_and_hand_out(&k, &alice, Some(&mut dacl));
    assert_eq!(opened, nt::STATUS_SUCCESS);
    assert_eq!(
        alice.duplicate(handle, WRITE_DAC),
        Err(nt::STATUS_ACCESS_DENIED)
    );
    let same = alice
        .duplicate(handle, nt::SYNCHRONIZE)
        .expect("no more than it has");
    assert_eq!(alice.granted_access(same), Some(nt::SYNCHRONIZE));
    k.check_no_stop();
}

#[test]
fn a_dacl_that_grants_nothing_refuses_the_open_for_user_mode() {
    let k = Kernel::new();
    let alice = k.create_process("app.exe", User::new("alice"));
    let mut dacl = descriptor(&[(nt::EVENT_MODIFY_STATE, OWNER_RIGHTS.0, OWNER_RIGHTS.1)]);
    let (created, opened, _) = create_and_hand_out(&k, &alice, Some(&mut dacl));
    assert_eq!(created, nt::STATUS_SUCCESS);
    assert_eq!(opened, nt::STATUS_ACCESS_DENIED);
    k.check_no_stop();
}

#[test]
fn a_malformed_descriptor_is_refused_and_a_verifier_stop() {
    let k = Kernel::new();
    let alice = k.create_process("app.exe", User::new("alice"));
    let mut bad = descriptor(&[(nt::SYNCHRONIZE, EVERYONE.0, EVERYONE.1)]);
    bad[5] = 0x0000_0003; // ACL revision 3
    let (created, _, _) = create_and_hand_out(&k, &alice, Some(&mut bad));
    assert_eq!(created, nt::STATUS_INVALID_SECURITY_DESCR);
    assert_eq!(k.take_verifier_stops().len(), 1);
}
