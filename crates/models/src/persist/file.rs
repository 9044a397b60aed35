//! The file itself: a safetensors file whose tensors are the weights and whose `__metadata__`
//! holds the [`ModelDescription`], written atomically and read without trusting a byte of it.

use super::atomic::write_atomically;
use super::description::ModelDescription;
use super::error::{ModelFileError, Problem};
use super::state::{NamedTensors, StateSource};
use nabla_autodiff::{Float, Tensor};
use safetensors::tensor::{Metadata, TensorView};
use safetensors::{Dtype, SafeTensorError, SafeTensors};
use std::collections::{BTreeSet, HashMap};
use std::fs::File;
use std::io::Read;
use std::path::Path;

/// The newest layout of [`ModelDescription`] this build writes and reads.
pub const FORMAT_VERSION: u32 = 1;
/// The `__metadata__` key holding the format version (readable without parsing the rest).
pub const VERSION_KEY: &str = "nabla.format_version";
/// The `__metadata__` key holding the [`ModelDescription`] as JSON.
pub const MODEL_KEY: &str = "nabla.model";

/// The prefix of a checkpoint's optimiser tensors (`optimizer.m.0`).
pub(crate) const OPTIMIZER_PREFIX: &str = "optimizer.";

/// Writes `state` and `description` to `path` as a safetensors file, atomically.
pub(crate) fn write_model<T: Float>(
    path: &Path,
    description: &ModelDescription,
    state: Vec<(String, Tensor<T>)>,
) -> Result<(), ModelFileError> {
    let fail = |problem| ModelFileError::new(path, problem);
    let json = serde_json::to_string(description)
        .map_err(|e| fail(Problem::Unsaveable(format!("the description: {e}"))))?;
    let metadata = HashMap::from([
        (VERSION_KEY.to_string(), FORMAT_VERSION.to_string()),
        (MODEL_KEY.to_string(), json),
    ]);
    let encoded: Vec<(String, Vec<usize>, Vec<u8>)> = state
        .into_iter()
        .map(|(name, tensor)| (name, tensor.shape().to_vec(), to_bytes(&tensor)))
        .collect();
    let views = encoded
        .iter()
        .map(|(name, shape, bytes)| {
            TensorView::new(dtype_of::<T>(), shape.clone(), bytes).map(|v| (name.as_str(), v))
        })
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| fail(Problem::Unsaveable(e.to_string())))?;
    let bytes = safetensors::serialize(views, Some(metadata))
        .map_err(|e| fail(Problem::Unsaveable(e.to_string())))?;
    if path.is_dir() {
        return Err(fail(Problem::Io(
            "it is a folder; give the path of a file to write, such as model.safetensors \
             inside it"
                .into(),
        )));
    }
    write_atomically(path, &bytes).map_err(|e| fail(Problem::Io(format!("writing failed: {e}"))))
}

