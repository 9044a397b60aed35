//! [`ProgressBar`]: training progress on standard error, as a live bar on a terminal and as
//! plain lines anywhere else (a pipe, a log file, CI).

use super::callback::{Actions, Callback};
use super::history::EpochRecord;
use std::io::{self, Write};
use std::time::{Duration, Instant};

/// How often the bar's running loss is refreshed: indicatif redraws at most 20 times a
/// second, so formatting the message on every step would be wasted work on fast steps.
const MESSAGE_REFRESH: Duration = Duration::from_millis(100);

/// Shows training progress: add it to a model with `add_callback` (nothing is printed unless
/// you do).
///
/// - **On a terminal** each epoch draws a bar on standard error with the steps done, the time
///   elapsed, the time left in the epoch and the running mean loss. When the epoch ends the bar
///   gives way to the epoch's line (loss, metrics, validation metrics, learning rate, time);
///   every [`every`](ProgressBar::every)-th epoch's line stays on the screen.
/// - **Anywhere else** (standard error piped or sent to a file), no bar: the epoch's line is
///   printed every `every` epochs, and with [`step_lines`](ProgressBar::step_lines) also a
///   line within the epoch at most once per interval, so that a long epoch on a large file
///   shows where it is.
///
/// ```
/// use nabla_models::train::ProgressBar;
/// use std::time::Duration;
/// let progress = ProgressBar::new().every(10).step_lines(Duration::from_secs(5));
/// # let _ = progress;
/// ```
pub struct ProgressBar {
    every: usize,
    step_interval: Option<Duration>,
    /// Where plain lines go; `None` for standard error.
    lines_to: Option<Box<dyn Write + Send>>,
    /// The bar, reset each epoch; `None` when standard error is not a terminal.
    bar: Option<indicatif::ProgressBar>,
    epochs: usize,
    epoch: usize,
    steps: usize,
    loss_sum: f64,
    epoch_started: Instant,
    last_message: Instant,
}

impl Default for ProgressBar {
    fn default() -> Self {
        ProgressBar::new()
    }
}

impl ProgressBar {
    /// A bar on standard error when it is a terminal, one line per epoch otherwise.
    pub fn new() -> Self {
        let target = indicatif::ProgressDrawTarget::stderr();
        let terminal = !target.is_hidden();
        ProgressBar::with_parts(terminal.then_some(target), None)
    }

    /// Plain lines (never a bar) written to `out` instead of standard error: for a log file.
    pub fn lines_to(out: impl Write + Send + 'static) -> Self {
        ProgressBar::with_parts(None, Some(Box::new(out)))
    }

    fn with_parts(
        target: Option<indicatif::ProgressDrawTarget>,
        lines_to: Option<Box<dyn Write + Send>>,
    ) -> Self {
        let now = Instant::now();
        let bar = target.map(|target| {
            let style = indicatif::ProgressStyle::with_template(
                "{prefix} [{bar:30}] {pos}/{len} steps  {elapsed} elapsed, {eta} left  {msg}",
            )
            .expect("the template is valid")
            .progress_chars("=> ");
            indicatif::ProgressBar::with_draw_target(None, target)
                .with_style(style)
                .with_finish(indicatif::ProgressFinish::AndClear)
        });
        ProgressBar {
            every: 1,
            step_interval: None,
            lines_to,
            bar,
            epochs: 0,
            epoch: 0,
            steps: 0,
            loss_sum: 0.0,
            epoch_started: now,
            last_message: now,
        }
    }

    /// Keeps (or prints) the line of every `every`-th epoch, and of the last; 1 by default.
    pub fn every(mut self, every: usize) -> Self {
        self.every = every.max(1);
        self
    }

    /// Without a bar, also prints a line within each epoch (steps done, running loss) at most
    /// once per `interval`.
    pub fn step_lines(mut self, interval: Duration) -> Self {
        self.step_interval = Some(interval);
        self
    }

    /// Whether progress is drawn as a bar (on a terminal) rather than printed as lines.
    pub fn draws_bar(&self) -> bool {
        self.bar.is_some()
    }

    fn print(&mut self, line: &str) {
        let written = match &mut self.lines_to {
            Some(out) => writeln!(out, "{line}").and_then(|()| out.flush()),
            None => writeln!(io::stderr(), "{line}"),
        };
        // Progress is a courtesy: a closed log must not stop training.
        drop(written);
    }

    fn running_loss(&self) -> f64 {
        self.loss_sum / self.steps.max(1) as f64
    }

    fn prefix(&self) -> String {
        let width = self.epochs.to_string().len();
        format!("epoch {:>width$}/{}", self.epoch, self.epochs)
    }
}

impl Callback for ProgressBar {
    fn on_train_begin(&mut self, epochs: usize) {
        self.epochs = epochs;
    }

    fn on_epoch_begin(&mut self, epoch: usize, steps: usize) {
        self.epoch = epoch;
        self.steps = 0;
        self.loss_sum = 0.0;
        self.epoch_started = Instant::now();
        // The bar's loss shows from the first step; within-epoch lines start after `interval`.
        self.last_message = match self.bar {
            Some(_) => self.epoch_started - MESSAGE_REFRESH,
            None => self.epoch_started,
        };
        let prefix = self.prefix();
        if let Some(bar) = &self.bar {
            bar.reset();
            bar.set_length(steps as u64);
            bar.set_prefix(prefix);
            bar.set_message("");
        }
    }

