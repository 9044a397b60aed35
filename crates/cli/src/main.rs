//! The `nabla` command: train and diagnose neural networks on CSV data.
//!
//! ```text
//! nabla inspect data/iris.csv --target species
//! nabla train data/breast_cancer.csv --target malignant --epochs 100
//! ```

mod args;
mod inspect;
mod load;
mod train;

use args::{Cli, Command};
use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Train(args) => train::run(args),
        Command::Inspect(args) => inspect::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}
