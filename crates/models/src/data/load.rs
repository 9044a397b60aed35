//! Loading a [`Dataset`] from CSV text: [`CsvOptions`] names the target column(s) and says how
//! they are encoded ([`TargetKind`]).

use super::error::quoted_list;
use super::imputed::Imputed;
use super::targets::invalid;
use super::{
    Column, ColumnChoice, DataError, Dataset, FeatureEncoding, ReadOptions, Table, Targets,
    encode_columns,
};
use nabla_autodiff::Tensor;
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

/// Which columns of a CSV file are targets and how they are encoded, which are features, and
/// how the file is read ([`ReadOptions`]: the delimiter, detected unless given, and the
/// missing-value markers).
///
/// Every column that is not a target is a feature unless [`ColumnChoice`] says otherwise:
/// numbers as they are, text one-hot encoded, missing values imputed (see
/// [`FeatureEncoding`](super::FeatureEncoding)).
///
/// ```
/// use nabla_models::data::{CsvOptions, TargetKind};
/// let opts = CsvOptions::labels("species");
/// assert_eq!((opts.kind(), opts.target_columns()), (TargetKind::Labels, &["species".to_string()][..]));
/// let opts = CsvOptions::multi_hot(&["even", "prime"]).with_delimiter(b';').with_drop(&["id"]);
/// assert_eq!(opts.delimiter(), Some(b';'));
/// assert_eq!(opts.column_choice().drop, ["id"]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvOptions {
    target_columns: Vec<String>,
    kind: TargetKind,
    read: ReadOptions,
    choice: ColumnChoice,
}

