//! The probe sandbox's DNS responder on arbitrary datagrams: never panics,
//! a reply (when there is one) echoes the query id.
#![no_main]
use libfuzzer_sys::fuzz_target;
use plainsight_probe::dns::{AddressBook, respond};

fuzz_target!(|data: &[u8]| {
    let mut book = AddressBook::default();
    let (reply, _) = respond(data, &mut book);
    if let Some(r) = reply {
        assert!(r.len() >= 12);
        assert_eq!(&r[..2], &data[..2]);
    }
});
