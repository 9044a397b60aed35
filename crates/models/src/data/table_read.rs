//! Reading CSV text into columns: the delimiter, the header, each field as a number, text or
//! a missing value, and large files in parallel chunks.

use super::table::{Column, MAX_KEPT_CATEGORIES, MAX_MAGNITUDE};
use super::{DataError, ReadOptions};
use csv::{ByteRecord, ReaderBuilder};
use std::collections::HashMap;
use std::fs::File;
use std::io::{BufReader, Cursor, Read, Seek, SeekFrom};
use std::path::Path;

/// Files at least this large are read in parallel chunks, one per core.
const PARALLEL_MIN_BYTES: u64 = 8 << 20;

/// How many bytes the delimiter and line ends are detected from.
const PREFIX_BYTES: u64 = 1 << 16;

/// What reading a CSV text gave: the delimiter, the column names, the columns and each row's
/// line.
pub(super) struct ReadTable {
    pub(super) delimiter: u8,
    pub(super) names: Vec<String>,
    pub(super) columns: Vec<Column>,
    pub(super) lines: Vec<u64>,
}

/// Reads CSV text from `reader`; when `file` gives the text's path and size and the text is
/// large, the data rows are read in parallel chunks of the file.
pub(super) fn read_table<R: Read>(
    reader: R,
    source: &str,
    options: &ReadOptions,
    file: Option<(&Path, u64)>,
) -> Result<ReadTable, DataError> {
    read_table_from(reader, source, options, file, PARALLEL_MIN_BYTES, 0)
}

/// Reads a chunk of a CSV file: its header line followed by some of its data rows, the first
/// of them from line `first_line` of the file (for the lines of the rows and of errors).
pub(super) fn read_chunk(
    text: &[u8],
    source: &str,
    options: &ReadOptions,
    first_line: u64,
) -> Result<ReadTable, DataError> {
    // In the chunk, the first data row is on line 2.
    read_table_from(text, source, options, None, u64::MAX, first_line - 2)
}

/// [`read_table`], reading files of at least `parallel_min` bytes in parallel, and counting
/// lines from `line_offset` after the text's first.
fn read_table_from<R: Read>(
    mut reader: R,
    source: &str,
    options: &ReadOptions,
    file: Option<(&Path, u64)>,
    parallel_min: u64,
    line_offset: u64,
) -> Result<ReadTable, DataError> {
    let io = |e: std::io::Error| DataError::Io {
        path: source.into(),
        message: e.to_string(),
    };
    let mut prefix = Vec::with_capacity(PREFIX_BYTES as usize);
    (&mut reader)
        .take(PREFIX_BYTES)
        .read_to_end(&mut prefix)
        .map_err(io)?;
    let bom = if prefix.starts_with(b"\xEF\xBB\xBF") {
        3
    } else {
        0
    };
    let delimiter = options
        .delimiter
        .unwrap_or_else(|| detect_delimiter(&prefix[bom..]));
    let first_break = prefix.iter().position(|&b| b == b'\n');
    let crlf = first_break.is_some_and(|i| i > 0 && prefix[i - 1] == b'\r');
    // The header ends at the first line break unless a quote could hide one in a field.
    let header_end = first_break
        .filter(|&i| !prefix[..i].contains(&b'"'))
        .map(|i| i as u64 + 1);
    let mut rdr = csv_reader(Cursor::new(prefix).chain(reader), delimiter);
    let mut record = ByteRecord::new();
    if !next_record(&mut rdr, &mut record, source, 0)? {
        return Err(empty_file(source));
    }
    let names = header_names(source, &record)?;
    let layout = Layout {
        source,
        names: &names,
        missing: &MissingMarkers::new(&options.missing_values),
        crlf,
        line_offset,
    };
    let parallel = match (file, header_end) {
        (Some((path, len)), Some(start)) if len >= parallel_min => {
            read_parallel(path, start, len, delimiter, &layout)
        }
        _ => None,
    };
    let rows = match parallel {
        Some(rows) => rows,
        None => read_rows(&mut rdr, &layout)?,
    };
    if rows.lines.is_empty() {
        return Err(DataError::Empty {
            path: source.into(),
            what: "the header (line 1) is followed by no data rows; add one row per sample".into(),
        });
    }
    let n = rows.lines.len();
    let columns = rows
        .columns
        .into_iter()
        .enumerate()
        .map(|(c, b)| b.finish(n, source, c, &names[c]))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(ReadTable {
        delimiter,
        names,
        columns,
        lines: rows.lines,
    })
}

