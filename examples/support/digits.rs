//! What the digits CNN example and its test share: the bundled digits as images scaled to
//! [0, 1], and the rows of each seed's split.

use nabla::models::data::{CsvOptions, Dataset};
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

/// The split of each seed in `data/digits_splits.csv`.
pub fn read_splits() -> Result<Vec<Split>, Box<dyn Error>> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/digits_splits.csv");
    let text = std::fs::read_to_string(path).map_err(|e| format!("reading {path}: {e}"))?;
    let mut sets: Vec<Vec<usize>> = Vec::new();
    for (n, line) in text.lines().enumerate().skip(1) {
        let rows = line.rsplit(',').next().unwrap_or("");
        let parsed: Result<Vec<usize>, _> = rows.split_whitespace().map(str::parse).collect();
        sets.push(parsed.map_err(|e| format!("{path}, line {}: {e}", n + 1))?);
    }
    Ok(sets
        .chunks_exact(2)
        .map(|pair| (pair[0].clone(), pair[1].clone()))
        .collect())
}
