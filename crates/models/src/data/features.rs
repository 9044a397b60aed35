//! [`FeatureEncoding`]: how the columns of a [`Table`] become the numeric features a network
//! reads (numbers as they are, text one-hot), with missing values imputed; fitted once on
//! training rows and kept with a saved model, so that new rows are encoded the same way.

use super::table::{Column, Table, some_names};
use super::{DataError, ReadOptions};
use nabla_autodiff::Tensor;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// A text column with more distinct values than this is not one-hot encoded unless named
/// among the features: it is left out as an identifier or free text.
pub const MAX_ONE_HOT_CATEGORIES: usize = 1000;

/// A text column whose rows (at least this many) all differ is left out as an identifier.
const MIN_ROWS_FOR_IDENTIFIER: usize = 10;

/// Which columns of a table are features, and how missing values are marked.
///
/// ```
/// use nabla_models::data::ColumnChoice;
/// let choice = ColumnChoice { drop: vec!["year".into()], missing_indicators: true, ..ColumnChoice::default() };
/// assert!(choice.features.is_none()); // every column but the targets and "year"
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ColumnChoice {
    /// Only these columns are features (in this order), and none of them is left out
    /// automatically; `None`: every column that is not a target or dropped, in file order,
    /// leaving out constant and identifier-like columns with a notice.
    pub features: Option<Vec<String>>,
    /// Columns that are not features.
    pub drop: Vec<String>,
    /// Add a 0/1 feature per column with missing values in the training rows, 1 where the
    /// value was missing (and imputed).
    pub missing_indicators: bool,
}

/// How one column becomes features.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Encoding {
    /// One feature, the number itself; a missing value becomes `fill` (the training rows'
    /// median), or is an error when `fill` is `None`.
    Number {
        /// The value that replaces a missing one.
        fill: Option<f64>,
    },
    /// One 0/1 feature per category; a missing value counts as `fill` (the training rows'
    /// most frequent category); a category not in the list gives all zeros and a warning.
    OneHot {
        /// The categories, in feature order.
        categories: Vec<String>,
        /// The category that stands in for a missing value.
        fill: String,
    },
}

/// One column's encoding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnEncoding {
    /// The column's name in the file.
    pub column: String,
    /// How its values become features.
    pub encoding: Encoding,
    /// Whether a 0/1 feature marks the rows where the value was missing.
    pub missing_indicator: bool,
}

impl ColumnEncoding {
    /// How many features the column gives.
    pub fn width(&self) -> usize {
        let values = match &self.encoding {
            Encoding::Number { .. } => 1,
            Encoding::OneHot { categories, .. } => categories.len(),
        };
        values + usize::from(self.missing_indicator)
    }

    /// The names of its features: the column's name for a number, `column=category` for
    /// each category, and `column missing` for the indicator.
    pub fn feature_names(&self) -> Vec<String> {
        let mut names = match &self.encoding {
            Encoding::Number { .. } => vec![self.column.clone()],
            Encoding::OneHot { categories, .. } => categories
                .iter()
                .map(|c| format!("{}={c}", self.column))
                .collect(),
        };
        if self.missing_indicator {
            names.push(format!("{} missing", self.column));
        }
        names
    }

    /// A short description: `number (missing: median 44.45)`, `one-hot, 3 categories`.
    pub fn describe(&self) -> String {
        let mut text = match &self.encoding {
            Encoding::Number { fill: Some(v) } => {
                format!("number (missing -> median {})", significant(*v, 6))
            }
            Encoding::Number { fill: None } => "number".to_string(),
            Encoding::OneHot { categories, fill } => format!(
                "one-hot, {} categories (missing -> \"{fill}\")",
                categories.len()
            ),
        };
        if self.missing_indicator {
            text.push_str(" + missing indicator");
        }
        text
    }
}

