#!/usr/bin/env python3
"""Predict with a nabla model file using numpy alone, or check nabla's predictions.

A file written by `nabla train --save` is a safetensors file: the weights are tensors named as
in a `torch.nn.Sequential` state_dict (`0.weight` of shape [out, in], `0.bias`, then `2.weight`
after the activation module, ...), and the safetensors metadata holds `nabla.format_version`
and, under `nabla.model`, a JSON description of the layers, the input columns and their
standardisation, the head and the classes or targets. This script reads both and recomputes
the predictions of `nabla predict` from them:

    python3 interop/predict_numpy.py MODEL ROWS.csv [--proba] [--out FILE] [--delimiter X]
    python3 interop/predict_numpy.py --check MODEL ROWS.csv PREDICTIONS.csv

ROWS.csv has a header naming the model's columns, in any order; the model's target columns,
and the training file's other columns that the model left out, may be there too, and any
other column is an error, as in nabla. The delimiter is detected as nabla detects it (among
`,` `;` tab `|`, the one splitting the first lines into equally many fields, the most fields
winning, `,` otherwise), or given with --delimiter (one character or `tab`).

The columns become features as nabla makes them. A model trained on a table with text or
missing values keeps, under `model.inputs.encoding`, how: for each column in feature order a
`number` (one feature; a missing value, i.e. a field equal after trimming spaces to one of
`missing_values`, becomes `fill`) or a `one_hot` (one 0/1 feature per category; a missing
value counts as the `fill` category, a category not seen in training gives all zeros and a
warning on standard error, worded as nabla's), then a 0/1 missing indicator if the column has
one. Numbers in a one-hot column are compared as Rust writes them (`2007` for `2007.0`). A file
without `encoding` (older files, or models fitted on bare matrices) reads its features by name
as numbers, with no missing value allowed. The standardisation applies to the encoded
features.

The output is the CSV `nabla predict` writes: the predicted class (or one 0/1 column per label
for a multi-label model) and with --proba each class's probability, or for a regressor one
column per target.

--check compares this script's probabilities (or values) with PREDICTIONS.csv, written by
`nabla predict --proba --out PREDICTIONS.csv MODEL ROWS.csv`, prints the largest absolute
difference and exits with status 1 if it is above --tolerance (1e-5) or if a predicted class
differs where the decision is not a tie within the tolerance. A regressor's values are
compared on the network's scale, before the target's standard deviation multiplies them:
f32 rounding alone is 1e-7 of a value, 1e-5 once multiplied by a deviation of 100.

The network runs in the file's element type (f32 for the `nabla` command), like nabla: the
standardisation is done in float64, the network in the weights' type, and a regressor's
outputs are scaled back to the target's units in float64. --float64 runs the network in
float64 instead.

Only dense networks are computed (the `nabla` command trains these); a file with other layers
is refused with a message naming the layer.
"""

import argparse
import csv
import decimal
import io
import json
import math
import os
import re
import sys

import numpy as np
from safetensors import safe_open
from safetensors.numpy import load_file

#: The newest layout of `nabla.model` this script reads.
FORMAT_VERSION = 1

#: Activations with a parameter, and its default when the text gives none (PyTorch's).
PARAMETER_DEFAULTS = {"leaky_relu": 0.01, "elu": 1.0}

#: Other spellings nabla accepts.
ALIASES = {"linear": "identity", "swish": "silu"}


class ModelError(Exception):
    """A file or a CSV that this script cannot use; the message says why."""


# --- activations -----------------------------------------------------------------------------


def _erf(x):
    """erf element-wise, by math.erf in float64, returned in x's type."""
    return np.vectorize(math.erf, otypes=[np.float64])(x).astype(x.dtype)


def _sigmoid(x):
    # 1 / (1 + e^-x) for x >= 0 and e^x / (1 + e^x) below, so that exp never overflows.
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype)


def _softplus(x):
    # max(x, 0) + ln(1 + e^-|x|): never overflows.
    return (np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))).astype(x.dtype)


def _softmax(x):
    z = np.exp(x - x.max(axis=-1, keepdims=True))
    return z / z.sum(axis=-1, keepdims=True)


