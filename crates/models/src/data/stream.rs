//! [`CsvStream`]: a CSV file read a block of rows at a time, so that a model can be trained
//! on a file larger than memory.
//!
//! Opening the stream reads the file once, a block at a time: the first block is the
//! *fitting sample* (the feature encoding is fitted on it, as [`Dataset::from_table`] fits
//! it on a whole file), and every block gives its rows' targets, which the stream keeps (one
//! number per row: the class or the values of the target columns). The features are read
//! again from the file whenever they are needed, a block at a time ([`CsvStream::select`],
//! and the estimators' `fit_stream`). With a block that holds the whole file, everything is
//! what loading the file in memory gives.

use super::table::{Lines, Table};
use super::{CsvOptions, DataError, Dataset, FeatureEncoding, TargetKind, Targets};
use nabla_autodiff::Tensor;
use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader, Seek, SeekFrom};
use std::path::{Path, PathBuf};

/// At most this many notices are kept from the blocks after the first.
const MAX_NOTICES: usize = 10;

/// A CSV file opened for reading in blocks of rows.
///
/// ```
/// use nabla_models::data::{CsvOptions, CsvStream, Dataset};
/// # let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/iris.csv");
/// // path: the bundled data/iris.csv; blocks of 64 rows
/// let stream = CsvStream::open(path, &CsvOptions::labels("species"), 64)?;
/// assert_eq!(stream.n_rows(), 150);
/// assert_eq!(stream.targets().class_counts(), Some(vec![50, 50, 50]));
/// let some = stream.select(&[0, 75, 149])?;
/// let whole = Dataset::from_csv(path, &CsvOptions::labels("species"))?.select(&[0, 75, 149])?;
/// assert_eq!((some.features(), some.targets()), (whole.features(), whole.targets()));
/// // The missing-value fills are the first block's medians, not the whole file's.
/// assert_ne!(some.encoding(), whole.encoding());
/// # Ok::<(), nabla_models::data::DataError>(())
/// ```
#[derive(Debug, Clone)]
pub struct CsvStream {
    path: PathBuf,
    source: String,
    /// The options, with the delimiter the first block showed.
    options: CsvOptions,
    /// The header line as it is in the file.
    header: Vec<u8>,
    /// Where the data rows start: the byte and the line.
    data_start: (u64, u64),
    block_rows: usize,
    encoding: FeatureEncoding,
    feature_names: Vec<String>,
    targets: Targets,
    /// The first block's rows, as the encoding makes them (its targets' classes are the
    /// block's own).
    first: Dataset,
    notices: Vec<String>,
}

impl CsvStream {
    /// Opens the CSV file at `path`, reading it in blocks of `block_rows` lines: fits the
    /// feature encoding on the first block (as [`Dataset::from_csv`] fits it on the whole
    /// file) and reads every row's targets. Rows whose target is missing are left out, as
    /// [`Dataset::from_csv`] leaves them out.
    ///
    /// # Errors
    /// A [`DataError`] naming the file, the line and the column, as [`Dataset::from_csv`]
    /// gives them; and when `block_rows` is 0.
    pub fn open(
        path: impl AsRef<Path>,
        options: &CsvOptions,
        block_rows: usize,
    ) -> Result<CsvStream, DataError> {
        let path = path.as_ref();
        if block_rows == 0 {
            return Err(super::targets::invalid(
                "CsvStream::open",
                "block_rows is 0; pass how many rows to read at a time (at least 1)".into(),
            ));
        }
        let source = path.display().to_string();
        let mut reader = Chunks::open(path, &source)?;
        let mut header = Vec::new();
        reader.next_chunk(1, &mut header)?;
        let data_start = (reader.byte, reader.line);
        let mut text = header.clone();
        let first_line = reader.next_chunk(block_rows, &mut text)?;
        let table = Table::from_chunk(&text, &source, options.read_options(), first_line)?;
        let options = options.clone().with_delimiter(table.delimiter());
        let first = Dataset::from_table(table, &options)?;
        let mut notices = first.notices().to_vec();
        let mut targets = TargetsBuilder::new(options.kind());
        targets.push(first.targets());
        let mut stream = CsvStream {
            path: path.into(),
            source,
            options,
            header,
            data_start,
            block_rows,
            encoding: first
                .encoding()
                .expect("a table's data set has one")
                .clone(),
            feature_names: first.feature_names().to_vec(),
            targets: first.targets().clone(),
            first,
            notices: Vec::new(),
        };
        let mut later_notices = Vec::new();
        while let Some(block) = stream.read_block(&mut reader, &mut text)? {
            targets.push(block.targets());
            later_notices.extend(block.notices().iter().cloned());
        }
        if targets.blocks > 1 {
            stream.targets = targets.finish()?;
        }
        if later_notices.len() > MAX_NOTICES {
            let more = later_notices.len() - MAX_NOTICES;
            later_notices.truncate(MAX_NOTICES);
            later_notices.push(format!("and {more} more notices from later blocks"));
        }
        notices.extend(later_notices);
        notices.extend(stream.sorted_notice());
        stream.notices = notices;
        Ok(stream)
    }

