//! [`read_splits`]: train/test rows written once to a file, so that nabla and another library
//! train and test on exactly the same rows (the bundled `data/NAME_splits.csv` hold
//! scikit-learn's splits of each bundled data set for seeds 0 to 4).
//!
//! The format: a header line `seed,set,rows`, then one line per seed and set, such as
//! `0,train,4 17 2 ...` and `0,test,9 1 ...`: the seed, `train` or `test`, and the row indices
//! (0-based, data rows of the data file without its header) separated by spaces.

use super::DataError;
use super::targets::invalid;

const FUNCTION: &str = "read_splits";

/// The training rows and the test rows of split `seed` in the splits file at `path` (see the
/// module's documentation for the format), in the file's order. Select them with
/// [`Dataset::select`](super::Dataset::select).
///
/// ```
/// use nabla_models::data::{CsvOptions, Dataset, read_splits};
/// let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data");
/// let iris = Dataset::from_csv(format!("{dir}/iris.csv"), &CsvOptions::labels("species"))?;
/// let (train, test) = read_splits(format!("{dir}/iris_splits.csv"), 0)?;
/// let (train, test) = (iris.select(&train)?, iris.select(&test)?);
/// assert_eq!((train.n_rows(), test.n_rows()), (120, 30));
/// assert_eq!(test.targets().class_counts(), Some(vec![10, 10, 10])); // stratified
/// # Ok::<(), nabla_models::data::DataError>(())
/// ```
///
/// # Errors
/// [`DataError::Io`] if the file cannot be read; [`DataError::InvalidArgument`] naming the
/// file and line if a line is not `seed,set,rows`, a row index is not a whole number, the file
/// has no train or no test line for `seed` (the message lists the seeds it has), has one twice,
/// or a row is in both sets.
pub fn read_splits(
    path: impl AsRef<std::path::Path>,
    seed: u64,
) -> Result<(Vec<usize>, Vec<usize>), DataError> {
    let path = path.as_ref().display().to_string();
    let text = std::fs::read_to_string(&path).map_err(|e| DataError::Io {
        path: path.clone(),
        message: e.to_string(),
    })?;
    parse(&path, &text, seed)
}

