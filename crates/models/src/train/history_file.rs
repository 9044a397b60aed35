//! A training run's record on disk: one row per epoch (loss, metrics, validation loss and
//! metrics, learning rate, each layer's gradient norm) as CSV or JSON, for plotting and for
//! scripts.

use super::History;
use crate::persist::write_atomically;
use serde_json::{Map, Value, json};
use std::io;
use std::path::Path;

/// The formats a history is written in, chosen by the file's extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HistoryFormat {
    /// Comma-separated values with a header row.
    Csv,
    /// A JSON array with one object per epoch.
    Json,
}

impl HistoryFormat {
    /// The format a path's extension names (`.csv` or `.json`, in any case), if any.
    pub fn of(path: &Path) -> Option<Self> {
        let extension = path.extension()?.to_str()?.to_ascii_lowercase();
        match extension.as_str() {
            "csv" => Some(HistoryFormat::Csv),
            "json" => Some(HistoryFormat::Json),
            _ => None,
        }
    }
}

impl History {
    /// The column names of [`History::to_csv`]: `epoch`, `loss`, the training metrics,
    /// `val_loss` and the validation metrics (when there was validation data),
    /// `learning_rate`, and `grad_norm[layer]` for each layer with parameters.
    pub fn columns(&self) -> Vec<String> {
        let mut columns = vec!["epoch".to_string()];
        columns.extend(self.quantities());
        columns.push("learning_rate".into());
        columns.extend(
            self.grad_norm_layers
                .iter()
                .map(|layer| format!("grad_norm[{layer}]")),
        );
        columns
    }

    /// The quantities the records hold by name, as the first epoch names them: `loss`, the
    /// training metrics, then `val_loss` and the validation metrics when there were any.
    fn quantities(&self) -> Vec<String> {
        let mut names = vec!["loss".to_string()];
        if let Some(e) = self.epochs.first() {
            names.extend(e.metrics.iter().map(|(k, _)| k.clone()));
            if e.val_loss.is_some() {
                names.push("val_loss".into());
            }
            names.extend(e.val_metrics.iter().map(|(k, _)| format!("val_{k}")));
        }
        names
    }

    /// Epoch `i`'s gradient norm of each layer of [`History::grad_norm_layers`].
    fn grad_norms_of(&self, i: usize) -> impl Iterator<Item = Option<f64>> + '_ {
        let row = self.grad_norms.get(i);
        (0..self.grad_norm_layers.len()).map(move |j| row.and_then(|r| r.get(j).copied()))
    }

    /// One row per epoch, [`History::columns`] first; numbers as Rust prints them (the
    /// shortest text that reads back as the same `f64`), an empty field where an epoch lacks
    /// a value.
    ///
    /// ```
    /// use nabla_models::train::{EpochRecord, History};
    /// let history = History {
    ///     epochs: vec![EpochRecord {
    ///         epoch: 1,
    ///         loss: 0.5,
    ///         metrics: vec![("accuracy".into(), 0.75)],
    ///         val_loss: None,
    ///         val_metrics: vec![],
    ///         learning_rate: 0.001,
    ///     }],
    ///     ..History::default()
    /// };
    /// assert_eq!(history.to_csv(), "epoch,loss,accuracy,learning_rate\n1,0.5,0.75,0.001\n");
    /// ```
    pub fn to_csv(&self) -> String {
        let mut out = csv::Writer::from_writer(Vec::new());
        out.write_record(self.columns()).expect("writing to memory");
        let quantities = self.quantities();
        let text = |v: Option<f64>| v.map_or_else(String::new, |v| v.to_string());
        for (i, e) in self.epochs.iter().enumerate() {
            let mut row = vec![e.epoch.to_string()];
            row.extend(quantities.iter().map(|q| text(e.get(q))));
            row.push(e.learning_rate.to_string());
            row.extend(self.grad_norms_of(i).map(text));
            out.write_record(&row).expect("writing to memory");
        }
        String::from_utf8(out.into_inner().expect("writing to memory")).expect("UTF-8 text")
    }

    /// A JSON array with one object per epoch: the numbers of [`History::to_csv`]'s columns,
    /// with the gradient norms under `grad_norms` by layer; a value that is not finite is
    /// `null` (JSON has no NaN).
    pub fn to_json(&self) -> String {
        let quantities = self.quantities();
        let epochs: Vec<Value> = self
            .epochs
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let mut object = Map::new();
                object.insert("epoch".into(), json!(e.epoch));
                for q in &quantities {
                    object.insert(q.clone(), number(e.get(q)));
                }
                object.insert("learning_rate".into(), number(Some(e.learning_rate)));
                let layers = self.grad_norm_layers.iter().cloned();
                let norms = layers.zip(self.grad_norms_of(i).map(number)).collect();
                object.insert("grad_norms".into(), Value::Object(norms));
                Value::Object(object)
            })
            .collect();
        serde_json::to_string_pretty(&Value::Array(epochs)).expect("JSON values")
    }

    /// Writes the history to `path` atomically, as CSV or JSON by its extension.
    ///
    /// # Errors
    /// When the extension is neither `.csv` nor `.json`, or the file cannot be written.
    pub fn write(&self, path: &Path) -> io::Result<()> {
        let text = match HistoryFormat::of(path) {
            Some(HistoryFormat::Csv) => self.to_csv(),
            Some(HistoryFormat::Json) => self.to_json(),
            None => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!(
                        "{} does not end in .csv or .json; name the history file with the \
                         format wanted",
                        path.display()
                    ),
                ));
            }
        };
        write_atomically(path, text.as_bytes())
    }
}

