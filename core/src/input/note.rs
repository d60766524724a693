//! What the readers tell a user, as data: a [`Note`] on a decision a reader made (a column kept
//! under another key, the sheet it read), and, with the `files` feature, why a file was not
//! opened at all ([`OpenError`]). Each says itself in Japanese or English
//! ([`Note::message`]), so a host shows it in the language of its findings.
//!
//! Headers and sheet names are a file's own words and are quoted as they are; cell values are
//! never part of a note (they may be personal).

use crate::Locale;

/// How many unmapped headers a [`Note::NotMapped`] names; a wide export could have hundreds.
pub(crate) const NAMED_UNMAPPED: usize = 20;

/// The longest header a note shows, in characters.
const SHOWN_HEADER: usize = 40;

/// A decision a reader made that a user should know of.
///
/// ```
/// use kakunin::Locale;
/// use kakunin::input::Note;
///
/// let note = Note::FirstSheet { sheet: "患者一覧".into(), sheets: 2 };
/// assert_eq!(
///     note.message(Locale::En),
///     "sheet `患者一覧` read, the first of 2 sheets; the others are not"
/// );
/// assert!(note.message(Locale::Ja).starts_with("2 シートのうち"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Note {
    /// A column whose record path collides with an earlier column's: its cells are kept under
    /// `key` (its header, or `header (n)`) instead.
    KeptApart {
        /// 1-based column number.
        column: usize,
        /// The column's header.
        header: String,
        /// The key its cells are kept under.
        key: String,
    },
    /// A column that collides with earlier columns under every key it could take: left out.
    Dropped {
        /// 1-based column number.
        column: usize,
        /// The column's header.
        header: String,
    },
    /// Columns the mapping does not know: their cells are kept under their headers as keys,
    /// which no rule reads.
    NotMapped {
        /// The first of them (at most 20), as column number (1-based) and header.
        columns: Vec<(usize, String)>,
        /// How many there are in all.
        count: usize,
    },
    /// No column of the header row is in the mapping: the wrong file or pack, or a file that
    /// is not CSV. The headers are not named: such a "header" is often a record's values.
    NothingMapped,
    /// A workbook's first sheet was read, and not its others.
    FirstSheet {
        /// The sheet's name.
        sheet: String,
        /// How many sheets the workbook has.
        sheets: usize,
    },
    /// A sheet's header is below its first row (a title above it): the rows above are not read.
    HeaderRow {
        /// The sheet's name.
        sheet: String,
        /// The header's row, as the spreadsheet numbers rows.
        row: u64,
    },
    /// A file held no record (noted by a host that counts them: an export that came out empty
    /// would otherwise pass as a file without findings).
    NoRecords,
}

impl Note {
    /// The note as one line of text in `locale`.
    pub fn message(&self, locale: Locale) -> String {
        let ja = locale == Locale::Ja;
        match self {
            Note::KeptApart {
                column,
                header,
                key,
            } => match ja {
                true => format!(
                    "{column} 列目「{header}」は前の列と読み込み先が重なるため、キー「{key}」として読み込みます"
                ),
                false => format!(
                    "column {column} `{header}` collides with an earlier column; kept under the key `{key}`"
                ),
            },
            Note::Dropped { column, header } => match ja {
                true => format!(
                    "{column} 列目「{header}」は前の列と読み込み先が重なるため、読み込みません"
                ),
                false => {
                    format!("column {column} `{header}` collides with earlier columns; dropped")
                }
            },
            Note::NotMapped { columns, count } => not_mapped(columns, *count, ja),
            Note::NothingMapped => match ja {
                true => "見出し行のどの列も対応表（マッピング）にないため、どの記録にも項目が入りません。\
                         ファイルかパックの取り違え、または CSV ではないファイル（名前が .csv の \
                         JSON Lines など）と思われます"
                    .to_owned(),
                false => "no column of the header row is in the mapping, so no record has any \
                          mapped field: most likely the wrong file or the wrong pack, or a file \
                          that is not CSV (such as JSON Lines named .csv)"
                    .to_owned(),
            },
            Note::FirstSheet { sheet, sheets } => match ja {
                true => format!(
                    "{sheets} シートのうち最初のシート「{sheet}」を読み込みました。ほかのシートは読み込みません"
                ),
                false => {
                    format!("sheet `{sheet}` read, the first of {sheets} sheets; the others are not")
                }
            },
            Note::HeaderRow { sheet, row } => match ja {
                true => format!(
                    "シート「{sheet}」: {row} 行目を見出し行としました（値のあるセルが二つ以上ある最初の行）。\
                     それより上の行は読み込みません"
                ),
                false => format!(
                    "sheet `{sheet}`: row {row} is the header (the first with two or more cells \
                     filled); the rows above it are not read"
                ),
            },
            Note::NoRecords => match ja {
                true => "ファイルに記録がありません".to_owned(),
                false => "no records in the file".to_owned(),
            },
        }
    }
}