/// [`read_splits`] on the file's text.
fn parse(path: &str, text: &str, seed: u64) -> Result<(Vec<usize>, Vec<usize>), DataError> {
    let bad = |line: usize, what: String| {
        invalid(
            FUNCTION,
            format!(
                "{path}, line {line}: {what}; a splits file has the header `seed,set,rows`, then \
                 lines such as `0,train,4 17 2` (seed, train or test, row indices separated by \
                 spaces), as bench/write_splits.py writes them"
            ),
        )
    };
    let mut lines = text.lines().map(|l| l.trim_end_matches('\r'));
    match lines.next() {
        Some(header) if header.trim_start_matches('\u{feff}') == "seed,set,rows" => {}
        Some(header) => return Err(bad(1, format!("the header is {header:?}"))),
        None => return Err(bad(1, "the file is empty".into())),
    }
    let (mut train, mut test) = (None, None);
    let mut seeds = Vec::new();
    for (i, line) in lines.enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let number = i + 2;
        let fields: Vec<&str> = line.split(',').collect();
        let [s, set, rows] = fields[..] else {
            return Err(bad(
                number,
                format!("the line has {} fields, not 3", fields.len()),
            ));
        };
        let s: u64 = s
            .trim()
            .parse()
            .map_err(|_| bad(number, format!("the seed {s:?} is not a whole number")))?;
        if !seeds.contains(&s) {
            seeds.push(s);
        }
        if s != seed {
            continue;
        }
        let slot = match set.trim() {
            "train" => &mut train,
            "test" => &mut test,
            other => {
                return Err(bad(
                    number,
                    format!("the set is {other:?}, not train or test"),
                ));
            }
        };
        if slot.is_some() {
            return Err(bad(number, format!("seed {seed} has a second {set} line")));
        }
        let parsed = rows
            .split_whitespace()
            .map(|r| {
                r.parse::<usize>()
                    .map_err(|_| bad(number, format!("the row index {r:?} is not a whole number")))
            })
            .collect::<Result<Vec<usize>, _>>()?;
        *slot = Some(parsed);
    }
    let (Some(train), Some(test)) = (train, test) else {
        return Err(invalid(
            FUNCTION,
            format!(
                "{path} has no train and test lines for seed {seed}; its seeds are {seeds:?}. \
                 Pass one of those seeds, or write the split of seed {seed} into the file"
            ),
        ));
    };
    let width = train.iter().chain(&test).max().map_or(0, |&m| m + 1);
    let mut in_train = vec![false; width];
    train.iter().for_each(|&r| in_train[r] = true);
    if let Some(&both) = test.iter().find(|&&r| in_train[r]) {
        return Err(invalid(
            FUNCTION,
            format!(
                "{path}: seed {seed} puts row {both} in both the train and the test set; a \
                 split gives each row to one set only (write the file again)"
            ),
        ));
    }
    Ok((train, test))
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "seed,set,rows\n0,train,3 0 4\n0,test,1 2\n1,train,0 1 2\n1,test,4 3\n";

    fn message(text: &str, seed: u64) -> String {
        parse("s.csv", text, seed).unwrap_err().to_string()
    }

    #[test]
    fn each_seed_gets_its_own_rows_in_the_files_order() {
        assert_eq!(
            parse("s.csv", FILE, 0).unwrap(),
            (vec![3, 0, 4], vec![1, 2])
        );
        assert_eq!(
            parse("s.csv", FILE, 1).unwrap(),
            (vec![0, 1, 2], vec![4, 3])
        );
        let crlf = FILE.replace('\n', "\r\n");
        assert_eq!(
            parse("s.csv", &crlf, 1).unwrap(),
            (vec![0, 1, 2], vec![4, 3])
        );
    }

    #[test]
    fn a_missing_seed_lists_the_seeds_the_file_has() {
        assert_eq!(
            message(FILE, 7),
            "read_splits: s.csv has no train and test lines for seed 7; its seeds are [0, 1]. \
             Pass one of those seeds, or write the split of seed 7 into the file"
        );
    }

    #[test]
    fn bad_lines_name_the_line_and_what_is_wrong() {
        let text = message("seed,set,rows\n0,train,1 x 2\n0,test,3\n", 0);
        assert!(
            text.starts_with(
                "read_splits: s.csv, line 2: the row index \"x\" is not a whole number;"
            ),
            "{text}"
        );
        let text = message("seed,set,rows\n0,valid,1\n", 0);
        assert!(
            text.contains("line 2: the set is \"valid\", not train or test"),
            "{text}"
        );
        let text = message("seed,rows\n", 0);
        assert!(
            text.contains("line 1: the header is \"seed,rows\""),
            "{text}"
        );
        let text = message("seed,set,rows\n0,train\n", 0);
        assert!(
            text.contains("line 2: the line has 2 fields, not 3"),
            "{text}"
        );
        let text = message("seed,set,rows\n0,train,1\n0,train,2\n", 0);
        assert!(
            text.contains("line 3: seed 0 has a second train line"),
            "{text}"
        );
    }

    #[test]
    fn a_row_in_both_sets_is_refused() {
        assert_eq!(
            message("seed,set,rows\n0,train,1 2\n0,test,2 3\n", 0),
            "read_splits: s.csv: seed 0 puts row 2 in both the train and the test set; a split \
             gives each row to one set only (write the file again)"
        );
    }

    #[test]
    fn an_unreadable_file_is_an_io_error_naming_it() {
        let e = read_splits("/nonexistent/splits.csv", 0).unwrap_err();
        assert!(
            matches!(&e, DataError::Io { path, .. } if path == "/nonexistent/splits.csv"),
            "{e:?}"
        );
    }
}
