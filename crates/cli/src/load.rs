//! Loading a CSV file with its target encoding given or read from the values.

use crate::args::{DataArgs, Kind};
use nabla_models::data::{CsvOptions, Dataset};
use nabla_models::diagnose::{TargetEncoding, infer_encoding_of_columns};

/// The data set, and how its target was read.
pub struct Loaded {
    /// Features and targets.
    pub data: Dataset,
    /// The encoding used to load the targets.
    pub kind: Kind,
}

/// Loads `args.file`. With `--kind auto`, target columns that are all numbers are read as the
/// encoding their values show (0/1 or few integers: labels; one 1 per row: one-hot; 0/1 rows:
/// multi-hot; otherwise continuous); a column of text is read as labels.
pub fn load(args: &DataArgs) -> Result<Loaded, Box<dyn std::error::Error>> {
    if args.kind == Kind::Labels && args.targets.len() != 1 {
        return Err(format!(
            "--kind labels reads one column of labels, but {} target columns were given ({}); \
             name one column, or use --kind one-hot or --kind multi-hot for 0/1 columns",
            args.targets.len(),
            args.targets.join(", ")
        )
        .into());
    }
    let read = |kind: Kind| Dataset::from_csv(&args.file, &options(kind, &args.targets));
    if args.kind != Kind::Auto {
        return Ok(Loaded {
            data: read(args.kind)?,
            kind: args.kind,
        });
    }
    let numeric = match read(Kind::Continuous) {
        Ok(d) => d,
        Err(e) if args.targets.len() == 1 => {
            // A text column: labels, unless that fails too (then the first error explains).
            return match read(Kind::Labels) {
                Ok(data) => Ok(Loaded {
                    data,
                    kind: Kind::Labels,
                }),
                Err(_) => Err(e.into()),
            };
        }
        Err(e) => return Err(e.into()),
    };
    let kind = match infer_encoding_of_columns(&numeric.targets().to_columns()) {
        TargetEncoding::Continuous { .. } => {
            return Ok(Loaded {
                data: numeric,
                kind: Kind::Continuous,
            });
        }
        TargetEncoding::Binary | TargetEncoding::IntegerLabels { .. } => Kind::Labels,
        TargetEncoding::OneHot { .. } => Kind::OneHot,
        TargetEncoding::MultiHot { .. } => Kind::MultiHot,
    };
    Ok(Loaded {
        data: read(kind)?,
        kind,
    })
}

fn options(kind: Kind, targets: &[String]) -> CsvOptions {
    match kind {
        Kind::Continuous | Kind::Auto => CsvOptions::continuous(targets),
        Kind::Labels => CsvOptions::labels(&targets[0]),
        Kind::OneHot => CsvOptions::one_hot(targets),
        Kind::MultiHot => CsvOptions::multi_hot(targets),
    }
}
