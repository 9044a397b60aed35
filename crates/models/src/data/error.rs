//! [`DataError`]: why data could not be loaded or prepared.

use std::fmt;

/// Why a data set could not be loaded, built, split, scaled or resampled.
///
/// Loading errors name the file, the line (1-based, the header is line 1) and the column; the
/// [`Display`](fmt::Display) form also says how to fix the problem.
#[derive(Debug, Clone, PartialEq)]
pub enum DataError {
    /// The file could not be opened or read.
    Io {
        /// The file.
        path: String,
        /// What the operating system reported.
        message: String,
    },
    /// The file is not valid CSV text at some point (for example, not UTF-8).
    Malformed {
        /// The file.
        path: String,
        /// The line, if known.
        line: Option<u64>,
        /// What the CSV reader reported.
        message: String,
    },
    /// The file lacks something every data set needs: a header, data rows or feature columns.
    Empty {
        /// The file.
        path: String,
        /// What is missing.
        what: String,
    },
    /// A column named in the options is not in the header.
    MissingColumn {
        /// The file.
        path: String,
        /// The name that was asked for.
        column: String,
        /// The columns the header does have.
        available: Vec<String>,
    },
    /// The file's columns are not the ones a fitted model reads.
    ColumnMismatch {
        /// The file.
        path: String,
        /// The model's feature columns the file lacks.
        missing: Vec<String>,
        /// Columns of the file the model does not read.
        unexpected: Vec<String>,
        /// The model's feature columns, in its order.
        expected: Vec<String>,
    },
    /// Two header fields have the same name.
    DuplicateColumn {
        /// The file.
        path: String,
        /// The repeated name.
        column: String,
        /// The 1-based positions where it occurs.
        positions: (usize, usize),
    },
    /// A row does not have one field per header column.
    RaggedRow {
        /// The file.
        path: String,
        /// The row's line.
        line: u64,
        /// How many fields it has.
        found: usize,
        /// How many the header has.
        expected: usize,
    },
    /// A field that must be a number is not.
    NotNumeric {
        /// The file.
        path: String,
        /// The row's line.
        line: u64,
        /// The column's 1-based position.
        column: usize,
        /// The column's name.
        name: String,
        /// Whether the column is a `"feature"` or a `"target"` column.
        role: &'static str,
        /// The text found there.
        value: String,
    },
    /// A number that is not finite, or so large that its square overflows (see
    /// [`MAX_MAGNITUDE`](super::MAX_MAGNITUDE)).
    NotFinite {
        /// The file.
        path: String,
        /// The row's line.
        line: u64,
        /// The column's 1-based position.
        column: usize,
        /// The column's name.
        name: String,
        /// The text found there.
        value: String,
    },
    /// A column of numbers holds a few texts: a typo, or a missing-value marker that is not
    /// among [`ReadOptions::missing_values`](super::ReadOptions::missing_values).
    StrayText {
        /// The file.
        path: String,
        /// The line of the first text.
        line: u64,
        /// The column's 1-based position.
        column: usize,
        /// The column's name.
        name: String,
        /// The first text.
        value: String,
        /// How many texts the column holds.
        texts: usize,
        /// How many numbers it holds.
        numbers: usize,
    },
    /// A target field holds a value its encoding does not allow (a multi-hot or one-hot value
    /// other than 0 or 1, an empty class label).
    BadTarget {
        /// The file.
        path: String,
        /// The row's line.
        line: u64,
        /// The column's name.
        column: String,
        /// The text found there.
        value: String,
        /// What the encoding allows.
        expected: String,
    },
    /// A row of one-hot target columns does not hold exactly one 1.
    OneHotRow {
        /// The file.
        path: String,
        /// The row's line.
        line: u64,
        /// The one-hot columns.
        columns: Vec<String>,
        /// How many of them hold 1.
        ones: usize,
    },
    /// An argument is unusable: shapes that disagree, a fraction out of range, a label beyond
    /// the classes, targets of the wrong kind.
    InvalidArgument {
        /// The function that was called.
        function: &'static str,
        /// What was passed and what is needed.
        message: String,
    },
}