/// Reads the model file at `path` and hands its description and tensors to `build`; after
/// `build` returns, every tensor must have been taken.
pub(crate) fn read_model<T: Float, R>(
    path: &Path,
    build: impl FnOnce(&ModelDescription, &mut FileTensors<'_, T>) -> Result<R, Problem>,
) -> Result<R, ModelFileError> {
    let fail = |problem| ModelFileError::new(path, problem);
    let bytes = read_bounded(path).map_err(fail)?;
    let (header_len, metadata) = SafeTensors::read_metadata(&bytes).map_err(|e| fail(damage(e)))?;
    let description = describe(&metadata).map_err(fail)?;
    let data = &bytes[8 + header_len..];
    let mut tensors = FileTensors::new(&metadata, data);
    let model = build(&description, &mut tensors).map_err(fail)?;
    let mut extra = tensors.untaken();
    if description.training.is_some() {
        extra.retain(|name| !name.starts_with(OPTIMIZER_PREFIX));
    }
    if !extra.is_empty() {
        return Err(fail(Problem::ExtraTensors(extra)));
    }
    Ok(model)
}

/// The description of the model file at `path`, without building the model.
pub(crate) fn read_description(path: &Path) -> Result<ModelDescription, ModelFileError> {
    let fail = |problem| ModelFileError::new(path, problem);
    let bytes = read_bounded(path).map_err(fail)?;
    let (_, metadata) = SafeTensors::read_metadata(&bytes).map_err(|e| fail(damage(e)))?;
    describe(&metadata).map_err(fail)
}

/// The file's bytes, after checking that its first 8 bytes announce a header the file can
/// hold (so that a corrupted length never decides how much is read or allocated).
fn read_bounded(path: &Path) -> Result<Vec<u8>, Problem> {
    let io = |e: std::io::Error| Problem::Io(format!("cannot read the file: {e}"));
    if path.is_dir() {
        return Err(Problem::Io(
            "this is a folder; pass the model file inside it".to_string(),
        ));
    }
    let mut file = File::open(path).map_err(io)?;
    let length = file.metadata().map_err(io)?.len();
    if length < 8 {
        return Err(Problem::TooShort { bytes: length });
    }
    let mut prefix = [0u8; 8];
    file.read_exact(&mut prefix).map_err(io)?;
    let claimed = u64::from_le_bytes(prefix);
    if claimed > length - 8 && prefix.iter().all(|b| b.is_ascii_graphic() || *b == b' ') {
        return Err(Problem::NotSafetensors(format!(
            "it starts with the text {:?}, where a safetensors file starts with the 8-byte \
             length of its header",
            String::from_utf8_lossy(&prefix)
        )));
    }
    if claimed > length - 8 {
        return Err(Problem::HeaderLength {
            claimed,
            available: length - 8,
        });
    }
    let mut first = [0u8; 1];
    file.read_exact(&mut first).map_err(io)?;
    if first[0] != b'{' {
        return Err(Problem::NotSafetensors(format!(
            "its header does not start with a JSON object but with byte 0x{:02x}",
            first[0]
        )));
    }
    let capacity = usize::try_from(length)
        .map_err(|_| Problem::Io("the file is larger than this machine can address".into()))?;
    let mut bytes = Vec::with_capacity(capacity);
    bytes.extend_from_slice(&prefix);
    bytes.push(first[0]);
    file.take(length - 9).read_to_end(&mut bytes).map_err(io)?;
    Ok(bytes)
}

/// What a safetensors parse error means for the user.
fn damage(e: SafeTensorError) -> Problem {
    match e {
        SafeTensorError::InvalidHeader(_) => {
            Problem::NotSafetensors("its header is not UTF-8 text".to_string())
        }
        SafeTensorError::InvalidHeaderDeserialization(e) => {
            Problem::Damaged(format!("its header is not a valid tensor index: {e}"))
        }
        SafeTensorError::MetadataIncompleteBuffer => Problem::Damaged(
            "the tensors' data does not end where the file ends: the file was cut short or \
             extended"
                .to_string(),
        ),
        e => Problem::Damaged(e.to_string()),
    }
}

/// The [`ModelDescription`] in the metadata, after checking the format version.
fn describe(metadata: &Metadata) -> Result<ModelDescription, Problem> {
    let entries = metadata.metadata().as_ref();
    let entry = |key: &str| entries.and_then(|m| m.get(key));
    let (Some(version), Some(json)) = (entry(VERSION_KEY), entry(MODEL_KEY)) else {
        let mut tensors = metadata.offset_keys();
        if tensors.len() > 8 {
            let more = tensors.len() - 8;
            tensors.truncate(8);
            tensors.push(format!("and {more} more"));
        }
        return Err(Problem::NotANablaModel { tensors });
    };
    let version: u32 = version.trim().parse().map_err(|_| {
        Problem::Description(format!("the format version {version:?} is not a number"))
    })?;
    if version > FORMAT_VERSION {
        return Err(Problem::NewerFormat {
            found: version,
            supported: FORMAT_VERSION,
        });
    }
    let description: ModelDescription = serde_json::from_str(json)
        .map_err(|e| Problem::Description(format!("its JSON does not parse: {e}")))?;
    if description.format_version != version {
        return Err(Problem::Description(format!(
            "{VERSION_KEY} says {version} but the description says {}",
            description.format_version
        )));
    }
    Ok(description)
}

/// The tensors of a file being loaded: each may be taken once, by name, as the shape the
/// model asks for.
pub(crate) struct FileTensors<'a, T> {
    metadata: &'a Metadata,
    data: &'a [u8],
    taken: BTreeSet<String>,
    _float: std::marker::PhantomData<T>,
}