/// The columns the mapping does not know, named by number and header.
fn not_mapped(columns: &[(usize, String)], count: usize, ja: bool) -> String {
    if let ([(column, header)], 1) = (columns, count) {
        let header = shown(header);
        return match ja {
            true => format!(
                "{column} 列目「{header}」は対応表（マッピング）にない列です。値はキー「{header}」のまま残し、\
                 対応する項目としては読み込みません"
            ),
            false => format!(
                "column {column} `{header}` is not in the mapping; its cells are kept under the \
                 key `{header}`, not read as a mapped field"
            ),
        };
    }
    let named: Vec<String> = columns
        .iter()
        .map(|(column, header)| match ja {
            true => format!("{column} 列目「{}」", shown(header)),
            false => format!("column {column} `{}`", shown(header)),
        })
        .collect();
    let more = count.saturating_sub(columns.len());
    match ja {
        true => {
            let more = match more {
                0 => String::new(),
                n => format!("、ほか {n} 列"),
            };
            format!(
                "対応表（マッピング）にない列が {count} 列あります。値は見出しをキーとして残し、\
                 対応する項目としては読み込みません: {}{more}",
                named.join("、")
            )
        }
        false => {
            let more = match more {
                0 => String::new(),
                n => format!(", and {n} more"),
            };
            format!(
                "{count} columns are not in the mapping; their cells are kept under their headers \
                 as keys, not read as mapped fields: {}{more}",
                named.join(", ")
            )
        }
    }
}

/// A header as a note shows it: on one line, and cut short when long.
fn shown(header: &str) -> String {
    let mut shown: String = (header.chars().take(SHOWN_HEADER))
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if header.chars().nth(SHOWN_HEADER).is_some() {
        shown.push('…');
    }
    shown
}

/// A kind of file no reader takes, told by its first bytes: read as CSV, it would give
/// thousands of unreadable rows and findings about bytes that are not records.
#[cfg(feature = "files")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FileKind {
    /// A ZIP archive (an Excel workbook is one, read when named `.xlsx`).
    Zip,
    /// An empty ZIP archive.
    EmptyZip,
    /// An old (97-2003) Office file, read when named `.xls`.
    OldOffice,
    /// A PDF document.
    Pdf,
    /// A Parquet file.
    Parquet,
    /// A bzip2-compressed file.
    Bzip2,
    /// An xz-compressed file.
    Xz,
    /// A zstd-compressed file.
    Zstd,
    /// A 7z archive.
    SevenZip,
}

#[cfg(feature = "files")]
impl FileKind {
    /// Every kind, for tests and documentation.
    pub const ALL: [FileKind; 9] = [
        FileKind::Zip,
        FileKind::EmptyZip,
        FileKind::OldOffice,
        FileKind::Pdf,
        FileKind::Parquet,
        FileKind::Bzip2,
        FileKind::Xz,
        FileKind::Zstd,
        FileKind::SevenZip,
    ];

