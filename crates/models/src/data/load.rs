//! Loading a [`Dataset`] from CSV text: [`CsvOptions`] names the target column(s) and says how
//! they are encoded ([`TargetKind`]).

use super::targets::invalid;
use super::{DataError, Dataset, Targets};
use csv::{ReaderBuilder, StringRecord, Trim};
use nabla_autodiff::Tensor;
use std::collections::BTreeSet;
use std::fs::File;
use std::io::Read;
use std::path::Path;

/// How the target column(s) of a CSV file encode the targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TargetKind {
    /// Numbers to predict (regression), one or more columns.
    Continuous,
    /// One column of class labels, text or numbers. Distinct labels are sorted (text by its
    /// bytes, numbers by value) and numbered from 0 in that order.
    Labels,
    /// One 0/1 column per class, exactly one 1 per row.
    OneHot,
    /// One 0/1 column per label, any number of 1s per row.
    MultiHot,
}

impl TargetKind {
    /// Every kind, in the order of their names.
    pub const ALL: [TargetKind; 4] = [
        TargetKind::Continuous,
        TargetKind::Labels,
        TargetKind::OneHot,
        TargetKind::MultiHot,
    ];

    /// The kind's name: `continuous`, `labels`, `one-hot` or `multi-hot` (what `nabla
    /// --kind` accepts).
    pub fn name(self) -> &'static str {
        match self {
            TargetKind::Continuous => "continuous",
            TargetKind::Labels => "labels",
            TargetKind::OneHot => "one-hot",
            TargetKind::MultiHot => "multi-hot",
        }
    }

    /// The kind of these targets.
    pub fn of(targets: &Targets) -> Self {
        match targets {
            Targets::Continuous(_) => TargetKind::Continuous,
            Targets::Labels { .. } => TargetKind::Labels,
            Targets::OneHot { .. } => TargetKind::OneHot,
            Targets::MultiHot { .. } => TargetKind::MultiHot,
        }
    }
}

impl std::fmt::Display for TargetKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Parses [`TargetKind::name`].
impl std::str::FromStr for TargetKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        TargetKind::ALL
            .into_iter()
            .find(|k| k.name() == s.trim())
            .ok_or_else(|| {
                format!(
                    "{s:?} is not a target kind; use one of continuous, labels, one-hot, \
                     multi-hot"
                )
            })
    }
}

/// Which columns of a CSV file are targets, how they are encoded, and the field delimiter.
/// Every other column is a feature and must hold numbers.
///
/// ```
/// use nabla_models::data::{CsvOptions, TargetKind};
/// let opts = CsvOptions::labels("species");
/// assert_eq!((opts.kind(), opts.target_columns()), (TargetKind::Labels, &["species".to_string()][..]));
/// let opts = CsvOptions::multi_hot(&["even", "prime"]).with_delimiter(b';');
/// assert_eq!(opts.delimiter(), b';');
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvOptions {
    target_columns: Vec<String>,
    kind: TargetKind,
    delimiter: u8,
}

impl CsvOptions {
    /// Targets of the given kind in the named columns, comma-delimited.
    pub fn new<S: AsRef<str>>(kind: TargetKind, target_columns: &[S]) -> Self {
        CsvOptions {
            target_columns: target_columns
                .iter()
                .map(|s| s.as_ref().to_string())
                .collect(),
            kind,
            delimiter: b',',
        }
    }

    /// Continuous targets (regression) in the named columns.
    pub fn continuous<S: AsRef<str>>(columns: &[S]) -> Self {
        Self::new(TargetKind::Continuous, columns)
    }

    /// Class labels (text or numbers) in the named column.
    pub fn labels(column: &str) -> Self {
        Self::new(TargetKind::Labels, &[column])
    }

    /// One-hot classes, one named 0/1 column per class.
    pub fn one_hot<S: AsRef<str>>(columns: &[S]) -> Self {
        Self::new(TargetKind::OneHot, columns)
    }

    /// Multi-hot labels, one named 0/1 column per label.
    pub fn multi_hot<S: AsRef<str>>(columns: &[S]) -> Self {
        Self::new(TargetKind::MultiHot, columns)
    }

