#!/usr/bin/env bash
# Checks that a nabla model file can be used without nabla: trains three small models with the
# `nabla` command, predicts with `nabla predict --proba`, recomputes the predictions with
# interop/predict_numpy.py (numpy and safetensors only) and fails if any probability or value
# differs by more than 1e-5. The Python packages go into a venv under target/, outside the
# tracked tree. Run from anywhere: bash interop/check.sh
set -euo pipefail
cd "$(dirname "$0")/.."

venv=target/interop-venv
out=target/interop
py=$venv/bin/python

if ! "$py" -c 'import numpy, safetensors' >/dev/null 2>&1; then
  echo "interop: setting up $venv (numpy, safetensors)"
  rm -rf "$venv"
  python3 -m venv "$venv" \
    || { echo "interop: python3 -m venv failed; install python3-venv (Debian: apt-get install python3-venv)" >&2; exit 1; }
  "$py" -m pip install --quiet --disable-pip-version-check numpy safetensors \
    || { echo "interop: pip could not install numpy and safetensors into $venv" >&2; exit 1; }
fi

cargo build --quiet -p nabla-cli
nabla=target/debug/nabla
mkdir -p "$out"

failed=0
# name, data file, target, extra training options
check() {
  local name=$1 data=$2 target=$3
  shift 3
  local model=$out/$name.safetensors predictions=$out/$name.nabla.csv log=$out/$name.log
  if ! { "$nabla" train "$data" -t "$target" --epochs 50 --print-every 0 --save "$model" "$@" \
    && "$nabla" predict --proba --out "$predictions" "$model" "$data"; } >"$log" 2>&1; then
    cat "$log" >&2
    echo "interop: nabla train or predict failed on $data" >&2
    exit 1
  fi
  printf 'interop %-14s ' "$name:"
  "$py" interop/predict_numpy.py --check "$model" "$data" "$predictions" || failed=1
}

check iris data/iris.csv species                    # MLP, 3 softmax units
check diabetes data/diabetes.csv progression        # regressor, standardised target
check breast_cancer data/breast_cancer.csv malignant --binary-head sigmoid  # 1 sigmoid unit

if [ "$failed" -ne 0 ]; then
  echo "interop: predict_numpy.py disagrees with nabla predict (see above)" >&2
  exit 1
fi
echo "interop: numpy predictions match nabla predict within 1e-5 on 3 models"
