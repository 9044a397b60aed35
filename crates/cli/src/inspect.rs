//! `nabla inspect`: every column's type, missing values and the encoding it will get, the
//! target's encoding and classes, the recommended output layer and loss, and what the
//! before-training checks say about the data.

use crate::args::DataArgs;
use crate::load::{infer_kind, read_table};
use crate::output::say;
use nabla_models::data::{Column, Dataset, Standardizer};
use nabla_models::diagnose::{check_dataset, infer_encoding, recommend_head};
use std::error::Error;
use std::fmt::Write;

/// Numeric columns of at most this many rows have their distinct values counted.
const COUNT_DISTINCT_UP_TO: usize = 200_000;

/// One column as `inspect` lists it.
struct ColumnFacts {
    name: String,
    kind: &'static str,
    missing: usize,
    distinct: Option<usize>,
}

/// Prints the inspection of `args.file`.
pub fn run(args: &DataArgs) -> Result<(), Box<dyn Error>> {
    say!("{}", summary(args)?.trim_end());
    Ok(())
}

/// The inspection of `args.file`, as `nabla inspect` prints it.
pub fn summary(args: &DataArgs) -> Result<String, Box<dyn Error>> {
    let mut out = String::new();
    let table = read_table(args)?;
    let kind = match args.kind {
        Some(kind) => kind,
        None => infer_kind(&table, &args.targets)?,
    };
    let rows = table.n_rows();
    let facts: Vec<ColumnFacts> = table
        .names()
        .iter()
        .zip(table.columns())
        .map(|(name, column)| ColumnFacts {
            name: name.clone(),
            kind: column.type_name(),
            missing: column.missing(),
            distinct: match column {
                Column::Numbers { .. } if rows > COUNT_DISTINCT_UP_TO => None,
                column => column.distinct(),
            },
        })
        .collect();
    let delimiter = match table.delimiter() {
        b'\t' => "tab".to_string(),
        d => format!("'{}'", d as char),
    };
    let mut data = Dataset::from_table(table, &args.csv_options(kind))?;
    writeln!(
        out,
        "{}: {rows} rows, {} columns, delimiter {delimiter}",
        args.file.display(),
        facts.len()
    )?;
    let encoding = data.encoding();
    let width = facts.iter().map(|f| f.name.len()).max().unwrap_or(6).max(6);
    writeln!(
        out,
        "{:<width$}  {:<6}  {:>7}  {:>8}  use",
        "column", "type", "missing", "distinct"
    )?;
    for f in &facts {
        let used = if args.targets.contains(&f.name) {
            format!("target ({kind})")
        } else {
            encoding
                .and_then(|e| e.columns.iter().find(|c| c.column == f.name))
                .map_or_else(|| "not a feature".to_string(), |c| c.describe())
        };
        let distinct = f
            .distinct
            .map_or_else(|| "-".to_string(), |d| d.to_string());
        writeln!(
            out,
            "{:<width$}  {:<6}  {:>7}  {:>8}  {used}",
            f.name, f.kind, f.missing, distinct
        )?;
    }
    if facts
        .iter()
        .any(|f| f.missing > 0 && !args.targets.contains(&f.name))
    {
        writeln!(
            out,
            "(missing values: the whole file's fills; `train` fits them on its training rows)"
        )?;
    }
    for notice in data.notices() {
        writeln!(out, "note: {notice}")?;
    }
    writeln!(
        out,
        "{} rows, {} features after encoding, target {}",
        data.n_rows(),
        data.n_features(),
        data.target_names().join(", ")
    )?;
    let encoding = infer_encoding(data.targets());
    writeln!(out, "target encoding: {encoding}")?;
    if let (Some(names), Some(counts)) =
        (data.targets().class_names(), data.targets().class_counts())
    {
        let n = data.n_rows() as f64;
        let shown = 20;
        for (name, count) in names.iter().zip(&counts).take(shown) {
            writeln!(
                out,
                "  {name:<20} {count:>7} rows  {:>5.1}%",
                100.0 * *count as f64 / n
            )?;
        }
        if names.len() > shown {
            writeln!(out, "  ... and {} more classes", names.len() - shown)?;
        }
    }
    let head = recommend_head(encoding);
    writeln!(out, "recommended output: {head}")?;
    // The checks see the features as `nabla train` does: standardised (in place, as the data
    // may be large).
    Standardizer::fit(data.features())?.transform_dataset_in_place(&mut data)?;
    let report = check_dataset(&head, &data);
    if report.is_empty() {
        writeln!(out, "checks: nothing to report")?;
    } else {
        writeln!(out, "checks:\n{report}")?;
    }
    Ok(out)
}