/// A CSV reader of the whole text: no header handling, rows of any length (checked here).
fn csv_reader<R: Read>(reader: R, delimiter: u8) -> csv::Reader<LastByte<R>> {
    ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .buffer_capacity(1 << 16)
        .from_reader(LastByte {
            inner: reader,
            last: 0,
        })
}

fn next_record<R: Read>(
    rdr: &mut csv::Reader<R>,
    record: &mut ByteRecord,
    source: &str,
    line_offset: u64,
) -> Result<bool, DataError> {
    rdr.read_byte_record(record)
        .map_err(|e| DataError::Malformed {
            path: source.into(),
            line: e.position().map(|p| p.line() + line_offset),
            message: e.to_string(),
        })
}

/// What every chunk of rows is read against.
struct Layout<'a> {
    source: &'a str,
    names: &'a [String],
    missing: &'a MissingMarkers,
    crlf: bool,
    /// Added to every line counted in the text read.
    line_offset: u64,
}

/// Data rows read: a builder per column, each row's line, whether a field held a line break,
/// and how many line breaks the reader went past.
struct Rows {
    columns: Vec<ColumnBuilder>,
    lines: Vec<u64>,
    multiline: bool,
    line_breaks: u64,
}

/// Reads every remaining record of `rdr` as a data row. Lines count from the reader's start.
fn read_rows<R: Read>(
    rdr: &mut csv::Reader<LastByte<R>>,
    layout: &Layout,
) -> Result<Rows, DataError> {
    let names = layout.names;
    let mut columns: Vec<ColumnBuilder> = names.iter().map(|_| ColumnBuilder::default()).collect();
    let mut lines = Vec::new();
    let mut multiline = false;
    let mut record = ByteRecord::new();
    while next_record(rdr, &mut record, layout.source, layout.line_offset)? {
        // After a record, the reader's line is the one after the record's last when it has
        // consumed the `\n` ending it, and the last one when the `\r` of a `\r\n` ended it.
        // Line breaks inside quoted fields count too.
        let breaks = record.as_slice().iter().filter(|&&b| b == b'\n').count() as u64;
        multiline |= breaks > 0;
        let line = rdr.position().line() - breaks - u64::from(!layout.crlf) + layout.line_offset;
        if record.len() != names.len() {
            if record.len() == 1 && record[0].iter().all(u8::is_ascii_whitespace) {
                continue; // a blank line
            }
            return Err(DataError::RaggedRow {
                path: layout.source.into(),
                line,
                found: record.len(),
                expected: names.len(),
            });
        }
        let row = lines.len();
        for (c, (column, field)) in columns.iter_mut().zip(record.iter()).enumerate() {
            let at = || Place {
                source: layout.source,
                line,
                column: c,
                name: &names[c],
            };
            column.push(row, trim(field), layout.missing, at)?;
        }
        lines.push(line);
    }
    if !layout.crlf && rdr.get_ref().last != b'\n' {
        // The last record ended the text, with no line break to consume.
        if let Some(last) = lines.last_mut() {
            *last += 1;
        }
    }
    Ok(Rows {
        columns,
        lines,
        multiline,
        line_breaks: rdr.position().line() - 1,
    })
}

