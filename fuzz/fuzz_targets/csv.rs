//! Any bytes as a CSV file through the batch reader and the batch checker, with each bundled
//! pack's header mapping: every row is a record or an unreadable item with its line, every item
//! is accounted for in input order, nothing panics.
#![no_main]

use kakunin::batch::Item;
use kakunin::input::{Format, read};
use kakunin_fuzz::{check_batch, mapping, pack};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for name in ["hersys", "opendata"] {
        let items: Vec<Item> = read(
            std::io::Cursor::new(data.to_vec()),
            Format::Csv,
            mapping(name),
        )
        .map(|item| match item {
            Ok(record) => Item::Record {
                line: record.line,
                value: record.value,
            },
            Err(bad) => {
                assert!(bad.line >= 1, "an unreadable row names its line");
                Item::Unreadable {
                    line: bad.line,
                    message: bad.message,
                }
            }
        })
        .collect();
        check_batch(&pack(name), items);
    }
});
