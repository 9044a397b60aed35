//! [`Table`]: a CSV file read as typed columns, numbers or text, with missing values marked,
//! before anything decides which columns are features or targets.

use super::DataError;
use super::error::quoted_list;
use super::table_read::{ReadTable, read_chunk, read_table};
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

/// The texts that mark a missing value unless told otherwise (compared after trimming spaces,
/// case-sensitively): the empty field, `NA`, `N/A`, `n/a`, `#N/A`, `<NA>`, `NaN`, `nan`,
/// `null`, `NULL`, `None` and `?`.
pub const DEFAULT_MISSING_VALUES: [&str; 12] = [
    "", "NA", "N/A", "n/a", "#N/A", "<NA>", "NaN", "nan", "null", "NULL", "None", "?",
];

/// The largest magnitude a number in a table may have: its square must not overflow `f64`,
/// or the standardisation and the squared-error metrics would turn it into infinity.
pub const MAX_MAGNITUDE: f64 = 1e150;

/// At most this many distinct texts are kept per column; a column with more holds
/// identifiers or free text rather than categories ([`Column::ManyTexts`]).
pub const MAX_KEPT_CATEGORIES: usize = 100_000;

/// How to read the fields of a CSV file: the delimiter and the texts that mark missing values.
///
/// ```
/// use nabla_models::data::ReadOptions;
/// let opts = ReadOptions::default();
/// assert_eq!(opts.delimiter, None); // detected from the first lines
/// assert!(opts.missing_values.iter().any(|m| m == "NA"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadOptions {
    /// The field delimiter; `None` detects it among `,` `;` tab and `|` from the first lines.
    pub delimiter: Option<u8>,
    /// The field texts (after trimming spaces) that mean "no value here".
    pub missing_values: Vec<String>,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            delimiter: None,
            missing_values: DEFAULT_MISSING_VALUES.map(String::from).to_vec(),
        }
    }
}

/// One column of a [`Table`].
#[derive(Debug, Clone, PartialEq)]
pub enum Column {
    /// Every present value is a finite number. Missing values are `NaN`.
    Numbers {
        /// One value per row, `NaN` where missing.
        values: Vec<f64>,
        /// How many rows miss a value.
        missing: usize,
    },
    /// Text (or a mixture where text is common). Numbers in the column become text as written
    /// by `f64`'s `Display` (`2007`, `39.1`).
    Text {
        /// The distinct texts, sorted by their bytes.
        categories: Vec<String>,
        /// Each row's index into `categories`, or [`Column::MISSING`].
        codes: Vec<u32>,
        /// How many rows miss a value.
        missing: usize,
    },
    /// More than [`MAX_KEPT_CATEGORIES`] distinct texts: identifiers or free text, whose values
    /// are not kept.
    ManyTexts {
        /// How many rows miss a value.
        missing: usize,
    },
}

impl Column {
    /// The code of a missing value in [`Column::Text`].
    pub const MISSING: u32 = u32::MAX;

    /// How many rows miss a value.
    pub fn missing(&self) -> usize {
        match self {
            Column::Numbers { missing, .. }
            | Column::Text { missing, .. }
            | Column::ManyTexts { missing } => *missing,
        }
    }

    /// Whether row `row` misses its value (never known for [`Column::ManyTexts`]: `false`).
    pub fn is_missing(&self, row: usize) -> bool {
        match self {
            Column::Numbers { values, .. } => values[row].is_nan(),
            Column::Text { codes, .. } => codes[row] == Column::MISSING,
            Column::ManyTexts { .. } => false,
        }
    }

    /// `number` or `text`.
    pub fn type_name(&self) -> &'static str {
        match self {
            Column::Numbers { .. } => "number",
            Column::Text { .. } | Column::ManyTexts { .. } => "text",
        }
    }

    /// The number of distinct present values, if known (not for [`Column::ManyTexts`]).
    pub fn distinct(&self) -> Option<usize> {
        match self {
            Column::Numbers { values, .. } => {
                let mut v: Vec<f64> = values.iter().copied().filter(|v| !v.is_nan()).collect();
                v.sort_by(f64::total_cmp);
                v.dedup();
                Some(v.len())
            }
            Column::Text { categories, .. } => Some(categories.len()),
            Column::ManyTexts { .. } => None,
        }
    }
}

