//! What a script's source says without running it: the source without its comments (what the
//! browser's packs carry), and the fields of `record` it reads and the field paths it names
//! (what `kakunin rules lint` holds against the record schema and the rule's `reads`).
//!
//! A small lexer, not rhai's parser: it knows comments (nested block comments too), strings,
//! characters and backtick strings with their `${…}` code, which is all it needs to tell code
//! from text.

/// A script's source read once: see the module docs.
struct Lexed {
    /// The source without comments; line breaks stay, so lines keep their numbers.
    kept: String,
    /// `kept` with the text of every literal blanked (quotes and line breaks stay): only code.
    code: String,
    /// Each double-quoted string: its text as written, its line, and the span in `code` of
    /// the string with its quotes.
    strings: Vec<Literal>,
}

/// A double-quoted string of a script (see [`Lexed::strings`]).
struct Literal {
    text: String,
    line: usize,
    span: std::ops::Range<usize>,
}

/// Where the lexer is, besides plain code: inside a backtick string, or inside one's `${…}`
/// with the number of braces opened since.
enum Inside {
    Backtick,
    Interpolation(usize),
}

impl Lexed {
    fn of(source: &str) -> Lexed {
        let mut lexed = Lexed {
            kept: String::with_capacity(source.len()),
            code: String::with_capacity(source.len()),
            strings: Vec::new(),
        };
        let mut line = 1;
        let mut nesting: Vec<Inside> = Vec::new();
        let mut chars = source.chars().peekable();
        while let Some(c) = chars.next() {
            if let Some(Inside::Backtick) = nesting.last() {
                if c == '`' {
                    lexed.push(c);
                    nesting.pop();
                } else if c == '$' && chars.peek() == Some(&'{') {
                    lexed.push(c);
                    lexed.push(chars.next().unwrap_or('{'));
                    nesting.push(Inside::Interpolation(0));
                } else {
                    line += usize::from(c == '\n');
                    lexed.push_text(c);
                }
                continue;
            }
            match (c, chars.peek()) {
                ('/', Some('/')) => {
                    while chars.next_if(|&c| c != '\n').is_some() {}
                    lexed.trim_line_end();
                }
                ('/', Some('*')) => {
                    chars.next();
                    // Block comments nest in rhai.
                    let (mut depth, mut breaks) = (1, 0);
                    while depth > 0 {
                        match (chars.next(), chars.peek()) {
                            (Some('/'), Some('*')) => (depth, _) = (depth + 1, chars.next()),
                            (Some('*'), Some('/')) => (depth, _) = (depth - 1, chars.next()),
                            (Some('\n'), _) => breaks += 1,
                            (Some(_), _) => {}
                            (None, _) => break,
                        }
                    }
                    if breaks == 0 {
                        // A space keeps `a/* */b` two tokens.
                        lexed.push(' ');
                    } else {
                        lexed.trim_line_end();
                        (0..breaks).for_each(|_| lexed.push('\n'));
                        line += breaks;
                    }
                }
                ('"' | '\'', _) => {
                    let (first_line, start, mut text) = (line, lexed.code.len(), String::new());
                    lexed.push(c);
                    while let Some(inner) = chars.next() {
                        if inner == c {
                            lexed.push(c);
                            break;
                        }
                        text.push(inner);
                        line += usize::from(inner == '\n');
                        lexed.push_text(inner);
                        if inner == '\\'
                            && let Some(escaped) = chars.next()
                        {
                            text.push(escaped);
                            line += usize::from(escaped == '\n');
                            lexed.push_text(escaped);
                        }
                    }
                    if c == '"' {
                        lexed.strings.push(Literal {
                            text,
                            line: first_line,
                            span: start..lexed.code.len(),
                        });
                    }
                }
                ('`', _) => {
                    lexed.push(c);
                    nesting.push(Inside::Backtick);
                }
                ('{', _) => {
                    lexed.push(c);
                    if let Some(Inside::Interpolation(braces)) = nesting.last_mut() {
                        *braces += 1;
                    }
                }
                ('}', _) => {
                    lexed.push(c);
                    match nesting.last_mut() {
                        Some(Inside::Interpolation(0)) => _ = nesting.pop(),
                        Some(Inside::Interpolation(braces)) => *braces -= 1,
                        _ => {}
                    }
                }
                _ => {
                    line += usize::from(c == '\n');
                    lexed.push(c);
                }
            }
        }
        lexed
    }