    /// The same options with another field delimiter (`b';'`, `b'\t'`, ...).
    pub fn with_delimiter(mut self, delimiter: u8) -> Self {
        self.delimiter = delimiter;
        self
    }

    /// The target columns' names.
    pub fn target_columns(&self) -> &[String] {
        &self.target_columns
    }

    /// How the targets are encoded.
    pub fn kind(&self) -> TargetKind {
        self.kind
    }

    /// The field delimiter.
    pub fn delimiter(&self) -> u8 {
        self.delimiter
    }
}

impl Dataset {
    /// Loads a CSV file whose first line names the columns; `options` names the target
    /// column(s), and every other column becomes a feature, in file order.
    ///
    /// Fields are trimmed of surrounding spaces. Feature values are parsed as `f64` (`NaN` and
    /// `inf` are accepted, for the diagnostics to report).
    ///
    /// # Errors
    /// A [`DataError`] naming the file, and where it applies the line and the column: the file
    /// cannot be read, is empty or has no data rows, a target column is missing (the message
    /// lists the columns there are), a row has the wrong number of fields, a feature is not a
    /// number, or a target breaks its encoding.
    pub fn from_csv(path: impl AsRef<Path>, options: &CsvOptions) -> Result<Dataset, DataError> {
        let path = path.as_ref();
        let name = path.display().to_string();
        let file = File::open(path).map_err(|e| DataError::Io {
            path: name.clone(),
            message: e.to_string(),
        })?;
        Self::from_csv_reader(file, &name, options)
    }

    /// Loads CSV text from any reader, exactly as [`Dataset::from_csv`] loads a file; `source`
    /// names the text in error messages.
    ///
    /// ```
    /// use nabla_models::data::{CsvOptions, Dataset};
    /// let text = "height,weight,kind\n1.0,2.0,b\n3.0,4.0,a\n5.0,6.0,b\n";
    /// let data = Dataset::from_csv_reader(text.as_bytes(), "animals", &CsvOptions::labels("kind"))?;
    /// assert_eq!(data.feature_names(), &["height", "weight"]);
    /// assert_eq!(data.targets().class_names().unwrap(), &["a", "b"]);
    /// assert_eq!(data.targets().class_indices().unwrap(), vec![1, 0, 1]);
    ///
    /// let err = Dataset::from_csv_reader(text.as_bytes(), "animals", &CsvOptions::labels("type"))
    ///     .unwrap_err();
    /// assert!(err.to_string().contains("\"height\", \"weight\", \"kind\""));
    /// # Ok::<(), nabla_models::data::DataError>(())
    /// ```
    ///
    /// # Errors
    /// As [`Dataset::from_csv`].
    pub fn from_csv_reader<R: Read>(
        reader: R,
        source: &str,
        options: &CsvOptions,
    ) -> Result<Dataset, DataError> {
        let (mut rdr, header) = open_csv(reader, source, options.delimiter)?;
        let layout = Layout::new(source, header, options)?;
        let mut features = Vec::new();
        let mut targets = TargetFields::default();
        for record in rdr.records() {
            let record = record.map_err(|e| malformed(source, &e))?;
            let line = record.position().map_or(0, |p| p.line());
            layout.read_row(source, line, &record, &mut features, &mut targets)?;
        }
        if targets.lines.is_empty() {
            return Err(DataError::Empty {
                path: source.into(),
                what: "the header (line 1) is followed by no data rows; add one row per sample"
                    .into(),
            });
        }
        let rows = targets.lines.len();
        let features = Tensor::from_vec(features, &[rows, layout.features.len()]);
        let target_names: Vec<&str> = layout
            .targets
            .iter()
            .map(|&c| layout.header[c].as_str())
            .collect();
        let feature_names: Vec<&str> = layout
            .features
            .iter()
            .map(|&c| layout.header[c].as_str())
            .collect();
        let targets = targets.build(source, options.kind, &target_names)?;
        Dataset::new(features, &feature_names, targets, &target_names)
    }
}