impl fmt::Display for DataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DataError::Io { path, message } => {
                write!(f, "{path}: cannot read the file: {message}")
            }
            DataError::Malformed {
                path,
                line,
                message,
            } => {
                write!(f, "{path}")?;
                if let Some(line) = line {
                    write!(f, ", line {line}")?;
                }
                write!(
                    f,
                    ": not readable as CSV ({message}); save the file as UTF-8 text"
                )
            }
            DataError::Empty { path, what } => write!(f, "{path}: {what}"),
            DataError::MissingColumn {
                path,
                column,
                available,
            } => write!(
                f,
                "{path}: the header (line 1) has no column named \"{column}\"; its columns are \
                 {}. Use one of these names (they are case-sensitive){}",
                quoted_list(available),
                match available.as_slice() {
                    [one] if one.contains([',', ';', '\t', '|']) => {
                        ". The header was read as one column: is the delimiter right? \
                         (--delimiter on the command line, CsvOptions::with_delimiter in the \
                         library; both detect it when not given)"
                    }
                    _ => "",
                }
            ),
            DataError::ColumnMismatch {
                path,
                missing,
                unexpected,
                expected,
            } => {
                write!(f, "{path}: the columns do not match the model's features (")?;
                if !missing.is_empty() {
                    write!(f, "missing: {}", quoted_list(missing))?;
                }
                if !unexpected.is_empty() {
                    let sep = if missing.is_empty() { "" } else { "; " };
                    write!(
                        f,
                        "{sep}not features of the model: {}",
                        quoted_list(unexpected)
                    )?;
                }
                write!(
                    f,
                    "). The model reads the columns {} (in any order); add the missing ones and \
                     remove the others",
                    quoted_list(expected)
                )
            }
            DataError::DuplicateColumn {
                path,
                column,
                positions: (a, b),
            } => write!(
                f,
                "{path}: the header (line 1) names columns {a} and {b} both \"{column}\"; give \
                 every column a distinct name"
            ),
            DataError::RaggedRow {
                path,
                line,
                found,
                expected,
            } => write!(
                f,
                "{path}, line {line}: the row has {found} field{} but the header has \
                 {expected}; every row needs one value per column (look for a missing or extra \
                 delimiter)",
                if *found == 1 { "" } else { "s" }
            ),
            DataError::NotNumeric {
                path,
                line,
                column,
                name,
                role,
                value,
            } => {
                write!(f, "{path}, line {line}, column {column} (\"{name}\"): ")?;
                if value.is_empty() {
                    write!(f, "the field is empty")?;
                } else {
                    write!(f, "\"{value}\" is not a number")?;
                }
                if *role == "feature" {
                    write!(
                        f,
                        "; the model reads this column as numbers, as it held only numbers \
                         when the model was fitted, so correct the value (or fill in the \
                         empty field)"
                    )
                } else {
                    write!(
                        f,
                        "; this target column must hold numbers. Fix the value, or load text \
                         class labels as labels (--kind labels on the command line, \
                         CsvOptions::labels in the library)"
                    )
                }
            }
            DataError::NotFinite {
                path,
                line,
                column,
                name,
                value,
            } => write!(
                f,
                "{path}, line {line}, column {column} (\"{name}\"): \"{value}\" is not a finite \
                 number of usable size (at most {:e} in magnitude, so that its square does not \
                 overflow); correct it, rescale the column, or empty the cell to have the value \
                 imputed",
                super::MAX_MAGNITUDE
            ),
            DataError::StrayText {
                path,
                line,
                column,
                name,
                value,
                texts,
                numbers,
            } => write!(
                f,
                "{path}, line {line}, column {column} (\"{name}\"): \"{value}\" is text in a \
                 column of numbers ({numbers} number{} and {texts} text{}); correct it, or if \
                 it marks a missing value, add it to the missing-value markers (--na-values on \
                 the command line, ReadOptions::missing_values in the library)",
                if *numbers == 1 { "" } else { "s" },
                if *texts == 1 { "" } else { "s" }
            ),
            DataError::BadTarget {
                path,
                line,
                column,
                value,
                expected,
            } => write!(
                f,
                "{path}, line {line}, column \"{column}\": the target is \"{value}\" but \
                 {expected}"
            ),
            DataError::OneHotRow {
                path,
                line,
                columns,
                ones,
            } => write!(
                f,
                "{path}, line {line}: the one-hot target columns {} hold {ones} ones, but a \
                 one-hot row holds exactly one; if a row may carry several labels (or none), \
                 load the columns as multi-hot (--kind multi-hot on the command line, \
                 CsvOptions::multi_hot in the library)",
                quoted_list(columns)
            ),
            DataError::InvalidArgument { function, message } => write!(f, "{function}: {message}"),
        }
    }
}

impl std::error::Error for DataError {}

/// `"a", "b", "c"`.
pub(crate) fn quoted_list(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("\"{n}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_column_lists_what_exists() {
        let e = DataError::MissingColumn {
            path: "iris.csv".into(),
            column: "Species".into(),
            available: vec!["sepal_length".into(), "species".into()],
        };
        assert_eq!(
            e.to_string(),
            "iris.csv: the header (line 1) has no column named \"Species\"; its columns are \
             \"sepal_length\", \"species\". Use one of these names (they are \
             case-sensitive)"
        );
    }

    #[test]
    fn not_numeric_says_which_field_and_how_to_fix_it() {
        let e = DataError::NotNumeric {
            path: "d.csv".into(),
            line: 7,
            column: 2,
            name: "bmi".into(),
            role: "feature",
            value: String::new(),
        };
        let text = e.to_string();
        assert!(text.starts_with("d.csv, line 7, column 2 (\"bmi\"): the field is empty;"));
        assert!(text.contains("the model reads this column as numbers"));
    }
}
