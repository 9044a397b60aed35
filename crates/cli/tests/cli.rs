//! The `nabla` command run as a user would: real files, real output.

#[path = "../../../tests/support/browser.rs"]
mod browser;
#[path = "../../../tests/support/tools.rs"]
mod tools;

use std::process::{Command, Output};
use tools::have;

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
        text.contains("150 rows, 4 features after encoding, target species"),
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

// ---- saved models: train --save, predict, evaluate, show ----

fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("nabla-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// Iris rows as CSV text with the columns in `order` (indices into the file's header), keeping
/// rows whose species passes `keep`.
fn iris_rows(order: &[usize], keep: impl Fn(&str) -> bool) -> String {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/iris.csv"))
        .unwrap();
    let mut lines = text.lines();
    let pick = |line: &str| {
        let fields: Vec<&str> = line.split(',').collect();
        order
            .iter()
            .map(|&i| fields[i])
            .collect::<Vec<_>>()
            .join(",")
    };
    let mut out = vec![pick(lines.next().unwrap())];
    out.extend(
        lines
            .filter(|l| keep(l.rsplit(',').next().unwrap()))
            .map(pick),
    );
    out.join("\n") + "\n"
}

/// Trains on the bundled `file` with target `target`, saves the model as `name` in the scratch
/// folder, and returns its path and what training printed.
fn train_and_save(file: &str, target: &str, name: &str) -> (std::path::PathBuf, String) {
    let model = scratch(name);
    let out = nabla(&[
        "train",
        file,
        "-t",
        target,
        "--print-every",
        "0",
        "--save",
        model.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{out:?}");
    let text = stdout(&out);
    assert!(text.contains("saved the model to"), "{text}");
    (model, text)
}

fn saved_iris_model() -> std::path::PathBuf {
    train_and_save("data/iris.csv", "species", "iris.safetensors").0
}

#[test]
fn predict_matches_columns_by_name_and_writes_class_names() {
    let model = saved_iris_model();
    // Columns shuffled, no target column.
    let rows = scratch("shuffled.csv");
    std::fs::write(&rows, iris_rows(&[3, 1, 0, 2], |_| true)).unwrap();
    let out_file = scratch("predictions.csv");
    let out = nabla(&[
        "predict",
        model.to_str().unwrap(),
        rows.to_str().unwrap(),
        "--proba",
        "--out",
        out_file.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{out:?}");
    let text = std::fs::read_to_string(&out_file).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("species,p(setosa),p(versicolor),p(virginica)")
    );
    let truth = iris_rows(&[4], |_| true);
    let truth: Vec<&str> = truth.lines().skip(1).collect();
    let predicted: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(predicted.len(), 150);
    let correct = predicted
        .iter()
        .zip(&truth)
        .filter(|(p, t)| p[0] == **t)
        .count();
    assert!(correct >= 140, "{correct} of 150 right");
    for p in &predicted {
        let sum: f64 = p[1..].iter().map(|v| v.parse::<f64>().unwrap()).sum();
        assert!((sum - 1.0).abs() < 1e-5, "probabilities sum to {sum}");
    }
    // The same predictions with the target column present, in the original order.
    let out = nabla(&["predict", model.to_str().unwrap(), "data/iris.csv"]);
    let classes: Vec<String> = stdout(&out).lines().skip(1).map(str::to_string).collect();
    let first: Vec<String> = predicted.iter().map(|p| p[0].to_string()).collect();
    assert_eq!(classes, first);
}

#[test]
fn predict_names_missing_and_unexpected_columns() {
    let model = saved_iris_model();
    let rows = scratch("wrong-columns.csv");
    std::fs::write(
        &rows,
        "id,sepal_length_cm,sepal_width_cm,petal_length_cm\n1,5,3,1\n",
    )
    .unwrap();
    let out = nabla(&["predict", model.to_str().unwrap(), rows.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("missing: \"petal_width_cm\""), "{err}");
    assert!(err.contains("not features of the model: \"id\""), "{err}");
    let out = nabla(&["predict", "data/iris.csv", rows.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not a safetensors file"), "{err}");
}

#[test]
fn evaluate_matches_classes_by_name_and_refuses_unknown_labels() {
    let model = saved_iris_model();
    // No setosa rows: the file numbers its classes versicolor 0, virginica 1.
    let rows = scratch("no-setosa.csv");
    std::fs::write(&rows, iris_rows(&[0, 1, 2, 3, 4], |s| s != "setosa")).unwrap();
    let out = nabla(&["evaluate", model.to_str().unwrap(), rows.to_str().unwrap()]);
    assert!(out.status.success(), "{out:?}");
    let text = stdout(&out);
    assert!(number_after(&text, "evaluation accuracy") >= 0.9, "{text}");
    assert!(text.contains("diagnoses on these rows"), "{text}");

    let rows = scratch("unknown-label.csv");
    let text = iris_rows(&[0, 1, 2, 3, 4], |_| true).replacen("setosa", "sibirica", 1);
    std::fs::write(&rows, text).unwrap();
    let out = nabla(&["evaluate", model.to_str().unwrap(), rows.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("the class \"sibirica\", which the model has never seen"),
        "{err}"
    );
}

#[test]
fn show_describes_the_saved_model() {
    let model = saved_iris_model();
    let out = nabla(&["show", model.to_str().unwrap()]);
    assert!(out.status.success(), "{out:?}");
    let text = stdout(&out);
    for expected in [
        "a nabla classifier (format version 1",
        "dense 64 relu",
        "total parameters: 515",
        "classes: setosa, versicolor, virginica",
        "features (4): sepal_length_cm, sepal_width_cm, petal_length_cm, petal_width_cm",
        "features standardised: sepal_length_cm",
    ] {
        assert!(text.contains(expected), "no {expected:?} in:\n{text}");
    }
}

#[test]
fn a_regressor_round_trips_through_the_command() {
    let (model, _) = train_and_save("data/diabetes.csv", "progression", "diabetes.safetensors");
    let out = nabla(&["predict", model.to_str().unwrap(), "data/diabetes.csv"]);
    let text = stdout(&out);
    assert_eq!(text.lines().next(), Some("progression"));
    let values: Vec<f64> = text.lines().skip(1).map(|v| v.parse().unwrap()).collect();
    assert_eq!(values.len(), 442);
    let mean = values.iter().sum::<f64>() / 442.0;
    assert!(
        (100.0..200.0).contains(&mean),
        "mean prediction {mean} in target units"
    );
    let out = nabla(&["evaluate", model.to_str().unwrap(), "data/diabetes.csv"]);
    assert!(
        number_after(&stdout(&out), "evaluation R^2") > 0.4,
        "{out:?}"
    );
}

// ---- bad flags are refused up front, and a closed pipe ends quietly ----

// Absurd flags, bad files and bad model files: tests/bad_input.rs.

#[test]
fn a_closed_pipe_ends_quietly() {
    use std::io::Read;
    use std::process::Stdio;
    let mut child = Command::new(env!("CARGO_BIN_EXE_nabla"))
        .args(["inspect", "data/digits.csv", "--target", "digit"])
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Read one byte, then close the pipe, as `| head -c 1` would.
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 1];
    stdout.read_exact(&mut first).unwrap();
    drop(stdout);
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(out.status.code(), Some(0), "{err}");
}

// ---- tables as they come: text, missing values, other delimiters (Palmer penguins) ----

/// The line of `text` that starts with `start`.
fn line_starting<'a>(text: &'a str, start: &str) -> &'a str {
    text.lines()
        .find(|l| l.starts_with(start))
        .unwrap_or_else(|| panic!("no line starting {start:?} in:\n{text}"))
}

#[test]
fn inspect_lists_every_column_with_its_type_missing_values_and_encoding() {
    let out = nabla(&["inspect", "data/penguins.csv", "-t", "sex"]);
    assert!(out.status.success(), "{out:?}");
    let text = stdout(&out);
    let words = |start: &str| -> Vec<String> {
        line_starting(&text, start)
            .split_whitespace()
            .map(String::from)
            .collect()
    };
    assert_eq!(
        words("island")[..5],
        ["island", "text", "0", "3", "one-hot,"]
    );
    assert_eq!(
        words("bill_length_mm")[..6],
        ["bill_length_mm", "number", "2", "164", "number", "(missing"]
    );
    assert_eq!(
        words("sex")[..6],
        ["sex", "text", "11", "2", "target", "(labels)"]
    );
    assert!(
        text.contains("note: 11 rows whose target is missing were left out (lines 5, 10, 11"),
        "{text}"
    );
    // island 3 + 4 measurements + species 3 + year.
    assert!(
        text.contains("333 rows, 11 features after encoding"),
        "{text}"
    );
    assert!(
        text.contains("recommended output: 1 sigmoid unit + binary cross-entropy"),
        "{text}"
    );
    let out = nabla(&[
        "inspect",
        "data/penguins.csv",
        "-t",
        "species",
        "--drop",
        "year,island",
        "--missing-indicators",
    ]);
    let text = stdout(&out);
    assert!(
        line_starting(&text, "year").ends_with("not a feature"),
        "{text}"
    );
    assert!(
        line_starting(&text, "sex")
            .contains("one-hot, 2 categories (missing -> \"male\") + missing indicator"),
        "{text}"
    );
    // 4 measurements and sex 2, each with a missing indicator.
    assert!(
        text.contains("344 rows, 11 features after encoding"),
        "{text}"
    );
    let out = nabla(&[
        "inspect",
        "data/penguins.csv",
        "-t",
        "species",
        "--drop",
        "Year",
    ]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no column named \"Year\""), "{err}");
    assert!(err.contains("\"year\""), "{err}");
}

#[test]
fn penguins_train_and_predict_new_rows_with_text_gaps_and_semicolons() {
    let (model, text) = train_and_save("data/penguins.csv", "species", "penguins.safetensors");
    // PyTorch's MLP on the same table reaches 0.991 when its features are encoded this way.
    let accuracy = number_after(&text, "test accuracy");
    assert!(accuracy >= 0.97, "{text}");
    // New rows as another program writes them: semicolons, CRLF, quotes, gaps, an island the
    // model never saw.
    let rows = scratch("new_penguins.csv");
    std::fs::write(
        &rows,
        "year;sex;island;bill_length_mm;bill_depth_mm;flipper_length_mm;body_mass_g\r\n\
         2009;\"male\";Atlantis;39.1;18.7;181;3750\r\n\
         2008;NA;\"Dream\";NA;;;\r\n\
         2009;female;Biscoe;47.5;14.2;215;4975\r\n",
    )
    .unwrap();
    let out = nabla(&["predict", model.to_str().unwrap(), rows.to_str().unwrap()]);
    assert!(out.status.success(), "{out:?}");
    let lines: Vec<String> = stdout(&out).lines().map(String::from).collect();
    assert_eq!(lines.len(), 4, "{lines:?}");
    assert_eq!(lines[0], "species");
    assert_eq!(lines[1], "Adelie", "{lines:?}");
    assert_eq!(lines[3], "Gentoo", "{lines:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(
            "warning: column \"island\": 1 row holds a category not seen in training \
             (\"Atlantis\" on line 2)"
        ),
        "{err}"
    );
    // The same file told it is tab-separated cannot be matched, and says so.
    let out = nabla(&[
        "predict",
        model.to_str().unwrap(),
        rows.to_str().unwrap(),
        "--delimiter",
        "tab",
    ]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("do not match the model's features"), "{err}");
}

// ---- after training: many classes summarised, failures diagnosed ----

/// Writes `csv` to the scratch file `name`, trains on it (target `target`, the `flags`, no
/// progress lines), checks that training succeeded, and returns what it printed.
fn train_on_text(name: &str, csv: &str, target: &str, flags: &[&str]) -> String {
    let path = scratch(name);
    std::fs::write(&path, csv).unwrap();
    let mut args = vec![
        "train",
        path.to_str().unwrap(),
        "-t",
        target,
        "--print-every",
        "0",
    ];
    args.extend_from_slice(flags);
    let out = nabla(&args);
    assert!(out.status.success(), "{out:?}");
    stdout(&out)
}

#[test]
fn a_thousand_classes_of_one_row_are_summarised_and_diagnosed() {
    let mut csv = String::from("a,b,label\n");
    for i in 0..1000 {
        csv += &format!("{},{},c{i}\n", i % 37, (i * 7) % 101);
    }
    let text = train_on_text("thousand_classes.csv", &csv, "label", &["--epochs", "2"]);
    // The whole table would be over 5 MB.
    assert!(text.len() < 6_000, "{} bytes:\n{text}", text.len());
    assert_eq!(number_after(&text, "test accuracy"), 0.0, "{text}");
    for expected in [
        "confusion matrix: 1000 classes, too many for a table (it is printed up to 20); in \
         summary, over 200 rows of 200 classes:",
        "classes with the most errors (wrong of rows): ",
        "most confused pairs (true -> predicted: rows): ",
        "recall: 0.000 for every one of the 200 classes",
        "800 of the 1000 classes have no rows here",
        "error[below-majority-baseline]: held-out accuracy 0.000 (0 of 200 rows right) is at \
         or below 0.005",
        "the 200 rows hold 200 classes, most with a single row",
        "hint[class-imbalance]: class shares are skewed: the 5 smallest of 1000 are",
        "warning[unseen-classes]: 200 of the 200 held-out rows belong to 200 classes with no \
         training row",
    ] {
        assert!(text.contains(expected), "no {expected:?} in:\n{text}");
    }
}

#[test]
fn a_regressor_worse_than_the_mean_is_diagnosed() {
    // One epoch at a learning rate of 1e-6 leaves the network as it started: noise around
    // the training mean.
    let out = nabla(&[
        "train",
        "data/diabetes.csv",
        "-t",
        "progression",
        "--epochs",
        "1",
        "--lr",
        "1e-6",
        "--print-every",
        "0",
    ]);
    assert!(out.status.success(), "{out:?}");
    let text = stdout(&out);
    let r2 = number_after(&text, "test R^2");
    assert!(r2 < 0.0, "{text}");
    let label = "error[r2-below-zero]: held-out R² is ";
    let found = number_after(
        &text.replace(": the predictions", " the predictions"),
        label,
    );
    assert!((found - r2).abs() <= 6e-5, "{found} against {r2}:\n{text}");
    assert!(text.contains("lower --lr (to 1.000e-7)"), "{text}");
}

#[test]
fn advice_names_the_flags_of_the_command_line() {
    // 95 rows of one class, 5 of the other: the class-imbalance hint.
    let mut csv = String::from("a,b,y\n");
    for i in 0..100 {
        csv += &format!("{},{},{}\n", i % 13, (i * 7) % 11, u8::from(i % 20 == 0));
    }
    let flags = ["--epochs", "1", "--clip-norm", "1"];
    let text = train_on_text("imbalanced.csv", &csv, "y", &flags);
    assert!(
        text.contains("hint[class-imbalance]")
            && text.contains("weight the loss by class (--balanced)"),
        "{text}"
    );
    assert!(
        !text.contains("ClassWeights") && !text.contains("Config::"),
        "{text}"
    );
}

// ---- streaming a file block by block ----

/// `--stream LINES` with a block that holds the whole file prints what training in memory
/// prints (the same split, model and metrics), and says that it streams; with small blocks
/// of a file sorted by its target, it notes that the file should be shuffled.
#[test]
fn streaming_with_one_block_trains_as_in_memory() {
    for (file, target) in [
        ("data/penguins.csv", "species"),
        ("data/diabetes.csv", "progression"),
    ] {
        let args = quiet_train(file, target, "15");
        let in_memory = nabla(&args);
        assert!(in_memory.status.success(), "{in_memory:?}");
        let streamed = nabla(&[&args[..], &["--stream", "100000"]].concat());
        assert!(streamed.status.success(), "{streamed:?}");
        let streamed = stdout(&streamed);
        let (said, rest): (Vec<&str>, Vec<&str>) = streamed
            .lines()
            .partition(|l| l.starts_with("streaming the training rows"));
        assert_eq!(said.len(), 1, "{streamed}");
        assert_eq!(rest.join("\n") + "\n", stdout(&in_memory), "{file}");
    }
    let out = nabla(&[
        "train",
        "data/iris.csv",
        "-t",
        "species",
        "--epochs",
        "5",
        "--stream",
        "40",
    ]);
    assert!(out.status.success(), "{out:?}");
    let text = stdout(&out);
    assert!(
        text.contains("note: the first block of 40 lines holds 1 of the 3 classes")
            && text.contains("shuf"),
        "{text}"
    );
}

// ---- the record of a run ----

/// `train FILE -t TARGET --epochs N` without progress lines.
fn quiet_train<'a>(file: &'a str, target: &'a str, epochs: &'a str) -> Vec<&'a str> {
    let args = ["train", file, "-t", target, "--epochs", epochs];
    [&args[..], &["--print-every", "0"]].concat()
}

/// [`quiet_train`] with early stopping (so with validation numbers) and `--history HISTORY`.
fn train_with_history(file: &str, target: &str, epochs: &str, history: &str) -> Output {
    let extra = ["--early-stopping", "9", "--history", history];
    nabla(&[quiet_train(file, target, epochs), extra.to_vec()].concat())
}

/// `--history FILE.csv` writes one row per epoch with the loss, the metrics, the validation
/// numbers, the learning rate and each layer's gradient norm; `.json` the same as objects; a
/// path that cannot hold a history is refused before training.
#[test]
fn history_is_written_as_csv_or_json_by_its_extension() {
    let csv = scratch("run.csv");
    let out = train_with_history("data/iris.csv", "species", "4", csv.to_str().unwrap());
    assert!(out.status.success(), "{out:?}");
    let text = std::fs::read_to_string(&csv).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "epoch,loss,accuracy,val_loss,val_accuracy,learning_rate,\
         grad_norm[0: dense 64 relu],grad_norm[1: dense 3]"
    );
    assert_eq!(lines.len(), 5, "{text}");
    let last: Vec<f64> = lines[4].split(',').map(|v| v.parse().unwrap()).collect();
    assert_eq!((last[0], last[5]), (4.0, 0.001));
    // The printed last epoch is the file's last row.
    let printed = stdout(&out);
    assert!(
        printed.contains(&format!("loss {:.4}", last[1])),
        "{printed}"
    );
    let json = scratch("run.json");
    let out = train_with_history(
        "data/diabetes.csv",
        "progression",
        "2",
        json.to_str().unwrap(),
    );
    assert!(out.status.success(), "{out:?}");
    let text = std::fs::read_to_string(&json).unwrap();
    assert!(
        text.contains("\"val_r2\"") && text.contains("\"grad_norms\""),
        "{text}"
    );
    for (path, expected) in [
        ("run.txt", "names neither a .csv nor a .json file"),
        ("no/such/folder/run.csv", "the folder"),
    ] {
        let out = train_with_history("data/iris.csv", "species", "1", path);
        assert_eq!(out.status.code(), Some(1), "{out:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(expected) && err.contains("--history"), "{err}");
        assert!(stdout(&out).is_empty(), "refused before training: {out:?}");
    }
}

/// Piped (not a terminal), progress is one plain line per epoch on standard error, every
/// `--print-every` epochs and the last; `--quiet` shows none and leaves the results alone.
#[test]
fn progress_is_a_line_per_epoch_when_piped_and_quiet_hides_it() {
    let base = ["train", "data/iris.csv", "-t", "species", "--epochs", "5"];
    let out = nabla(&base);
    assert!(out.status.success(), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = err.lines().filter(|l| l.starts_with("epoch ")).collect();
    assert_eq!(lines.len(), 5, "{err}");
    for (i, line) in lines.iter().enumerate() {
        assert!(
            line.starts_with(&format!("epoch {}/5  loss ", i + 1)) && line.contains("accuracy"),
            "{err}"
        );
    }
    assert!(
        !err.contains('\r') && !err.contains('\u{1b}'),
        "no bar when piped: {err:?}"
    );
    let out = nabla(&[&base[..], &["--print-every", "2"]].concat());
    let err = String::from_utf8_lossy(&out.stderr);
    let epochs: Vec<&str> = err
        .lines()
        .filter_map(|l| l.strip_prefix("epoch ")?.split(' ').next())
        .collect();
    assert_eq!(epochs, ["2/5", "4/5", "5/5"], "{err}");
    let quiet = nabla(&[&base[..], &["--quiet"]].concat());
    assert!(quiet.status.success(), "{quiet:?}");
    assert!(quiet.stderr.is_empty(), "{quiet:?}");
    assert_eq!(stdout(&quiet), stdout(&out), "same results either way");
    let both = nabla(&[&base[..], &["--quiet", "--verbose"]].concat());
    assert_eq!(both.status.code(), Some(2), "{both:?}");
}

/// `--format json` prints one JSON object on standard output and nothing else there: the
/// metrics the text prints, the diagnoses with their codes and fixes in the command line's
/// terms, and the run's summary; `evaluate` prints the same shape for a saved model.
#[test]
fn format_json_prints_the_metrics_and_coded_diagnoses_for_scripts() {
    let base = quiet_train("data/breast_cancer.csv", "malignant", "5");
    let extra = ["--no-standardize", "--format", "json"];
    let out = nabla(&[&base[..], &extra[..]].concat());
    assert!(out.status.success(), "{out:?}");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("only JSON on stdout");
    let text = stdout(&nabla(&[&base[..], &extra[..1]].concat()));
    let metrics = &json["metrics"];
    for (key, label) in [("accuracy", "test accuracy"), ("roc_auc", "test ROC AUC")] {
        let value = metrics[key].as_f64().unwrap();
        assert_eq!(
            format!("{value:.4}"),
            format!("{:.4}", number_after(&text, label))
        );
    }
    assert_eq!(json["command"], "train");
    assert_eq!(json["data"]["rows"], 569);
    assert_eq!(json["split"]["test_rows"], 114);
    assert_eq!(json["settings"]["no-standardize"], "true");
    assert_eq!(json["training"]["epochs"], 5);
    let scales = json["diagnoses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "feature-scales")
        .expect("unscaled features are diagnosed");
    assert_eq!(scales["when"], "before training");
    assert_eq!(scales["severity"], "hint");
    assert!(
        scales["fix"]
            .as_str()
            .unwrap()
            .contains("leave out --no-standardize")
    );
    assert_eq!(scales["evidence"]["largest absolute value"], 4254.0);

    let model = scratch("cancer-json.safetensors");
    let saved = nabla(&[&base[..], &["--save", model.to_str().unwrap()]].concat());
    assert!(saved.status.success(), "{saved:?}");
    let model = model.to_str().unwrap();
    let out = nabla(&[
        "evaluate",
        model,
        "data/breast_cancer.csv",
        "--format",
        "json",
    ]);
    assert!(out.status.success(), "{out:?}");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("only JSON on stdout");
    let text = stdout(&nabla(&["evaluate", model, "data/breast_cancer.csv"]));
    let accuracy = json["metrics"]["accuracy"].as_f64().unwrap();
    assert_eq!(
        format!("{accuracy:.4}"),
        format!("{:.4}", number_after(&text, "evaluation accuracy"))
    );
    assert_eq!(json["evaluated_on"], "evaluation");
    let counts = &json["confusion"]["counts"];
    let total: u64 = (0..2)
        .flat_map(|a| (0..2).map(move |p| (a, p)))
        .map(|(a, p)| counts[a][p].as_u64().unwrap())
        .sum();
    assert_eq!(total, 569);
}

/// `--graph FILE` writes the trained model's loss on the first training rows as a teaching
/// dump, by the extension: text, DOT, or SVG drawn by Graphviz (installed by `.ci/run`).
#[test]
fn graph_is_written_as_text_dot_svg_or_html() {
    let base = quiet_train("data/iris.csv", "species", "2");
    let extra = ["--hidden", "3"];
    for (name, expected) in [
        (
            "graph.txt",
            "#8 loss = sparse_categorical_cross_entropy_with_logits(#6 dense",
        ),
        ("graph.dot", "digraph"),
        ("graph.svg", "<svg"),
        ("graph.html", "<!DOCTYPE html>"),
    ] {
        if name == "graph.svg" && !have("dot") {
            continue;
        }
        let path = scratch(name);
        let args = [&base[..], &extra[..], &["--graph", path.to_str().unwrap()]].concat();
        let out = nabla(&args);
        assert!(out.status.success(), "{out:?}");
        assert!(
            stdout(&out).contains("graph of the loss on the first 4 training rows"),
            "{out:?}"
        );
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(expected), "{name}: {text}");
        // Every node's value and gradient: the first layer's weight is a [4, 3] parameter.
        if name == "graph.txt" {
            assert!(
                text.contains("weight: parameter  value shape [4, 3]"),
                "{text}"
            );
        }
        // The walkthrough: every node drawn and detailed, the steps embedded, nothing loaded.
        if name == "graph.html" {
            for i in 0..=8 {
                assert!(text.contains(&format!("id=\"node-{i}\" data-index=\"{i}\"")));
                assert!(text.contains(&format!("id=\"detail-node-{i}\"")));
            }
            assert!(text.contains("<script type=\"application/json\" id=\"walk-data\">"));
            assert!(text.contains("\"forward\":[{\"node\":"), "no forward steps");
            assert!(
                text.contains("\"backward\":[{\"edge\":"),
                "no backward steps"
            );
            assert!(text.contains("<h2>#8 loss = sparse_categorical_cross_entropy_with_logits("));
            for outside in ["http:", "https:", "src=", "href=", "url("] {
                assert!(!text.contains(outside), "the page refers to {outside}");
            }
        }
    }
    let path = scratch("diabetes-graph.txt");
    let base = quiet_train("data/diabetes.csv", "progression", "2");
    let out = nabla(&[&base[..], &["--graph", path.to_str().unwrap()]].concat());
    assert!(out.status.success(), "{out:?}");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.contains("#0 x: constant  value shape [4, 10]"),
        "{text}"
    );
    assert!(
        text.contains("#8 loss = mean_squared_error(#6 dense, #7 y)"),
        "{text}"
    );
    let out = nabla(&[&base[..], &["--graph", "graph.png"]].concat());
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("neither a .txt, a .dot, an .svg nor an .html"),
        "{err}"
    );
    assert!(stdout(&out).is_empty(), "refused before training: {out:?}");
}