    /// A notice when the first block lacks classes the file holds: the file is likely sorted
    /// by its target, and shuffling within blocks then trains on one class at a time.
    fn sorted_notice(&self) -> Option<String> {
        let classes = self.targets.class_indices()?;
        let total = self.targets.n_classes()?;
        let mut seen = vec![false; total];
        for &c in &classes[..self.first.n_rows()] {
            seen[c] = true;
        }
        let in_first = seen.iter().filter(|&&s| s).count();
        (in_first < total).then(|| {
            format!(
                "the first block of {} lines holds {in_first} of the {total} classes: the file \
                 seems sorted by its target, and training shuffles rows only within a block, \
                 so it would see one class at a time; shuffle the file's rows once (for \
                 example with `shuf`, keeping the header first) or use larger blocks",
                self.block_rows
            )
        })
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The options the file is read with (the delimiter as given or detected).
    pub fn options(&self) -> &CsvOptions {
        &self.options
    }

    /// Lines per block.
    pub fn block_rows(&self) -> usize {
        self.block_rows
    }

    /// The number of rows (rows whose target is missing left out).
    pub fn n_rows(&self) -> usize {
        self.targets.n_rows()
    }

    /// The number of features the encoding makes.
    pub fn n_features(&self) -> usize {
        self.feature_names.len()
    }

    /// The feature names, as the encoding makes them.
    pub fn feature_names(&self) -> &[String] {
        &self.feature_names
    }

    /// The target column names.
    pub fn target_names(&self) -> &[String] {
        self.options.target_columns()
    }

    /// Every row's targets.
    pub fn targets(&self) -> &Targets {
        &self.targets
    }

    /// The feature encoding, fitted on the first block.
    pub fn encoding(&self) -> &FeatureEncoding {
        &self.encoding
    }

    /// The features of the first block's rows (rows `0..` of the stream): what the encoding,
    /// and a fit's standardisation and checks, are fitted on.
    pub fn sample_features(&self) -> &Tensor<f64> {
        self.first.features()
    }

    /// Refits the fills of missing values (medians, most frequent categories) on the rows
    /// `rows` (ascending) of the first block: call it with the training rows after a split,
    /// so that no test row's values shape the model, as
    /// [`stratified_split`](super::stratified_split) does in memory. Rows read afterwards
    /// are filled with the new values.
    ///
    /// # Errors
    /// When a row index is out of range.
    pub fn refit_fills(&mut self, rows: &[usize]) -> Result<(), DataError> {
        let n = rows.partition_point(|&r| r < self.first.n_rows());
        if let Some(encoding) = self.first.select(&rows[..n])?.fills_refitted() {
            self.first.refill(&encoding);
            self.encoding = encoding;
        }
        Ok(())
    }

    /// What reading left out or could not encode: columns left out of the features, rows
    /// without a target, categories the first block did not hold.
    pub fn notices(&self) -> &[String] {
        &self.notices
    }

    /// The rows `rows` (ascending stream row indices) as a data set in memory, read from the
    /// file.
    ///
    /// # Errors
    /// When the file cannot be read again, or a row index is out of range or out of order.
    pub fn select(&self, rows: &[usize]) -> Result<Dataset, DataError> {
        let mut blocks = self.blocks(rows)?;
        let mut values = Vec::with_capacity(rows.len() * self.n_features());
        let mut lines = Vec::with_capacity(rows.len());
        while let Some((x, block_lines)) = blocks.next_rows(usize::MAX)? {
            values.extend_from_slice(x.data());
            lines.extend(block_lines);
        }
        let features = Tensor::from_vec(values, &[rows.len(), self.n_features()]);
        Dataset::new(
            features,
            &self.feature_names,
            self.targets.select_rows(rows),
            self.target_names(),
        )?
        .with_origin(self.encoding.clone(), Lines::new(lines), Vec::new())
    }

    /// A reader of the features of rows `rows` (ascending stream row indices), in order.
    ///
    /// # Errors
    /// When the file cannot be opened again, or a row index is out of range or out of order.
    pub fn blocks<'a>(&'a self, rows: &'a [usize]) -> Result<Blocks<'a>, DataError> {
        let n = self.n_rows();
        if let Some(i) =
            (0..rows.len()).find(|&i| rows[i] >= n || (i > 0 && rows[i] <= rows[i - 1]))
        {
            return Err(super::targets::invalid(
                "CsvStream::blocks",
                format!(
                    "row index {} (position {i}) is out of range or out of order; pass \
                     ascending indices below the stream's {n} rows",
                    rows[i]
                ),
            ));
        }
        let mut reader = Chunks::open(&self.path, &self.source)?;
        reader.seek(self.data_start)?;
        Ok(Blocks {
            stream: self,
            reader,
            text: Vec::new(),
            rows,
            next_wanted: 0,
            next_row: 0,
            pending: Vec::new(),
            pending_lines: Vec::new(),
        })
    }

    /// The next block of the file as a data set (rows without a target left out), or `None`
    /// at the end of the file.
    fn read_block(
        &self,
        reader: &mut Chunks,
        text: &mut Vec<u8>,
    ) -> Result<Option<Dataset>, DataError> {
        loop {
            text.clear();
            text.extend_from_slice(&self.header);
            let first_line = reader.next_chunk(self.block_rows, text)?;
            let data = &text[self.header.len()..];
            if data.is_empty() {
                return Ok(None);
            }
            if data.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let read = self.options.read_options();
            let table = Table::from_chunk(text, &self.source, read, first_line)?;
            if !self.any_target(&table)? {
                continue;
            }
            return Dataset::from_table_encoded(table, &self.options, &self.encoding).map(Some);
        }
    }

    /// Whether some row of `table` has all its targets.
    fn any_target(&self, table: &Table) -> Result<bool, DataError> {
        let positions = self
            .target_names()
            .iter()
            .map(|name| table.require(name))
            .collect::<Result<Vec<_>, _>>()?;
        Ok((0..table.n_rows())
            .any(|r| positions.iter().all(|&c| !table.columns()[c].is_missing(r))))
    }
}

/// Rows read by [`Blocks::next_rows`]: their features, `[rows, features]`, and their lines.
pub type RowsRead = (Tensor<f64>, Vec<u64>);

/// The features of chosen rows of a [`CsvStream`], read from the file a block at a time.
pub struct Blocks<'a> {
    stream: &'a CsvStream,
    reader: Chunks,
    text: Vec<u8>,
    rows: &'a [usize],
    /// The position in `rows` of the next row to find.
    next_wanted: usize,
    /// The stream row index of the next block's first row.
    next_row: usize,
    /// Rows found but not yet served: features and lines.
    pending: Vec<f64>,
    pending_lines: Vec<u64>,
}