    /// Code, or a literal's quote.
    fn push(&mut self, c: char) {
        self.kept.push(c);
        self.code.push(c);
    }

    /// A character of a literal's text: blanked in `code`, line breaks aside.
    fn push_text(&mut self, c: char) {
        self.kept.push(c);
        self.code.push(if c == '\n' { '\n' } else { ' ' });
    }

    /// Drops the spaces a comment leaves at the end of its line (they are code, never text: a
    /// comment starts in code).
    fn trim_line_end(&mut self) {
        for out in [&mut self.kept, &mut self.code] {
            out.truncate(out.trim_end_matches([' ', '\t']).len());
        }
    }
}

/// A script's source without its comments, for packs stored for checking (the browser's module
/// carries no documentation). Line breaks stay, so an error names the line it would name in the
/// file; strings, characters and the code inside `${…}` of backtick strings pass through as
/// written.
pub(crate) fn without_comments(source: &str) -> String {
    Lexed::of(source).kept
}

/// One step of a [`RecordRead`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Step {
    /// `.name` or `?.name`.
    Key(String),
    /// `[…]`: an element of an array (or a key computed as the script runs).
    Index,
}

/// A chain of reads of the script's `record` (`record.tests[i]?.method`), up to the first
/// method call or anything else.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RecordRead {
    pub(crate) line: usize,
    /// The chain as written.
    pub(crate) text: String,
    pub(crate) steps: Vec<Step>,
}

/// What a script reads and names: its chains of reads of `record` and its strings written as
/// whole field paths, from one reading of its source.
pub(crate) struct ScriptReads {
    /// See [`RecordRead`].
    pub(crate) chains: Vec<RecordRead>,
    /// The double-quoted strings written like whole field paths (`"/record/died_on"`,
    /// `"/tests/0/method"`), with their lines: the paths its findings name. A string joined to
    /// others with `+` is a piece of a path, not one.
    pub(crate) paths: Vec<(usize, String)>,
}

/// What the script `source` reads and names (see [`ScriptReads`]).
pub(crate) fn reads(source: &str) -> ScriptReads {
    let lexed = Lexed::of(source);
    ScriptReads {
        chains: record_reads(&lexed.code),
        paths: named_paths(lexed),
    }
}

/// Every chain of reads of `record` in a script's `code` (its literals blanked).
fn record_reads(code: &str) -> Vec<RecordRead> {
    let is_ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let bytes = code.as_bytes();
    let mut reads = Vec::new();
    let mut at = 0;
    while let Some(found) = code[at..].find("record") {
        let start = at + found;
        let mut end = start + "record".len();
        at = end;
        // `record` the variable: not part of a longer name, nor a property (`x.record`).
        let joined_before = start > 0 && (is_ident(bytes[start - 1]) || bytes[start - 1] == b'.');
        if joined_before || bytes.get(end).copied().is_some_and(is_ident) {
            continue;
        }
        let mut steps = Vec::new();
        loop {
            let rest = &code[end..];
            if let Some(after) = rest.strip_prefix("?.").or_else(|| rest.strip_prefix('.')) {
                let name_len = after.bytes().take_while(|&b| is_ident(b)).count();
                let name_end = end + (rest.len() - after.len()) + name_len;
                // A method call (`record.tests.len()`) reads no field.
                if name_len == 0 || code[name_end..].trim_start().starts_with('(') {
                    break;
                }
                steps.push(Step::Key(after[..name_len].to_owned()));
                end = name_end;
            } else if let Some(open) = ["[", "?["].iter().find_map(|o| rest.strip_prefix(o)) {
                let mut depth = 1;
                let Some(close) = open.bytes().position(|b| {
                    depth += i32::from(b == b'[') - i32::from(b == b']');
                    depth == 0
                }) else {
                    break;
                };
                steps.push(Step::Index);
                end += rest.len() - open.len() + close + 1;
            } else {
                break;
            }
        }
        if !steps.is_empty() {
            reads.push(RecordRead {
                line: code[..start].matches('\n').count() + 1,
                text: code[start..end].to_owned(),
                steps,
            });
        }
        at = end;
    }
    reads
}