impl<'a, T: Float> FileTensors<'a, T> {
    fn new(metadata: &'a Metadata, data: &'a [u8]) -> Self {
        FileTensors {
            metadata,
            data,
            taken: BTreeSet::new(),
            _float: std::marker::PhantomData,
        }
    }

    /// Scalars the file's tensors hold in all: what a description may ask to allocate.
    pub(crate) fn scalars(&self) -> usize {
        self.data.len() / std::mem::size_of::<T>()
    }

    /// Takes every tensor whose name starts with `prefix` (with the prefix removed), checked
    /// for element type and finite values but of any shape.
    pub(crate) fn take_prefixed(&mut self, prefix: &str) -> Result<NamedTensors<T>, String> {
        let names: Vec<String> = self
            .metadata
            .offset_keys()
            .into_iter()
            .filter(|n| n.starts_with(prefix) && !self.taken.contains(n))
            .collect();
        names
            .into_iter()
            .map(|name| {
                let shape = self.metadata.info(&name).map(|i| i.shape.clone());
                let tensor = self.take(&name, &shape.unwrap_or_default())?;
                Ok((name[prefix.len()..].to_string(), tensor))
            })
            .collect()
    }

    /// The names nobody took, in file order.
    fn untaken(&self) -> Vec<String> {
        self.metadata
            .offset_keys()
            .into_iter()
            .filter(|name| !self.taken.contains(name))
            .collect()
    }
}

impl<T: Float> StateSource<T> for FileTensors<'_, T> {
    fn take(&mut self, name: &str, shape: &[usize]) -> Result<Tensor<T>, String> {
        let info = self.metadata.info(name).ok_or_else(|| {
            format!("the file has no tensor `{name}`, which the model description calls for (shape {shape:?})")
        })?;
        if !self.taken.insert(name.to_string()) {
            return Err(format!("tensor `{name}` is asked for twice"));
        }
        if info.dtype != dtype_of::<T>() {
            return Err(format!(
                "tensor `{name}` holds {:?} values, the model's weights are {}",
                info.dtype,
                T::NAME
            ));
        }
        if info.shape != shape {
            return Err(format!(
                "tensor `{name}` has shape {:?}, the model description calls for {shape:?}",
                info.shape
            ));
        }
        let (start, end) = info.data_offsets;
        let bytes = self
            .data
            .get(start..end)
            .ok_or_else(|| format!("tensor `{name}` lies outside the file"))?;
        let values = from_bytes::<T>(bytes);
        if let Some(i) = values.iter().position(|v| !v.is_finite()) {
            return Err(format!(
                "tensor `{name}` holds {} at element {i}: a model with non-finite weights \
                 predicts nothing useful (it diverged while training; retrain it with a \
                 smaller learning rate)",
                values[i].to_f64()
            ));
        }
        Ok(Tensor::from_vec(values, shape))
    }
}

/// The safetensors element type of `T`.
fn dtype_of<T: Float>() -> Dtype {
    if std::mem::size_of::<T>() == 4 {
        Dtype::F32
    } else {
        Dtype::F64
    }
}

/// Little-endian bytes of a tensor's values (exact: `T` is `f32` or `f64`).
fn to_bytes<T: Float>(tensor: &Tensor<T>) -> Vec<u8> {
    let values = tensor.data();
    if std::mem::size_of::<T>() == 4 {
        values
            .iter()
            .flat_map(|v| (v.to_f64() as f32).to_le_bytes())
            .collect()
    } else {
        values
            .iter()
            .flat_map(|v| v.to_f64().to_le_bytes())
            .collect()
    }
}

/// The values of little-endian bytes of `T`'s width.
fn from_bytes<T: Float>(bytes: &[u8]) -> Vec<T> {
    if std::mem::size_of::<T>() == 4 {
        bytes
            .chunks_exact(4)
            .map(|b| T::from_f64(f32::from_le_bytes([b[0], b[1], b[2], b[3]]) as f64))
            .collect()
    } else {
        bytes
            .chunks_exact(8)
            .map(|b| {
                let mut a = [0u8; 8];
                a.copy_from_slice(b);
                T::from_f64(f64::from_le_bytes(a))
            })
            .collect()
    }
}
