//! Training on rows streamed from a file: with one block that holds the whole file, the
//! model is the one trained in memory, bit for bit; with small blocks it still learns, and
//! the stream's targets and rows are what loading the file gives.

use nabla_autodiff::Tensor;
use nabla_models::data::{
    CsvOptions, CsvStream, Dataset, split_indices, stratified_split, stratified_split_indices,
};
use nabla_models::estimator::{
    Classifier, ClassifierConfig, NetworkConfig, Regressor, RegressorConfig, Validation,
};
use nabla_models::train::{Callback, EarlyStopping, FitOptions};
use std::sync::{Arc, Mutex};

fn data(name: &str) -> String {
    format!("{}/../../data/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn network(epochs: usize, batch_size: usize, validation: Validation) -> NetworkConfig {
    NetworkConfig {
        hidden: vec![16],
        validation,
        fit: FitOptions {
            epochs,
            batch_size,
            seed: 3,
            ..FitOptions::default()
        },
        ..NetworkConfig::default()
    }
}

fn bits(t: &Tensor<f64>) -> Vec<u64> {
    t.data().iter().map(|v| v.to_bits()).collect()
}

/// Penguins: text columns and missing values, a validation split and early stopping.
#[test]
fn one_block_trains_the_model_fit_dataset_trains() {
    let path = data("penguins.csv");
    let options = CsvOptions::labels("species");
    let whole = Dataset::from_csv(&path, &options).unwrap();
    // The split refits the fills of missing values on the training rows.
    let (train_set, test_set) = stratified_split(&whole, 0.2, 0).unwrap();
    let classes = whole.targets().class_indices().unwrap();
    let (train, test) = stratified_split_indices(&classes, 0.2, 0).unwrap();
    let config = || ClassifierConfig {
        network: network(30, 16, Validation::Split(0.1)),
        ..ClassifierConfig::default()
    };
    let stopping = || EarlyStopping::new("val_loss").patience(5);

    let mut in_memory = Classifier::<f32>::new(config());
    in_memory.add_callback(stopping());
    let memory_history = in_memory.fit_dataset(&train_set).unwrap();

    let mut stream = CsvStream::open(&path, &options, 1_000).unwrap();
    assert_eq!(stream.targets(), whole.targets());
    assert_eq!(Some(stream.encoding()), whole.encoding());
    stream.refit_fills(&train).unwrap();
    assert_eq!(Some(stream.encoding()), train_set.encoding());
    assert_ne!(
        Some(stream.encoding()),
        whole.encoding(),
        "penguins has gaps"
    );
    let read = stream.select(&test).unwrap();
    assert_eq!(read.features(), test_set.features());
    assert_eq!(read.targets(), test_set.targets());
    assert_eq!(read.encoding(), test_set.encoding());
    let mut streamed = Classifier::<f32>::new(config());
    streamed.add_callback(stopping());
    let stream_history = streamed.fit_stream(&stream, &train).unwrap();

    assert_eq!(stream_history.epochs, memory_history.epochs);
    assert_eq!(stream_history.steps, memory_history.steps);
    let x_test = test_set;
    let p_memory = in_memory.predict_proba(x_test.features()).unwrap();
    let p_stream = streamed.predict_proba(x_test.features()).unwrap();
    assert_eq!(bits(&p_stream), bits(&p_memory));
    assert_eq!(streamed.feature_encoding(), in_memory.feature_encoding());
    let accuracy = streamed
        .evaluate(x_test.features(), x_test.targets())
        .unwrap()
        .accuracy;
    assert!(accuracy > 0.95, "test accuracy {accuracy}");
}

/// Diabetes: a regressor with its target standardised.
#[test]
fn one_block_trains_the_regressor_fit_dataset_trains() {
    let path = data("diabetes.csv");
    let options = CsvOptions::continuous(&["progression"]);
    let whole = Dataset::from_csv(&path, &options).unwrap();
    let (train, test) = split_indices(whole.n_rows(), 0.2, 1).unwrap();
    let config = || RegressorConfig {
        network: network(20, 32, Validation::None),
        ..RegressorConfig::default()
    };
    let mut in_memory = Regressor::<f64>::new(config());
    let memory_history = in_memory
        .fit_dataset(&whole.select(&train).unwrap())
        .unwrap();
    let stream = CsvStream::open(&path, &options, 500).unwrap();
    let mut streamed = Regressor::<f64>::new(config());
    let stream_history = streamed.fit_stream(&stream, &train).unwrap();
    assert_eq!(stream_history.epochs, memory_history.epochs);
    let x_test = whole.select(&test).unwrap();
    assert_eq!(
        bits(&streamed.predict(x_test.features()).unwrap()),
        bits(&in_memory.predict(x_test.features()).unwrap())
    );
}

/// Blocks of 100 lines of a file in no particular order: every row is trained on once per
/// epoch, shuffled within its block, and the model reaches the accuracy of the protocol in
/// `data/README.md` (0.960 on average over splits).
#[test]
fn small_blocks_still_learn() {
    let path = data("breast_cancer.csv");
    let options = CsvOptions::labels("malignant");
    let whole = Dataset::from_csv(&path, &options).unwrap();
    let classes = whole.targets().class_indices().unwrap();
    let (train, test) = stratified_split_indices(&classes, 0.2, 0).unwrap();
    let stream = CsvStream::open(&path, &options, 100).unwrap();
    assert_eq!(stream.targets(), whole.targets());
    assert!(stream.notices().is_empty(), "{:?}", stream.notices());
    let mut model = Classifier::<f32>::new(ClassifierConfig {
        network: network(40, 16, Validation::None),
        ..ClassifierConfig::default()
    });
    let steps = StepCounter::default();
    model.add_callback(steps.clone());
    let history = model.fit_stream(&stream, &train).unwrap();
    assert_eq!(history.steps, 40 * 29, "455 rows in batches of 16");
    // Blocks of 112 training rows (100 lines rounded up to 7 batches): 4 x 7 + 1 steps, told
    // to the callbacks before each epoch and counted after each step.
    let epochs = steps.0.lock().unwrap().clone();
    assert_eq!(epochs, vec![(29, 29); 40]);
    let x_test = whole.select(&test).unwrap();
    let accuracy = model
        .evaluate(x_test.features(), x_test.targets())
        .unwrap()
        .accuracy;
    assert!(accuracy >= 0.95, "test accuracy {accuracy}");
    let train_accuracy = history.last().unwrap().metrics[0].1;
    assert!(train_accuracy >= 0.95, "training accuracy {train_accuracy}");
}

/// Per epoch: the steps announced by `on_epoch_begin`, and the steps that ran.
#[derive(Clone, Default)]
struct StepCounter(Arc<Mutex<Vec<(usize, usize)>>>);

impl Callback for StepCounter {
    fn on_epoch_begin(&mut self, _epoch: usize, steps: usize) {
        self.0.lock().unwrap().push((steps, 0));
    }

    fn on_step_end(&mut self, step: usize, loss: f64) {
        let mut epochs = self.0.lock().unwrap();
        let last = epochs.last_mut().expect("an epoch began");
        assert_eq!(step, last.1 + 1, "steps counted from 1");
        assert!(loss.is_finite() && loss > 0.0, "a batch's loss: {loss}");
        last.1 = step;
    }
}

/// A file sorted by its target: the first block lacks classes, and the stream says so.
#[test]
fn a_file_sorted_by_class_is_noticed() {
    let stream = CsvStream::open(data("iris.csv"), &CsvOptions::labels("species"), 40).unwrap();
    let notice = stream.notices().join("\n");
    assert!(
        notice.contains("holds 1 of the 3 classes") && notice.contains("shuf"),
        "{notice}"
    );
}

/// The classes of blocks are merged and sorted as a whole file's: numbers by value (10
/// after 9), text by its bytes; rows without a target are left out in every block.
#[test]
fn targets_merged_from_blocks_match_the_whole_file() {
    let dir = std::env::temp_dir();
    let numbers = dir.join(format!("nabla-stream-numbers-{}.csv", std::process::id()));
    let mut text = String::from("x,label\n");
    for i in 0..60 {
        let label = if i % 7 == 3 {
            "NA".to_string()
        } else {
            (12 - i % 12).to_string()
        };
        text.push_str(&format!("{}.5,{label}\n", i % 5));
    }
    std::fs::write(&numbers, &text).unwrap();
    let words = dir.join(format!("nabla-stream-words-{}.csv", std::process::id()));
    std::fs::write(
        &words,
        "x;label\n1;b\n2;\"a, quoted\"\n3;c\n\n4;\"line\nbreak\"\n5;b\n6;NA\n7;Z\n",
    )
    .unwrap();
    for path in [&numbers, &words] {
        let options = CsvOptions::labels("label");
        let whole = Dataset::from_csv(path, &options).unwrap();
        // The first block must show the feature varying, or it is left out as constant.
        for block in [3, 4, 7, 100] {
            let stream = CsvStream::open(path, &options, block).unwrap();
            assert_eq!(stream.targets(), whole.targets(), "blocks of {block}");
            let all: Vec<usize> = (0..whole.n_rows()).collect();
            let read = stream.select(&all).unwrap();
            assert_eq!(read.targets(), whole.targets());
            let lines: Vec<_> = all.iter().map(|&r| read.line(r)).collect();
            let expected: Vec<_> = all.iter().map(|&r| whole.line(r)).collect();
            assert_eq!(lines, expected, "blocks of {block}");
        }
    }
    std::fs::remove_file(numbers).unwrap();
    std::fs::remove_file(words).unwrap();
}

#[test]
fn bad_streams_are_refused_with_the_fix() {
    let path = data("iris.csv");
    let options = CsvOptions::labels("species");
    let err = CsvStream::open(&path, &options, 0).unwrap_err().to_string();
    assert!(err.contains("block_rows is 0"), "{err}");
    let err = CsvStream::open(data("nothing.csv"), &options, 10)
        .unwrap_err()
        .to_string();
    assert!(err.contains("nothing.csv"), "{err}");
    let stream = CsvStream::open(&path, &options, 10).unwrap();
    let err = stream.select(&[5, 3]).unwrap_err().to_string();
    assert!(err.contains("out of order"), "{err}");
    let mut model = Classifier::<f32>::new(ClassifierConfig::default());
    let err = model
        .fit_stream(&stream, &[20, 30])
        .unwrap_err()
        .to_string();
    assert!(err.contains("first block of 10 rows"), "{err}");
}

/// A bad value in a later block is found when the stream opens, at its line in the file.
#[test]
fn errors_in_later_blocks_name_their_line() {
    let text = std::fs::read_to_string(data("iris.csv")).unwrap();
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    lines[119] = lines[119].replacen("6.", "oops", 1); // line 120 of the file
    let path = std::env::temp_dir().join(format!("nabla-stream-oops-{}.csv", std::process::id()));
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    let err = CsvStream::open(&path, &CsvOptions::labels("species"), 50)
        .unwrap_err()
        .to_string();
    std::fs::remove_file(&path).unwrap();
    assert!(err.contains("line 120") && err.contains("oops"), "{err}");
}