impl Blocks<'_> {
    /// The features (`[rows, features]`) and lines of the next `at_most` chosen rows (fewer
    /// only at the end), or `None` when every chosen row has been served.
    ///
    /// # Errors
    /// When the file cannot be read, or no longer reads as it did when the stream was opened.
    pub fn next_rows(&mut self, at_most: usize) -> Result<Option<RowsRead>, DataError> {
        let width = self.stream.n_features();
        while self.pending_lines.len() < at_most && self.next_wanted < self.rows.len() {
            let Some(block) = self.stream.read_block(&mut self.reader, &mut self.text)? else {
                return Err(DataError::Io {
                    path: self.stream.source.clone(),
                    message: format!(
                        "the file ended after {} rows, but it held {} when it was opened; \
                         leave the file unchanged while a model trains on it",
                        self.next_row,
                        self.stream.n_rows()
                    ),
                });
            };
            let end = self.next_row + block.n_rows();
            let x = block.features().data();
            while let Some(&row) = self.rows.get(self.next_wanted).filter(|&&r| r < end) {
                let r = row - self.next_row;
                self.pending
                    .extend_from_slice(&x[r * width..(r + 1) * width]);
                self.pending_lines.push(block.line(r).unwrap_or(0));
                self.next_wanted += 1;
            }
            self.next_row = end;
        }
        if self.pending_lines.is_empty() {
            return Ok(None);
        }
        let n = self.pending_lines.len().min(at_most);
        let rest = self.pending.split_off(n * width);
        let rest_lines = self.pending_lines.split_off(n);
        let x = Tensor::from_vec(std::mem::replace(&mut self.pending, rest), &[n, width]);
        Ok(Some((
            x,
            std::mem::replace(&mut self.pending_lines, rest_lines),
        )))
    }
}

/// A file read in chunks of whole records (a quoted field may hold line breaks).
#[derive(Debug)]
pub(super) struct Chunks {
    reader: BufReader<File>,
    source: String,
    /// The byte and the line the next chunk starts at.
    byte: u64,
    line: u64,
}

impl Chunks {
    pub(super) fn open(path: &Path, source: &str) -> Result<Chunks, DataError> {
        let io = |message: String| DataError::Io {
            path: source.into(),
            message,
        };
        if path.is_dir() {
            return Err(io(
                "it is a folder, not a file; pass the path of a CSV file inside it".into(),
            ));
        }
        let file = File::open(path).map_err(|e| io(e.to_string()))?;
        Ok(Chunks {
            reader: BufReader::with_capacity(1 << 16, file),
            source: source.into(),
            byte: 0,
            line: 1,
        })
    }

