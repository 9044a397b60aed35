//! Data sets and their preparation: loading CSV files, target encodings, seeded splits,
//! standardisation and class resampling.
//!
//! ```
//! use nabla_models::data::{CsvOptions, Dataset, Standardizer, stratified_split};
//! # let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/iris.csv");
//! // path: the bundled data/iris.csv
//! let iris = Dataset::from_csv(path, &CsvOptions::labels("species"))?;
//! let (train, test) = stratified_split(&iris, 0.2, 0)?;
//! assert_eq!(test.targets().class_counts(), Some(vec![10, 10, 10]));
//! // Scale with the training split's statistics only.
//! let scaler = Standardizer::fit(train.features())?;
//! let (train, test) = (scaler.transform_dataset(&train)?, scaler.transform_dataset(&test)?);
//! assert_eq!((train.n_rows(), test.n_rows()), (120, 30));
//! # Ok::<(), nabla_models::data::DataError>(())
//! ```

mod columns;
mod dataset;
mod encode;
mod error;
mod features;
mod imputed;
mod load;
pub(crate) mod moments;
mod resample;
mod split;
mod splits_file;
mod standardize;
mod stream;
mod table;
mod table_read;
mod targets;
mod text;

pub use columns::{encode_columns, read_feature_columns};
pub use dataset::Dataset;
pub use encode::{from_categorical, to_categorical};
pub use error::DataError;
pub use features::{
    ColumnChoice, ColumnEncoding, Encoding, FeatureEncoding, MAX_ONE_HOT_CATEGORIES,
};
pub use load::{CsvOptions, TargetKind};
pub use resample::{downsample, downsample_indices, upsample, upsample_indices};
pub use split::{
    prepare_split, split_indices, stratified_split, stratified_split_indices, train_test_split,
};
pub use splits_file::read_splits;
pub use standardize::Standardizer;
pub use stream::{Blocks, CsvStream, RowsRead};
pub use table::{
    Column, DEFAULT_MISSING_VALUES, MAX_KEPT_CATEGORIES, MAX_MAGNITUDE, ReadOptions, Table,
};
pub use targets::Targets;
pub use text::{CharVocab, next_char_examples};
