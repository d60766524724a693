//! Opening an input file for the readers: a gzip-compressed file is read through, a workbook
//! (named `.xlsx`, `.xls`, ...) is left to its reader, and a kind of file no reader takes (a ZIP
//! archive, a PDF, a Parquet file, another compression) is refused with what to do instead.
//! Read as CSV, such a file would give thousands of unreadable rows and findings about bytes
//! that are not records.

use std::fs::File;
use std::io::{BufReader, Cursor, ErrorKind, Read};
use std::path::Path;

use super::note::{FileKind, OpenError, Unopened};

/// The first bytes of a gzip stream (RFC 1952).
const GZIP: &[u8] = &[0x1f, 0x8b];

/// Opens `path` as the readers of this module take it: see [`unpacked`]. A path that is no
/// file, or a file that cannot be read, is an [`OpenError`] naming it.
pub fn open_file(path: &Path) -> Result<Box<dyn Read + Send>, OpenError> {
    let failed = |why: Unopened| OpenError {
        path: path.display().to_string(),
        why,
    };
    if path.is_dir() {
        return Err(failed(Unopened::Folder));
    }
    let file = File::open(path).map_err(|e| match e.kind() {
        ErrorKind::NotFound => failed(Unopened::Missing),
        _ => failed(Unopened::Read(e)),
    })?;
    if super::Format::from_extension(path) == Some(super::Format::Workbook) {
        // A workbook is a ZIP archive (or an old Office file): its own reader opens it.
        return Ok(Box::new(file));
    }
    unpacked(file).map_err(failed)
}

/// `reader`, decompressed when it is gzip (`.csv.gz`, `.jsonl.gz`: also several gzip members
/// one after another); [`Unopened::Refused`], which says what to do, when its first bytes show
/// a kind of file no reader takes.
pub fn unpacked<R: Read + Send + 'static>(mut reader: R) -> Result<Box<dyn Read + Send>, Unopened> {
    let mut magic = [0u8; 8];
    let mut len = 0;
    while len < magic.len() {
        match reader.read(&mut magic[len..]) {
            Ok(0) => break,
            Ok(n) => len += n,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(Unopened::Read(e)),
        }
    }
    let magic = &magic[..len];
    let whole = Cursor::new(magic.to_vec()).chain(reader);
    if magic.starts_with(GZIP) {
        let gzip = flate2::read::MultiGzDecoder::new(BufReader::new(whole));
        return Ok(Box::new(gzip));
    }
    match refused(magic) {
        Some(kind) => Err(Unopened::Refused(kind)),
        None => Ok(Box::new(whole)),
    }
}

/// The kind of file no reader takes that `magic`, a file's first bytes, shows, if any.
fn refused(magic: &[u8]) -> Option<FileKind> {
    FileKind::ALL
        .into_iter()
        .find(|kind| magic.starts_with(kind.magic()))
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut out = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        out.write_all(bytes).expect("written to memory");
        out.finish().expect("written to memory")
    }

    fn read_all(bytes: Vec<u8>) -> Result<Vec<u8>, String> {
        let mut out = Vec::new();
        unpacked(Cursor::new(bytes))
            .map_err(|why| why.message(crate::Locale::En))?
            .read_to_end(&mut out)
            .map_err(|e| e.to_string())?;
        Ok(out)
    }

    #[test]
    fn plain_files_are_read_as_they_are_even_when_shorter_than_a_magic_number() {
        for text in [
            &b""[..],
            b"{",
            b"id,age\n",
            b"{\"id\": \"a\"}\n{\"id\": \"b\"}\n",
        ] {
            assert_eq!(read_all(text.to_vec()), Ok(text.to_vec()));
        }
    }

    #[test]
    fn gzip_is_read_through_and_members_one_after_another_are_one_file() {
        let mut bytes = gzip(b"{\"id\": \"a\"}\n");
        bytes.extend(gzip(b"{\"id\": \"b\"}\n"));
        assert_eq!(
            read_all(bytes),
            Ok(b"{\"id\": \"a\"}\n{\"id\": \"b\"}\n".to_vec())
        );
    }

    #[test]
    fn a_cut_gzip_stream_is_a_read_error_not_a_panic() {
        let bytes = gzip(&b"id,age\n1,2\n".repeat(1000));
        let cut = bytes[..bytes.len() / 2].to_vec();
        assert!(read_all(cut).is_err());
    }

    #[test]
    fn workbooks_archives_and_other_compressions_are_refused_with_what_to_do() {
        let cases: [(&[u8], &str); 5] = [
            (b"PK\x03\x04\x14\x00\x06\x00", "extract the file"),
            (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", ".xls"),
            (b"%PDF-1.7\n", "PDF"),
            (b"BZh91AY&SY", "decompress it first"),
            (b"PAR1\x15\x04", "Parquet"),
        ];
        for (bytes, says) in cases {
            let error = read_all(bytes.to_vec()).expect_err("refused");
            assert!(error.contains(says), "{error}");
        }
    }

    #[test]
    fn a_missing_file_or_a_folder_names_itself() {
        let error = open_file(Path::new("/no/such/file.csv.gz")).err();
        assert!(
            matches!(&error, Some(OpenError { path, why: Unopened::Missing }) if path == "/no/such/file.csv.gz"),
            "{error:?}"
        );
        let error = open_file(Path::new(env!("CARGO_MANIFEST_DIR"))).err();
        assert!(
            matches!(
                &error,
                Some(OpenError {
                    why: Unopened::Folder,
                    ..
                })
            ),
            "{error:?}"
        );
    }

    #[test]
    fn each_kind_refused_is_told_by_its_own_first_bytes() {
        for kind in FileKind::ALL {
            let mut bytes = kind.magic().to_vec();
            bytes.extend(b"rest of the file");
            assert_eq!(refused(&bytes), Some(kind));
        }
    }
}