/// The encoding of every feature column of a table, in feature order, and the missing-value
/// markers the table was read with. A saved model keeps it, and `nabla predict` encodes new
/// rows with it.
///
/// ```
/// use nabla_models::data::{ColumnChoice, FeatureEncoding, ReadOptions, Table};
/// let text = "island,mass,species\nDream,3750,A\nBiscoe,NA,G\nDream,4000,A\n";
/// let table = Table::from_reader(text.as_bytes(), "penguins", &ReadOptions::default())?;
/// let (encoding, notices) =
///     FeatureEncoding::fit(&table, &["species".into()], &ColumnChoice::default(), None)?;
/// assert!(notices.is_empty());
/// assert_eq!(encoding.feature_names(), ["island=Biscoe", "island=Dream", "mass"]);
/// let (x, warnings) = encoding.transform(&table)?;
/// // The missing mass is the median of 3750 and 4000.
/// assert_eq!(x.data(), &[0.0, 1.0, 3750.0, 1.0, 0.0, 3875.0, 0.0, 1.0, 4000.0]);
/// assert!(warnings.is_empty());
/// # Ok::<(), nabla_models::data::DataError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeatureEncoding {
    /// The feature columns, in the order their features are laid out.
    pub columns: Vec<ColumnEncoding>,
    /// The texts that marked missing values in the training file.
    pub missing_values: Vec<String>,
    /// The training file's other columns (targets, dropped or left out), which a file of new
    /// rows may hold too.
    #[serde(default)]
    pub ignored: Vec<String>,
}

impl FeatureEncoding {
    /// Plain numeric columns with no missing values allowed: what a model fitted on a bare
    /// matrix with named columns reads.
    pub fn numbers(names: &[String]) -> Self {
        FeatureEncoding {
            columns: names
                .iter()
                .map(|n| ColumnEncoding {
                    column: n.clone(),
                    encoding: Encoding::Number { fill: None },
                    missing_indicator: false,
                })
                .collect(),
            missing_values: ReadOptions::default().missing_values,
            ignored: Vec::new(),
        }
    }