/// The data rows of the file at `path` (`len` bytes, data from byte `start`), read by one
/// thread per core, each from a line start; `None` if anything stands in the way (an error,
/// a field with a line break, which could mean a chunk began inside a quoted field), so that
/// the caller reads the file in one piece and reports errors with exact lines.
fn read_parallel(
    path: &Path,
    start: u64,
    len: u64,
    delimiter: u8,
    layout: &Layout,
) -> Option<Rows> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()) as u64;
    if threads < 2 {
        return None;
    }
    let mut bounds = vec![start];
    for k in 1..threads {
        let next = next_line_start(path, start + (len - start) * k / threads)?;
        if next > *bounds.last()? && next < len {
            bounds.push(next);
        }
    }
    bounds.push(len);
    let chunks: Vec<Option<Rows>> = std::thread::scope(|scope| {
        let handles: Vec<_> = bounds
            .windows(2)
            .map(|w| {
                let (a, b) = (w[0], w[1]);
                scope.spawn(move || {
                    let mut file = File::open(path).ok()?;
                    file.seek(SeekFrom::Start(a)).ok()?;
                    let chunk = BufReader::with_capacity(1 << 16, file.take(b - a));
                    read_rows(&mut csv_reader(chunk, delimiter), layout).ok()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().ok().flatten())
            .collect()
    });
    let mut chunks = chunks.into_iter();
    let mut rows = chunks.next()??;
    // Lines in a chunk count from its first; the header's line comes before the first.
    let mut offset = 1;
    shift_lines(&mut rows, offset);
    offset += rows.line_breaks;
    for chunk in chunks {
        let mut chunk = chunk?;
        shift_lines(&mut chunk, offset);
        offset += chunk.line_breaks;
        rows.multiline |= chunk.multiline;
        for (column, part) in rows.columns.iter_mut().zip(chunk.columns) {
            column.append(part);
        }
        rows.lines.extend_from_slice(&chunk.lines);
    }
    (!rows.multiline).then_some(rows)
}

fn shift_lines(rows: &mut Rows, offset: u64) {
    for line in &mut rows.lines {
        *line += offset;
    }
    for column in &mut rows.columns {
        if let Some((line, _)) = &mut column.first_text {
            *line += offset;
        }
    }
}

/// The byte after the first line break at or after `at` in the file, if one is near.
fn next_line_start(path: &Path, at: u64) -> Option<u64> {
    let mut file = File::open(path).ok()?;
    file.seek(SeekFrom::Start(at)).ok()?;
    let mut window = Vec::with_capacity(PREFIX_BYTES as usize);
    file.take(PREFIX_BYTES).read_to_end(&mut window).ok()?;
    let i = window.iter().position(|&b| b == b'\n')?;
    Some(at + i as u64 + 1)
}

/// A reader that remembers the last byte it gave out.
struct LastByte<R> {
    inner: R,
    last: u8,
}

impl<R: Read> Read for LastByte<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n > 0 {
            self.last = buf[n - 1];
        }
        Ok(n)
    }
}

fn empty_file(source: &str) -> DataError {
    DataError::Empty {
        path: source.into(),
        what: "the file is empty; it needs a header line naming the columns, then one line per \
               sample"
            .into(),
    }
}

/// The header's names: UTF-8, trimmed, not all empty, distinct.
/// (The CSV reader has already taken off a byte-order mark.)
fn header_names(source: &str, record: &ByteRecord) -> Result<Vec<String>, DataError> {
    let mut names = Vec::with_capacity(record.len());
    for (c, field) in record.iter().enumerate() {
        let text = std::str::from_utf8(trim(field)).map_err(|_| DataError::Malformed {
            path: source.into(),
            line: Some(1),
            message: format!("the name of column {} is not UTF-8 text", c + 1),
        })?;
        names.push(text.to_string());
    }
    if names.iter().all(String::is_empty) {
        return Err(empty_file(source));
    }
    for (b, name) in names.iter().enumerate() {
        if let Some(a) = names[..b].iter().position(|n| n == name) {
            return Err(DataError::DuplicateColumn {
                path: source.into(),
                column: name.clone(),
                positions: (a + 1, b + 1),
            });
        }
    }
    Ok(names)
}

