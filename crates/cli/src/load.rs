//! Loading a CSV file with its target encoding given or read from the values.

use crate::args::DataArgs;
use nabla_models::data::{CsvOptions, Dataset, TargetKind};
use nabla_models::diagnose::{TargetEncoding, infer_encoding_of_columns};

/// The data set, and how its target was read.
pub struct Loaded {
    /// Features and targets.
    pub data: Dataset,
    /// The encoding used to load the targets.
    pub kind: TargetKind,
}

/// Loads `args.file`. With `--kind auto`, target columns that are all numbers are read as the
/// encoding their values show (0/1 or few integers: labels; one 1 per row: one-hot; 0/1 rows:
/// multi-hot; otherwise continuous); a column of text is read as labels.
pub fn load(args: &DataArgs) -> Result<Loaded, Box<dyn std::error::Error>> {
    if let Some((i, name)) = args
        .targets
        .iter()
        .enumerate()
        .find(|(i, t)| args.targets[..*i].contains(t))
    {
        return Err(format!(
            "--target {name} is given twice (target {} of {}); name each target column once",
            i + 1,
            args.targets.len()
        )
        .into());
    }
    if args.kind == Some(TargetKind::Labels) && args.targets.len() != 1 {
        return Err(format!(
            "--kind labels reads one column of labels, but {} target columns were given ({}); \
             name one column, or use --kind one-hot or --kind multi-hot for 0/1 columns",
            args.targets.len(),
            args.targets.join(", ")
        )
        .into());
    }
    let read = |kind: TargetKind| Dataset::from_csv(&args.file, &options(kind, &args.targets));
    if let Some(kind) = args.kind {
        return Ok(Loaded {
            data: read(kind)?,
            kind,
        });
    }
    let numeric = match read(TargetKind::Continuous) {
        Ok(d) => d,
        Err(e) if args.targets.len() == 1 => {
            // A text column: labels, unless that fails too (then the first error explains).
            return match read(TargetKind::Labels) {
                Ok(data) => Ok(Loaded {
                    data,
                    kind: TargetKind::Labels,
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
                kind: TargetKind::Continuous,
            });
        }
        encoding => encoding.kind(),
    };
    Ok(Loaded {
        data: read(kind)?,
        kind,
    })
}

fn options(kind: TargetKind, targets: &[String]) -> CsvOptions {
    match kind {
        TargetKind::Continuous => CsvOptions::continuous(targets),
        TargetKind::Labels => CsvOptions::labels(&targets[0]),
        TargetKind::OneHot => CsvOptions::one_hot(targets),
        TargetKind::MultiHot => CsvOptions::multi_hot(targets),
    }
}