    /// Chooses the feature columns of `table` (all but `targets`, as `choice` says) and fits
    /// their encodings on the rows `rows` (all rows when `None`): numbers stay numbers with
    /// their median for missing values; text is one-hot encoded over every category in the
    /// table, with the most frequent for missing values. Returns the notices of what was left
    /// out and why.
    ///
    /// # Errors
    /// A [`DataError`] if `choice` names a column the table lacks or a target, if a chosen
    /// column has no values in `rows`, or if no feature column is left.
    pub fn fit(
        table: &Table,
        targets: &[String],
        choice: &ColumnChoice,
        rows: Option<&[usize]>,
    ) -> Result<(FeatureEncoding, Vec<String>), DataError> {
        for name in choice.drop.iter().chain(choice.features.iter().flatten()) {
            table.require(name)?;
        }
        let explicit = choice.features.is_some();
        if let Some(t) = choice
            .features
            .iter()
            .flatten()
            .find(|f| targets.contains(f))
        {
            return Err(DataError::InvalidArgument {
                function: "the feature columns",
                message: format!(
                    "\"{t}\" is named both as a target and as a feature; a column cannot be \
                     both, so remove it from the features"
                ),
            });
        }
        let candidates: Vec<&String> = match &choice.features {
            Some(f) => f.iter().collect(),
            None => table
                .names()
                .iter()
                .filter(|n| !targets.contains(n) && !choice.drop.contains(n))
                .collect(),
        };
        let all: Vec<usize>;
        let rows = match rows {
            Some(r) => r,
            None => {
                all = (0..table.n_rows()).collect();
                &all
            }
        };
        let mut columns = Vec::new();
        let mut notices = Vec::new();
        for name in candidates {
            let column = table.column(name).expect("checked above");
            let left_out = |why: String| format!("column \"{name}\" left out: {why}");
            let missing_indicator =
                choice.missing_indicators && rows.iter().any(|&r| column.is_missing(r));
            let encoding = match column {
                Column::Numbers { values, .. } => {
                    let mut present: Vec<f64> = rows
                        .iter()
                        .map(|&r| values[r])
                        .filter(|v| !v.is_nan())
                        .collect();
                    let Some(fill) = median(&mut present) else {
                        if explicit {
                            return Err(no_values(table, name));
                        }
                        notices.push(left_out("it has no values".into()));
                        continue;
                    };
                    if !explicit && present.iter().all(|&v| v == present[0]) {
                        notices.push(left_out(format!(
                            "it holds one value ({}) on every row",
                            present[0]
                        )));
                        continue;
                    }
                    Encoding::Number { fill: Some(fill) }
                }
                Column::Text {
                    categories, codes, ..
                } => {
                    let mut counts = vec![0usize; categories.len()];
                    for &r in rows {
                        if codes[r] != Column::MISSING {
                            counts[codes[r] as usize] += 1;
                        }
                    }
                    let present: usize = counts.iter().sum();
                    let Some(mode) = (0..counts.len()).max_by_key(|&c| (counts[c], usize::MAX - c))
                    else {
                        if explicit {
                            return Err(no_values(table, name));
                        }
                        notices.push(left_out("it has no values".into()));
                        continue;
                    };
                    let table_present = table.n_rows() - column.missing();
                    if !explicit {
                        if categories.len() == 1 {
                            notices.push(left_out(format!(
                                "it holds one value (\"{}\") on every row",
                                categories[0]
                            )));
                            continue;
                        }
                        if categories.len() == table_present
                            && table_present >= MIN_ROWS_FOR_IDENTIFIER
                        {
                            notices.push(left_out(
                                "a different text on every row, like an identifier (name it \
                                 among the features to one-hot encode it anyway)"
                                    .into(),
                            ));
                            continue;
                        }
                        if categories.len() > MAX_ONE_HOT_CATEGORIES {
                            notices.push(left_out(format!(
                                "{} distinct texts, more than the {MAX_ONE_HOT_CATEGORIES} \
                                 one-hot encoding takes (name it among the features to encode \
                                 it anyway)",
                                categories.len()
                            )));
                            continue;
                        }
                    }
                    debug_assert!(present > 0);
                    Encoding::OneHot {
                        categories: categories.clone(),
                        fill: categories[mode].clone(),
                    }
                }
                Column::ManyTexts { .. } => {
                    if explicit {
                        return Err(DataError::InvalidArgument {
                            function: "the feature columns",
                            message: format!(
                                "column \"{name}\" of {} holds more than {} distinct texts, too \
                                 many to one-hot encode; leave it out of the features, or \
                                 replace it by numbers",
                                table.source(),
                                super::MAX_KEPT_CATEGORIES
                            ),
                        });
                    }
                    notices.push(left_out(format!(
                        "more than {} distinct texts, like an identifier or free text",
                        super::MAX_KEPT_CATEGORIES
                    )));
                    continue;
                }
            };
            columns.push(ColumnEncoding {
                column: name.clone(),
                encoding,
                missing_indicator,
            });
        }
        if columns.is_empty() {
            return Err(DataError::Empty {
                path: table.source().into(),
                what: format!(
                    "no feature columns are left{}; keep at least one column besides the \
                     target{}",
                    if notices.is_empty() {
                        String::new()
                    } else {
                        format!(" ({})", notices.join("; "))
                    },
                    if targets.len() == 1 { "" } else { "s" }
                ),
            });
        }
        let ignored = table
            .names()
            .iter()
            .filter(|n| !columns.iter().any(|c: &ColumnEncoding| &c.column == *n))
            .cloned()
            .collect();
        Ok((
            FeatureEncoding {
                columns,
                missing_values: table.missing_values().to_vec(),
                ignored,
            },
            notices,
        ))
    }

    /// How many features the encoding gives.
    pub fn width(&self) -> usize {
        self.columns.iter().map(ColumnEncoding::width).sum()
    }

    /// The names of the features, in order.
    pub fn feature_names(&self) -> Vec<String> {
        self.columns
            .iter()
            .flat_map(ColumnEncoding::feature_names)
            .collect()
    }

    /// The names of the columns read.
    pub fn column_names(&self) -> Vec<String> {
        self.columns.iter().map(|c| c.column.clone()).collect()
    }

    /// The options to read a new file with: the delimiter detected, the training file's
    /// missing-value markers.
    pub fn read_options(&self) -> ReadOptions {
        if self.missing_values.is_empty() {
            return ReadOptions::default();
        }
        ReadOptions {
            delimiter: None,
            missing_values: self.missing_values.clone(),
        }
    }

