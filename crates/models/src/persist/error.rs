//! [`ModelFileError`]: why a model could not be saved to or loaded from a file.

use std::fmt;
use std::path::{Path, PathBuf};

/// Why saving or loading a model file failed: the file, what is wrong, and what to do.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelFileError {
    /// The file.
    pub path: PathBuf,
    /// What is wrong with it.
    pub problem: Problem,
}

/// What is wrong with a model file (or with saving one).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Problem {
    /// The file could not be read or written.
    Io(String),
    /// Shorter than the 8 bytes that start every safetensors file.
    TooShort {
        /// The file's length.
        bytes: u64,
    },
    /// The first 8 bytes give a header length the file cannot hold.
    HeaderLength {
        /// The length the file claims.
        claimed: u64,
        /// The bytes that follow the length.
        available: u64,
    },
    /// The file is not in the safetensors format at all.
    NotSafetensors(String),
    /// A safetensors file whose header and data disagree (cut short, extended or corrupted).
    Damaged(String),
    /// A valid safetensors file that nabla did not write (no model description).
    NotANablaModel {
        /// The names of the tensors it holds (the first few).
        tensors: Vec<String>,
    },
    /// Written by a newer nabla, in a format version this build cannot read.
    NewerFormat {
        /// The file's format version.
        found: u32,
        /// The newest version this build reads.
        supported: u32,
    },
    /// The model description is not valid, or does not fit together.
    Description(String),
    /// The file holds weights of another element type than the model being loaded.
    Dtype {
        /// The file's element type (`f32`, `f64`).
        found: String,
        /// The model's.
        wanted: &'static str,
        /// The type to load it with, such as `Classifier::<f64>`.
        load_with: String,
    },
    /// A tensor is missing, or has another shape or element type than the description asks,
    /// or holds values that are not finite.
    Tensor(String),
    /// Tensors the description does not account for.
    ExtraTensors(Vec<String>),
    /// The file holds another kind of model.
    WrongModel {
        /// What the file holds (`classifier`, `regressor`, `network`).
        found: &'static str,
        /// The API item to load it with.
        load_with: &'static str,
    },
    /// The model cannot be saved: not fitted, or it holds a layer the format does not know.
    Unsaveable(String),
}

impl ModelFileError {
    pub(crate) fn new(path: &Path, problem: Problem) -> Self {
        ModelFileError {
            path: path.to_path_buf(),
            problem,
        }
    }
}

impl fmt::Display for ModelFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.problem)
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const RESAVE: &str = "save the model again, or restore the file from a copy";
        match self {
            Problem::Io(e) => write!(f, "{e}"),
            Problem::TooShort { bytes } => write!(
                f,
                "the file holds {bytes} bytes, fewer than the 8 every model file starts with: \
                 it is truncated or empty; {RESAVE}"
            ),
            Problem::HeaderLength { claimed, available } => write!(
                f,
                "the header length says {claimed} bytes but only {available} follow: the file \
                 is truncated, or not a safetensors model file; {RESAVE}"
            ),
            Problem::NotSafetensors(why) => write!(
                f,
                "not a safetensors file ({why}); pass a model file written by nabla's save or \
                 `nabla train --save`"
            ),
            Problem::Damaged(why) => write!(f, "the file is damaged ({why}); {RESAVE}"),
            Problem::NotANablaModel { tensors } => write!(
                f,
                "a safetensors file, but not a nabla model: it has no nabla.model description \
                 in its __metadata__ (tensors: {}); load nabla models with load, or read the \
                 tensors with the safetensors crate",
                tensors.join(", ")
            ),
            Problem::NewerFormat { found, supported } => write!(
                f,
                "written in model format version {found}, but this build of nabla reads \
                 versions up to {supported}; upgrade nabla to load it"
            ),
            Problem::Description(why) => write!(
                f,
                "the model description in the file's metadata is not valid ({why}); {RESAVE}"
            ),
            Problem::Dtype {
                found,
                wanted,
                load_with,
            } => write!(
                f,
                "the file holds {found} weights but the model being loaded uses {wanted}; load \
                 it with {load_with}"
            ),
            Problem::Tensor(why) => write!(f, "{why}; {RESAVE}"),
            Problem::ExtraTensors(names) => write!(
                f,
                "the file holds tensors the model description does not use ({}); {RESAVE}",
                names.join(", ")
            ),
            Problem::WrongModel { found, load_with } => {
                write!(f, "the file holds a {found}; load it with {load_with}")
            }
            Problem::Unsaveable(why) => write!(f, "cannot save: {why}"),
        }
    }
}

impl std::error::Error for ModelFileError {}
