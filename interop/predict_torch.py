#!/usr/bin/env python3
"""Load a nabla model file into PyTorch and predict with it, or check nabla's predictions.

The file's tensors are a `torch.nn.Sequential` state_dict: this script builds the Sequential
the metadata describes (an nn.Linear for each dense layer, followed by its activation module
unless the activation is the identity) and loads the tensors into it with strict=True. The
features are standardised as the metadata says, the head's activation (softmax or sigmoid for
a classifier) is applied after the network, and a regressor's outputs are scaled back to the
target's units, as `nabla predict` does. The rows are read and encoded by predict_numpy.py's
code (one implementation for both scripts): the delimiter detected or given with --delimiter,
text columns one-hot encoded and missing values filled as the file's `encoding` says, unseen
categories warned about on standard error. Same command line as predict_numpy.py:

    python interop/predict_torch.py MODEL ROWS.csv [--proba] [--out FILE] [--delimiter X]
    python interop/predict_torch.py --check MODEL ROWS.csv PREDICTIONS.csv

Needs torch, numpy and safetensors. To use the network in your own code:

    import sys; sys.path.insert(0, "interop")
    from predict_torch import load
    net, head, description = load("model.safetensors")   # net gives logits; head(net(x))

`x` holds the encoded features, standardised: description["model"]["inputs"]["standardization"]
holds each feature's mean and std, in the order of description["model"]["inputs"]["features"].
To make it from a CSV file as nabla does (encoding, then standardisation):

    from predict_numpy import read_features, standardize
    x = standardize(read_features("rows.csv", description),
                    description["model"]["inputs"].get("standardization"))
    probabilities = head(net(torch.from_numpy(x).float()))
"""

import os
import sys

import numpy as np
import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import predict_numpy as nb  # noqa: E402  (reading the file, the CSV files and --check)

DTYPES = {"f32": torch.float32, "f64": torch.float64}


def activation_module(name, alpha):
    """The torch module of a nabla activation, as parsed by nb.parse_activation."""
    modules = {
        "relu": lambda: nn.ReLU(),
        "leaky_relu": lambda: nn.LeakyReLU(alpha),
        "elu": lambda: nn.ELU(alpha),
        "gelu": lambda: nn.GELU(),
        "gelu_tanh": lambda: nn.GELU(approximate="tanh"),
        "sigmoid": lambda: nn.Sigmoid(),
        "tanh": lambda: nn.Tanh(),
        "softplus": lambda: nn.Softplus(),
        "silu": lambda: nn.SiLU(),
        "softsign": lambda: nn.Softsign(),
        "mish": lambda: nn.Mish(),
        "softmax": lambda: nn.Softmax(dim=-1),
        "identity": lambda: nn.Identity(),
    }
    return modules[name]()


def build(description, tensors):
    """The network as an nn.Sequential holding the file's weights (in the file's dtype),
    in eval mode; its output is the last layer's pre-activation (logits for a classifier)."""
    modules = []
    for i, spec in enumerate(description["network"]):
        if spec.get("type") != "dense":
            raise nb.ModelError(
                f"layer {i} is a {spec.get('type')!r} layer; this script builds dense "
                "networks only"
            )
        name, alpha = nb.parse_activation(spec["activation"])
        modules.append(nn.Linear(spec["inputs"], spec["units"]))
        if name != "identity":
            modules.append(activation_module(name, alpha))
    dtype = DTYPES.get(description.get("dtype"))
    if dtype is None:
        raise nb.ModelError(f"unknown dtype {description.get('dtype')!r}")
    net = nn.Sequential(*modules).to(dtype)
    state = {name: torch.from_numpy(t) for name, t in tensors.items()}
    try:
        net.load_state_dict(state, strict=True)
    except RuntimeError as e:
        raise nb.ModelError(f"the tensors do not fit the network: {e}") from None
    return net.eval()


def head_module(description):
    """What predictions apply after the network: nn.Softmax(dim=1), nn.Sigmoid() or
    nn.Identity()."""
    name = nb.head_activation(description["model"]["head"])
    if name == "softmax":
        return nn.Softmax(dim=1)
    return activation_module(name, nb.PARAMETER_DEFAULTS.get(name))


def load(path):
    """(network, head module, description) of a nabla classifier or regressor file."""
    description, tensors = nb.read_model(path)
    return build(description, tensors), head_module(description), description


def forward_function(description, tensors, float64=False):
    """The function predict_numpy.predict takes: standardised features (float64 numpy) to
    the head's outputs (float64 numpy), computed by torch."""
    net = build(description, tensors)
    head = head_module(description)
    if float64:
        net = net.double()
    dtype = next(net.parameters()).dtype

    def forward(z):
        with torch.no_grad():
            out = head(net(torch.from_numpy(np.ascontiguousarray(z)).to(dtype)))
        return out.double().numpy()

    return forward


def main():
    torch.set_num_threads(1)
    parser = nb.arguments(__doc__)
    parser.add_argument("--float64", action="store_true",
                        help="run the network in float64 rather than the file's type")
    args = parser.parse_args()
    return nb.run(args, lambda d, t: forward_function(d, t, float64=args.float64))


if __name__ == "__main__":
    sys.exit(main())