def _apply(name, alpha, x):
    t = x.dtype.type
    if name == "identity":
        return x
    if name == "relu":
        return np.maximum(x, t(0))
    if name == "leaky_relu":
        return np.where(x > 0, x, t(alpha) * x)
    if name == "elu":
        return np.where(x > 0, x, t(alpha) * np.expm1(np.minimum(x, t(0))))
    if name == "gelu":
        return t(0.5) * x * (t(1) + _erf(x * t(1 / math.sqrt(2))))
    if name == "gelu_tanh":
        u = t(math.sqrt(2 / math.pi)) * (x + t(0.044715) * x * x * x)
        return t(0.5) * x * (t(1) + np.tanh(u))
    if name == "sigmoid":
        return _sigmoid(x)
    if name == "tanh":
        return np.tanh(x)
    if name == "softplus":
        return _softplus(x)
    if name == "silu":
        return x * _sigmoid(x)
    if name == "softsign":
        return x / (t(1) + np.abs(x))
    if name == "mish":
        return x * np.tanh(_softplus(x))
    if name == "softmax":
        return _softmax(x)
    raise AssertionError(name)


ACTIVATIONS = (
    "identity relu leaky_relu elu gelu gelu_tanh sigmoid tanh softplus silu softsign mish "
    "softmax".split()
)


def parse_activation(text):
    """`"relu"` -> ("relu", None); `"leaky_relu(0.1)"` -> ("leaky_relu", 0.1)."""
    s = str(text).strip().lower()
    alpha = None
    if "(" in s:
        name, rest = s.split("(", 1)
        name = name.strip()
        try:
            if not rest.endswith(")"):
                raise ValueError
            alpha = float(rest[:-1])
        except ValueError:
            raise ModelError(f"cannot read the activation {text!r}") from None
    else:
        name = s
    name = ALIASES.get(name, name)
    if name not in ACTIVATIONS:
        raise ModelError(
            f"the activation {text!r} is not supported by this script "
            f"(it knows {', '.join(ACTIVATIONS)})"
        )
    if alpha is not None and name not in PARAMETER_DEFAULTS:
        raise ModelError(f"the activation {text!r} takes no parameter")
    if alpha is None:
        alpha = PARAMETER_DEFAULTS.get(name)
    return name, alpha


# --- the model file --------------------------------------------------------------------------


def variant(value):
    """One of nabla's enumerations as the description writes it, a `"type"` and its fields:
    `{"type": "multi_class", "classes": 3}` -> ("multi_class", {"classes": 3})."""
    if isinstance(value, dict) and isinstance(value.get("type"), str):
        fields = {k: v for k, v in value.items() if k != "type"}
        return value["type"], fields
    raise ModelError(f"cannot read {value!r} as one of nabla's enumerations")


def read_model(path):
    """The file's description (the parsed `nabla.model` JSON) and its tensors by name."""
    try:
        with safe_open(path, "np") as f:
            metadata = f.metadata() or {}
        tensors = load_file(path)
    except Exception as e:  # safetensors raises its own error types as well as OSError
        raise ModelError(f"{path}: not a readable safetensors file ({e})") from None
    if "nabla.model" not in metadata:
        raise ModelError(f"{path}: no `nabla.model` metadata; is it a nabla model file?")
    try:
        description = json.loads(metadata["nabla.model"])
    except json.JSONDecodeError as e:
        raise ModelError(f"{path}: the `nabla.model` metadata is not JSON ({e})") from None
    version = int(description.get("format_version", metadata.get("nabla.format_version", 0)))
    if version > FORMAT_VERSION:
        raise ModelError(
            f"{path}: format version {version}; this script reads versions up to "
            f"{FORMAT_VERSION}"
        )
    model = description.get("model", {})
    if model.get("kind") not in ("classifier", "regressor"):
        raise ModelError(
            f"{path}: a {model.get('kind')!r} file; this script predicts with classifier "
            "and regressor files (a bare network has no input columns or head)"
        )
    if description.get("training") is not None:
        # A checkpoint: the optimiser's state is stored beside the weights.
        tensors = {k: v for k, v in tensors.items() if not k.startswith("optimizer.")}
    return description, tensors


