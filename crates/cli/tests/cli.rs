//! The `nabla` command run as a user would: real files, real output.

use std::process::{Command, Output};

fn nabla(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_nabla"))
        .args(args)
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
        .output()
        .expect("the nabla binary runs")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The number after `label` in `text`.
fn number_after(text: &str, label: &str) -> f64 {
    let rest = &text[text
        .find(label)
        .unwrap_or_else(|| panic!("no '{label}' in:\n{text}"))
        + label.len()..];
    rest.split_whitespace()
        .next()
        .unwrap()
        .trim_end_matches(',')
        .parse()
        .unwrap()
}

#[test]
fn inspect_reads_the_target_and_recommends_the_head() {
    let out = nabla(&["inspect", "data/iris.csv", "--target", "species"]);
    assert!(out.status.success(), "{out:?}");
    let text = stdout(&out);
    assert!(
        text.contains("150 rows, 4 features, target species"),
        "{text}"
    );
    assert!(
        text.contains("recommended output: 3 softmax units + sparse categorical cross-entropy"),
        "{text}"
    );
    assert!(text.contains("setosa") && text.contains("33.3%"), "{text}");

    let out = nabla(&["inspect", "data/breast_cancer.csv", "--target", "malignant"]);
    let text = stdout(&out);
    assert!(
        text.contains("recommended output: 1 sigmoid unit + binary cross-entropy"),
        "{text}"
    );
}

#[test]
fn train_classifies_iris_and_regresses_diabetes() {
    let out = nabla(&[
        "train",
        "data/iris.csv",
        "--target",
        "species",
        "--print-every",
        "0",
    ]);
    assert!(out.status.success(), "{out:?}");
    let text = stdout(&out);
    assert!(number_after(&text, "test accuracy") >= 0.9, "{text}");
    assert!(text.contains("true \\ pred"), "{text}");

    let out = nabla(&[
        "train",
        "data/diabetes.csv",
        "--target",
        "progression",
        "--print-every",
        "0",
    ]);
    assert!(out.status.success(), "{out:?}");
    let text = stdout(&out);
    assert!(
        text.contains("output: 1 linear unit + mean squared error"),
        "{text}"
    );
    assert!(number_after(&text, "test R^2") >= 0.35, "{text}");
}

#[test]
fn a_missing_column_is_an_error_that_lists_the_columns() {
    let out = nabla(&["train", "data/iris.csv", "--target", "colour"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("colour") && err.contains("petal_length_cm"),
        "{err}"
    );
    let out = nabla(&["train", "data/iris.csv"]);
    assert_eq!(out.status.code(), Some(2), "clap's usage error");
}