impl CsvOptions {
    /// Targets of the given kind in the named columns; every other column a feature.
    pub fn new<S: AsRef<str>>(kind: TargetKind, target_columns: &[S]) -> Self {
        CsvOptions {
            target_columns: owned(target_columns),
            kind,
            read: ReadOptions::default(),
            choice: ColumnChoice::default(),
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

    /// The same options with this field delimiter (`b';'`, `b'\t'`, ...) instead of the
    /// detected one.
    pub fn with_delimiter(mut self, delimiter: u8) -> Self {
        self.read.delimiter = Some(delimiter);
        self
    }

    /// The same options with these texts marking missing values (instead of
    /// [`DEFAULT_MISSING_VALUES`](super::DEFAULT_MISSING_VALUES)).
    pub fn with_missing_values<S: AsRef<str>>(mut self, markers: &[S]) -> Self {
        self.read.missing_values = owned(markers);
        self
    }

    /// The same options with only these columns as features, in this order.
    pub fn with_features<S: AsRef<str>>(mut self, columns: &[S]) -> Self {
        self.choice.features = Some(owned(columns));
        self
    }

    /// The same options with these columns left out of the features.
    pub fn with_drop<S: AsRef<str>>(mut self, columns: &[S]) -> Self {
        self.choice.drop = owned(columns);
        self
    }

    /// The same options with (or without) a 0/1 feature marking the imputed values of each
    /// column with missing values.
    pub fn with_missing_indicators(mut self, on: bool) -> Self {
        self.choice.missing_indicators = on;
        self
    }

    /// The same options with another target encoding.
    pub fn with_kind(mut self, kind: TargetKind) -> Self {
        self.kind = kind;
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

    /// The field delimiter, if given (else it is detected).
    pub fn delimiter(&self) -> Option<u8> {
        self.read.delimiter
    }

    /// How the file is read.
    pub fn read_options(&self) -> &ReadOptions {
        &self.read
    }

    /// Which columns are features.
    pub fn column_choice(&self) -> &ColumnChoice {
        &self.choice
    }
}

fn owned<S: AsRef<str>>(names: &[S]) -> Vec<String> {
    names.iter().map(|s| s.as_ref().to_string()).collect()
}

impl Dataset {
    /// Loads a CSV file whose first line names the columns; `options` names the target
    /// column(s), and the other columns become features as [`Dataset::from_table`] says.
    ///
    /// # Errors
    /// A [`DataError`] naming the file, and where it applies the line and the column: see
    /// [`Table::from_csv`] and [`Dataset::from_table`].
    pub fn from_csv(path: impl AsRef<Path>, options: &CsvOptions) -> Result<Dataset, DataError> {
        Self::from_table(Table::from_csv(path, &options.read)?, options)
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
        Self::from_table(Table::from_reader(reader, source, &options.read)?, options)
    }

    /// A data set from a table: the target columns encoded as `options` says, rows whose
    /// target is missing left out (with a notice), and the other columns encoded as features
    /// by a [`FeatureEncoding`] fitted on every remaining row (kept with the data set, and with
    /// a model fitted on it). Each row remembers its line in the file, and
    /// [`Dataset::notices`] says what was left out.
    ///
    /// ```
    /// use nabla_models::data::{CsvOptions, Dataset, ReadOptions, Table};
    /// let text = "island,mass,sex\nDream,3750,male\nBiscoe,NA,female\nDream,4000,NA\nBiscoe,3500,female\n";
    /// let table = Table::from_reader(text.as_bytes(), "penguins", &ReadOptions::default())?;
    /// let data = Dataset::from_table(table, &CsvOptions::labels("sex"))?;
    /// assert_eq!(data.feature_names(), ["island=Biscoe", "island=Dream", "mass"]);
    /// assert_eq!(data.n_rows(), 3); // the row without a sex is left out
    /// assert_eq!(data.line(1), Some(3));
    /// assert_eq!(data.notices(), ["1 row whose target is missing was left out (line 4)"]);
    /// # Ok::<(), nabla_models::data::DataError>(())
    /// ```
    ///
    /// # Errors
    /// A [`DataError`] naming the file: a target column is missing (the message lists the
    /// columns there are), the targets break their encoding (with line and column), every
    /// target is missing, or no feature column is left.
    pub fn from_table(table: Table, options: &CsvOptions) -> Result<Dataset, DataError> {
        Self::load_table(table, options, None)
    }

    /// A data set from a table of new rows, its features made by a model's `encoding`
    /// (which is not refitted) and its targets as `options` says; rows whose target is
    /// missing are left out. [`Dataset::notices`] holds what was left out and the encoding's
    /// warnings (categories not seen in training). `options`' column choices are not used.
    ///
    /// # Errors
    /// As [`Dataset::from_table`], and a [`DataError::ColumnMismatch`] when the table lacks a
    /// column the encoding reads or holds one the model knows nothing of.
    pub fn from_table_encoded(
        table: Table,
        options: &CsvOptions,
        encoding: &FeatureEncoding,
    ) -> Result<Dataset, DataError> {
        Self::load_table(table, options, Some(encoding))
    }

    fn load_table(
        mut table: Table,
        options: &CsvOptions,
        given: Option<&FeatureEncoding>,
    ) -> Result<Dataset, DataError> {
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
        let positions = wanted
            .iter()
            .map(|name| table.require(name))
            .collect::<Result<Vec<_>, _>>()?;
        let mut notices = Vec::new();
        let keep: Vec<usize> = (0..table.n_rows())
            .filter(|&r| positions.iter().all(|&c| !table.columns()[c].is_missing(r)))
            .collect();
        if keep.is_empty() {
            return Err(DataError::Empty {
                path: table.source().into(),
                what: format!(
                    "every row misses its target ({}); fill in the targets",
                    quoted_list(wanted)
                ),
            });
        }
        let dropped = table.n_rows() - keep.len();
        if dropped > 0 {
            let mut kept = keep.iter().peekable();
            let lines: Vec<String> = (0..table.n_rows())
                .filter(|r| kept.next_if_eq(&r).is_none())
                .take(5)
                .map(|r| table.line(r).to_string())
                .collect();
            notices.push(format!(
                "{dropped} row{} whose target is missing {} left out (line{} {}{})",
                plural(dropped),
                if dropped == 1 { "was" } else { "were" },
                plural(dropped),
                lines.join(", "),
                if dropped > lines.len() { ", ..." } else { "" }
            ));
            table.retain_rows(&keep);
        }
        let targets = target_values(&table, &positions, options.kind())?;
        let encoding = match given {
            Some(encoding) => encoding.clone(),
            None => {
                let (encoding, left_out) =
                    FeatureEncoding::fit(&table, wanted, &options.choice, None)?;
                notices.extend(left_out);
                encoding
            }
        };
        let (features, unseen) = encode_columns(&table, &encoding, wanted)?;
        notices.extend(unseen);
        let feature_names = encoding.feature_names();
        let lines = table.line_numbers().clone();
        let imputed = imputed_rows(&table, &encoding)?;
        drop(table);
        Ok(Dataset::new(features, &feature_names, targets, wanted)?
            .with_origin(encoding, lines, notices)?
            .with_imputed(imputed))
    }
}

/// The rows missing each column the encoding reads, in encoding order.
fn imputed_rows(table: &Table, encoding: &FeatureEncoding) -> Result<Imputed, DataError> {
    let rows = encoding
        .columns
        .iter()
        .map(|c| {
            let column = &table.columns()[table.require(&c.column)?];
            Ok((0..table.n_rows())
                .filter(|&r| column.is_missing(r))
                .collect())
        })
        .collect::<Result<Vec<_>, DataError>>()?;
    Ok(Imputed::new(rows))
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// The targets in the columns `positions` of `table` (no row misses one), as `kind` reads them.
fn target_values(
    table: &Table,
    positions: &[usize],
    kind: TargetKind,
) -> Result<Targets, DataError> {
    let names: Vec<&str> = positions
        .iter()
        .map(|&c| table.names()[c].as_str())
        .collect();
    let rows = table.n_rows();
    let k = positions.len();
    if kind == TargetKind::Labels {
        return labels(table, positions[0]);
    }
    let mut values = vec![0.0; rows * k];
    for (j, &c) in positions.iter().enumerate() {
        let Column::Numbers { values: column, .. } = &table.columns()[c] else {
            return Err(text_in_target(table, c));
        };
        for (r, &v) in column.iter().enumerate() {
            if kind != TargetKind::Continuous && v != 0.0 && v != 1.0 {
                return Err(DataError::BadTarget {
                    path: table.source().into(),
                    line: table.line(r),
                    column: names[j].into(),
                    value: v.to_string(),
                    expected: "these target columns must hold 0 or 1".into(),
                });
            }
            values[r * k + j] = v;
        }
    }
    let values = Tensor::from_vec(values, &[rows, k]);
    match kind {
        TargetKind::Continuous => Targets::continuous(values),
        TargetKind::MultiHot => Targets::multi_hot(values, &names),
        TargetKind::OneHot => {
            for (r, row) in values.data().chunks_exact(k).enumerate() {
                let ones = row.iter().filter(|&&v| v == 1.0).count();
                if ones != 1 {
                    return Err(DataError::OneHotRow {
                        path: table.source().into(),
                        line: table.line(r),
                        columns: owned(&names),
                        ones,
                    });
                }
            }
            Targets::one_hot(values, &names)
        }
        TargetKind::Labels => unreachable!("handled above"),
    }
}

/// The first text of a target column that must hold numbers, as an error.
fn text_in_target(table: &Table, c: usize) -> DataError {
    let (row, value) = match &table.columns()[c] {
        Column::Text {
            categories, codes, ..
        } => codes
            .iter()
            .position(|&k| k != Column::MISSING && categories[k as usize].parse::<f64>().is_err())
            .map(|r| (r, categories[codes[r] as usize].clone()))
            .unwrap_or_default(),
        _ => (0, String::new()),
    };
    DataError::NotNumeric {
        path: table.source().into(),
        line: table.line(row),
        column: c + 1,
        name: table.names()[c].clone(),
        role: "target",
        value,
    }
}

/// Class labels from one column: numbers sorted by value, or text sorted by its bytes.
fn labels(table: &Table, c: usize) -> Result<Targets, DataError> {
    match &table.columns()[c] {
        Column::Numbers { values, .. } => {
            // `+ 0.0` turns -0 into 0, so that both are one class.
            let values: Vec<f64> = values.iter().map(|v| v + 0.0).collect();
            let mut classes = values.clone();
            classes.sort_by(f64::total_cmp);
            classes.dedup();
            let indices = values
                .iter()
                .map(|v| classes.partition_point(|c| c < v))
                .collect();
            let class_names: Vec<String> = classes.iter().map(|c| c.to_string()).collect();
            Targets::labels(indices, &class_names)
        }
        Column::Text {
            categories, codes, ..
        } => Targets::labels(codes.iter().map(|&k| k as usize).collect(), categories),
        Column::ManyTexts { .. } => Err(DataError::InvalidArgument {
            function: "Dataset::from_csv",
            message: format!(
                "the label column \"{}\" of {} holds more than {} distinct labels; a \
                 classifier needs far fewer classes (is this the right column?)",
                table.names()[c],
                table.source(),
                super::MAX_KEPT_CATEGORIES
            ),
        }),
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
            "a;b;y\n1;2;3\n4;5;6\n",
            &CsvOptions::continuous(&["y"]).with_delimiter(b';'),
        );
        assert_eq!(d.unwrap().features().data(), &[1.0, 2.0, 4.0, 5.0]);
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
    fn rows_with_an_empty_label_are_left_out_with_a_notice() {
        let d = load("a,y\n1,x\n2,\n3,z\n", &CsvOptions::labels("y")).unwrap();
        assert_eq!(d.n_rows(), 2);
        assert_eq!(
            d.notices(),
            ["1 row whose target is missing was left out (line 3)"]
        );
        assert_eq!(d.line(1), Some(4));
        assert_eq!(d.targets().class_names().unwrap(), &["x", "z"]);
    }

    #[test]
    fn text_features_are_one_hot_and_missing_values_imputed() {
        let d = load(
            "island,mass,y\nDream,1,0\nBiscoe,NA,1\n,3,0\n",
            &CsvOptions::labels("y").with_missing_indicators(true),
        )
        .unwrap();
        assert_eq!(
            d.feature_names(),
            [
                "island=Biscoe",
                "island=Dream",
                "island missing",
                "mass",
                "mass missing"
            ]
        );
        // Missing island: the most frequent (a tie between Biscoe and Dream goes to Biscoe).
        assert_eq!(
            d.features().data(),
            &[0., 1., 0., 1., 0., 1., 0., 0., 2., 1., 1., 0., 1., 3., 0.]
        );
    }
}