def dense_layers(description, tensors):
    """Each layer as (weight [out, in], bias [out], activation name, parameter), with the
    tensor names of the equivalent `torch.nn.Sequential`: a dense layer with an activation
    is two modules (nn.Linear, then the activation), one without (identity) is one."""
    layers = []
    index = 0
    used = set()
    for i, spec in enumerate(description["network"]):
        kind = spec.get("type")
        if kind != "dense":
            raise ModelError(
                f"layer {i} is a {kind!r} layer; this script computes dense networks only"
            )
        name, alpha = parse_activation(spec["activation"])
        shape = (spec["units"], spec["inputs"])
        w_name, b_name = f"{index}.weight", f"{index}.bias"
        for n, want in ((w_name, shape), (b_name, shape[:1])):
            if n not in tensors:
                raise ModelError(f"layer {i}: the file has no tensor {n!r}")
            if tuple(tensors[n].shape) != want:
                raise ModelError(
                    f"layer {i}: {n!r} has shape {list(tensors[n].shape)}, "
                    f"expected {list(want)}"
                )
        used.update((w_name, b_name))
        layers.append((tensors[w_name], tensors[b_name], name, alpha))
        index += 1 if name == "identity" else 2
    unused = sorted(set(tensors) - used)
    if unused:
        print(f"note: tensors not used by the network: {', '.join(unused)}", file=sys.stderr)
    return layers


def head_activation(head):
    """What turns the last layer's output into what predictions report: the head's own
    activation, or sigmoid/softmax for a linear head trained with a loss on logits."""
    name, _ = parse_activation(head["activation"])
    loss, options = variant(head["loss"])
    from_logits = isinstance(options, dict) and bool(options.get("from_logits"))
    if name == "identity" and from_logits:
        return "sigmoid" if loss == "binary_cross_entropy" else "softmax"
    return name


# --- CSV: reading the rows as nabla reads them ---------------------------------------------

#: What marks a missing value in a file read for a model saved without an `encoding` (nabla's
#: defaults), compared with each field after trimming spaces.
DEFAULT_MISSING_VALUES = ("", "NA", "N/A", "n/a", "#N/A", "<NA>", "NaN", "nan", "null", "NULL",
                          "None", "?")

#: The delimiters nabla chooses among when none is given.
DELIMITERS = (",", ";", "\t", "|")

#: nabla refuses numbers larger than this in magnitude (their square would overflow).
MAX_MAGNITUDE = 1e150

#: The spaces nabla trims from fields and names (ASCII whitespace as Rust defines it).
SPACES = " \t\n\r\x0c"

#: A field nabla reads as a number: decimal notation with an optional sign and exponent, or
#: inf, infinity or a signed nan (which it then refuses as not finite); `nan` alone is text
#: (nabla only tries fields that start with a digit, a sign, a point or an i).
NUMBER = re.compile(
    r"[+-]?(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|inf|infinity)|[+-]nan",
    re.IGNORECASE,
)


def delimiter_argument(text):
    """--delimiter: one character, or `tab`."""
    if text in ("tab", "\\t", "\t"):
        return "\t"
    if len(text) == 1 and text.isascii() and text not in "\"\r\n":
        return text
    raise argparse.ArgumentTypeError(
        f"{text!r} is not a delimiter; give one character such as , ; | or the word tab"
    )


def _count_outside_quotes(line, delimiter):
    quoted = False
    n = 0
    for ch in line:
        if ch == '"':
            quoted = not quoted
        elif ch == delimiter and not quoted:
            n += 1
    return n


def detect_delimiter(prefix):
    """Among `,` `;` tab `|`, the one that splits the first (up to 20 non-blank) lines of the
    text `prefix` into the same number of fields, the one giving most fields winning; `,`
    when none does (as nabla chooses)."""
    lines = [l for l in prefix.split("\n") if l.strip(SPACES)][:20]
    best, most = ",", 0
    for candidate in DELIMITERS:
        counts = [_count_outside_quotes(l, candidate) for l in lines]
        if counts and counts[0] > most and all(n == counts[0] for n in counts):
            best, most = candidate, counts[0]
    return best


def parse_number(text):
    """The field (already trimmed) as a float if nabla reads it as a number, else None."""
    return float(text) if NUMBER.fullmatch(text) else None


def rust_display(value):
    """A float as Rust's `Display` writes it, the text nabla gives a number in a column of
    categories: the shortest digits that read back as the same float, never an exponent
    (`2007` for 2007.0, `39.1`, `0.0000001`, `-0`)."""
    digits = decimal.Decimal(repr(value)).normalize()
    text = format(digits, "f")
    return "-0" if text == "0" and math.copysign(1, value) < 0 else text