fn number(v: Option<f64>) -> Value {
    v.filter(|v| v.is_finite())
        .map_or(Value::Null, |v| json!(v))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::train::EpochRecord;

    fn history() -> History {
        let epoch = |n: usize, loss: f64| EpochRecord {
            epoch: n,
            loss,
            metrics: vec![("accuracy".into(), 0.5 + n as f64 / 10.0)],
            val_loss: Some(loss * 2.0),
            val_metrics: vec![("accuracy".into(), 0.25)],
            learning_rate: 0.01,
        };
        History {
            epochs: vec![epoch(1, 0.75), epoch(2, f64::NAN)],
            grad_norm_layers: vec!["0: dense 4 relu".into(), "1: dense 3".into()],
            grad_norms: vec![vec![1.5, 0.125], vec![2.0, 0.25]],
            ..History::default()
        }
    }

    #[test]
    fn csv_has_a_column_per_quantity_and_a_row_per_epoch() {
        assert_eq!(
            history().to_csv(),
            "epoch,loss,accuracy,val_loss,val_accuracy,learning_rate,\
             grad_norm[0: dense 4 relu],grad_norm[1: dense 3]\n\
             1,0.75,0.6,1.5,0.25,0.01,1.5,0.125\n\
             2,NaN,0.7,NaN,0.25,0.01,2,0.25\n"
        );
    }

    #[test]
    fn json_holds_the_same_numbers_with_null_for_nan() {
        let parsed: Value = serde_json::from_str(&history().to_json()).unwrap();
        assert_eq!(parsed[0]["loss"], json!(0.75));
        assert_eq!(parsed[0]["val_accuracy"], json!(0.25));
        assert_eq!(parsed[0]["grad_norms"]["1: dense 3"], json!(0.125));
        assert_eq!(parsed[1]["loss"], Value::Null);
        assert_eq!(parsed[1]["epoch"], json!(2));
    }

    #[test]
    fn the_extension_chooses_the_format() {
        let dir = std::env::temp_dir().join(format!("nabla-history-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let h = history();
        h.write(&dir.join("run.CSV")).unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.join("run.CSV")).unwrap(),
            h.to_csv()
        );
        h.write(&dir.join("run.json")).unwrap();
        assert!(
            std::fs::read_to_string(dir.join("run.json"))
                .unwrap()
                .starts_with('[')
        );
        let err = h.write(&dir.join("run.txt")).unwrap_err().to_string();
        assert!(err.contains("does not end in .csv or .json"), "{err}");
        std::fs::remove_dir_all(dir).unwrap();
    }
}