    /// The first bytes that show the kind.
    pub(crate) fn magic(self) -> &'static [u8] {
        match self {
            FileKind::Zip => b"PK\x03\x04",
            FileKind::EmptyZip => b"PK\x05\x06",
            FileKind::OldOffice => b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
            FileKind::Pdf => b"%PDF-",
            FileKind::Parquet => b"PAR1",
            FileKind::Bzip2 => b"BZh",
            FileKind::Xz => b"\xfd7zXZ\x00",
            FileKind::Zstd => b"\x28\xb5\x2f\xfd",
            FileKind::SevenZip => b"7z\xbc\xaf\x27\x1c",
        }
    }

    /// What the file is and what to do with it, in `locale`.
    pub fn message(self, locale: Locale) -> String {
        let decompress = |name: &str| match locale {
            Locale::Ja => format!(
                "{name} で圧縮されています。展開してから指定してください（gzip はそのまま読み込めます）"
            ),
            Locale::En => format!("{name}-compressed: decompress it first (gzip is read as it is)"),
        };
        let (ja, en) = match self {
            FileKind::Bzip2 => return decompress("bzip2"),
            FileKind::Xz => return decompress("xz"),
            FileKind::Zstd => return decompress("zstd"),
            FileKind::Zip => (
                "ZIP 圧縮ファイルです。中のファイルを取り出してから指定してください（Excel ブックも \
                 ZIP 形式で、名前が .xlsx で終わるときはブックとして読み込みます）",
                "a ZIP archive: extract the file from it first (an Excel workbook is one, and is \
                 read when its name ends in .xlsx)",
            ),
            FileKind::EmptyZip => ("空の ZIP 圧縮ファイルです", "an empty ZIP archive"),
            FileKind::OldOffice => (
                "旧形式の Office ファイルです。Excel 97-2003 ブックは名前が .xls で終わるときに\
                 読み込みます",
                "an old Office file: an Excel 97-2003 workbook is read when its name ends in .xls",
            ),
            FileKind::Pdf => (
                "PDF 文書です。読み込めるのは JSON Lines、JSON、CSV と Excel ブックです",
                "a PDF document: kakunin reads JSON Lines, JSON, CSV and Excel workbooks",
            ),
            FileKind::Parquet => (
                "Parquet ファイルです。CSV か JSON Lines に変換するか、データフレームに読み込んで\
                 検査してください（Python: check_frame）",
                "a Parquet file: convert it to CSV or JSON Lines, or read it into a frame and check \
                 that (Python: check_frame)",
            ),
            FileKind::SevenZip => (
                "7z 圧縮ファイルです。中のファイルを取り出してから指定してください",
                "a 7z archive: extract the file first",
            ),
        };
        match locale {
            Locale::Ja => ja.to_owned(),
            Locale::En => en.to_owned(),
        }
    }
}

/// Why a file could not be opened for reading (see [`open_file`](super::open_file)).
#[cfg(feature = "files")]
#[derive(Debug)]
#[non_exhaustive]
pub enum Unopened {
    /// There is no file at the path.
    Missing,
    /// The path is a folder.
    Folder,
    /// Its first bytes show a kind of file no reader takes.
    Refused(FileKind),
    /// The system could not open or read it (the system's own words).
    Read(std::io::Error),
}

#[cfg(feature = "files")]
impl Unopened {
    /// Why, as one line of text in `locale`; a system error keeps the system's text.
    pub fn message(&self, locale: Locale) -> String {
        match (self, locale) {
            (Unopened::Missing, Locale::Ja) => "ファイルがありません".to_owned(),
            (Unopened::Missing, Locale::En) => "no such file".to_owned(),
            (Unopened::Folder, Locale::Ja) => {
                "フォルダーです。ファイルを指定してください".to_owned()
            }
            (Unopened::Folder, Locale::En) => "is a folder, not a file".to_owned(),
            (Unopened::Refused(kind), _) => kind.message(locale),
            (Unopened::Read(e), Locale::Ja) => format!("読み込めません: {e}"),
            (Unopened::Read(e), Locale::En) => e.to_string(),
        }
    }
}

/// A file that could not be opened for reading: which, and why. Its `Display` (and the
/// [`Error::Input`](crate::Error::Input) it converts into) is in English; a host speaking the
/// user's language says `error.why.message(locale)` after the path.
#[cfg(feature = "files")]
#[derive(Debug, thiserror::Error)]
#[error("{path}: {}", why.message(Locale::En))]
pub struct OpenError {
    /// The path as given.
    pub path: String,
    /// Why it was not opened.
    pub why: Unopened,
}

#[cfg(feature = "files")]
impl OpenError {
    /// The error as one line in `locale`: the path, then why.
    pub fn message(&self, locale: Locale) -> String {
        format!("{}: {}", self.path, self.why.message(locale))
    }
}