class Table:
    """A CSV file as nabla reads it: `names` (the header, trimmed), `rows` (each row's trimmed
    fields) and `lines` (the line where each row starts, the header being line 1)."""

    def __init__(self, path, delimiter=None):
        self.path = path
        try:
            with open(path, newline="", encoding="utf-8-sig") as f:
                text = f.read()
        except UnicodeDecodeError:
            raise ModelError(f"{path}: the file is not UTF-8 text") from None
        except OSError as e:
            raise ModelError(f"{path}: cannot read it ({e.strerror or e})") from None
        if delimiter is None:
            prefix = text[: 1 << 16]
            if len(text) > len(prefix) and "\n" in prefix:
                prefix = prefix[: prefix.rindex("\n")]
            delimiter = detect_delimiter(prefix)
        self.delimiter = delimiter
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        try:
            header = next(reader, None)
        except csv.Error as e:
            raise ModelError(f"{path}, line 1: {e}") from None
        if header is None or all(not h.strip(SPACES) for h in header):
            raise ModelError(
                f"{path}: the file is empty; it needs a header line naming the columns"
            )
        self.names = [h.strip(SPACES) for h in header]
        for b, name in enumerate(self.names):
            if name in self.names[:b]:
                raise ModelError(f"{path}: two columns are named {name!r}")
        self.rows, self.lines = [], []
        while True:
            line = reader.line_num + 1
            try:
                record = next(reader, None)
            except csv.Error as e:
                raise ModelError(f"{path}, line {line}: {e}") from None
            if record is None:
                break
            if len(record) != len(self.names):
                if len(record) <= 1 and not "".join(record).strip(SPACES):
                    continue  # a blank line
                hint = ""
                if len(self.names) == 1:
                    hint = " (the header was read as one column: is the delimiter right?)"
                raise ModelError(
                    f"{path}, line {line}: the row has {len(record)} field(s) but the header "
                    f"has {len(self.names)}{hint}"
                )
            self.rows.append([field.strip(SPACES) for field in record])
            self.lines.append(line)
        if not self.rows:
            raise ModelError(f"{path}: the header is followed by no data rows")

    def column(self, name):
        """The trimmed fields of the column `name`."""
        c = self.names.index(name)
        return [row[c] for row in self.rows]


def read_column(table, name, missing_values):
    """The values of one column as nabla types them: a list with None for a missing value,
    a float for a number and a str for text. Numbers among texts stay floats here (a one-hot
    encoding compares them as nabla writes them); a column of numbers with a few texts (no
    more texts than numbers) is an error, as in nabla."""
    values = []
    texts = numbers = 0
    first_text = None
    for field, line in zip(table.column(name), table.lines):
        if field in missing_values:
            values.append(None)
            continue
        number = parse_number(field)
        if number is None:
            texts += 1
            if first_text is None:
                first_text = (line, field)
            values.append(field)
            continue
        if not math.isfinite(number) or abs(number) > MAX_MAGNITUDE:
            raise ModelError(
                f"{table.path}, line {line}, column {name!r}: {field!r} is not a finite number "
                f"(nabla refuses numbers beyond {MAX_MAGNITUDE:g} in magnitude)"
            )
        numbers += 1
        values.append(number)
    if 0 < texts <= numbers:
        line, field = first_text
        raise ModelError(
            f"{table.path}, line {line}, column {name!r}: {field!r} in a column of numbers "
            f"({numbers} numbers and {texts} text(s)); is it a typo or an unlisted "
            "missing-value marker?"
        )
    return values


def input_encoding(description):
    """How the model makes its features from a file's columns: the description's `encoding`
    (under model.inputs), or for a file saved without one its feature columns read as
    numbers with no missing value allowed."""
    inputs = description["model"]["inputs"]
    encoding = inputs.get("encoding")
    if encoding is None:
        features = inputs["features"]
        if not features:
            raise ModelError("the model was saved without feature names; cannot match columns")
        encoding = {
            "columns": [
                {"column": f, "encoding": {"type": "number", "fill": None},
                 "missing_indicator": False}
                for f in features
            ],
            "missing_values": list(DEFAULT_MISSING_VALUES),
            "ignored": [],
        }
    names = []
    for c in encoding["columns"]:
        kind, fields = variant(c["encoding"])
        if kind == "number":
            names.append(c["column"])
        elif kind == "one_hot":
            names.extend(f"{c['column']}={k}" for k in fields["categories"])
        else:
            raise ModelError(
                f"column {c['column']!r} has a {kind!r} encoding; this script knows number "
                "and one_hot"
            )
        if c.get("missing_indicator"):
            names.append(f"{c['column']} missing")
    if inputs.get("features") and names != list(inputs["features"]):
        raise ModelError(
            f"the encoding gives the features {names}, but the model lists {inputs['features']}"
        )
    return encoding


