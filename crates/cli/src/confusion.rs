//! How `nabla` shows a confusion matrix: the whole table for a few classes, and a summary
//! when a table of every class against every other would be too large to read (1000 classes
//! make a table of 5.9 MB).

use nabla_models::metrics::ConfusionMatrix;

/// Above this many classes the matrix is summarised instead of printed.
pub const MAX_TABLE_CLASSES: usize = 20;
/// How many classes or pairs each line of a summary names.
const NAMED: usize = 5;

/// The table, or its summary when there are more than [`MAX_TABLE_CLASSES`] classes.
pub fn show(m: &ConfusionMatrix) -> String {
    if m.n_classes() <= MAX_TABLE_CLASSES {
        m.to_string()
    } else {
        summary(m)
    }
}

/// The class's name, or its index when the matrix has no names.
fn name(m: &ConfusionMatrix, class: usize) -> String {
    m.class_names()
        .map_or_else(|| class.to_string(), |names| names[class].clone())
}

/// The classes with most errors, the most confused pairs, the lowest and highest recalls.
fn summary(m: &ConfusionMatrix) -> String {
    let k = m.n_classes();
    let present: Vec<usize> = (0..k).filter(|&c| m.support(c) > 0).collect();
    let errors = |c: usize| m.support(c) - m.count(c, c);
    let mut lines = vec![format!(
        "confusion matrix: {k} classes, too many for a table (it is printed up to \
         {MAX_TABLE_CLASSES}); in summary, over {} rows of {} classes:",
        m.total(),
        present.len()
    )];

    let mut worst: Vec<usize> = present.iter().copied().filter(|&c| errors(c) > 0).collect();
    worst.sort_by_key(|&c| (std::cmp::Reverse(errors(c)), c));
    lines.push(format!(
        "  classes with the most errors (wrong of rows): {}",
        listed(
            worst
                .iter()
                .map(|&c| format!("{} {} of {}", name(m, c), errors(c), m.support(c))),
            worst.len()
        )
    ));

    let mut pairs: Vec<(usize, usize, usize)> = present
        .iter()
        .flat_map(|&t| (0..k).map(move |p| (t, p)))
        .filter(|&(t, p)| t != p && m.count(t, p) > 0)
        .map(|(t, p)| (m.count(t, p), t, p))
        .collect();
    pairs.sort_by_key(|&(n, t, p)| (std::cmp::Reverse(n), t, p));
    lines.push(format!(
        "  most confused pairs (true -> predicted: rows): {}",
        listed(
            pairs
                .iter()
                .map(|&(n, t, p)| format!("{} -> {}: {n}", name(m, t), name(m, p))),
            pairs.len()
        )
    ));

    let mut by_recall = present.clone();
    by_recall.sort_by(|&a, &b| m.recall(a).total_cmp(&m.recall(b)).then(a.cmp(&b)));
    let recall = |c: usize| {
        format!(
            "{} {:.3} ({} of {})",
            name(m, c),
            m.recall(c),
            m.count(c, c),
            m.support(c)
        )
    };
    match (by_recall.first(), by_recall.last()) {
        (Some(&low), Some(&high)) if m.recall(low) == m.recall(high) => lines.push(format!(
            "  recall: {:.3} for every one of the {} classes",
            m.recall(low),
            by_recall.len()
        )),
        _ => {
            lines.push(format!(
                "  lowest recall: {}",
                listed(by_recall.iter().map(|&c| recall(c)), by_recall.len())
            ));
            lines.push(format!(
                "  highest recall: {}",
                listed(by_recall.iter().rev().map(|&c| recall(c)), by_recall.len())
            ));
        }
    }
    if present.len() < k {
        lines.push(format!(
            "  {} of the {k} classes have no rows here",
            k - present.len()
        ));
    }
    lines.push(
        "  (the whole matrix is Evaluation::confusion, from Classifier::evaluate in the \
         nabla-models library)"
            .to_string(),
    );
    lines.join("\n") + "\n"
}

/// The first [`NAMED`] of `items` (of `count`), "and N more", or "none".
fn listed(items: impl Iterator<Item = String>, count: usize) -> String {
    let shown: Vec<String> = items.take(NAMED).collect();
    if shown.is_empty() {
        return "none".to_string();
    }
    let more = count.saturating_sub(NAMED);
    let tail = if more > 0 {
        format!(", and {more} more")
    } else {
        String::new()
    };
    shown.join(", ") + &tail
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn up_to_twenty_classes_print_the_whole_table() {
        let truth: Vec<usize> = (0..20).collect();
        let m = ConfusionMatrix::new(&truth, &truth, 20).unwrap();
        assert_eq!(show(&m), m.to_string());
    }

    #[test]
    fn one_recall_for_every_class_is_said_once() {
        let truth: Vec<usize> = (0..30).collect();
        let shifted: Vec<usize> = (0..30).map(|c| (c + 1) % 30).collect();
        let text = show(&ConfusionMatrix::new(&truth, &shifted, 30).unwrap());
        assert!(
            text.contains("\n  recall: 0.000 for every one of the 30 classes\n"),
            "{text}"
        );
        assert!(!text.contains("lowest recall"), "{text}");
    }

    #[test]
    fn more_classes_are_summarised_with_their_numbers() {
        // 25 classes: class 0 has 4 rows, 3 predicted as 1; class 2 has 2 rows, both as 3;
        // classes 4..24 have one row each, right, except class 4 (predicted 0).
        let mut truth = vec![0, 0, 0, 0, 2, 2];
        let mut predicted = vec![0, 1, 1, 1, 3, 3];
        truth.extend(4..25);
        predicted.extend(4..25);
        predicted[6] = 0;
        let m = ConfusionMatrix::new(&truth, &predicted, 25).unwrap();
        let text = show(&m);
        assert_eq!(
            text,
            "confusion matrix: 25 classes, too many for a table (it is printed up to 20); in \
             summary, over 27 rows of 23 classes:\n\
             \x20 classes with the most errors (wrong of rows): 0 3 of 4, 2 2 of 2, 4 1 of 1\n\
             \x20 most confused pairs (true -> predicted: rows): 0 -> 1: 3, 2 -> 3: 2, 4 -> 0: 1\n\
             \x20 lowest recall: 2 0.000 (0 of 2), 4 0.000 (0 of 1), 0 0.250 (1 of 4), \
             5 1.000 (1 of 1), 6 1.000 (1 of 1), and 18 more\n\
             \x20 highest recall: 24 1.000 (1 of 1), 23 1.000 (1 of 1), 22 1.000 (1 of 1), \
             21 1.000 (1 of 1), 20 1.000 (1 of 1), and 18 more\n\
             \x20 2 of the 25 classes have no rows here\n\
             \x20 (the whole matrix is Evaluation::confusion, from Classifier::evaluate in the \
             nabla-models library)\n"
        );
    }
}