    /// The `[rows, width]` features of every row of `table`, and warnings about values the
    /// encoding did not know (categories not seen in training: all-zero one-hot rows).
    ///
    /// # Errors
    /// A [`DataError`] naming the file: a column of the encoding is not in the table, a number
    /// column holds text, or a value is missing where the training rows had none to learn a
    /// fill from.
    pub fn transform(&self, table: &Table) -> Result<(Tensor<f64>, Vec<String>), DataError> {
        let missing: Vec<String> = self
            .columns
            .iter()
            .filter(|c| table.position(&c.column).is_none())
            .map(|c| c.column.clone())
            .collect();
        if !missing.is_empty() {
            return Err(DataError::ColumnMismatch {
                path: table.source().into(),
                missing,
                unexpected: Vec::new(),
                expected: self.column_names(),
            });
        }
        let rows = table.n_rows();
        let width = self.width();
        let mut x = vec![0.0; rows * width];
        let mut warnings = Vec::new();
        let mut offset = 0;
        for c in &self.columns {
            let position = table.require(&c.column)?;
            let column = &table.columns()[position];
            let mut put = |r: usize, j: usize, v: f64| x[r * width + offset + j] = v;
            let place = |r: usize| (table.source(), table.line(r), position, c.column.as_str());
            let values_width = c.width() - usize::from(c.missing_indicator);
            match (&c.encoding, column) {
                (Encoding::Number { fill }, Column::Numbers { values, .. }) => {
                    for (r, &v) in values.iter().enumerate() {
                        let v = if v.is_nan() {
                            if c.missing_indicator {
                                put(r, 1, 1.0);
                            }
                            fill.ok_or_else(|| unfillable(place(r)))?
                        } else {
                            v
                        };
                        put(r, 0, v);
                    }
                }
                (
                    Encoding::Number { .. },
                    Column::Text {
                        codes, categories, ..
                    },
                ) => {
                    let is_text = |&k: &u32| {
                        k != Column::MISSING && categories[k as usize].parse::<f64>().is_err()
                    };
                    let r = codes.iter().position(is_text).unwrap_or(0);
                    let (path, line, column, name) = place(r);
                    return Err(DataError::NotNumeric {
                        path: path.into(),
                        line,
                        column: column + 1,
                        name: name.into(),
                        role: "feature",
                        value: categories
                            .get(codes[r] as usize)
                            .cloned()
                            .unwrap_or_default(),
                    });
                }
                (Encoding::Number { .. }, Column::ManyTexts { .. })
                | (Encoding::OneHot { .. }, Column::ManyTexts { .. }) => {
                    return Err(DataError::InvalidArgument {
                        function: "the feature encoding",
                        message: format!(
                            "column \"{}\" of {} holds more than {} distinct texts; the model \
                             reads it as {}, so pass a file whose column holds those values",
                            c.column,
                            table.source(),
                            super::MAX_KEPT_CATEGORIES,
                            c.describe()
                        ),
                    });
                }
                (Encoding::OneHot { categories, fill }, column) => {
                    let index: HashMap<&str, usize> = categories
                        .iter()
                        .enumerate()
                        .map(|(i, name)| (name.as_str(), i))
                        .collect();
                    let fill = index.get(fill.as_str()).copied();
                    let mut unseen: (usize, Option<(u64, String)>) = (0, None);
                    let mut one =
                        |r: usize, text: Option<&str>, put: &mut dyn FnMut(usize, usize, f64)| {
                            let k = match text {
                                None => {
                                    if c.missing_indicator {
                                        put(r, values_width, 1.0);
                                    }
                                    fill
                                }
                                Some(t) => {
                                    let k = index.get(t).copied();
                                    if k.is_none() {
                                        unseen.0 += 1;
                                        unseen
                                            .1
                                            .get_or_insert_with(|| (table.line(r), t.to_string()));
                                    }
                                    k
                                }
                            };
                            if let Some(k) = k {
                                put(r, k, 1.0);
                            }
                        };
                    match column {
                        Column::Text {
                            categories: found,
                            codes,
                            ..
                        } => {
                            for (r, &k) in codes.iter().enumerate() {
                                let text =
                                    (k != Column::MISSING).then(|| found[k as usize].as_str());
                                one(r, text, &mut put);
                            }
                        }
                        Column::Numbers { values, .. } => {
                            for (r, &v) in values.iter().enumerate() {
                                let text = (!v.is_nan()).then(|| v.to_string());
                                one(r, text.as_deref(), &mut put);
                            }
                        }
                        Column::ManyTexts { .. } => unreachable!("handled above"),
                    }
                    if let (n, Some((line, value))) = unseen {
                        warnings.push(format!(
                            "column \"{}\": {n} row{} hold{} a category not seen in training \
                             (\"{value}\" on line {line}); {} one-hot features are all 0 there. \
                             The known categories are {}",
                            c.column,
                            if n == 1 { "" } else { "s" },
                            if n == 1 { "s" } else { "" },
                            if n == 1 { "its" } else { "their" },
                            some_names(categories, 10)
                        ));
                    }
                }
            }
            offset += c.width();
        }
        Ok((Tensor::from_vec(x, &[rows, width]), warnings))
    }
}

