//! Which feature values of a data set were imputed, so that a split can refit the fills on
//! its training rows alone: a test row's values must not shape what the model learns, and
//! that includes the medians and most frequent categories that stand in for missing values.

use super::{Dataset, Encoding, FeatureEncoding};

/// The rows whose value was missing (and imputed), per column of a data set's encoding,
/// ascending.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Imputed {
    rows: Vec<Vec<usize>>,
}

impl Imputed {
    /// From the rows missing each column of the encoding, in encoding order.
    pub(crate) fn new(rows: Vec<Vec<usize>>) -> Self {
        Imputed { rows }
    }

    /// The imputed cells of the rows `picked` of a data set of `n` rows, renumbered.
    pub(crate) fn select(&self, n: usize, picked: &[usize]) -> Imputed {
        let rows = self
            .rows
            .iter()
            .map(|missing| {
                if missing.is_empty() {
                    return Vec::new();
                }
                let mut is_missing = vec![false; n];
                for &r in missing {
                    is_missing[r] = true;
                }
                let mut renumbered: Vec<usize> = picked
                    .iter()
                    .enumerate()
                    .filter(|&(_, &old)| is_missing[old])
                    .map(|(new, _)| new)
                    .collect();
                renumbered.sort_unstable();
                renumbered
            })
            .collect();
        Imputed { rows }
    }
}

impl Dataset {
    /// The encoding with its fills fitted on this data set's rows: for each number column
    /// the median of the values that were not imputed, for each text column the most
    /// frequent category among them (ties to the first category). A column with no such
    /// value keeps its fill. `None` when the data set did not come from a file.
    pub(crate) fn fills_refitted(&self) -> Option<FeatureEncoding> {
        let (mut encoding, imputed) = (self.encoding()?.clone(), self.imputed()?);
        let x = self.features();
        let width = x.shape()[1];
        let mut offset = 0;
        for (column, missing) in encoding.columns.iter_mut().zip(&imputed.rows) {
            let present = rows_not_in(self.n_rows(), missing);
            match &mut column.encoding {
                Encoding::Number { fill } => {
                    let mut values: Vec<f64> =
                        present.map(|r| x.data()[r * width + offset]).collect();
                    if let Some(m) = super::features::median(&mut values) {
                        *fill = Some(m);
                    }
                }
                Encoding::OneHot { categories, fill } => {
                    let k = categories.len();
                    let mut counts = vec![0usize; k];
                    for r in present {
                        let block = &x.data()[r * width + offset..r * width + offset + k];
                        if let Some(c) = block.iter().position(|&v| v == 1.0) {
                            counts[c] += 1;
                        }
                    }
                    let mode = (0..k).max_by_key(|&c| (counts[c], usize::MAX - c));
                    if let Some(c) = mode.filter(|&c| counts[c] > 0) {
                        fill.clone_from(&categories[c]);
                    }
                }
            }
            offset += column.width();
        }
        Some(encoding)
    }

    /// Replaces the imputed values by `encoding`'s fills (an encoding of the same columns and
    /// categories, as [`Dataset::fills_refitted`] gives), in place, and keeps `encoding`.
    pub(crate) fn refill(&mut self, encoding: &FeatureEncoding) {
        let width = self.n_features();
        let (x, imputed) = self.features_and_imputed_mut();
        let Some(imputed) = imputed else {
            return;
        };
        let data = x.data_mut();
        let mut offset = 0;
        for (column, missing) in encoding.columns.iter().zip(&imputed.rows) {
            for &r in missing {
                let row = &mut data[r * width + offset..];
                match &column.encoding {
                    Encoding::Number { fill: Some(v) } => row[0] = *v,
                    Encoding::Number { fill: None } => {}
                    Encoding::OneHot { categories, fill } => {
                        row[..categories.len()].fill(0.0);
                        if let Some(c) = categories.iter().position(|c| c == fill) {
                            row[c] = 1.0;
                        }
                    }
                }
            }
            offset += column.width();
        }
        self.replace_encoding(encoding.clone());
    }
}

/// `0..n` without the ascending `missing`.
fn rows_not_in(n: usize, missing: &[usize]) -> impl Iterator<Item = usize> + '_ {
    let mut next = missing.iter().peekable();
    (0..n).filter(move |r| next.next_if_eq(&r).is_none())
}

#[cfg(test)]
mod tests {
    use super::super::CsvOptions;
    use super::*;

    /// x: all rows' median 3, the first four rows' 2; t: all rows' mode b, the first four's a.
    fn data() -> Dataset {
        let text = "x,t,y\n1,a,0\n2,a,1\nNA,b,0\n3,NA,1\n100,b,0\n100,b,1\n";
        Dataset::from_csv_reader(text.as_bytes(), "t.csv", &CsvOptions::labels("y")).unwrap()
    }

    fn fills(encoding: &FeatureEncoding) -> (Option<f64>, String) {
        match (&encoding.columns[0].encoding, &encoding.columns[1].encoding) {
            (Encoding::Number { fill }, Encoding::OneHot { fill: text, .. }) => {
                (*fill, text.clone())
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn fills_are_refitted_on_the_rows_kept_and_imputed_cells_refilled() {
        let all = data();
        assert_eq!(fills(all.encoding().unwrap()), (Some(3.0), "b".into()));
        assert_eq!(all.features().data()[2 * 3..3 * 3], [3.0, 0.0, 1.0]);
        let train = all.select(&[3, 0, 2, 1]).unwrap();
        let encoding = train.fills_refitted().unwrap();
        assert_eq!(fills(&encoding), (Some(2.0), "a".into()));
        let mut train = train;
        train.refill(&encoding);
        // Row 3 of the file (t missing) is first now, row 2 (x missing) third.
        assert_eq!(
            train.features().data(),
            &[3.0, 1.0, 0.0, 1.0, 1.0, 0.0, 2.0, 0.0, 1.0, 2.0, 1.0, 0.0]
        );
        assert_eq!(train.encoding(), Some(&encoding));
        // The other rows take the training rows' fills.
        let mut test = all.select(&[5, 2]).unwrap();
        test.refill(&encoding);
        assert_eq!(test.features().data(), &[100.0, 0.0, 1.0, 2.0, 0.0, 1.0]);
    }

    #[test]
    fn a_column_with_no_value_in_the_rows_keeps_its_fill() {
        let all = data();
        let only_missing = all.select(&[2]).unwrap();
        let encoding = only_missing.fills_refitted().unwrap();
        assert_eq!(fills(&encoding), (Some(3.0), "b".into()));
        assert!(
            Dataset::new(
                all.features().clone(),
                all.feature_names(),
                all.targets().clone(),
                all.target_names()
            )
            .unwrap()
            .fills_refitted()
            .is_none()
        );
    }
}