/// A CSV reader over `reader` (fields trimmed, rows of any length, checked by the caller) and
/// its header, whose names must be distinct.
pub(super) fn open_csv<R: Read>(
    reader: R,
    source: &str,
    delimiter: u8,
) -> Result<(csv::Reader<R>, Vec<String>), DataError> {
    let mut rdr = ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .trim(Trim::All)
        .delimiter(delimiter)
        .from_reader(reader);
    let header: Vec<String> = rdr
        .headers()
        .map_err(|e| malformed(source, &e))?
        .iter()
        .map(str::to_string)
        .collect();
    for (b, name) in header.iter().enumerate() {
        if let Some(a) = header[..b].iter().position(|n| n == name) {
            return Err(DataError::DuplicateColumn {
                path: source.into(),
                column: name.clone(),
                positions: (a + 1, b + 1),
            });
        }
    }
    Ok((rdr, header))
}

pub(super) fn malformed(path: &str, e: &csv::Error) -> DataError {
    DataError::Malformed {
        path: path.into(),
        line: e.position().map(|p| p.line()),
        message: e.to_string(),
    }
}

/// The header and which of its columns are features and targets.
struct Layout {
    header: Vec<String>,
    features: Vec<usize>,
    targets: Vec<usize>,
}

impl Layout {
    fn new(path: &str, header: Vec<String>, options: &CsvOptions) -> Result<Self, DataError> {
        if header.iter().all(String::is_empty) {
            return Err(DataError::Empty {
                path: path.into(),
                what: "the file is empty; it needs a header line naming the columns, then one \
                       line per sample"
                    .into(),
            });
        }
        let wanted = options.target_columns();
        if wanted.is_empty() || (options.kind() == TargetKind::Labels && wanted.len() != 1) {
            return Err(invalid(
                "Dataset::from_csv",
                format!(
                    "{} target columns were named for {:?} targets; name {}",
                    wanted.len(),
                    options.kind(),
                    if options.kind() == TargetKind::Labels {
                        "exactly one column of labels"
                    } else {
                        "at least one target column"
                    }
                ),
            ));
        }
        let mut targets = Vec::with_capacity(wanted.len());
        for name in wanted {
            match header.iter().position(|h| h == name) {
                Some(c) => targets.push(c),
                None => {
                    return Err(DataError::MissingColumn {
                        path: path.into(),
                        column: name.clone(),
                        available: header,
                    });
                }
            }
        }
        let features: Vec<usize> = (0..header.len()).filter(|c| !targets.contains(c)).collect();
        if features.is_empty() {
            return Err(DataError::Empty {
                path: path.into(),
                what: format!(
                    "every column of the header is a target, which leaves no feature columns; \
                     the file needs at least one column besides {}",
                    super::error::quoted_list(wanted)
                ),
            });
        }
        Ok(Layout {
            header,
            features,
            targets,
        })
    }

    /// Checks one data row, parses its features and keeps its target fields.
    fn read_row(
        &self,
        path: &str,
        line: u64,
        record: &StringRecord,
        features: &mut Vec<f64>,
        targets: &mut TargetFields,
    ) -> Result<(), DataError> {
        if record.len() != self.header.len() {
            return Err(DataError::RaggedRow {
                path: path.into(),
                line,
                found: record.len(),
                expected: self.header.len(),
            });
        }
        for &c in &self.features {
            let field = Field {
                path,
                line,
                column: c,
                name: &self.header[c],
                text: &record[c],
            };
            features.push(field.number("feature")?);
        }
        targets
            .fields
            .extend(self.targets.iter().map(|&c| (c, record[c].to_string())));
        targets.lines.push(line);
        Ok(())
    }
}

/// One field of the file, with where it came from for error messages.
pub(super) struct Field<'a> {
    pub(super) path: &'a str,
    pub(super) line: u64,
    pub(super) column: usize,
    pub(super) name: &'a str,
    pub(super) text: &'a str,
}