/// The delimiter among `,` `;` tab and `|` that splits the first lines into the same number of
/// fields, the most fields winning; `,` when none does.
fn detect_delimiter(prefix: &[u8]) -> u8 {
    let complete = match prefix.iter().rposition(|&b| b == b'\n') {
        Some(end) if prefix.len() == 1 << 16 => &prefix[..end],
        _ => prefix,
    };
    // Records end at line breaks outside quotes: a quoted field may hold one.
    let mut quoted = false;
    let lines: Vec<&[u8]> = complete
        .split(|&b| {
            quoted ^= b == b'"';
            b == b'\n' && !quoted
        })
        .filter(|l| !l.iter().all(u8::is_ascii_whitespace))
        .take(20)
        .collect();
    let mut best = (b',', 0);
    for candidate in [b',', b';', b'\t', b'|'] {
        let counts: Vec<usize> = lines
            .iter()
            .map(|l| count_outside_quotes(l, candidate))
            .collect();
        let Some(&first) = counts.first() else {
            continue;
        };
        if first > best.1 && counts.iter().all(|&n| n == first) {
            best = (candidate, first);
        }
    }
    best.0
}

fn count_outside_quotes(line: &[u8], delimiter: u8) -> usize {
    let mut quoted = false;
    let mut n = 0;
    for &b in line {
        if b == b'"' {
            quoted = !quoted;
        } else if b == delimiter && !quoted {
            n += 1;
        }
    }
    n
}

fn trim(field: &[u8]) -> &[u8] {
    let start = field
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(field.len());
    let end = field
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(start, |e| e + 1);
    &field[start..end]
}

/// The missing-value markers, for a fast check of each field.
struct MissingMarkers {
    markers: Vec<Vec<u8>>,
    longest: usize,
}

impl MissingMarkers {
    fn new(markers: &[String]) -> Self {
        let markers: Vec<Vec<u8>> = markers
            .iter()
            .map(|m| m.trim().as_bytes().to_vec())
            .collect();
        let longest = markers.iter().map(Vec::len).max().unwrap_or(0);
        MissingMarkers { markers, longest }
    }

    fn contains(&self, field: &[u8]) -> bool {
        field.len() <= self.longest && self.markers.iter().any(|m| m == field)
    }
}

/// Where a field is, for error messages.
struct Place<'a> {
    source: &'a str,
    line: u64,
    column: usize,
    name: &'a str,
}

/// A column being read: numbers until text appears, then text codes beside them.
#[derive(Default)]
struct ColumnBuilder {
    numbers: Vec<f64>,
    codes: Option<Vec<u32>>,
    dictionary: HashMap<Box<str>, u32>,
    too_many: bool,
    n_numbers: usize,
    n_texts: usize,
    missing: usize,
    first_text: Option<(u64, String)>,
}

impl ColumnBuilder {
    /// Appends the rows `other` read after this builder's.
    fn append(&mut self, other: ColumnBuilder) {
        let before = self.numbers.len();
        let added = other.numbers.len();
        self.numbers.extend_from_slice(&other.numbers);
        self.n_numbers += other.n_numbers;
        self.n_texts += other.n_texts;
        self.missing += other.missing;
        if self.first_text.is_none() {
            self.first_text = other.first_text;
        }
        let Some(other_codes) = other.codes else {
            if let Some(codes) = &mut self.codes {
                codes.resize(before + added, Column::MISSING);
            }
            return;
        };
        let codes = self
            .codes
            .get_or_insert_with(|| vec![Column::MISSING; before]);
        self.too_many |= other.too_many;
        if self.too_many {
            self.dictionary = HashMap::new();
            codes.resize(before + added, Column::MISSING);
            return;
        }
        let mut remap = vec![0u32; other.dictionary.len()];
        for (text, old) in other.dictionary {
            let next = self.dictionary.len() as u32;
            remap[old as usize] = *self.dictionary.entry(text).or_insert(next);
        }
        codes.extend(other_codes.iter().map(|&k| {
            if k == Column::MISSING {
                k
            } else {
                remap[k as usize]
            }
        }));
        if self.dictionary.len() > MAX_KEPT_CATEGORIES {
            self.too_many = true;
            self.dictionary = HashMap::new();
        }
    }