/// A CSV file as named, typed columns ([`Column`]), with each row's line in the file.
///
/// The first line names the columns. Fields are trimmed of spaces; a UTF-8 byte-order mark,
/// CRLF line ends and quoted fields (with delimiters, quotes or line breaks inside) are read
/// as CSV readers do. A column whose present values all parse as numbers is
/// [`Column::Numbers`]; one mostly of text is [`Column::Text`]; numbers with some stray texts
/// (at most as many texts as numbers) are an error naming the first text, because such a
/// text is usually a typo or an unlisted missing-value marker.
///
/// ```
/// use nabla_models::data::{Column, ReadOptions, Table};
/// let text = "species;island;mass\nAdelie;Dream;3750\nGentoo;Biscoe;NA\n";
/// let t = Table::from_reader(text.as_bytes(), "penguins", &ReadOptions::default())?;
/// assert_eq!(t.delimiter(), b';');
/// assert_eq!(t.names(), &["species", "island", "mass"]);
/// assert_eq!(t.column("mass").unwrap().missing(), 1);
/// assert!(matches!(t.column("island"), Some(Column::Text { .. })));
/// assert_eq!(t.line(1), 3);
/// # Ok::<(), nabla_models::data::DataError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    source: String,
    delimiter: u8,
    names: Vec<String>,
    columns: Vec<Column>,
    lines: Lines,
    missing_values: Vec<String>,
}

/// Each row's line in its file: just the first when the rows sit on consecutive lines (the
/// usual case, which then costs no memory per row), else one per row.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Lines {
    /// Row `r` is on line `first + r`.
    Consecutive {
        /// The first row's line.
        first: u64,
        /// How many rows.
        rows: usize,
    },
    /// Row `r` is on line `lines[r]`.
    Listed(Vec<u64>),
}

impl Lines {
    /// The lines, kept compactly when they are consecutive.
    pub(crate) fn new(lines: Vec<u64>) -> Self {
        let first = lines.first().copied().unwrap_or(2);
        if lines
            .iter()
            .zip(first..)
            .all(|(&l, expected)| l == expected)
        {
            Lines::Consecutive {
                first,
                rows: lines.len(),
            }
        } else {
            Lines::Listed(lines)
        }
    }

    pub(crate) fn len(&self) -> usize {
        match self {
            Lines::Consecutive { rows, .. } => *rows,
            Lines::Listed(lines) => lines.len(),
        }
    }

    pub(crate) fn get(&self, row: usize) -> u64 {
        match self {
            Lines::Consecutive { first, .. } => first + row as u64,
            Lines::Listed(lines) => lines[row],
        }
    }

    /// The lines of the rows `rows`, in that order.
    pub(crate) fn select(&self, rows: &[usize]) -> Lines {
        Lines::new(rows.iter().map(|&r| self.get(r)).collect())
    }
}

impl Table {
    /// Reads the CSV file at `path`.
    ///
    /// # Errors
    /// A [`DataError`] naming the file (and the line and column where one applies): it cannot
    /// be read, is a folder, is empty or has no data rows, has duplicate column names, a row
    /// with the wrong number of fields, text that is not UTF-8, a number that is not finite or
    /// too large ([`MAX_MAGNITUDE`]), or a column of numbers with a few stray texts.
    pub fn from_csv(path: impl AsRef<Path>, options: &ReadOptions) -> Result<Table, DataError> {
        let path = path.as_ref();
        let name = path.display().to_string();
        let io = |message: String| DataError::Io {
            path: name.clone(),
            message,
        };
        if path.is_dir() {
            return Err(io(
                "it is a folder, not a file; pass the path of a CSV file inside it".into(),
            ));
        }
        let file = File::open(path).map_err(|e| io(e.to_string()))?;
        let len = file.metadata().map(|m| m.len()).unwrap_or(0);
        let is_file = file.metadata().is_ok_and(|m| m.is_file());
        let reader = BufReader::with_capacity(1 << 16, file);
        let whole = is_file.then_some((path, len));
        Self::build(read_table(reader, &name, options, whole)?, &name, options)
    }

    /// Reads CSV text from any reader, as [`Table::from_csv`] reads a file; `source` names
    /// the text in error messages.
    ///
    /// # Errors
    /// As [`Table::from_csv`].
    pub fn from_reader<R: Read>(
        reader: R,
        source: &str,
        options: &ReadOptions,
    ) -> Result<Table, DataError> {
        Self::build(read_table(reader, source, options, None)?, source, options)
    }

    /// Reads the header and the first `lines` lines of data of the CSV file at `path` (a
    /// quoted field's line breaks do not count), as [`Table::from_csv`] reads a whole file.
    ///
    /// ```
    /// use nabla_models::data::{ReadOptions, Table};
    /// # let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/iris.csv");
    /// let head = Table::from_csv_head(path, &ReadOptions::default(), 10)?;
    /// assert_eq!((head.n_rows(), head.line(9)), (10, 11));
    /// # Ok::<(), nabla_models::data::DataError>(())
    /// ```
    ///
    /// # Errors
    /// As [`Table::from_csv`].
    pub fn from_csv_head(
        path: impl AsRef<Path>,
        options: &ReadOptions,
        lines: usize,
    ) -> Result<Table, DataError> {
        let path = path.as_ref();
        let source = path.display().to_string();
        let mut chunks = super::stream::Chunks::open(path, &source)?;
        let mut text = Vec::new();
        chunks.next_chunk(lines.saturating_add(1), &mut text)?;
        Self::from_reader(text.as_slice(), &source, options)
    }

