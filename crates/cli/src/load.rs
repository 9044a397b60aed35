//! Loading a CSV file with its target encoding given or read from the values.

use crate::args::DataArgs;
use crate::output::say;
use nabla_autodiff::Tensor;
use nabla_models::data::{Column, Dataset, Table, TargetKind};
use nabla_models::diagnose::{TargetEncoding, infer_encoding_of_columns};
use std::error::Error;

/// The data set, and how its target was read.
pub struct Loaded {
    /// Features and targets.
    pub data: Dataset,
    /// The encoding used to load the targets.
    pub kind: TargetKind,
}

/// Reads `args.file` as a table, with the options of the flags.
pub fn read_table(args: &DataArgs) -> Result<Table, Box<dyn Error>> {
    read_table_checks(args)?;
    Ok(Table::from_csv(&args.file, &args.read_options())?)
}

/// Loads `args.file` and prints what loading left out. With `--kind auto`, a target column
/// of text is read as labels, and numeric target columns as the encoding their values show
/// (0/1 or few integers: labels; one 1 per row: one-hot; 0/1 rows: multi-hot; otherwise
/// continuous).
pub fn load(args: &DataArgs) -> Result<Loaded, Box<dyn Error>> {
    let table = read_table(args)?;
    let kind = match args.kind {
        Some(kind) => kind,
        None => infer_kind(&table, &args.targets)?,
    };
    let data = Dataset::from_table(table, &args.csv_options(kind))?;
    for notice in data.notices() {
        say!("note: {notice}");
    }
    Ok(Loaded { data, kind })
}

/// Refuses target flags that cannot go together, before the file is read.
pub fn read_table_checks(args: &DataArgs) -> Result<(), Box<dyn Error>> {
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
    Ok(())
}

/// The encoding the target columns' values show.
pub fn infer_kind(table: &Table, targets: &[String]) -> Result<TargetKind, Box<dyn Error>> {
    let mut columns = Vec::with_capacity(targets.len());
    for name in targets {
        match &table.columns()[table.require(name)?] {
            Column::Numbers { values, .. } => columns.push(values),
            _ if targets.len() == 1 => return Ok(TargetKind::Labels),
            // Text among several target columns: loading as numbers says which value.
            _ => return Ok(TargetKind::Continuous),
        }
    }
    let k = columns.len();
    let values: Vec<f64> = (0..table.n_rows())
        .filter(|&r| columns.iter().all(|c| !c[r].is_nan()))
        .flat_map(|r| columns.iter().map(move |c| c[r]))
        .collect();
    if values.is_empty() {
        return Ok(TargetKind::Continuous);
    }
    let rows = values.len() / k;
    Ok(
        match infer_encoding_of_columns(&Tensor::from_vec(values, &[rows, k])) {
            TargetEncoding::Continuous { .. } => TargetKind::Continuous,
            encoding => encoding.kind(),
        },
    )
}