    fn push<'a>(
        &mut self,
        row: usize,
        field: &[u8],
        missing: &MissingMarkers,
        at: impl Fn() -> Place<'a>,
    ) -> Result<(), DataError> {
        if missing.contains(field) {
            self.missing += 1;
            self.numbers.push(f64::NAN);
            if let Some(codes) = &mut self.codes {
                codes.push(Column::MISSING);
            }
            return Ok(());
        }
        if let Some(v) = parse_number(field) {
            if !v.is_finite() || v.abs() > MAX_MAGNITUDE {
                let p = at();
                return Err(DataError::NotFinite {
                    path: p.source.into(),
                    line: p.line,
                    column: p.column + 1,
                    name: p.name.into(),
                    value: String::from_utf8_lossy(field).into(),
                });
            }
            self.n_numbers += 1;
            self.numbers.push(v);
            if let Some(codes) = &mut self.codes {
                codes.push(Column::MISSING);
            }
            return Ok(());
        }
        let text = std::str::from_utf8(field).map_err(|_| {
            let p = at();
            DataError::Malformed {
                path: p.source.into(),
                line: Some(p.line),
                message: format!(
                    "column {} (\"{}\") holds bytes that are not UTF-8 text",
                    p.column + 1,
                    p.name
                ),
            }
        })?;
        self.n_texts += 1;
        if self.first_text.is_none() {
            self.first_text = Some((at().line, text.to_string()));
        }
        self.numbers.push(f64::NAN);
        let codes = self.codes.get_or_insert_with(|| vec![Column::MISSING; row]);
        if self.too_many {
            codes.push(Column::MISSING);
            return Ok(());
        }
        let next = self.dictionary.len() as u32;
        let code = *self.dictionary.entry(text.into()).or_insert(next);
        codes.push(code);
        if self.dictionary.len() > MAX_KEPT_CATEGORIES {
            self.too_many = true;
            self.dictionary = HashMap::new();
        }
        Ok(())
    }

    fn finish(
        self,
        rows: usize,
        source: &str,
        column: usize,
        name: &str,
    ) -> Result<Column, DataError> {
        let missing = self.missing;
        let Some(mut codes) = self.codes else {
            return Ok(Column::Numbers {
                values: self.numbers,
                missing,
            });
        };
        if self.n_texts <= self.n_numbers {
            let (line, value) = self.first_text.unwrap_or_default();
            return Err(DataError::StrayText {
                path: source.into(),
                line,
                column: column + 1,
                name: name.into(),
                value,
                texts: self.n_texts,
                numbers: self.n_numbers,
            });
        }
        if self.too_many {
            return Ok(Column::ManyTexts { missing });
        }
        // Numbers among the texts become texts; then codes follow the sorted categories.
        let mut dictionary = self.dictionary;
        for (code, &v) in codes.iter_mut().zip(&self.numbers) {
            if *code == Column::MISSING && !v.is_nan() {
                let next = dictionary.len() as u32;
                *code = *dictionary.entry(v.to_string().into()).or_insert(next);
            }
        }
        let mut categories: Vec<(Box<str>, u32)> = dictionary.into_iter().collect();
        categories.sort_unstable();
        let mut remap = vec![0u32; categories.len()];
        for (sorted, (_, old)) in categories.iter().enumerate() {
            remap[*old as usize] = sorted as u32;
        }
        for code in &mut codes {
            if *code != Column::MISSING {
                *code = remap[*code as usize];
            }
        }
        debug_assert_eq!(codes.len(), rows);
        Ok(Column::Text {
            categories: categories.into_iter().map(|(t, _)| t.into()).collect(),
            codes,
            missing,
        })
    }
}