    /// Reads a chunk of a file: its header line and some of its data rows, the first on line
    /// `first_line` of the file.
    pub(crate) fn from_chunk(
        text: &[u8],
        source: &str,
        options: &ReadOptions,
        first_line: u64,
    ) -> Result<Table, DataError> {
        Self::build(
            read_chunk(text, source, options, first_line)?,
            source,
            options,
        )
    }

    fn build(read: ReadTable, source: &str, options: &ReadOptions) -> Result<Table, DataError> {
        Ok(Table {
            source: source.into(),
            delimiter: read.delimiter,
            names: read.names,
            columns: read.columns,
            lines: Lines::new(read.lines),
            missing_values: options.missing_values.clone(),
        })
    }

    /// The file (or the `source` given to [`Table::from_reader`]).
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The field delimiter, as given or detected.
    pub fn delimiter(&self) -> u8 {
        self.delimiter
    }

    /// The column names, in file order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The columns, in file order.
    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    /// The column named `name`.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.position(name).map(|c| &self.columns[c])
    }

    /// The position of the column named `name`.
    pub fn position(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }

    /// The number of data rows.
    pub fn n_rows(&self) -> usize {
        self.lines.len()
    }

    /// The line of the file (1-based; the header is line 1) where data row `row` starts.
    pub fn line(&self, row: usize) -> u64 {
        self.lines.get(row)
    }

    /// Every data row's line.
    pub fn lines(&self) -> Vec<u64> {
        (0..self.n_rows()).map(|r| self.line(r)).collect()
    }

    /// Every data row's line, compactly.
    pub(crate) fn line_numbers(&self) -> &Lines {
        &self.lines
    }

    /// The texts that marked missing values when the table was read.
    pub fn missing_values(&self) -> &[String] {
        &self.missing_values
    }

    /// The position of `name`, or a [`DataError::MissingColumn`] listing the columns there are.
    ///
    /// # Errors
    /// When the table has no column named `name`.
    pub fn require(&self, name: &str) -> Result<usize, DataError> {
        self.position(name).ok_or_else(|| DataError::MissingColumn {
            path: self.source.clone(),
            column: name.into(),
            available: self.names.clone(),
        })
    }

    /// Keeps only the rows `keep` (in that order), with their lines.
    pub(crate) fn retain_rows(&mut self, keep: &[usize]) {
        if keep.len() == self.n_rows() {
            return;
        }
        self.lines = self.lines.select(keep);
        for column in &mut self.columns {
            match column {
                Column::Numbers { values, missing } => {
                    *values = keep.iter().map(|&r| values[r]).collect();
                    *missing = values.iter().filter(|v| v.is_nan()).count();
                }
                Column::Text { codes, missing, .. } => {
                    *codes = keep.iter().map(|&r| codes[r]).collect();
                    *missing = codes.iter().filter(|&&c| c == Column::MISSING).count();
                }
                Column::ManyTexts { .. } => {}
            }
        }
    }
}