/// The strings of a script written like whole field paths (see [`ScriptReads::paths`]).
fn named_paths(lexed: Lexed) -> Vec<(usize, String)> {
    let path_like = |text: &str| {
        text.len() > 1
            && text.starts_with('/')
            && !text.ends_with('/')
            && text
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'/' | b'*'))
    };
    let Lexed { code, strings, .. } = lexed;
    let joined = |span: &std::ops::Range<usize>| {
        code[..span.start].trim_end().ends_with('+')
            || code[span.end..].trim_start().starts_with('+')
    };
    strings
        .into_iter()
        .filter(|s| path_like(&s.text) && !joined(&s.span))
        .map(|s| (s.line, s.text))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rhai::Engine;

    #[test]
    fn comments_go_and_everything_else_stays() {
        let source = r#"// what this script does
let url = "http://a/*b*/\"//"; /* a block
   over two lines */ let slash = '/';
let a = 1/* tight */+2;
let text = `x // ${ if a > 2 { "}" } else { "{" } } /* y */ ${ `inner ${a}` }`;    // trailing
/* outer /* nested */ still outer */ url + slash + a + text
"#;
        let stripped = without_comments(source);
        for gone in ["what this", "a block", "tight", "trailing", "outer"] {
            assert!(!stripped.contains(gone), "{gone:?} stays in\n{stripped}");
        }
        assert_eq!(stripped.lines().count(), source.lines().count());
        assert!(
            stripped.lines().all(|line| line == line.trim_end()),
            "{stripped}"
        );
        let engine = Engine::new();
        let run = |text: &str| engine.eval::<String>(text).map_err(|e| e.to_string());
        let expected = r#"http://a/*b*/"///3x // } /* y */ inner 3"#;
        assert_eq!(run(source).as_deref(), Ok(expected));
        assert_eq!(run(&stripped).as_deref(), Ok(expected));
    }

    #[test]
    fn unterminated_comments_and_strings_do_not_panic() {
        for source in [
            "/* open",
            "\"open // x",
            "`open ${ {",
            "'",
            "x // y",
            "/",
            "`${}`}",
        ] {
            let stripped = without_comments(source);
            assert!(
                stripped.len() <= source.len() + 1,
                "{source:?} -> {stripped:?}"
            );
        }
    }

    #[test]
    fn chains_read_from_record_up_to_a_method_call() {
        let source = r#"// record.commented.out
let a = record.notification?.died_on; let b = record.tests[i].method;
let n = record.tests.len(); let s = "record.in_text";
let c = record?.record?.care_status; let d = my_record.x; let e = x.record.y;
let f = record.tests[record.index[0]]?.result; `${record.basic.sex}`
"#;
        let chains = reads(source).chains;
        let found: Vec<(usize, &str)> = chains.iter().map(|r| (r.line, r.text.as_str())).collect();
        let expected = [
            (2, "record.notification?.died_on"),
            (2, "record.tests[i].method"),
            (3, "record.tests"),
            (4, "record?.record?.care_status"),
            (5, "record.tests[record.index[0]]?.result"),
            (5, "record.basic.sex"),
        ];
        assert_eq!(found, expected);
        let steps = &reads("record.tests[i].method").chains[0].steps;
        let key = |k: &str| Step::Key(k.to_owned());
        assert_eq!(steps, &[key("tests"), Step::Index, key("method")]);
    }

    #[test]
    fn named_paths_are_strings_written_like_paths() {
        let source = r#"let p = "/record/died_on"; // "/in/a/comment"
let q = ["/tests/0/method", "/tests/*/result", "not/a/path", "/", "a b", "/piece/"];
let joined = "/observations/" + i + "/spo2"; let one = x + "/spo2";
let r = `/backtick/${x}`;"#;
        let paths = reads(source).paths;
        let found: Vec<(usize, &str)> = paths.iter().map(|(l, p)| (*l, p.as_str())).collect();
        let expected = [
            (1, "/record/died_on"),
            (2, "/tests/0/method"),
            (2, "/tests/*/result"),
        ];
        assert_eq!(found, expected);
    }

    proptest::proptest! {
        /// Whatever a rule author writes, the lexer ends: no panic, lines kept, nothing longer.
        #[test]
        fn any_source_lexes(source in r#"([a-z_ .?\[\]"'`${}/*\\+\n]|record|//|/\*|\*/|日本){0,80}"#) {
            let kept = without_comments(&source);
            proptest::prop_assert_eq!(kept.matches('\n').count(), source.matches('\n').count());
            proptest::prop_assert!(kept.len() <= source.len() + source.matches("*/").count());
            let ScriptReads { chains, paths } = reads(&source);
            for read in chains {
                proptest::prop_assert!(read.text.starts_with("record") && !read.steps.is_empty());
            }
            for (line, path) in paths {
                proptest::prop_assert!(line >= 1 && path.starts_with('/'));
            }
        }
    }
}
