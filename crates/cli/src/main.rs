//! The `nabla` command: train and diagnose neural networks on CSV data.
//!
//! ```text
//! nabla inspect data/iris.csv --target species
//! nabla train data/breast_cancer.csv --target malignant --epochs 100 --save cancer.safetensors
//! nabla predict cancer.safetensors new_rows.csv --proba
//! ```

mod args;
mod confusion;
mod estimators;
mod evaluate;
mod graph;
mod html;
mod inspect;
mod load;
mod model_file;
mod outcome;
mod output;
mod predict;
mod report;
mod show;
mod train;

use args::{Cli, Command};
use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Train(args) => train::run(args),
        Command::Inspect(args) => inspect::run(args),
        Command::Predict(args) => predict::run(args),
        Command::Evaluate(args) => evaluate::run(args),
        Command::Show(args) => show::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}