#[cfg(feature = "files")]
impl From<OpenError> for crate::Error {
    fn from(e: OpenError) -> crate::Error {
        crate::Error::Input {
            message: e.why.message(Locale::En),
            path: e.path,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One of every note, with parameters that show in both languages.
    fn every_note() -> Vec<Note> {
        let named = |n: usize| (2..2 + n).map(|c| (c, format!("h{c}"))).collect();
        vec![
            Note::KeptApart {
                column: 3,
                header: "報告日".into(),
                key: "報告日 (3)".into(),
            },
            Note::Dropped {
                column: 4,
                header: "a".into(),
            },
            Note::NotMapped {
                columns: named(1),
                count: 1,
            },
            Note::NotMapped {
                columns: named(2),
                count: 2,
            },
            Note::NotMapped {
                columns: named(NAMED_UNMAPPED),
                count: 25,
            },
            Note::NothingMapped,
            Note::FirstSheet {
                sheet: "Sheet1".into(),
                sheets: 3,
            },
            Note::HeaderRow {
                sheet: "Sheet1".into(),
                row: 3,
            },
            Note::NoRecords,
        ]
    }

    fn is_japanese(text: &str) -> bool {
        text.chars()
            .any(|c| matches!(c, '\u{3040}'..='\u{30ff}' | '\u{4e00}'..='\u{9fff}'))
    }

    #[test]
    fn every_note_says_itself_in_both_languages() {
        for note in every_note() {
            let (ja, en) = (note.message(Locale::Ja), note.message(Locale::En));
            assert!(!ja.is_empty() && !en.is_empty(), "{note:?}");
            assert_ne!(ja, en, "{note:?}");
            assert!(is_japanese(&ja), "{ja}");
            // Headers in an English note are the file's own words; the rest is English.
            assert!(!en.contains('。') && !en.contains('「'), "{en}");
            assert!(!ja.contains('\n') && !en.contains('\n'), "{note:?}");
        }
    }

    #[test]
    fn the_numbers_and_names_a_note_holds_show_in_both_languages() {
        for note in every_note() {
            let words: Vec<String> = match &note {
                Note::KeptApart {
                    column,
                    header,
                    key,
                } => vec![column.to_string(), header.clone(), key.clone()],
                Note::Dropped { column, header } => vec![column.to_string(), header.clone()],
                Note::NotMapped { columns, count } => {
                    let mut words: Vec<String> = columns.iter().map(|(_, h)| h.clone()).collect();
                    // One column is named alone, without a count.
                    if *count > 1 {
                        words.push(count.to_string());
                    }
                    words
                }
                Note::FirstSheet { sheet, sheets } => vec![sheet.clone(), sheets.to_string()],
                Note::HeaderRow { sheet, row } => vec![sheet.clone(), row.to_string()],
                _ => Vec::new(),
            };
            for locale in [Locale::Ja, Locale::En] {
                let text = note.message(locale);
                for word in &words {
                    assert!(text.contains(word.as_str()), "{word} in {text}");
                }
            }
        }
        // Beyond the columns named, only how many more.
        let many = Note::NotMapped {
            columns: (1..=NAMED_UNMAPPED).map(|c| (c, format!("h{c}"))).collect(),
            count: 25,
        };
        assert!(many.message(Locale::En).ends_with(", and 5 more"));
        assert!(many.message(Locale::Ja).ends_with("、ほか 5 列"));
    }

    #[test]
    fn a_long_or_broken_header_is_shown_on_one_line_and_cut() {
        let header = format!("{}\nmore", "x".repeat(60));
        let note = Note::NotMapped {
            columns: vec![(2, header)],
            count: 1,
        };
        for locale in [Locale::Ja, Locale::En] {
            let text = note.message(locale);
            assert!(text.contains(&format!("{}…", "x".repeat(40))), "{text}");
            assert!(!text.contains('\n'), "{text}");
        }
    }

    #[test]
    #[cfg(feature = "files")]
    fn every_refusal_and_failure_to_open_says_itself_in_both_languages() {
        let mut whys: Vec<Unopened> = FileKind::ALL.into_iter().map(Unopened::Refused).collect();
        whys.push(Unopened::Missing);
        whys.push(Unopened::Folder);
        whys.push(Unopened::Read(std::io::Error::other("disk on fire")));
        for why in whys {
            let (ja, en) = (why.message(Locale::Ja), why.message(Locale::En));
            assert!(!ja.is_empty() && !en.is_empty(), "{why:?}");
            assert_ne!(ja, en, "{why:?}");
            assert!(is_japanese(&ja), "{ja}");
            assert!(!is_japanese(&en), "{en}");
        }
        // A system error keeps the system's words in either language.
        let read = Unopened::Read(std::io::Error::other("disk on fire"));
        assert!(read.message(Locale::Ja).contains("disk on fire"));
        let error = OpenError {
            path: "a.csv".into(),
            why: Unopened::Missing,
        };
        assert_eq!(error.to_string(), "a.csv: no such file");
        assert_eq!(error.message(Locale::Ja), "a.csv: ファイルがありません");
        assert!(matches!(
            crate::Error::from(error),
            crate::Error::Input { path, message } if path == "a.csv" && message == "no such file"
        ));
    }
}