    fn on_step_end(&mut self, step: usize, loss: f64) {
        self.steps = step;
        self.loss_sum += loss;
        let now = Instant::now();
        if let Some(bar) = &self.bar {
            bar.set_position(step as u64);
            if now - self.last_message >= MESSAGE_REFRESH {
                bar.set_message(format!("loss {:.4}", self.running_loss()));
                self.last_message = now;
            }
        } else if let Some(interval) = self.step_interval
            && now - self.last_message >= interval
        {
            self.last_message = now;
            let line = format!(
                "{}  step {step}  loss {:.4}  ({:.1} s)",
                self.prefix(),
                self.running_loss(),
                (now - self.epoch_started).as_secs_f64()
            );
            self.print(&line);
        }
    }

    fn on_epoch_end(&mut self, record: &EpochRecord) -> Actions {
        let keep = record.epoch % self.every == 0 || record.epoch == self.epochs;
        let line = format!(
            "{}  {}  ({:.2} s)",
            self.prefix(),
            record.numbers(),
            self.epoch_started.elapsed().as_secs_f64()
        );
        match &self.bar {
            Some(bar) if keep => bar.println(&line),
            Some(_) => {}
            None if keep => self.print(&line),
            None => {}
        }
        Actions::default()
    }

    fn on_train_end(&mut self, _history: &super::History) -> Actions {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
        Actions::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    /// A writer the test can read back.
    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    fn record(epoch: usize, loss: f64) -> EpochRecord {
        EpochRecord {
            epoch,
            loss,
            metrics: vec![("accuracy".into(), 0.75)],
            val_loss: Some(0.5),
            val_metrics: vec![("accuracy".into(), 0.625)],
            learning_rate: 1e-3,
        }
    }

    /// Runs `epochs` epochs of `steps` steps with a loss of `1 / step`.
    fn run(progress: &mut ProgressBar, epochs: usize, steps: usize) {
        progress.on_train_begin(epochs);
        for epoch in 1..=epochs {
            progress.on_epoch_begin(epoch, steps);
            for step in 1..=steps {
                progress.on_step_end(step, 1.0 / step as f64);
            }
            progress.on_epoch_end(&record(epoch, 0.25 * epoch as f64));
        }
    }

    #[test]
    fn without_a_terminal_each_kept_epoch_is_one_line_with_its_numbers() {
        let out = Shared::default();
        let mut progress = ProgressBar::lines_to(out.clone()).every(2);
        assert!(!progress.draws_bar());
        run(&mut progress, 5, 3);
        let text = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        // Epochs 2 and 4, and the last.
        assert_eq!(lines.len(), 3, "{text}");
        assert!(lines[0].starts_with("epoch 2/5  loss 0.5000  accuracy 0.7500  val_loss 0.5000  val_accuracy 0.6250  lr 1.000e-3  ("), "{text}");
        assert!(lines[1].starts_with("epoch 4/5  loss 1.0000"), "{text}");
        assert!(lines[2].starts_with("epoch 5/5  loss 1.2500"), "{text}");
    }

    #[test]
    fn step_lines_report_the_running_loss_within_an_epoch() {
        let out = Shared::default();
        let mut progress = ProgressBar::lines_to(out.clone()).step_lines(Duration::ZERO);
        run(&mut progress, 1, 2);
        let text = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "{text}");
        // Running mean of 1/1 and 1/2.
        assert!(
            lines[0].starts_with("epoch 1/1  step 1  loss 1.0000  ("),
            "{text}"
        );
        assert!(
            lines[1].starts_with("epoch 1/1  step 2  loss 0.7500  ("),
            "{text}"
        );
        assert!(lines[2].starts_with("epoch 1/1  loss 0.2500"), "{text}");
    }

    #[test]
    fn on_a_terminal_the_bar_shows_steps_and_leaves_the_epoch_line() {
        let term = indicatif::InMemoryTerm::new(10, 160);
        let target = indicatif::ProgressDrawTarget::term_like(Box::new(term.clone()));
        let mut progress = ProgressBar::with_parts(Some(target), None);
        assert!(progress.draws_bar());
        progress.on_train_begin(12);
        progress.on_epoch_begin(3, 40);
        // The running loss shows from the first step (later ones refresh it at most every
        // 100 ms).
        for step in 1..=10 {
            progress.on_step_end(step, if step == 1 { 2.0 } else { 0.0 });
        }
        let bar = progress.bar.as_ref().expect("a bar during the epoch");
        bar.tick();
        let drawn = term.contents();
        assert!(drawn.contains("epoch  3/12 ["), "{drawn}");
        assert!(drawn.contains("10/40 steps"), "{drawn}");
        assert!(drawn.contains("loss 2.0000"), "{drawn}");
        progress.on_epoch_end(&record(3, 2.0));
        progress.on_train_end(&crate::train::History::default());
        let drawn = term.contents();
        assert!(
            drawn.starts_with("epoch  3/12  loss 2.0000  accuracy 0.7500"),
            "{drawn}"
        );
        assert!(!drawn.contains("steps"), "the bar is cleared: {drawn}");
    }
}