def encode(table, encoding, also_ignored=(), warn=sys.stderr):
    """The features `encoding` makes of `table`, float64 [rows, features], laid out column by
    column: a number column gives its value (`fill` where missing), a one-hot column a 0/1
    feature per category (the `fill` category where missing, all 0 for a category not seen
    in training, with a warning), each followed by a 0/1 missing indicator if it has one.
    The table may hold the encoding's `ignored` columns and `also_ignored` (the targets),
    and no others."""
    columns = encoding["columns"]
    expected = [c["column"] for c in columns]
    skipped = set(encoding.get("ignored") or ()) | set(also_ignored)
    missing = [c for c in expected if c not in table.names]
    unexpected = [h for h in table.names if h not in expected and h not in skipped]
    if missing or unexpected:
        parts = []
        if missing:
            parts.append(f"missing: {', '.join(map(repr, missing))}")
        if unexpected:
            parts.append(f"not features of the model: {', '.join(map(repr, unexpected))}")
        hint = ""
        if len(table.names) == 1 and len(expected) > 1:
            hint = (f"; the header was read as one column with the delimiter "
                    f"{table.delimiter!r}: is that the file's? (--delimiter gives it)")
        raise ModelError(
            f"{table.path}: the columns do not fit the model ({'; '.join(parts)}); it reads "
            f"{', '.join(map(repr, expected))} in any order{hint}"
        )
    markers = {m.strip(SPACES) for m in (encoding.get("missing_values") or DEFAULT_MISSING_VALUES)}
    blocks = []
    for c in columns:
        name = c["column"]
        values = read_column(table, name, markers)
        absent = np.array([v is None for v in values], dtype=np.float64)
        kind, fields = variant(c["encoding"])
        if kind == "number":
            fill = fields.get("fill")
            block = np.empty((len(values), 1))
            for r, v in enumerate(values):
                if isinstance(v, str):
                    raise ModelError(
                        f"{table.path}, line {table.lines[r]}, column {name!r}: {v!r} is not a "
                        "number, and the model reads this column as numbers"
                    )
                if v is None:
                    if fill is None:
                        raise ModelError(
                            f"{table.path}, line {table.lines[r]}, column {name!r}: the value is "
                            "missing, and the model has no value to fill it with"
                        )
                    v = fill
                block[r, 0] = v
        else:
            categories = list(fields["categories"])
            index = {k: i for i, k in enumerate(categories)}
            fill = index.get(fields["fill"])
            block = np.zeros((len(values), len(categories)))
            unseen = []
            for r, v in enumerate(values):
                if v is None:
                    k = fill
                else:
                    text = v if isinstance(v, str) else rust_display(v)
                    k = index.get(text)
                    if k is None:
                        unseen.append((table.lines[r], text))
                if k is not None:
                    block[r, k] = 1.0
            if unseen and warn is not None:
                n = len(unseen)
                known = ", ".join(f'"{k}"' for k in categories[:10])
                if len(categories) > 10:
                    known += f" and {len(categories) - 10} more"
                print(
                    f'warning: column "{name}": {n} row{"" if n == 1 else "s"} '
                    f'hold{"s" if n == 1 else ""} a category not seen in training '
                    f'("{unseen[0][1]}" on line {unseen[0][0]}); '
                    f'{"its" if n == 1 else "their"} one-hot features are all 0 there. '
                    f"The known categories are {known}",
                    file=warn,
                )
        blocks.append(block)
        if c.get("missing_indicator"):
            blocks.append(absent[:, None])
    return np.hstack(blocks) if blocks else np.zeros((len(table.rows), 0))


def read_features(path, description, delimiter=None, warn=sys.stderr):
    """The model's features of the rows of a CSV file, float64 [rows, features], made as
    `nabla predict` makes them (before the standardisation)."""
    encoding = input_encoding(description)
    table = Table(path, delimiter)
    targets = description["model"].get("targets") or []
    return encode(table, encoding, targets, warn=warn)


def write_csv(table, out):
    writer = csv.writer(out, lineterminator="\n")
    writer.writerows(table)


# --- prediction ------------------------------------------------------------------------------