// ---- reports in a browser ----

/// Headless Chromium on `page`: its DOM after loading, and a screenshot of `width` x
/// `height` pixels as RGBA rows.
fn chromium(page: &std::path::Path, width: u32, height: u32) -> (String, Vec<u8>) {
    let url = format!("file://{}", page.canonicalize().unwrap().display());
    let dom = browser::chromium(&url, &["--dump-dom".to_string()]);
    let shot = page.with_file_name("screenshot.png");
    let rgba = browser::screenshot(&url, &shot, width, height, &[]);
    (String::from_utf8_lossy(&dom.stdout).into_owned(), rgba)
}

/// `train --report DIR` writes a page that a real browser renders: the screenshot is not
/// blank (text and coloured curves), and the DOM holds the metrics table and every plot as
/// inline SVG; each SVG file is a well-formed SVG document. `evaluate --report` too.
#[test]
fn reports_render_in_a_headless_browser() {
    if !have("chromium") {
        return;
    }
    let dir = scratch("report-iris");
    let _ = std::fs::remove_dir_all(&dir);
    let model = scratch("report-iris.safetensors");
    let args = [
        &quiet_train("data/iris.csv", "species", "30")[..],
        &["--early-stopping", "5", "--report", dir.to_str().unwrap()],
        &["--save", model.to_str().unwrap()],
    ]
    .concat();
    let out = nabla(&args);
    assert!(out.status.success(), "{out:?}");
    assert!(stdout(&out).contains("wrote the report to"), "{out:?}");
    let plots = [
        "training",
        "roc",
        "precision-recall",
        "confusion",
        "calibration",
    ];
    let page = dir.join("index.html");
    let html = std::fs::read_to_string(&page).unwrap();
    // Self-contained: nothing loaded (no scripts, style sheets, images or fonts); the only
    // links are to the report's own SVG files.
    for loads in ["<script", "<link", "<img", " src=", "url(", "@import"] {
        assert!(!html.contains(loads), "the page loads something: {loads}");
    }
    for link in html.split("href=\"").skip(1) {
        let target = &link[..link.find('"').unwrap()];
        assert!(
            dir.join(target).is_file() && target.ends_with(".svg"),
            "{target}"
        );
    }
    let (dom, rgba) = chromium(&page, 1200, 1600);
    assert!(dom.contains("<table id=\"metrics-table\">"), "{dom}");
    let accuracy = number_after(&stdout(&out), "test accuracy");
    assert!(dom.contains(&format!("{accuracy:.4}")), "{dom}");
    for name in plots {
        let figure = dom
            .split(&format!("<figure class=\"plot\" id=\"plot-{name}\">"))
            .nth(1)
            .unwrap_or_else(|| panic!("no figure {name} in the DOM"));
        let figure = &figure[..figure.find("</figure>").unwrap()];
        assert!(figure.contains("<svg"), "{name} is drawn: {figure}");
        let svg = std::fs::read_to_string(dir.join(format!("{name}.svg"))).unwrap();
        let doc = roxmltree::Document::parse(&svg).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(doc.root_element().tag_name().name(), "svg", "{name}");
    }
    assert!(dom.contains("setosa"), "class names in the pictures: {dom}");
    assert!(dom.contains("id=\"data-summary\""), "{dom}");
    // Not blank: many pixels differ from the white page, and some are coloured (curves).
    let pixels = rgba.chunks_exact(4);
    let total = pixels.len();
    let inked = pixels
        .clone()
        .filter(|p| p[0] < 200 || p[1] < 200 || p[2] < 200)
        .count();
    let coloured = pixels
        .filter(|p| p[0].abs_diff(p[1]) > 60 || p[1].abs_diff(p[2]) > 60)
        .count();
    assert!(inked * 50 > total, "{inked} of {total} pixels inked");
    assert!(
        coloured * 500 > total,
        "{coloured} of {total} pixels coloured"
    );

    let dir = scratch("report-evaluate");
    let _ = std::fs::remove_dir_all(&dir);
    let out = nabla(&[
        "evaluate",
        model.to_str().unwrap(),
        "data/iris.csv",
        "--report",
        dir.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{out:?}");
    let (dom, _) = chromium(&dir.join("index.html"), 800, 600);
    assert!(dom.contains("<table id=\"metrics-table\">"), "{dom}");
    for name in ["roc", "precision-recall", "confusion", "calibration"] {
        assert!(
            dom.contains(&format!("id=\"plot-{name}\"")),
            "{name}: {dom}"
        );
    }
    assert!(
        !dom.contains("id=\"plot-training\""),
        "no training in evaluate"
    );
}

/// A regressor's report holds its training curves, predicted against actual and the
/// residuals, each a well-formed SVG document (parsed) inline and as a file, and the
/// metrics table with the printed R^2.
#[test]
fn a_regression_report_has_its_pictures_as_parsed_svg() {
    let dir = scratch("report-diabetes");
    let _ = std::fs::remove_dir_all(&dir);
    let args = [
        &quiet_train("data/diabetes.csv", "progression", "20")[..],
        &["--report", dir.to_str().unwrap()],
    ]
    .concat();
    let out = nabla(&args);
    assert!(out.status.success(), "{out:?}");
    let html = std::fs::read_to_string(dir.join("index.html")).unwrap();
    let r2 = number_after(&stdout(&out), "test R^2");
    assert!(
        html.contains(&format!("<td class=\"number\">{r2:.4}</td>")),
        "{html}"
    );
    for name in ["training", "predicted-vs-actual", "residuals"] {
        assert!(html.contains(&format!("id=\"plot-{name}\"")), "{name}");
        let svg = std::fs::read_to_string(dir.join(format!("{name}.svg"))).unwrap();
        let doc = roxmltree::Document::parse(&svg).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(doc.root_element().tag_name().name(), "svg", "{name}");
        let texts: String = doc
            .descendants()
            .filter_map(|n| n.text())
            .collect::<Vec<_>>()
            .join(" ");
        let expected = match name {
            "training" => "loss",
            "predicted-vs-actual" => "n = 89",
            _ => "RMSE",
        };
        assert!(texts.contains(expected), "{name}: {texts}");
        assert!(html.contains(svg.trim()), "{name} is inline in the page");
    }
    // A file where a folder is wanted is refused before training.
    let file = scratch("not-a-folder.txt");
    std::fs::write(&file, "x").unwrap();
    let args = [
        &quiet_train("data/diabetes.csv", "progression", "2")[..],
        &["--report", file.to_str().unwrap()],
    ]
    .concat();
    let out = nabla(&args);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("not a folder"),
        "{out:?}"
    );
    assert!(stdout(&out).is_empty(), "{out:?}");
}
