//! What the digits CNN example and its test share: the bundled digits as images scaled to
//! [0, 1], and the rows of each seed's split.

use nabla::models::data::{self, CsvOptions, Dataset};
use std::error::Error;

/// `data/digits.csv` with the pixels divided by 16 (so they lie in [0, 1]). All 64 pixel
/// columns are named as the features, so that the three blank ones are kept: an 8x8 image
/// needs them.
pub fn load() -> Result<Dataset, Box<dyn Error>> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/digits.csv");
    let pixels: Vec<String> = (0..64).map(|i| format!("px{i}")).collect();
    let data = Dataset::from_csv(path, &CsvOptions::labels("digit").with_features(&pixels))?;
    let pixels = data.features().map(|v| v / 16.0);
    Ok(data.with_features(pixels)?)
}

/// One seed's split: the training rows and the test rows.
pub type Split = (Vec<usize>, Vec<usize>);

/// The split of each seed 0..4 in `data/digits_splits.csv` (scikit-learn's).
pub fn read_splits() -> Result<Vec<Split>, Box<dyn Error>> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/digits_splits.csv");
    Ok((0..5)
        .map(|seed| data::read_splits(path, seed))
        .collect::<Result<_, _>>()?)
}