def standardize(x, scaling):
    if scaling is None:
        return x
    return (x - np.asarray(scaling["mean"])) / np.asarray(scaling["std"])


def network_outputs(description, tensors, x, float64=False):
    """The head's outputs (probabilities, or values on the network's scale) for the
    standardised features x, float64 [rows, units]."""
    layers = dense_layers(description, tensors)
    model = description["model"]
    if x.shape[1] != layers[0][0].shape[1]:
        raise ModelError(f"the network reads {layers[0][0].shape[1]} features, not {x.shape[1]}")
    dtype = np.float64 if float64 else layers[0][0].dtype
    h = x.astype(dtype)
    for w, b, name, alpha in layers:
        h = _apply(name, alpha, h @ w.astype(dtype).T + b.astype(dtype))
    head = model["head"]
    if head["units"] != h.shape[1]:
        raise ModelError(f"the head has {head['units']} units but the network {h.shape[1]}")
    return _apply(head_activation(head), None, h).astype(np.float64)


def predict(description, x, forward):
    """The table `nabla predict --proba` writes, as (header, labels, values): header is the
    list of column names, labels one list of strings per row (the predicted class, or one
    0/1 per label; empty for a regressor) and values a float64 [rows, columns] array of
    probabilities or regression values. `forward` maps the standardised features (float64)
    to the head's outputs (float64), as network_outputs does."""
    model = description["model"]
    out = forward(standardize(x, model["inputs"].get("standardization")))
    targets = model.get("targets") or []
    if model["kind"] == "regressor":
        scaling = model.get("target_standardization")
        if scaling is not None:
            out = out * np.asarray(scaling["std"]) + np.asarray(scaling["mean"])
        names = targets if len(targets) == out.shape[1] else [
            f"prediction_{j}" for j in range(out.shape[1])
        ]
        return names, [[] for _ in out], out
    classes = model["classes"]
    task, _ = variant(model["task"])
    threshold = model["threshold"]
    proba = np.column_stack([1 - out[:, 0], out[:, 0]]) if out.shape[1] == 1 else out
    if task == "multi_label":
        header = list(classes)
        labels = [["1" if p > threshold else "0" for p in row] for row in proba]
    else:
        header = [targets[0] if len(targets) == 1 else "class"]
        if task == "binary":
            chosen = (proba[:, 1] > threshold).astype(int)
        else:
            chosen = proba.argmax(axis=1)
        labels = [[classes[c]] for c in chosen]
    return header + [f"p({c})" for c in classes], labels, proba


def prediction_table(header, labels, values, proba):
    n_labels = len(header) - values.shape[1]
    keep = len(header) if proba or n_labels == 0 else n_labels
    rows = [lab + [repr(float(v)) for v in val] for lab, val in zip(labels, values)]
    return [header[:keep]] + [r[:keep] for r in rows]


# --- check -----------------------------------------------------------------------------------


def borderline(description, proba_row, column, tolerance):
    """Whether a label decision could go either way within the tolerance."""
    model = description["model"]
    task, _ = variant(model["task"])
    threshold = model["threshold"]
    if task == "multi_class":
        top = np.sort(proba_row)[::-1]
        return top[0] - top[1] <= 2 * tolerance
    p = proba_row[1] if task == "binary" else proba_row[column]
    return abs(p - threshold) <= tolerance