    fn io(&self, e: std::io::Error) -> DataError {
        DataError::Io {
            path: self.source.clone(),
            message: e.to_string(),
        }
    }

    fn seek(&mut self, (byte, line): (u64, u64)) -> Result<(), DataError> {
        self.reader
            .seek(SeekFrom::Start(byte))
            .map_err(|e| self.io(e))?;
        (self.byte, self.line) = (byte, line);
        Ok(())
    }

    /// Appends the next `records` lines to `out` (more when a quoted field holds a line
    /// break) and returns the line the first of them is on.
    pub(super) fn next_chunk(
        &mut self,
        records: usize,
        out: &mut Vec<u8>,
    ) -> Result<u64, DataError> {
        let first = self.line;
        let mut in_quotes = false;
        let mut read = 0;
        while read < records {
            let start = out.len();
            let n = self
                .reader
                .read_until(b'\n', out)
                .map_err(|e| DataError::Io {
                    path: self.source.clone(),
                    message: e.to_string(),
                })?;
            if n == 0 {
                break;
            }
            self.byte += n as u64;
            self.line += u64::from(out[out.len() - 1] == b'\n');
            let quotes = out[start..].iter().filter(|&&b| b == b'"').count();
            in_quotes ^= quotes % 2 == 1;
            read += usize::from(!in_quotes);
        }
        Ok(first)
    }
}

/// Targets gathered block by block: each block's classes mapped to the classes of all of
/// them, sorted at the end as loading a whole file sorts them.
struct TargetsBuilder {
    kind: TargetKind,
    blocks: usize,
    /// Label names in order of first appearance, and each row's index among them.
    names: HashMap<String, usize>,
    codes: Vec<usize>,
    /// Dense targets: values row by row, their width, and the column names (one-hot and
    /// multi-hot).
    values: Vec<f64>,
    width: usize,
    columns: Vec<String>,
}

impl TargetsBuilder {
    fn new(kind: TargetKind) -> Self {
        TargetsBuilder {
            kind,
            blocks: 0,
            names: HashMap::new(),
            codes: Vec::new(),
            values: Vec::new(),
            width: 1,
            columns: Vec::new(),
        }
    }

    fn push(&mut self, targets: &Targets) {
        self.blocks += 1;
        match targets {
            Targets::Labels {
                indices,
                class_names,
            } => {
                let global: Vec<usize> = class_names
                    .iter()
                    .map(|name| {
                        let next = self.names.len();
                        *self.names.entry(name.clone()).or_insert(next)
                    })
                    .collect();
                self.codes.extend(indices.iter().map(|&i| global[i]));
            }
            Targets::Continuous(v) => {
                self.values.extend_from_slice(v.data());
                self.width = v.shape()[1];
            }
            Targets::OneHot {
                values,
                class_names: names,
            }
            | Targets::MultiHot {
                values,
                label_names: names,
            } => {
                self.values.extend_from_slice(values.data());
                self.width = values.shape()[1];
                self.columns.clone_from(names);
            }
        }
    }

    fn finish(self) -> Result<Targets, DataError> {
        match self.kind {
            TargetKind::Labels => {
                // Numbers sort by value (a column of numbers), else every name by its bytes.
                let mut classes: Vec<(String, usize)> = self.names.into_iter().collect();
                let numbers: Option<Vec<f64>> =
                    classes.iter().map(|(n, _)| n.parse::<f64>().ok()).collect();
                match numbers {
                    Some(_) => classes.sort_by(|a, b| {
                        let (x, y) = (a.0.parse::<f64>(), b.0.parse::<f64>());
                        x.expect("a number").total_cmp(&y.expect("a number"))
                    }),
                    None => classes.sort_unstable(),
                }
                let mut remap = vec![0; classes.len()];
                for (sorted, (_, first_seen)) in classes.iter().enumerate() {
                    remap[*first_seen] = sorted;
                }
                let indices = self.codes.iter().map(|&c| remap[c]).collect();
                let names: Vec<String> = classes.into_iter().map(|(n, _)| n).collect();
                Targets::labels(indices, &names)
            }
            kind => {
                let mut values = self.values;
                values.shrink_to_fit();
                let rows = values.len() / self.width;
                let values = Tensor::from_vec(values, &[rows, self.width]);
                match kind {
                    TargetKind::Continuous => Targets::continuous(values),
                    TargetKind::OneHot => Targets::one_hot(values, &self.columns),
                    _ => Targets::multi_hot(values, &self.columns),
                }
            }
        }
    }
}
