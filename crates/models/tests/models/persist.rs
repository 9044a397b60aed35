//! Model files: a saved model loads and predicts bit for bit what it did, tensors carry
//! PyTorch's names and layouts, and every kind of damaged or foreign file is an error that
//! names the file and the problem.

use nabla_autodiff::{Float, Tensor};
use nabla_models::data::{CsvOptions, Dataset, Targets, stratified_split};
use nabla_models::estimator::{Classifier, FitExtras, Regressor};
use nabla_models::layer::{
    AvgPool2d, BatchNorm1d, BatchNorm2d, Conv2d, Dense, Dropout, Embedding, Flatten, ForwardCtx,
    LastPosition, Layer, LayerNorm, MaxPool2d, MultiHeadSelfAttention, PositionEmbedding, Reshape,
    Sequential, TransformerBlock,
};
use nabla_models::persist::{MODEL_KEY, ModelFileError, Problem, VERSION_KEY};
use nabla_ops::{Activation, ConvOptions};
use rand::SeedableRng;
use rand::rngs::StdRng;
use safetensors::tensor::TensorView;
use safetensors::{Dtype, SafeTensors};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

fn bundled(file: &str) -> String {
    format!("{}/../../data/{file}", env!("CARGO_MANIFEST_DIR"))
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("nabla-persist-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn iris() -> Dataset {
    Dataset::from_csv(bundled("iris.csv"), &CsvOptions::labels("species")).unwrap()
}

fn fitted_iris<T: Float>(epochs: usize) -> Classifier<T> {
    let data = iris();
    let mut model = Classifier::<T>::default();
    model.config.network.fit.epochs = epochs;
    model.config.network.standardize = true;
    let extras = FitExtras {
        feature_names: Some(data.feature_names()),
        ..FitExtras::default()
    };
    model
        .fit_with(data.features(), data.targets(), extras)
        .unwrap();
    model
}

fn bits(t: &Tensor<f64>) -> Vec<u64> {
    t.data().iter().map(|v| v.to_bits()).collect()
}

fn classifier_round_trip<T: Float>() {
    let data = iris();
    let model = fitted_iris::<T>(20);
    let path = scratch(&format!("iris-{}.safetensors", T::NAME));
    model.save(&path).unwrap();
    let loaded = Classifier::<T>::load(&path).unwrap();
    let (a, b) = (
        model.predict_proba(data.features()).unwrap(),
        loaded.predict_proba(data.features()).unwrap(),
    );
    assert_eq!(bits(&a), bits(&b), "{} probabilities differ", T::NAME);
    assert_eq!(loaded.class_names(), model.class_names());
    assert_eq!(loaded.feature_names(), Some(data.feature_names()));
    assert_eq!(loaded.head(), model.head());
    assert_eq!(loaded.task(), model.task());
}

#[test]
fn a_loaded_classifier_predicts_bit_for_bit_f32() {
    classifier_round_trip::<f32>();
}

#[test]
fn a_loaded_classifier_predicts_bit_for_bit_f64() {
    classifier_round_trip::<f64>();
}

fn regressor_round_trip<T: Float>() {
    let data = Dataset::from_csv(
        bundled("diabetes.csv"),
        &CsvOptions::continuous(&["progression"]),
    )
    .unwrap();
    let mut model = Regressor::<T>::default();
    model.config.network.fit.epochs = 5;
    model.config.network.standardize = true;
    let extras = FitExtras {
        feature_names: Some(data.feature_names()),
        target_names: Some(data.target_names()),
        ..FitExtras::default()
    };
    model
        .fit_with(data.features(), data.targets(), extras)
        .unwrap();
    let path = scratch(&format!("diabetes-{}.safetensors", T::NAME));
    model.save(&path).unwrap();
    let loaded = Regressor::<T>::load(&path).unwrap();
    let (a, b) = (
        model.predict(data.features()).unwrap(),
        loaded.predict(data.features()).unwrap(),
    );
    assert_eq!(bits(&a), bits(&b), "{} predictions differ", T::NAME);
    let r2 = loaded.evaluate(data.features(), data.targets()).unwrap().r2;
    assert!(r2 > 0.3, "R^2 {r2} in target units after loading");
}

#[test]
fn a_loaded_regressor_predicts_bit_for_bit_f32() {
    regressor_round_trip::<f32>();
}

#[test]
fn a_loaded_regressor_predicts_bit_for_bit_f64() {
    regressor_round_trip::<f64>();
}

fn forward<T: Float>(net: &Sequential<T>, x: &Tensor<T>) -> Tensor<T> {
    net.activations(x).pop().unwrap()
}

/// Every built-in layer kind, with batch-norm statistics moved away from their start.
#[test]
fn every_layer_kind_round_trips_with_its_settings_and_state() {
    let mut rng = StdRng::seed_from_u64(7);
    let images = Sequential::<f64>::new()
        .with(Reshape::new(&[2, 6, 6]))
        .with(
            Conv2d::with_options(
                2,
                4,
                [3, 3],
                ConvOptions {
                    stride: [1, 2],
                    padding: [1, 1],
                    dilation: [1, 1],
                    groups: 2,
                },
                &mut rng,
            )
            .activation(Activation::LeakyRelu(0.2)),
        )
        .with(BatchNorm2d::new(4))
        .with(MaxPool2d::new([2, 2]).stride([1, 1]))
        .with(AvgPool2d::new([3, 3]).stride([1, 1]).padding([1, 1]))
        .with(Flatten)
        .with(Dropout::new(0.25))
        .with(Dense::new(4 * 5 * 2, 6, Activation::Tanh, &mut rng))
        .with(BatchNorm1d::new(6))
        .with(LayerNorm::new(6).with_eps(1e-3));
    let tokens = Sequential::<f64>::new()
        .with(Embedding::new(11, 8, &mut rng))
        .with(PositionEmbedding::new(5, 8, &mut rng))
        .with(MultiHeadSelfAttention::new(8, 2, false, &mut rng))
        .with(TransformerBlock::new(8, 4, 16, true, &mut rng))
        .with(LastPosition)
        .with(Sequential::new().with(Dense::new(8, 3, Activation::Identity, &mut rng)));
    // A training pass moves the batch-norm running statistics.
    let x_images = Tensor::<f64>::randn(&[3, 72], 0.5, 1.0, &mut rng);
    let tape = nabla_autodiff::Tape::new();
    images.forward(
        tape.constant(x_images.clone()),
        &mut ForwardCtx {
            training: true,
            rng: &mut rng,
        },
    );
    let x_tokens = Tensor::from_fn(&[2, 5], |i| ((i * 7) % 11) as f64);
    for (net, x, name) in [
        (&images, &x_images, "images"),
        (&tokens, &x_tokens, "tokens"),
    ] {
        let path = scratch(&format!("{name}.safetensors"));
        net.save(&path).unwrap();
        let loaded = Sequential::<f64>::load(&path).unwrap();
        assert_eq!(
            loaded.spec(),
            net.spec(),
            "{name}: the settings change on the way"
        );
        assert_eq!(bits(&forward(&loaded, x)), bits(&forward(net, x)), "{name}");
        let state: Vec<_> = net.state().into_iter().map(|(n, _)| n).collect();
        let again: Vec<_> = loaded.state().into_iter().map(|(n, _)| n).collect();
        assert_eq!(state, again);
    }
}

#[test]
fn tensors_carry_pytorch_state_dict_names_and_layouts() {
    let mut rng = StdRng::seed_from_u64(1);
    let net = Sequential::<f32>::new()
        .with(Dense::new(4, 5, Activation::Relu, &mut rng))
        .with(Dense::new(5, 3, Activation::Identity, &mut rng))
        .with(TransformerBlock::new(3, 1, 4, false, &mut rng));
    let path = scratch("names.safetensors");
    net.save(&path).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    let file = SafeTensors::deserialize(&bytes).unwrap();
    let mut names: Vec<_> = file.names().into_iter().map(str::to_string).collect();
    names.sort();
    let expected = [
        "0.bias",
        "0.weight", // nn.Linear(4, 5), then nn.ReLU at index 1
        "2.bias",
        "2.weight", // nn.Linear(5, 3)
        "3.linear1.bias",
        "3.linear1.weight",
        "3.linear2.bias",
        "3.linear2.weight",
        "3.norm1.bias",
        "3.norm1.weight",
        "3.norm2.bias",
        "3.norm2.weight",
        "3.self_attn.in_proj_bias",
        "3.self_attn.in_proj_weight",
        "3.self_attn.out_proj.bias",
        "3.self_attn.out_proj.weight",
    ];
    assert_eq!(names, expected);
    let w = file.tensor("0.weight").unwrap();
    assert_eq!(w.shape(), &[5, 4], "nn.Linear's [out, in]");
    assert_eq!(w.dtype(), Dtype::F32);
    // Element (1, 2) of the stored matrix is nabla's W[2][1].
    let dense = net.find::<Dense<f32>>().unwrap();
    let stored = f32::from_le_bytes(w.data()[4 * 6..4 * 7].try_into().unwrap());
    assert_eq!(stored, dense.weight().value().at(&[2, 1]));
    assert_eq!(
        file.tensor("3.self_attn.in_proj_weight").unwrap().shape(),
        &[9, 3]
    );
}

// ---- class names, not positions ----

#[test]
fn evaluation_matches_classes_by_name_when_a_class_is_absent() {
    let model = fitted_iris::<f64>(100);
    let data = iris();
    let (_, test) = stratified_split(&data, 0.3, 0).unwrap();
    let full = model.evaluate(test.features(), test.targets()).unwrap();
    // The same rows without setosa, loaded on their own: classes numbered 0 and 1.
    let csv = std::fs::read_to_string(bundled("iris.csv")).unwrap();
    let kept: Vec<&str> = csv.lines().filter(|l| !l.ends_with("setosa")).collect();
    let path = scratch("no-setosa.csv");
    std::fs::write(&path, kept.join("\n")).unwrap();
    let partial = Dataset::from_csv(&path, &CsvOptions::labels("species")).unwrap();
    assert_eq!(
        partial.targets().class_names(),
        Some(&["versicolor".to_string(), "virginica".to_string()][..])
    );
    let eval = model
        .evaluate(partial.features(), partial.targets())
        .unwrap();
    let predicted = model.predict_names(partial.features()).unwrap();
    let truth: Vec<&str> = kept[1..]
        .iter()
        .map(|l| l.rsplit(',').next().unwrap())
        .collect();
    let correct = predicted.iter().zip(&truth).filter(|(p, t)| p == t).count();
    assert_eq!(eval.accuracy, correct as f64 / truth.len() as f64);
    assert!(eval.accuracy > 0.9, "accuracy {} by name", eval.accuracy);
    assert!(full.accuracy > 0.9);
}

#[test]
fn a_label_the_model_never_saw_is_an_error_naming_it() {
    let model = fitted_iris::<f32>(2);
    let x = Tensor::from_vec(vec![5.0, 3.0, 1.5, 0.2], &[1, 4]);
    let y = Targets::labels(vec![0], &["iris-sibirica"]).unwrap();
    let err = model.evaluate(&x, &y).unwrap_err().to_string();
    assert!(err.contains("\"iris-sibirica\""), "{err}");
    assert!(err.contains("setosa, versicolor, virginica"), "{err}");
}

// ---- damaged and foreign files ----

/// A small saved classifier: its path and bytes.
fn saved_classifier(name: &str) -> (PathBuf, Vec<u8>) {
    let path = scratch(name);
    fitted_iris::<f32>(1).save(&path).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    (path, bytes)
}

fn load_error(path: &Path, bytes: &[u8]) -> ModelFileError {
    std::fs::write(path, bytes).unwrap();
    match Classifier::<f32>::load(path) {
        Ok(_) => panic!("loaded a damaged file"),
        Err(e) => {
            assert_eq!(e.path, path, "the error names the file");
            assert!(e.to_string().starts_with(&path.display().to_string()));
            e
        }
    }
}

/// The file's header, metadata and tensors, to write back altered.
struct Parts {
    metadata: HashMap<String, String>,
    tensors: Vec<(String, Dtype, Vec<usize>, Vec<u8>)>,
}

fn parts(bytes: &[u8]) -> Parts {
    let (_, meta) = SafeTensors::read_metadata(bytes).unwrap();
    let file = SafeTensors::deserialize(bytes).unwrap();
    Parts {
        metadata: meta.metadata().clone().unwrap(),
        tensors: file
            .iter()
            .map(|(n, v)| {
                (
                    n.to_string(),
                    v.dtype(),
                    v.shape().to_vec(),
                    v.data().to_vec(),
                )
            })
            .collect(),
    }
}

fn assemble(p: &Parts) -> Vec<u8> {
    let views: Vec<_> = p
        .tensors
        .iter()
        .map(|(n, d, s, b)| (n.clone(), TensorView::new(*d, s.clone(), b).unwrap()))
        .collect();
    safetensors::serialize(views, Some(p.metadata.clone())).unwrap()
}

#[test]
fn a_truncated_file_says_so() {
    let (path, bytes) = saved_classifier("truncated.safetensors");
    let e = load_error(&path, &bytes[..bytes.len() - 100]);
    assert!(matches!(e.problem, Problem::Damaged(_)), "{e}");
    assert!(e.to_string().contains("cut short"), "{e}");
    let e = load_error(&path, &bytes[..5]);
    assert_eq!(e.problem, Problem::TooShort { bytes: 5 });
    let e = load_error(&path, &bytes[..200]);
    assert!(matches!(e.problem, Problem::HeaderLength { .. }), "{e}");
}

#[test]
fn a_header_length_of_ten_gigabytes_is_refused_before_reading() {
    let (path, mut bytes) = saved_classifier("huge-header.safetensors");
    bytes[..8].copy_from_slice(&10_000_000_000u64.to_le_bytes());
    let e = load_error(&path, &bytes);
    assert_eq!(
        e.problem,
        Problem::HeaderLength {
            claimed: 10_000_000_000,
            available: bytes.len() as u64 - 8
        }
    );
    assert!(e.to_string().contains("says 10000000000 bytes"), "{e}");
}

#[test]
fn corrupt_description_json_is_named() {
    let (path, bytes) = saved_classifier("corrupt-json.safetensors");
    let mut p = parts(&bytes);
    let json = p.metadata[MODEL_KEY].replacen("\"network\"", "\"network\" [", 1);
    p.metadata.insert(MODEL_KEY.into(), json);
    let e = load_error(&path, &assemble(&p));
    assert!(matches!(e.problem, Problem::Description(_)), "{e}");
    assert!(e.to_string().contains("JSON does not parse"), "{e}");
}

#[test]
fn a_tensor_of_another_shape_or_dtype_is_named() {
    let (path, bytes) = saved_classifier("shape.safetensors");
    let mut p = parts(&bytes);
    let bias = p.tensors.iter_mut().find(|t| t.0 == "0.bias").unwrap();
    bias.2 = vec![bias.2[0] / 2, 2];
    let e = load_error(&path, &assemble(&p));
    assert!(
        e.to_string().contains("tensor `0.bias` has shape [32, 2]"),
        "{e}"
    );

    let mut p = parts(&bytes);
    let bias = p.tensors.iter_mut().find(|t| t.0 == "0.bias").unwrap();
    bias.1 = Dtype::I32;
    let e = load_error(&path, &assemble(&p));
    assert!(
        e.to_string().contains("tensor `0.bias` holds I32 values"),
        "{e}"
    );
}

#[test]
fn a_missing_or_extra_tensor_is_named() {
    let (path, bytes) = saved_classifier("missing.safetensors");
    let mut p = parts(&bytes);
    p.tensors.retain(|t| t.0 != "2.weight");
    let e = load_error(&path, &assemble(&p));
    assert!(e.to_string().contains("no tensor `2.weight`"), "{e}");

    let mut p = parts(&bytes);
    p.tensors
        .push(("9.weight".into(), Dtype::F32, vec![1], vec![0, 0, 0, 0]));
    let e = load_error(&path, &assemble(&p));
    assert_eq!(e.problem, Problem::ExtraTensors(vec!["9.weight".into()]));
}

#[test]
fn non_finite_weights_are_refused() {
    let (path, bytes) = saved_classifier("nan.safetensors");
    let mut p = parts(&bytes);
    let w = p.tensors.iter_mut().find(|t| t.0 == "2.weight").unwrap();
    w.3[12..16].copy_from_slice(&f32::NAN.to_le_bytes());
    let e = load_error(&path, &assemble(&p));
    assert!(
        e.to_string()
            .contains("tensor `2.weight` holds NaN at element 3"),
        "{e}"
    );
}

#[test]
fn a_newer_format_version_asks_for_an_upgrade() {
    let (path, bytes) = saved_classifier("newer.safetensors");
    let mut p = parts(&bytes);
    p.metadata.insert(VERSION_KEY.into(), "7".into());
    let e = load_error(&path, &assemble(&p));
    assert_eq!(
        e.problem,
        Problem::NewerFormat {
            found: 7,
            supported: 1
        }
    );
    assert!(e.to_string().contains("upgrade nabla"), "{e}");
}

#[test]
fn files_that_are_not_nabla_models_say_what_they_are() {
    let (path, bytes) = saved_classifier("foreign.safetensors");
    let csv = std::fs::read(bundled("iris.csv")).unwrap();
    let e = load_error(&path, &csv);
    assert!(
        matches!(
            e.problem,
            Problem::HeaderLength { .. } | Problem::NotSafetensors(_)
        ),
        "{e}"
    );
    // A safetensors file of somebody else's tensors.
    let mut p = parts(&bytes);
    p.metadata.clear();
    let e = load_error(&path, &assemble(&p));
    assert!(matches!(e.problem, Problem::NotANablaModel { .. }), "{e}");
    assert!(e.to_string().contains("0.weight"), "{e}");
    // A folder.
    let dir = scratch("a-folder");
    std::fs::create_dir_all(&dir).unwrap();
    let e = Classifier::<f32>::load(&dir).err().unwrap();
    assert!(e.to_string().contains("folder"), "{e}");
}

#[test]
fn loading_with_the_wrong_type_names_the_right_one() {
    let path = scratch("f64.safetensors");
    fitted_iris::<f64>(1).save(&path).unwrap();
    let e = Classifier::<f32>::load(&path).err().unwrap();
    assert!(
        e.to_string()
            .contains("load it with Classifier::<f64>::load"),
        "{e}"
    );
    let e = Regressor::<f64>::load(&path).err().unwrap();
    assert!(
        e.to_string()
            .contains("holds a classifier; load it with Classifier::load"),
        "{e}"
    );
    // The network inside loads as a Sequential.
    let net = Sequential::<f64>::load(&path).unwrap();
    assert_eq!(net.len(), 2);
}

#[test]
fn a_description_that_does_not_fit_its_tensors_is_refused() {
    let (path, bytes) = saved_classifier("bad-description.safetensors");
    let mut p = parts(&bytes);
    // Ask for an enormous first layer: refused before anything that size is allocated.
    let json = p.metadata[MODEL_KEY].replacen("\"units\":64", "\"units\":4000000000000", 1);
    assert_ne!(json, p.metadata[MODEL_KEY]);
    p.metadata.insert(MODEL_KEY.into(), json);
    let e = load_error(&path, &assemble(&p));
    assert!(matches!(e.problem, Problem::Description(_)), "{e}");
}

#[test]
fn saving_an_unfitted_model_or_a_custom_layer_is_an_error() {
    let e = Classifier::<f32>::default()
        .save(scratch("unfitted.safetensors"))
        .unwrap_err();
    assert!(e.to_string().contains("call fit first"), "{e}");

    struct Doubler;
    impl Layer<f32> for Doubler {
        fn name(&self) -> String {
            "doubler".into()
        }
        fn forward<'t>(
            &self,
            x: nabla_autodiff::Var<'t, f32>,
            _: &mut ForwardCtx<'_>,
        ) -> nabla_autodiff::Var<'t, f32> {
            x * 2.0
        }
    }
    let net = Sequential::<f32>::new().with(Doubler);
    let e = net.save(scratch("custom.safetensors")).unwrap_err();
    assert!(
        e.to_string()
            .contains("layer 0 (doubler) does not describe itself"),
        "{e}"
    );
}
