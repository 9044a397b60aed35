//! The metrics on 40-sample examples, against reference values computed with scikit-learn
//! 1.9.1 (`sklearn.metrics`) on exactly these lists. The lists come from a small linear
//! congruential generator; the binary scores are rounded to one decimal so that they tie often.

use nabla_models::metrics::{
    Average, ConfusionMatrix, binary_accuracy, binary_log_loss, f1_score, mae,
    median_absolute_error, mse, per_class_scores, precision, r2_score, recall, rmse, roc_auc,
};

const Y_BIN: [usize; 40] = [
    0, 1, 0, 1, 0, 0, 0, 1, 1, 1, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 0, 1,
    0, 1, 0, 0, 1, 1, 0, 0,
];
const SCORE: [f64; 40] = [
    0.2, 1.0, 0.6, 0.5, 0.5, 0.1, 0.5, 0.7, 0.8, 0.9, 0.3, 0.9, 0.7, 0.0, 0.3, 0.1, 0.4, 0.3, 0.1,
    0.6, 0.3, 0.1, 0.1, 0.7, 0.7, 0.4, 0.3, 0.1, 0.6, 0.5, 0.3, 0.3, 0.7, 0.8, 0.3, 0.4, 0.3, 1.0,
    0.1, 0.3,
];

const T4: [usize; 40] = [
    2, 2, 3, 0, 2, 0, 3, 0, 0, 3, 2, 0, 0, 2, 0, 3, 1, 3, 1, 0, 3, 0, 3, 1, 0, 0, 1, 0, 2, 2, 1, 0,
    2, 2, 3, 0, 0, 2, 3, 1,
];
const P4: [usize; 40] = [
    2, 2, 3, 0, 2, 0, 3, 3, 1, 3, 2, 1, 0, 2, 0, 3, 1, 3, 3, 3, 1, 3, 3, 1, 0, 2, 1, 0, 2, 3, 1, 0,
    3, 2, 0, 2, 1, 0, 3, 2,
];

const YT: [f64; 40] = [
    81.12, 11.01, 5.54, 3.0, 27.42, 63.07, 7.83, 45.59, 91.01, 25.47, 5.0, 12.46, 77.06, 92.64,
    82.38, 47.47, 28.25, 76.31, 15.17, 84.89, 97.05, 37.32, 73.79, 39.67, 77.09, 68.12, 43.14,
    9.38, 90.72, 85.17, 27.53, 22.01, 79.38, 40.71, 63.27, 14.0, 93.82, 13.18, 10.79, 72.97,
];
const YP: [f64; 40] = [
    77.33, 18.18, 5.15, -1.1, 20.36, 67.62, 5.27, 42.01, 94.23, 15.79, 12.28, 20.55, 79.5, 85.2,
    88.13, 41.47, 23.87, 83.14, 23.12, 89.68, 99.17, 35.38, 76.94, 48.77, 72.93, 69.51, 50.15,
    14.54, 91.25, 78.83, 32.22, 22.22, 88.68, 38.28, 72.46, 8.84, 101.76, 3.48, 20.2, 71.89,
];

fn close(a: f64, b: f64, what: &str) {
    assert!((a - b).abs() < 1e-12, "{what}: {a} != {b}");
}

#[test]
fn binary_metrics_with_many_ties() {
    // roc_auc_score(y, score) = 0.8573333333333334 (15 positives, 25 negatives; ties in 9 of
    // the 11 distinct scores)
    close(roc_auc(&Y_BIN, &SCORE).unwrap(), 0.8573333333333334, "auc");
    // log_loss(y, score) = 0.4463190359233031 (no sample needs clipping beyond 1e-15)
    close(
        binary_log_loss(&Y_BIN, &SCORE).unwrap(),
        0.4463190359233031,
        "log loss",
    );
    // accuracy_score(y, score > 0.5) = 0.775
    close(binary_accuracy(&Y_BIN, &SCORE).unwrap(), 0.775, "accuracy");
}

#[test]
fn auc_does_not_change_under_a_monotone_map_of_the_scores() {
    let logits: Vec<f64> = SCORE.iter().map(|s| 5.0 * s - 2.0).collect();
    close(
        roc_auc(&Y_BIN, &logits).unwrap(),
        roc_auc(&Y_BIN, &SCORE).unwrap(),
        "auc of logits",
    );
    // Flipping the labels flips the area: 1 - 0.857333...
    let flipped: Vec<usize> = Y_BIN.iter().map(|y| 1 - y).collect();
    close(
        roc_auc(&flipped, &SCORE).unwrap(),
        1.0 - 0.8573333333333334,
        "flipped",
    );
}

#[test]
fn four_class_confusion_matrix_and_averages() {
    // confusion_matrix(t, p) = [[7, 3, 2, 3], [0, 4, 1, 1], [1, 0, 7, 2], [1, 1, 0, 7]]
    let m = ConfusionMatrix::new(&T4, &P4, 4).unwrap();
    let rows: Vec<Vec<usize>> = (0..4)
        .map(|t| (0..4).map(|p| m.count(t, p)).collect())
        .collect();
    assert_eq!(
        rows,
        vec![
            vec![7, 3, 2, 3],
            vec![0, 4, 1, 1],
            vec![1, 0, 7, 2],
            vec![1, 1, 0, 7]
        ]
    );
    // (precision, recall, f1) with average = macro / micro / weighted, zero_division=0
    let expected = [
        (
            Average::Macro,
            0.629059829059829,
            0.6527777777777778,
            0.6227813852813853,
        ),
        (Average::Micro, 0.625, 0.625, 0.625),
        (
            Average::Weighted,
            0.6628205128205128,
            0.625,
            0.622646103896104,
        ),
    ];
    for (avg, p, r, f) in expected {
        close(precision(&T4, &P4, 4, avg).unwrap(), p, "precision");
        close(recall(&T4, &P4, 4, avg).unwrap(), r, "recall");
        close(f1_score(&T4, &P4, 4, avg).unwrap(), f, "f1");
    }
    let supports: Vec<usize> = per_class_scores(&T4, &P4, 4)
        .unwrap()
        .iter()
        .map(|s| s.support)
        .collect();
    assert_eq!(supports, vec![15, 6, 10, 9]);
}

#[test]
fn regression_metrics() {
    // mean_squared_error 34.658835, root_mean_squared_error 5.887175468762589,
    // mean_absolute_error 5.1765, median_absolute_error 4.975000000000002,
    // r2_score 0.965113739724954
    close(mse(&YT, &YP).unwrap(), 34.658835, "mse");
    close(rmse(&YT, &YP).unwrap(), 5.887175468762589, "rmse");
    close(mae(&YT, &YP).unwrap(), 5.1765, "mae");
    close(
        median_absolute_error(&YT, &YP).unwrap(),
        4.975000000000002,
        "median absolute error",
    );
    close(r2_score(&YT, &YP).unwrap(), 0.965113739724954, "r2");
}
