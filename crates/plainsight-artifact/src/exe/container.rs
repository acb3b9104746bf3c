//! ELF / PE / Mach-O: recognise the container and find named sections or ELF
//! notes as byte ranges of the mapped file, so readers borrow slices instead of
//! copying. Only headers are parsed (the `object` crate, read-only, no
//! allocation proportional to the file); a container that does not parse is
//! not fatal — readers fall back to scanning for their own markers.

use std::ops::Range;

use object::read::elf::{FileHeader, ProgramHeader};
use object::read::pe::{ImageNtHeaders, ResourceDirectoryEntryData, ResourceNameOrId};
use object::{Object, ObjectSection};

/// The container kinds we recognise by magic.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Elf,
    Pe,
    MachO,
    /// Universal (fat) Mach-O: several slices; sections are not looked up.
    MachOFat,
}

impl Kind {
    /// Operating system the container targets, for reports.
    pub fn os(self) -> &'static str {
        match self {
            Kind::Elf => "linux",
            Kind::Pe => "windows",
            Kind::MachO | Kind::MachOFat => "macos",
        }
    }
}

/// Recognise an executable by its magic number; `None` for anything else.
pub fn sniff(b: &[u8]) -> Option<Kind> {
    let magic = |n: usize| b.get(..n);
    if magic(4) == Some(b"\x7fELF") {
        return Some(Kind::Elf);
    }
    if magic(2) == Some(b"MZ") {
        // A DOS stub alone is not enough: require the PE header it points to.
        let pe_off = b
            .get(0x3c..0x40)
            .map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]) as usize)?;
        return (b.get(pe_off..pe_off.checked_add(4)?) == Some(b"PE\0\0")).then_some(Kind::Pe);
    }
    let m = b.get(..4)?;
    let le = u32::from_le_bytes([m[0], m[1], m[2], m[3]]);
    match le {
        0xfeed_face | 0xfeed_facf => Some(Kind::MachO),
        // Fat headers are big-endian; 0xcafebabe is also a Java class file, told
        // apart by the slice count (Java's minor/major version is much larger).
        0xbeba_feca => {
            let n = u32::from_be_bytes(b.get(4..8)?.try_into().ok()?);
            (1..=16).contains(&n).then_some(Kind::MachOFat)
        }
        _ => None,
    }
}

/// File range of the first section called `name` (for Mach-O, the section
/// name without its segment, e.g. `__bun`). `None` if the container does not
/// parse or has no such section.
pub fn section(b: &[u8], names: &[&str]) -> Option<Range<usize>> {
    let file = object::File::parse(b).ok()?;
    for s in file.sections() {
        let Ok(n) = s.name() else { continue };
        if names.contains(&n) {
            let (off, len) = s.file_range()?;
            let start = usize::try_from(off).ok()?;
            let end = start.checked_add(usize::try_from(len).ok()?)?;
            if end <= b.len() {
                return Some(start..end);
            }
        }
    }
    None
}

/// Byte range of the descriptor of the first ELF note named `name` in a
/// `PT_NOTE` segment. postject writes the SEA blob this way and leaves the
/// section headers unnamed, so program headers are the reliable path.
pub fn elf_note(b: &[u8], name: &[u8]) -> Option<Range<usize>> {
    if b.get(4) == Some(&2) {
        elf_note_in::<object::elf::FileHeader64<object::Endianness>>(b, name)
    } else {
        elf_note_in::<object::elf::FileHeader32<object::Endianness>>(b, name)
    }
}

fn elf_note_in<H: FileHeader<Endian = object::Endianness>>(
    b: &[u8],
    name: &[u8],
) -> Option<Range<usize>> {
    // Header and program headers only: a file truncated in its section
    // header table (at the very end) still has its notes.
    let header = H::parse(b).ok()?;
    let endian = header.endian().ok()?;
    for ph in header.program_headers(endian, b).ok()? {
        let Ok(Some(mut notes)) = ph.notes(endian, b) else {
            continue;
        };
        while let Ok(Some(note)) = notes.next() {
            if note.name() == name {
                return Some(subslice_range(b, note.desc()));
            }
        }
    }
    None
}