/// The field as a number, if the whole of it is one in decimal notation (`-1.5e3`, `.5`,
/// `+2`); `inf` and `infinity` parse too, for the finiteness check to refuse them. The
/// `fast-float2` crate parses straight from the bytes, without a UTF-8 check first, about
/// twice as fast as going through `str::parse`.
fn parse_number(field: &[u8]) -> Option<f64> {
    match field.first()? {
        b'0'..=b'9' | b'-' | b'+' | b'.' | b'i' | b'I' => fast_float2::parse(field).ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The file read in parallel chunks and in one piece.
    fn both_ways(
        name: &str,
        text: &str,
    ) -> (Result<ReadTable, DataError>, Result<ReadTable, DataError>) {
        let path = std::env::temp_dir().join(format!("nabla-chunks-{}-{name}", std::process::id()));
        std::fs::write(&path, text).unwrap();
        let options = ReadOptions::default();
        let file = Some((path.as_path(), text.len() as u64));
        let parallel = read_table_from(File::open(&path).unwrap(), "t.csv", &options, file, 0, 0);
        let whole = read_table_from(text.as_bytes(), "t.csv", &options, None, 0, 0);
        std::fs::remove_file(&path).unwrap();
        (parallel, whole)
    }

    fn same(a: &ReadTable, b: &ReadTable) {
        assert_eq!(a.names, b.names);
        assert_eq!(a.lines, b.lines);
        assert_eq!(a.delimiter, b.delimiter);
        for (x, y) in a.columns.iter().zip(&b.columns) {
            match (x, y) {
                (
                    Column::Numbers {
                        values: u,
                        missing: m,
                    },
                    Column::Numbers {
                        values: v,
                        missing: n,
                    },
                ) => {
                    assert_eq!(m, n);
                    assert!(u.iter().zip(v).all(|(p, q)| p.to_bits() == q.to_bits()));
                }
                _ => assert_eq!(x, y),
            }
        }
    }

    #[test]
    fn chunks_read_what_one_piece_reads() {
        let mut lf = String::from("n,t,m\n");
        for i in 0..500 {
            let t = ["a", "b", "NA", "c"][i % 4];
            let m = if i % 3 == 0 {
                i.to_string()
            } else {
                format!("x{}", i % 5)
            };
            lf.push_str(&format!("{}.5,{t},{m}\n", i));
            if i % 50 == 0 {
                lf.push('\n');
            }
        }
        let crlf = lf.replace('\n', "\r\n");
        let unterminated = lf.trim_end().to_string();
        for (name, text) in [("lf", &lf), ("crlf", &crlf), ("end", &unterminated)] {
            let (parallel, whole) = both_ways(name, text);
            let (parallel, whole) = (parallel.unwrap(), whole.unwrap());
            same(&parallel, &whole);
            assert_eq!(whole.lines[1], 4, "{name}");
            assert_eq!(*whole.lines.last().unwrap(), 511, "{name}");
        }
    }

    #[test]
    fn line_breaks_in_fields_and_errors_give_the_one_piece_result() {
        let mut text = String::from("a,b\n");
        for i in 0..300 {
            text.push_str(&format!("{i},\"x\ny{}\"\n", i % 3));
        }
        let (parallel, whole) = both_ways("quoted", &text);
        same(&parallel.unwrap(), &whole.unwrap());
        let mut text = String::from("a,b\n");
        for i in 0..300 {
            text.push_str(&format!("{i},{i}\n"));
        }
        text.push_str("1,2,3\n");
        let (parallel, whole) = both_ways("ragged", &text);
        let err = parallel.err().unwrap().to_string();
        assert_eq!(err, whole.err().unwrap().to_string());
        assert!(
            err.starts_with("t.csv, line 302: the row has 3 fields"),
            "{err}"
        );
    }
}