def check(description, header, labels, values, reference_path, tolerance, out=sys.stdout):
    """Compares with a CSV of `nabla predict --proba`; returns the process's exit status."""
    with open(reference_path, newline="") as f:
        table = [r for r in csv.reader(f) if r]
    if not table:
        raise ModelError(f"{reference_path}: empty file")
    if [h.strip() for h in table[0]] != header:
        hint = ""
        if description["model"]["kind"] == "classifier" and len(table[0]) < len(header):
            hint = " (write it with `nabla predict --proba`)"
        raise ModelError(
            f"{reference_path}: header {table[0]} differs from {header}{hint}"
        )
    rows = table[1:]
    if len(rows) != len(values):
        raise ModelError(f"{reference_path}: {len(rows)} rows, this script predicted {len(values)}")
    n_labels = len(header) - values.shape[1]
    reference = np.array([[float(v) for v in r[n_labels:]] for r in rows], dtype=np.float64)
    reference = reference.reshape(values.shape)
    diff = np.abs(reference - values)
    both_nan = np.isnan(reference) & np.isnan(values)
    diff = np.where(both_nan, 0.0, np.where(np.isnan(diff), np.inf, diff))
    # A regressor's values are the network's outputs times the target's deviation plus its
    # mean, computed in float64 by both sides. The network runs in f32, whose rounding (1e-7
    # relative) times a deviation of 77 is already 1e-5, so the tolerance applies on the
    # network's scale: the differences divided by the deviation.
    scaling = description["model"].get("target_standardization")
    unit = np.asarray(scaling["std"]) if scaling is not None else np.ones(values.shape[1])
    scaled = diff / unit
    worst = np.unravel_index(int(np.argmax(scaled)), diff.shape) if diff.size else (0, 0)
    largest = float(scaled[worst]) if diff.size else 0.0
    failures = []
    near = 0
    for i, (row, mine) in enumerate(zip(rows, labels)):
        for j, label in enumerate(mine):
            if row[j] != label:
                if borderline(description, values[i], j, tolerance):
                    near += 1
                else:
                    failures.append(
                        f"row {i + 1}: nabla predicts {row[j]!r} in column {header[j]!r}, "
                        f"this script {label!r}"
                    )
    where = f"{header[n_labels + worst[1]]}, row {worst[0] + 1}" if diff.size else "-"
    ok = largest <= tolerance and not failures
    units = ""
    if scaling is not None:
        units = f" on the network's scale ({float(diff.max()):.3g} in the target's units)"
    print(
        f"{reference_path}: {len(rows)} rows x {values.shape[1]} values, max abs difference "
        f"{largest:.3g}{units} at {where}; tolerance {tolerance:g}: {'ok' if ok else 'FAILED'}",
        file=out,
    )
    if near:
        print(f"  {near} label(s) differ where the decision is within the tolerance of a tie", file=out)
    for line in failures[:10]:
        print("  " + line, file=out)
    if len(failures) > 10:
        print(f"  ... and {len(failures) - 10} more label differences", file=out)
    return 0 if ok else 1


# --- command line ----------------------------------------------------------------------------


def arguments(description_text):
    p = argparse.ArgumentParser(
        description=description_text,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("model", help="the model file (nabla train --save)")
    p.add_argument("rows", help="the CSV (or ;, tab or | separated) file of rows to predict")
    p.add_argument("reference", nargs="?", help="with --check: nabla predict's --proba CSV")
    p.add_argument("--proba", action="store_true", help="also write each class's probability")
    p.add_argument("--out", help="write the predictions to this file instead of standard output")
    p.add_argument("--check", action="store_true",
                   help="compare with REFERENCE instead of writing the predictions")
    p.add_argument("--tolerance", type=float, default=1e-5,
                   help="largest absolute difference --check accepts (default 1e-5)")
    p.add_argument("--delimiter", type=delimiter_argument,
                   help="the field delimiter of ROWS: one character or `tab` (default: detected "
                        "among , ; tab | as nabla detects it)")
    return p


def run(args, forward_fn):
    """Runs the command line; forward_fn(description, tensors) returns the forward function
    that predict() takes."""
    if args.check != (args.reference is not None):
        print("error: --check takes MODEL ROWS REFERENCE; without --check give MODEL ROWS",
              file=sys.stderr)
        return 2
    try:
        description, tensors = read_model(args.model)
        x = read_features(args.rows, description, args.delimiter)
        header, labels, values = predict(description, x, forward_fn(description, tensors))
        if args.check:
            return check(description, header, labels, values, args.reference, args.tolerance)
        table = prediction_table(header, labels, values, args.proba)
        if args.out:
            with open(args.out, "w", newline="") as f:
                write_csv(table, f)
            print(f"wrote {len(table) - 1} predictions to {args.out}", file=sys.stderr)
        else:
            try:
                write_csv(table, sys.stdout)
                sys.stdout.flush()
            except BrokenPipeError:  # a reader such as `head` stopped early
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except ModelError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except KeyError as e:
        print(f"error: {args.model}: the model description has no {e} entry", file=sys.stderr)
        return 2


def main():
    parser = arguments(__doc__)
    parser.add_argument("--float64", action="store_true",
                        help="run the network in float64 rather than the file's type")
    args = parser.parse_args()
    return run(args, lambda d, t: lambda z: network_outputs(d, t, z, float64=args.float64))


if __name__ == "__main__":
    sys.exit(main())
