//! Bad CSV files give errors that name the file, the line and the column, and never panic.

use nabla_models::data::{CsvOptions, DataError, Dataset};
use std::path::PathBuf;

/// Writes `contents` to a file of its own in the system temp dir and loads it.
fn load_bytes(name: &str, contents: &[u8], options: &CsvOptions) -> (PathBuf, DataError) {
    let dir = std::env::temp_dir().join(format!("nabla-data-errors-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    let err = Dataset::from_csv(&path, options).expect_err("the file should not load");
    std::fs::remove_file(&path).unwrap();
    (path, err)
}

fn load(name: &str, contents: &str, options: &CsvOptions) -> (String, String) {
    let (path, err) = load_bytes(name, contents.as_bytes(), options);
    (path.display().to_string(), err.to_string())
}

#[test]
fn missing_target_column_lists_the_columns() {
    let (path, msg) = load(
        "missing.csv",
        "sepal,petal,species\n1,2,a\n",
        &CsvOptions::labels("Species"),
    );
    assert_eq!(
        msg,
        format!(
            "{path}: the header (line 1) has no column named \"Species\"; its columns are \
             \"sepal\", \"petal\", \"species\". Use one of these names (they are \
             case-sensitive)"
        )
    );
}

#[test]
fn stray_text_in_a_feature_names_line_and_column() {
    // Line 1 header, lines 2-3 fine, line 4 has "unknown" in column 2 ("bmi").
    let (path, msg) = load(
        "text.csv",
        "age,bmi,y\n50,21.5,1\n61,30.1,2\n44,unknown,3\n",
        &CsvOptions::continuous(&["y"]),
    );
    assert_eq!(
        msg,
        format!(
            "{path}, line 4, column 2 (\"bmi\"): \"unknown\" is text in a column of numbers (2 \
             numbers and 1 text); correct it, or if it marks a missing value, add it to the \
             missing-value markers (--na-values on the command line, \
             ReadOptions::missing_values in the library)"
        )
    );
}

#[test]
fn empty_and_marked_feature_fields_are_imputed_with_the_median() {
    let text = "a,b,y\n1,2,x\n3,,x\n5,n/a,y\n7,10,y\n";
    let dir = std::env::temp_dir().join(format!("nabla-data-holes-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("holes.csv");
    std::fs::write(&path, text).unwrap();
    let d = Dataset::from_csv(&path, &CsvOptions::labels("y")).unwrap();
    assert_eq!(d.features().data(), &[1., 2., 3., 6., 5., 6., 7., 10.]);
}

#[test]
fn non_numeric_continuous_target_points_at_labels() {
    let (path, msg) = load(
        "target.csv",
        "a,price\n1,10\n2,cheap\n3,dear\n",
        &CsvOptions::continuous(&["price"]),
    );
    assert!(
        msg.starts_with(&format!(
            "{path}, line 3, column 2 (\"price\"): \"cheap\" is not a number; this target"
        )),
        "{msg}"
    );
    assert!(msg.contains("CsvOptions::labels"), "{msg}");
}

#[test]
fn ragged_row_names_its_line_and_field_counts() {
    // Blank lines are skipped but still counted: the short row is on line 5.
    let (path, msg) = load(
        "ragged.csv",
        "a,b,c,label\n1,2,3,x\n\n4,5,6,y\n7,8,z\n",
        &CsvOptions::labels("label"),
    );
    assert_eq!(
        msg,
        format!(
            "{path}, line 5: the row has 3 fields but the header has 4; every row needs one \
             value per column (look for a missing or extra delimiter)"
        )
    );
    let (_, msg) = load(
        "long.csv",
        "a,label\n1,x\n2,y,\n",
        &CsvOptions::labels("label"),
    );
    assert!(
        msg.contains("line 3: the row has 3 fields but the header has 2"),
        "{msg}"
    );
}

#[test]
fn empty_file_and_header_only_file() {
    let (path, msg) = load("empty.csv", "", &CsvOptions::labels("y"));
    assert_eq!(
        msg,
        format!(
            "{path}: the file is empty; it needs a header line naming the columns, then one \
             line per sample"
        )
    );
    let (path, msg) = load("header.csv", "a,b,y\n", &CsvOptions::labels("y"));
    assert_eq!(
        msg,
        format!("{path}: the header (line 1) is followed by no data rows; add one row per sample")
    );
}

#[test]
fn unreadable_and_non_utf8_files() {
    let path = std::env::temp_dir().join("nabla-data-errors-no-such-file.csv");
    let err = Dataset::from_csv(&path, &CsvOptions::labels("y")).unwrap_err();
    assert!(matches!(err, DataError::Io { .. }));
    assert!(
        err.to_string()
            .starts_with(&format!("{}: cannot read the file:", path.display()))
    );

    let (_, err) = load_bytes(
        "latin1.csv",
        b"a,y\n1,x\n2,caf\xe9\n",
        &CsvOptions::labels("y"),
    );
    assert!(
        matches!(err, DataError::Malformed { line: Some(3), .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("save the file as UTF-8"), "{err}");
}

#[test]
fn bad_one_hot_row_names_its_line() {
    let (path, msg) = load(
        "onehot.csv",
        "f,cat,dog\n1,1,0\n2,0,1\n3,0,0\n",
        &CsvOptions::one_hot(&["cat", "dog"]),
    );
    assert!(
        msg.starts_with(&format!(
            "{path}, line 4: the one-hot target columns \"cat\", \"dog\" hold 0 ones"
        )),
        "{msg}"
    );
    assert!(msg.contains("CsvOptions::multi_hot"), "{msg}");
}
