//! [`ModelCheckpoint`]: writes the model during training, every epoch or when a monitored
//! quantity improves, as a checkpoint training can resume from
//! ([`FitOptions::resume_from`](super::FitOptions::resume_from)); and the training loop's
//! generator, [`TrainRng`], whose position a checkpoint records.

use super::callback::{Actions, Best, Callback, Verdict};
use super::history::EpochRecord;
use crate::persist::RngState;
use rand::SeedableRng;
use std::path::PathBuf;

/// The training loop's random generator: ChaCha12, the algorithm behind `StdRng`, and for a
/// given `seed_from_u64` the same stream. Unlike `StdRng` it tells its position, which a
/// checkpoint records so that a resumed run draws what the uninterrupted one would have.
pub type TrainRng = rand_chacha::ChaCha12Rng;

/// `rng`'s position, as a checkpoint stores it.
pub(crate) fn rng_state(rng: &TrainRng) -> RngState {
    RngState {
        seed: rng.get_seed().iter().map(|b| format!("{b:02x}")).collect(),
        stream: rng.get_stream(),
        word_pos: rng.get_word_pos().to_string(),
    }
}

/// The generator at the position `state` records.
pub(crate) fn rng_from(state: &RngState) -> Result<TrainRng, String> {
    let bad = || format!("the random generator's state {state:?} is damaged");
    if state.seed.len() != 64 || !state.seed.is_ascii() {
        return Err(bad());
    }
    let mut seed = [0u8; 32];
    for (i, byte) in seed.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&state.seed[2 * i..2 * i + 2], 16).map_err(|_| bad())?;
    }
    let word_pos: u128 = state.word_pos.parse().map_err(|_| bad())?;
    let mut rng = TrainRng::from_seed(seed);
    rng.set_stream(state.stream);
    rng.set_word_pos(word_pos);
    Ok(rng)
}

/// Writes a checkpoint to a file during training: after every epoch, or, with
/// [`ModelCheckpoint::monitor`], only when the monitored quantity reaches a new best (so the
/// file always holds the best model so far). Writes are atomic: a crash mid-write leaves the
/// previous checkpoint whole.
///
/// A checkpoint loads as the model it holds (`Classifier::load`, `nabla predict`), and a fit
/// with [`FitOptions::resume_from`](super::FitOptions::resume_from) set to it continues where
/// it stopped, ending with the weights of an uninterrupted run.
///
/// ```
/// use nabla_models::train::ModelCheckpoint;
/// let best = ModelCheckpoint::new("best.safetensors").monitor("val_loss");
/// let latest = ModelCheckpoint::new("latest.safetensors");
/// ```
#[derive(Debug, Clone)]
pub struct ModelCheckpoint {
    path: PathBuf,
    best: Option<Best>,
}

impl ModelCheckpoint {
    /// Writes to `path` after every epoch.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        ModelCheckpoint {
            path: path.into(),
            best: None,
        }
    }

    /// Writes only when `monitor` (`val_loss`, `val_accuracy`, `loss`, ...) improves: lower
    /// for losses and errors, higher otherwise.
    pub fn monitor(mut self, monitor: &str) -> Self {
        self.best = Some(Best::new(monitor, usize::MAX));
        self
    }

    /// The file written.
    pub fn path(&self) -> &std::path::Path {
        &self.path
    }
}

impl Callback for ModelCheckpoint {
    fn on_train_begin(&mut self, _epochs: usize) {
        if let Some(best) = &self.best {
            self.best = Some(Best::new(&best.monitor, usize::MAX));
        }
    }

    fn on_epoch_end(&mut self, record: &EpochRecord) -> Actions {
        let write = match &mut self.best {
            None => true,
            Some(best) => best.observe(record) == Verdict::Improved,
        };
        Actions {
            checkpoint: write.then(|| self.path.clone()),
            ..Actions::default()
        }
    }
}
