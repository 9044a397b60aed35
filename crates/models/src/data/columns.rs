//! Reading the feature columns a fitted model reads from a CSV file of new rows, by header
//! name and in any order.

use super::{DataError, FeatureEncoding, ReadOptions, Table};
use nabla_autodiff::Tensor;
use std::path::Path;

/// The columns `features` of the CSV file at `path` (header line first), as a `[rows,
/// features]` matrix in the order of `features`, whatever their order in the file. Columns
/// named in `ignored` (a target column, when the file is labelled) may be there or not;
/// any other column is an error, so that a file meant for another model is not read as
/// this one's. The delimiter is detected unless given.
///
/// ```
/// # let dir = std::env::temp_dir();
/// # let path = dir.join("nabla-doc-new-rows.csv");
/// std::fs::write(&path, "b,species,a\n2,setosa,1\n4,setosa,3\n")?;
/// let x = nabla_models::data::read_feature_columns(&path, &["a".into(), "b".into()], &["species".into()], None)?;
/// assert_eq!(x.data(), &[1.0, 2.0, 3.0, 4.0]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// A [`DataError`] naming the file: it cannot be read, has no data rows, lacks a feature
/// column or holds a column the model does not read (both listed), a row has the wrong number
/// of fields, or a feature value is missing or not a number (with its line and column).
pub fn read_feature_columns(
    path: impl AsRef<Path>,
    features: &[String],
    ignored: &[String],
    delimiter: Option<u8>,
) -> Result<Tensor<f64>, DataError> {
    let encoding = FeatureEncoding::numbers(features);
    let options = ReadOptions {
        delimiter,
        ..encoding.read_options()
    };
    let table = Table::from_csv(path, &options)?;
    let (x, _) = encode_columns(&table, &encoding, ignored)?;
    Ok(x)
}

/// The features `encoding` makes of `table`, after checking that the table holds no column
/// besides the encoding's, its [`ignored`](FeatureEncoding::ignored) ones and `ignored`; with
/// the encoding's warnings (unseen categories).
///
/// # Errors
/// A [`DataError::ColumnMismatch`] listing the missing and the unexpected columns, or what
/// [`FeatureEncoding::transform`] finds.
pub fn encode_columns(
    table: &Table,
    encoding: &FeatureEncoding,
    ignored: &[String],
) -> Result<(Tensor<f64>, Vec<String>), DataError> {
    let expected = encoding.column_names();
    let missing: Vec<String> = expected
        .iter()
        .filter(|f| table.position(f).is_none())
        .cloned()
        .collect();
    let unexpected: Vec<String> = table
        .names()
        .iter()
        .filter(|h| !expected.contains(h) && !ignored.contains(h) && !encoding.ignored.contains(h))
        .cloned()
        .collect();
    if !missing.is_empty() || !unexpected.is_empty() {
        return Err(DataError::ColumnMismatch {
            path: table.source().into(),
            missing,
            unexpected,
            expected,
        });
    }
    encoding.transform(table)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(name: &str, text: &str) -> std::path::PathBuf {
        let path =
            std::env::temp_dir().join(format!("nabla-columns-{}-{name}", std::process::id()));
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn missing_and_unexpected_columns_are_both_listed() {
        let path = write("mismatch.csv", "a,id,c\n1,2,3\n");
        let features = ["a".to_string(), "b".to_string()];
        let err = read_feature_columns(&path, &features, &["y".into()], None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("missing: \"b\""), "{err}");
        assert!(
            err.contains("not features of the model: \"id\", \"c\""),
            "{err}"
        );
        assert!(
            err.contains("reads the columns \"a\", \"b\" (in any order)"),
            "{err}"
        );
    }

    #[test]
    fn a_value_that_is_not_a_number_names_line_and_column() {
        let path = write("text.csv", "a,b\n1,2\n3,x\n");
        let err = read_feature_columns(&path, &["b".into(), "a".into()], &[], None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 3"), "{err}");
        assert!(err.contains("\"x\""), "{err}");
    }
}