/// PE resource type of raw data (`RT_RCDATA`), where postject puts blobs.
pub const RT_RCDATA: u16 = 10;

/// File range of the PE resource of type `type_id` named `name` (first
/// language). Resource names are UTF-16 and compared case-insensitively, as
/// Windows' `FindResource` does. `None` if the file is not PE, has no such
/// resource, or the resource points outside the file.
pub fn pe_resource(b: &[u8], type_id: u16, name: &str) -> Option<Range<usize>> {
    match object::read::pe::PeFile64::parse(b) {
        Ok(f) => pe_resource_in(b, &f, type_id, name),
        Err(_) => pe_resource_in(
            b,
            &object::read::pe::PeFile32::parse(b).ok()?,
            type_id,
            name,
        ),
    }
}

fn pe_resource_in<Pe: ImageNtHeaders>(
    b: &[u8],
    file: &object::read::pe::PeFile<'_, Pe>,
    type_id: u16,
    name: &str,
) -> Option<Range<usize>> {
    let sections = file.section_table();
    let dir = file
        .data_directories()
        .resource_directory(b, &sections)
        .ok()??;
    let of_type = dir
        .root()
        .ok()?
        .entries
        .iter()
        .find(|e| matches!(e.name_or_id(), ResourceNameOrId::Id(id) if id == type_id))?
        .data(dir)
        .ok()?
        .table()?;
    let named = of_type.entries.iter().find(|e| match e.name_or_id() {
        ResourceNameOrId::Name(n) => n
            .to_string_lossy(dir)
            .is_ok_and(|s| s.eq_ignore_ascii_case(name)),
        ResourceNameOrId::Id(_) => false,
    })?;
    let entry = match named.data(dir).ok()? {
        ResourceDirectoryEntryData::Data(d) => d,
        // Usually one more level: languages.
        ResourceDirectoryEntryData::Table(langs) => {
            langs.entries.first()?.data(dir).ok()?.data()?
        }
    };
    let rva = entry.offset_to_data.get(object::LittleEndian);
    let size = usize::try_from(entry.size.get(object::LittleEndian)).ok()?;
    let (at, avail) = sections.pe_file_range_at(rva)?;
    let start = usize::try_from(at).ok()?;
    let end = start.checked_add(size.min(usize::try_from(avail).ok()?))?;
    (end <= b.len()).then_some(start..end)
}

/// Range of `sub` inside `whole` (`sub` must borrow from `whole`).
pub fn subslice_range(whole: &[u8], sub: &[u8]) -> Range<usize> {
    let start = (sub.as_ptr() as usize)
        .saturating_sub(whole.as_ptr() as usize)
        .min(whole.len());
    start..(start + sub.len()).min(whole.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_magic_and_rejects_text() {
        assert_eq!(sniff(b"\x7fELF\x02\x01\x01"), Some(Kind::Elf));
        assert_eq!(
            sniff(&[0xcf, 0xfa, 0xed, 0xfe, 7, 0, 0, 1]),
            Some(Kind::MachO)
        );
        assert_eq!(
            sniff(b"MZ"),
            None,
            "a DOS stub without a PE header is not an executable"
        );
        assert_eq!(sniff(b"hello world"), None);
        assert_eq!(sniff(b""), None);
        // Java class file: cafebabe followed by a large version number.
        assert_eq!(sniff(&[0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 0x41]), None);
        assert_eq!(
            sniff(&[0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 2]),
            Some(Kind::MachOFat)
        );
    }

    #[test]
    fn garbage_after_magic_has_no_sections() {
        let mut b = b"\x7fELF\x02\x01\x01".to_vec();
        b.resize(100, 0xff);
        assert_eq!(section(&b, &[".bun"]), None);
        assert_eq!(elf_note(&b, b"NODE_SEA_BLOB"), None);
    }
}