impl Field<'_> {
    pub(super) fn number(&self, role: &'static str) -> Result<f64, DataError> {
        self.text.parse().map_err(|_| DataError::NotNumeric {
            path: self.path.into(),
            line: self.line,
            column: self.column + 1,
            name: self.name.into(),
            role,
            value: self.text.into(),
        })
    }

    fn bad_target(&self, expected: &str) -> DataError {
        DataError::BadTarget {
            path: self.path.into(),
            line: self.line,
            column: self.name.into(),
            value: self.text.into(),
            expected: expected.into(),
        }
    }
}

/// The target fields of every row (row-major, with their column positions) and each row's line.
#[derive(Default)]
struct TargetFields {
    fields: Vec<(usize, String)>,
    lines: Vec<u64>,
}

impl TargetFields {
    fn field<'a>(&'a self, path: &'a str, names: &'a [&str], i: usize) -> Field<'a> {
        let (column, text) = &self.fields[i];
        Field {
            path,
            line: self.lines[i / names.len()],
            column: *column,
            name: names[i % names.len()],
            text,
        }
    }

    fn build(self, path: &str, kind: TargetKind, names: &[&str]) -> Result<Targets, DataError> {
        let rows = self.lines.len();
        let k = names.len();
        let numbers = |check: &dyn Fn(&Field, f64) -> Result<(), DataError>| {
            (0..self.fields.len())
                .map(|i| {
                    let field = self.field(path, names, i);
                    let v = field.number("target")?;
                    check(&field, v).map(|_| v)
                })
                .collect::<Result<Vec<f64>, DataError>>()
        };
        let zero_one = |field: &Field, v: f64| {
            if v == 0.0 || v == 1.0 {
                Ok(())
            } else {
                Err(field.bad_target("these target columns must hold 0 or 1"))
            }
        };
        match kind {
            TargetKind::Continuous => {
                Targets::continuous(Tensor::from_vec(numbers(&|_, _| Ok(()))?, &[rows, k]))
            }
            TargetKind::MultiHot => {
                Targets::multi_hot(Tensor::from_vec(numbers(&zero_one)?, &[rows, k]), names)
            }
            TargetKind::OneHot => {
                let values = numbers(&zero_one)?;
                for (row, r) in values.chunks_exact(k).enumerate() {
                    let ones = r.iter().filter(|&&v| v == 1.0).count();
                    if ones != 1 {
                        return Err(DataError::OneHotRow {
                            path: path.into(),
                            line: self.lines[row],
                            columns: names.iter().map(|s| s.to_string()).collect(),
                            ones,
                        });
                    }
                }
                Targets::one_hot(Tensor::from_vec(values, &[rows, k]), names)
            }
            TargetKind::Labels => self.labels(path, names),
        }
    }

    /// Class labels from one column: numbers if every label is a finite number (sorted by
    /// value), text otherwise (sorted by bytes).
    fn labels(&self, path: &str, names: &[&str]) -> Result<Targets, DataError> {
        if let Some(i) = self.fields.iter().position(|(_, t)| t.is_empty()) {
            return Err(self
                .field(path, names, i)
                .bad_target("a class label cannot be empty; fill it in or drop the row"));
        }
        let numeric: Option<Vec<f64>> = self
            .fields
            .iter()
            .map(|(_, t)| t.parse::<f64>().ok().filter(|v| v.is_finite()))
            // `+ 0.0` turns -0 into 0, so that both are one class.
            .map(|v| v.map(|v| v + 0.0))
            .collect();
        if let Some(values) = numeric {
            let mut classes = values.clone();
            classes.sort_by(f64::total_cmp);
            classes.dedup();
            let indices = values
                .iter()
                .map(|v| classes.partition_point(|c| c < v))
                .collect();
            let class_names: Vec<String> = classes.iter().map(|c| c.to_string()).collect();
            return Targets::labels(indices, &class_names);
        }
        let classes: Vec<&str> = self
            .fields
            .iter()
            .map(|(_, t)| t.as_str())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let indices = self
            .fields
            .iter()
            .map(|(_, t)| classes.partition_point(|c| *c < t.as_str()))
            .collect();
        Targets::labels(indices, &classes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str, options: &CsvOptions) -> Result<Dataset, DataError> {
        Dataset::from_csv_reader(text.as_bytes(), "t.csv", options)
    }

    #[test]
    fn numeric_labels_sort_by_value_not_text() {
        let d = load(
            "x,y\n1,10\n2,9\n3,-0\n4,0\n5,10\n",
            &CsvOptions::labels("y"),
        )
        .unwrap();
        assert_eq!(d.targets().class_names().unwrap(), &["0", "9", "10"]);
        assert_eq!(d.targets().class_indices().unwrap(), vec![2, 1, 0, 0, 2]);
    }

    #[test]
    fn text_labels_sort_stably_and_map_back() {
        let d = load(
            "a,label\n1,Xe\n2,He\n3,Ne\n4,He\n",
            &CsvOptions::labels("label"),
        )
        .unwrap();
        let t = d.targets();
        let names = t.class_names().unwrap();
        assert_eq!(names, &["He", "Ne", "Xe"]);
        let back: Vec<&str> = t
            .class_indices()
            .unwrap()
            .iter()
            .map(|&i| names[i].as_str())
            .collect();
        assert_eq!(back, vec!["Xe", "He", "Ne", "He"]);
    }

    #[test]
    fn targets_may_sit_anywhere_and_spaces_are_trimmed() {
        let d = load(
            "t1, a ,t2,b\n 1.5 ,2,3, 4\n0,1,0,1\n",
            &CsvOptions::continuous(&["t2", "t1"]),
        )
        .unwrap();
        assert_eq!(d.feature_names(), &["a", "b"]);
        assert_eq!(d.target_names(), &["t2", "t1"]);
        assert_eq!(d.features().data(), &[2.0, 4.0, 1.0, 1.0]);
        assert_eq!(d.targets().to_columns().data(), &[3.0, 1.5, 0.0, 0.0]);
    }

    #[test]
    fn one_hot_and_multi_hot_columns() {
        let text = "f,a,b\n0.5,1,0\n0.25,0,1\n";
        let d = load(text, &CsvOptions::one_hot(&["a", "b"])).unwrap();
        assert_eq!(d.targets().class_indices().unwrap(), vec![0, 1]);
        let d = load("f,a,b\n1,1,1\n2,0,0\n", &CsvOptions::multi_hot(&["a", "b"])).unwrap();
        assert_eq!(d.targets().class_counts().unwrap(), vec![1, 1]);
        let err = load("f,a,b\n1,1,0\n2,1,1\n", &CsvOptions::one_hot(&["a", "b"])).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("t.csv, line 3: the one-hot target columns \"a\", \"b\" hold 2 ones"),
            "{err}"
        );
        let err = load("f,a,b\n1,1,0\n2,2,0\n", &CsvOptions::multi_hot(&["a", "b"])).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("t.csv, line 3, column \"a\": the target is \"2\" but these"),
            "{err}"
        );
    }

    #[test]
    fn other_delimiters() {
        let d = load(
            "a;b;y\n1;2;3\n",
            &CsvOptions::continuous(&["y"]).with_delimiter(b';'),
        );
        assert_eq!(d.unwrap().features().data(), &[1.0, 2.0]);
    }

    #[test]
    fn option_mistakes_are_reported() {
        let err = load("a,b\n1,2\n", &CsvOptions::continuous::<&str>(&[])).unwrap_err();
        assert!(
            err.to_string().contains("0 target columns were named"),
            "{err}"
        );
        let err = load(
            "a,b\n1,2\n",
            &CsvOptions::new(TargetKind::Labels, &["a", "b"]),
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("exactly one column of labels"),
            "{err}"
        );
        let err = load("a,b\n1,2\n", &CsvOptions::continuous(&["a", "b"])).unwrap_err();
        assert!(err.to_string().contains("no feature columns"), "{err}");
        let err = load("a,b,a\n1,2,3\n", &CsvOptions::continuous(&["b"])).unwrap_err();
        assert!(
            err.to_string().contains("names columns 1 and 3 both \"a\""),
            "{err}"
        );
    }

    #[test]
    fn empty_label_is_an_error_with_its_line() {
        let err = load("a,y\n1,x\n2,\n", &CsvOptions::labels("y")).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("t.csv, line 3, column \"y\": the target is \"\" but a class label"),
            "{err}"
        );
    }
}
