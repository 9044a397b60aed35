//! Reading the feature columns a fitted model reads from a CSV file of new rows, by header
//! name and in any order.

use super::DataError;
use super::load::{Field, malformed, open_csv};
use nabla_autodiff::Tensor;
use std::fs::File;
use std::path::Path;

/// The columns `features` of the CSV file at `path` (header line first), as a `[rows,
/// features]` matrix in the order of `features`, whatever their order in the file. Columns
/// named in `ignored` (a target column, when the file is labelled) may be there or not;
/// any other column is an error, so that a file meant for another model is not read as
/// this one's.
///
/// ```
/// # let dir = std::env::temp_dir();
/// # let path = dir.join("nabla-doc-new-rows.csv");
/// std::fs::write(&path, "b,species,a\n2,setosa,1\n4,setosa,3\n")?;
/// let x = nabla_models::data::read_feature_columns(&path, &["a".into(), "b".into()], &["species".into()], b',')?;
/// assert_eq!(x.data(), &[1.0, 2.0, 3.0, 4.0]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// A [`DataError`] naming the file: it cannot be read, has no data rows, lacks a feature
/// column or holds a column the model does not read (both listed), a row has the wrong number
/// of fields, or a feature value is not a number (with its line and column).
pub fn read_feature_columns(
    path: impl AsRef<Path>,
    features: &[String],
    ignored: &[String],
    delimiter: u8,
) -> Result<Tensor<f64>, DataError> {
    let path = path.as_ref();
    let source = path.display().to_string();
    let file = File::open(path).map_err(|e| DataError::Io {
        path: source.clone(),
        message: e.to_string(),
    })?;
    let (mut rdr, header) = open_csv(file, &source, delimiter)?;
    let missing: Vec<String> = features
        .iter()
        .filter(|f| !header.contains(f))
        .cloned()
        .collect();
    let unexpected: Vec<String> = header
        .iter()
        .filter(|h| !features.contains(h) && !ignored.contains(h))
        .cloned()
        .collect();
    if !missing.is_empty() || !unexpected.is_empty() {
        return Err(DataError::ColumnMismatch {
            path: source,
            missing,
            unexpected,
            expected: features.to_vec(),
        });
    }
    let columns: Vec<usize> = features
        .iter()
        .map(|f| header.iter().position(|h| h == f).unwrap_or(0))
        .collect();
    let mut values = Vec::new();
    let mut rows = 0;
    for record in rdr.records() {
        let record = record.map_err(|e| malformed(&source, &e))?;
        let line = record.position().map_or(0, |p| p.line());
        if record.len() != header.len() {
            return Err(DataError::RaggedRow {
                path: source,
                line,
                found: record.len(),
                expected: header.len(),
            });
        }
        for &c in &columns {
            let field = Field {
                path: &source,
                line,
                column: c,
                name: &header[c],
                text: &record[c],
            };
            values.push(field.number("feature")?);
        }
        rows += 1;
    }
    if rows == 0 {
        return Err(DataError::Empty {
            path: source,
            what: "the header (line 1) is followed by no data rows; add one row per sample".into(),
        });
    }
    Ok(Tensor::from_vec(values, &[rows, features.len()]))
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
        let err = read_feature_columns(&path, &features, &["y".into()], b',')
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
        let err = read_feature_columns(&path, &["b".into(), "a".into()], &[], b',')
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 3"), "{err}");
        assert!(err.contains("\"x\""), "{err}");
    }
}