/// `v` rounded to `digits` significant digits for reading (`0.00489042`, `4050`, `1.5e-9`).
fn significant(v: f64, digits: i32) -> String {
    if v == 0.0 || !v.is_finite() {
        return v.to_string();
    }
    let magnitude = v.abs().log10().floor() as i32;
    if !(-5..15).contains(&magnitude) {
        return format!("{v:.*e}", (digits - 1) as usize);
    }
    let decimals = (digits - 1 - magnitude).max(0) as usize;
    let text = format!("{v:.decimals$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

/// The median of `values` (the mean of the middle two for an even count), `None` if empty.
pub(super) fn median(values: &mut [f64]) -> Option<f64> {
    let n = values.len();
    if n == 0 {
        return None;
    }
    let (_, &mut upper, _) = values.select_nth_unstable_by(n / 2, f64::total_cmp);
    if n % 2 == 1 {
        return Some(upper);
    }
    let lower = values[..n / 2]
        .iter()
        .copied()
        .fold(f64::NEG_INFINITY, f64::max);
    Some(lower + (upper - lower) / 2.0)
}

fn no_values(table: &Table, name: &str) -> DataError {
    DataError::Empty {
        path: table.source().into(),
        what: format!(
            "column \"{name}\" has no values in the training rows, so there is nothing to learn \
             from it or to fill its missing values with; leave it out of the features"
        ),
    }
}

fn unfillable((path, line, column, name): (&str, u64, usize, &str)) -> DataError {
    DataError::NotNumeric {
        path: path.into(),
        line,
        column: column + 1,
        name: name.into(),
        role: "feature",
        value: String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(text: &str) -> Table {
        Table::from_reader(text.as_bytes(), "t.csv", &ReadOptions::default()).unwrap()
    }

    #[test]
    fn numbers_read_with_six_significant_digits() {
        assert_eq!(significant(0.0048904199999999995, 6), "0.00489042");
        assert_eq!(significant(4050.0, 6), "4050");
        assert_eq!(significant(44.45, 6), "44.45");
        assert_eq!(significant(-1234567.0, 6), "-1234567");
        assert_eq!(significant(1.5e-9, 6), "1.50000e-9");
    }

    #[test]
    fn median_of_odd_even_and_empty() {
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&mut [4.0, 1.0, 3.0, 2.0]), Some(2.5));
        assert_eq!(median(&mut []), None);
    }

    #[test]
    fn fills_come_from_the_given_rows_only() {
        let t = table("a,c,y\n1,x,0\n2,y,1\nNA,NA,0\n100,y,1\n");
        let (e, _) = FeatureEncoding::fit(
            &t,
            &["y".into()],
            &ColumnChoice::default(),
            Some(&[0, 1, 2]),
        )
        .unwrap();
        assert_eq!(e.columns[0].encoding, Encoding::Number { fill: Some(1.5) });
        // x and y once each in rows 0..3: the tie goes to the first category.
        assert_eq!(
            e.columns[1].encoding,
            Encoding::OneHot {
                categories: vec!["x".into(), "y".into()],
                fill: "x".into()
            }
        );
        let (x, _) = e.transform(&t).unwrap();
        assert_eq!(x.data()[6..9], [1.5, 1.0, 0.0]);
    }

    #[test]
    fn indicators_mark_imputed_values() {
        let t = table("a,c,y\n1,x,0\nNA,y,1\n3,,0\n");
        let choice = ColumnChoice {
            missing_indicators: true,
            ..ColumnChoice::default()
        };
        let (e, _) = FeatureEncoding::fit(&t, &["y".into()], &choice, None).unwrap();
        assert_eq!(
            e.feature_names(),
            ["a", "a missing", "c=x", "c=y", "c missing"]
        );
        let (x, _) = e.transform(&t).unwrap();
        assert_eq!(
            x.data(),
            &[1., 0., 1., 0., 0., 2., 1., 0., 1., 0., 3., 0., 1., 0., 1.]
        );
    }

    #[test]
    fn constant_and_identifier_columns_are_left_out_unless_named() {
        let mut text = String::from("id,k,z,v,y\n");
        for i in 0..12 {
            text.push_str(&format!("row{i},same,7,{},{}\n", i % 3, i % 2));
        }
        let t = table(&text);
        let (e, notices) =
            FeatureEncoding::fit(&t, &["y".into()], &ColumnChoice::default(), None).unwrap();
        assert_eq!(e.column_names(), ["v"]);
        assert_eq!(notices.len(), 3, "{notices:?}");
        assert!(notices[0].starts_with("column \"id\" left out: a different text on every row"));
        assert!(notices[1].contains("one value (\"same\")"));
        assert!(notices[2].contains("one value (7)"));
        let named = ColumnChoice {
            features: Some(vec!["z".into(), "id".into()]),
            ..ColumnChoice::default()
        };
        let (e, notices) = FeatureEncoding::fit(&t, &["y".into()], &named, None).unwrap();
        assert!(notices.is_empty());
        assert_eq!(e.width(), 13);
    }

    #[test]
    fn choices_naming_unknown_columns_or_targets_are_errors() {
        let t = table("a,b,y\n1,2,3\n4,5,6\n");
        let bad = |choice: ColumnChoice| {
            FeatureEncoding::fit(&t, &["y".into()], &choice, None)
                .unwrap_err()
                .to_string()
        };
        let err = bad(ColumnChoice {
            drop: vec!["q".into()],
            ..ColumnChoice::default()
        });
        assert!(err.contains("no column named \"q\""), "{err}");
        let err = bad(ColumnChoice {
            features: Some(vec!["y".into()]),
            ..ColumnChoice::default()
        });
        assert!(err.contains("both as a target and as a feature"), "{err}");
        let err = bad(ColumnChoice {
            drop: vec!["a".into(), "b".into()],
            ..ColumnChoice::default()
        });
        assert!(err.contains("no feature columns are left"), "{err}");
    }

    #[test]
    fn unseen_categories_give_zeros_and_a_warning() {
        let (e, _) = FeatureEncoding::fit(
            &table("c,y\nx,0\ny,1\n"),
            &["y".into()],
            &ColumnChoice::default(),
            None,
        )
        .unwrap();
        let (x, warnings) = e.transform(&table("c\ny\nw\n")).unwrap();
        assert_eq!(x.data(), &[0.0, 1.0, 0.0, 0.0]);
        assert_eq!(warnings.len(), 1);
        assert!(
            warnings[0].starts_with(
                "column \"c\": 1 row holds a category not seen in training (\"w\" on line 3)"
            ),
            "{}",
            warnings[0]
        );
        // A missing number with no fill learnt is an error naming the line.
        let plain = FeatureEncoding::numbers(&["a".into()]);
        let err = plain
            .transform(&table("a\n1\nNA\n"))
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("t.csv, line 3, column 1 (\"a\"): the field is empty"),
            "{err}"
        );
    }

    #[test]
    fn survives_a_round_trip_through_json() {
        let (e, _) = FeatureEncoding::fit(
            &table("c,n,y\nx,1.5,0\ny,NA,1\n"),
            &["y".into()],
            &ColumnChoice::default(),
            None,
        )
        .unwrap();
        let json = serde_json::to_string(&e).unwrap();
        assert!(json.contains("\"type\":\"one_hot\""), "{json}");
        let back: FeatureEncoding = serde_json::from_str(&json).unwrap();
        assert_eq!(back, e);
    }
}