/// `"a", "b"` for a few names, and how many more.
pub(crate) fn some_names(names: &[String], shown: usize) -> String {
    if names.len() <= shown {
        return quoted_list(names);
    }
    format!(
        "{} and {} more",
        quoted_list(&names[..shown]),
        names.len() - shown
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<Table, DataError> {
        Table::from_reader(text.as_bytes(), "t.csv", &ReadOptions::default())
    }

    #[test]
    fn delimiters_are_detected() {
        for d in [",", ";", "\t", "|"] {
            let text = format!("a{d}b{d}c\n1{d}2{d}x\n3{d}4{d}y\n");
            let t = read(&text).unwrap();
            assert_eq!(t.delimiter(), d.as_bytes()[0], "{d:?}");
            assert_eq!(t.names(), &["a", "b", "c"]);
        }
        // Commas inside quotes do not count; decimal commas with ';' still give ';'.
        let t = read("name;price\n\"a, b\";1,5\n\"c\";2,5\n").unwrap();
        assert_eq!(t.delimiter(), b';');
        // A single column has no delimiter at all.
        assert_eq!(read("x\n1\n2\n").unwrap().names(), &["x"]);
    }

    #[test]
    fn bom_crlf_quotes_and_spaces() {
        let t = read("\u{feff}a, b ,c\r\n1,\" 2 \",\"x, \"\"y\"\"\"\r\n\r\n3,4,z\r\n").unwrap();
        assert_eq!(t.names(), &["a", "b", "c"]);
        assert_eq!(t.n_rows(), 2);
        match t.column("c").unwrap() {
            Column::Text { categories, .. } => assert_eq!(categories, &["x, \"y\"", "z"]),
            other => panic!("{other:?}"),
        }
        match t.column("b").unwrap() {
            Column::Numbers { values, .. } => assert_eq!(values, &[2.0, 4.0]),
            other => panic!("{other:?}"),
        }
        assert_eq!(t.lines(), [2, 4]);
        for text in [
            "a\nw\n\n\"x\ny\"\n3",
            "a\nw\n\n\"x\ny\"\n3\n",
            "a\r\nw\r\n\r\n\"x\r\ny\"\r\n3",
            "a\r\nw\r\n\r\n\"x\r\ny\"\r\n3\r\n",
        ] {
            assert_eq!(read(text).unwrap().lines(), [2, 4, 6], "{text:?}");
        }
        for (text, lines) in [
            ("a\n1\n2\n3\n", Lines::Consecutive { first: 2, rows: 3 }),
            ("a\n1\n\n2\n", Lines::Listed(vec![2, 4])),
        ] {
            assert_eq!(read(text).unwrap().line_numbers(), &lines);
        }
    }

    #[test]
    fn missing_markers_and_mixed_columns() {
        let t = read("n,t\n1,a\nNA,\n?,b\n2.5,NaN\n").unwrap();
        match t.column("n").unwrap() {
            Column::Numbers { values, missing } => {
                assert_eq!(*missing, 2);
                assert_eq!(values[0], 1.0);
                assert!(values[1].is_nan() && values[2].is_nan());
                assert_eq!(values[3], 2.5);
            }
            other => panic!("{other:?}"),
        }
        match t.column("t").unwrap() {
            Column::Text {
                categories,
                codes,
                missing,
            } => {
                assert_eq!(categories, &["a", "b"]);
                assert_eq!(codes, &[0, Column::MISSING, 1, Column::MISSING]);
                assert_eq!(*missing, 2);
            }
            other => panic!("{other:?}"),
        }
        // Text with some numbers: the numbers become categories.
        let t = read("c\nx\n2007\ny\n").unwrap();
        match t.column("c").unwrap() {
            Column::Text {
                categories, codes, ..
            } => {
                assert_eq!(categories, &["2007", "x", "y"]);
                assert_eq!(codes, &[1, 0, 2]);
            }
            other => panic!("{other:?}"),
        }
        let custom = ReadOptions {
            missing_values: vec!["-".into()],
            ..ReadOptions::default()
        };
        let t = Table::from_reader("a\n-\n1\n".as_bytes(), "t", &custom).unwrap();
        assert_eq!(t.column("a").unwrap().missing(), 1);
    }

    #[test]
    fn stray_text_in_numbers_is_named() {
        let mut text = String::from("x\n");
        for i in 0..20 {
            text.push_str(&format!("{i}\n"));
        }
        text.push_str("12,5\n");
        let err = Table::from_reader(
            text.as_bytes(),
            "t.csv",
            &ReadOptions {
                delimiter: Some(b';'),
                ..ReadOptions::default()
            },
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.starts_with("t.csv, line 22, column 1 (\"x\"): \"12,5\""),
            "{err}"
        );
        assert!(err.contains("20 numbers and 1 text"), "{err}");
    }

    #[test]
    fn non_finite_and_huge_numbers_are_refused_with_their_line() {
        for bad in ["inf", "-inf", "1e400", "1e308"] {
            let err = read(&format!("a,b\n1,2\n3,{bad}\n"))
                .unwrap_err()
                .to_string();
            assert!(
                err.starts_with(&format!("t.csv, line 3, column 2 (\"b\"): \"{bad}\"")),
                "{err}"
            );
        }
    }

    #[test]
    fn empty_header_only_ragged_duplicate_and_non_utf8() {
        let err = |t: &[u8]| {
            Table::from_reader(t, "t.csv", &ReadOptions::default())
                .unwrap_err()
                .to_string()
        };
        assert!(err(b"").contains("the file is empty"));
        assert!(err(b"a,b\n").contains("no data rows"));
        assert!(err(b"a,b\n1,2\n3\n").contains("line 3: the row has 1 field but the header has 2"));
        assert!(err(b"a,a\n1,2\n").contains("both \"a\""));
        assert!(err(b"a,b\n1,\xff\xfe\n").contains("line 2"));
    }

    #[test]
    fn too_many_distinct_texts_are_not_kept() {
        let mut text = String::from("id\n");
        for i in 0..=MAX_KEPT_CATEGORIES {
            text.push_str(&format!("r{i}\n"));
        }
        let t = read(&text).unwrap();
        assert_eq!(t.column("id"), Some(&Column::ManyTexts { missing: 0 }));
    }
}
