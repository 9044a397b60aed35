#!/usr/bin/env bash
# Checks that a nabla model file can be used without nabla: trains four small models with the
# `nabla` command, predicts with `nabla predict --proba`, recomputes the predictions with
# interop/predict_numpy.py (numpy and safetensors only) and fails if any probability or value
# differs by more than 1e-5. The penguins model reads text (one-hot) and missing values, and is
# also checked on new rows written here: other column order, `;` delimiter, an island not seen
# in training, NA and empty fields; numpy must warn about the unseen island as nabla does.
# The Python packages go into a venv under target/, outside the tracked tree.
# Run from anywhere: bash interop/check.sh
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
  printf 'interop %-16s ' "$name:"
  "$py" interop/predict_numpy.py --check "$model" "$data" "$predictions" || failed=1
}

# name of a model trained by check, a file of other rows, a label, extra predict_numpy.py
# options: checks the model on those rows, and that numpy's warnings (unseen categories) are
# nabla's, word for word.
check_rows() {
  local name=$1 rows=$2 label=$3
  shift 3
  local model=$out/$name.safetensors predictions=$out/$label.nabla.csv
  if ! "$nabla" predict --proba --out "$predictions" "$model" "$rows" \
    2>"$out/$label.nabla.err"; then
    cat "$out/$label.nabla.err" >&2
    echo "interop: nabla predict failed on $rows" >&2
    exit 1
  fi
  printf 'interop %-16s ' "$label:"
  "$py" interop/predict_numpy.py --check "$@" "$model" "$rows" "$predictions" \
    2>"$out/$label.numpy.err" || { cat "$out/$label.numpy.err" >&2; failed=1; }
  grep '^warning:' "$out/$label.nabla.err" >"$out/$label.nabla.warnings" || true
  grep '^warning:' "$out/$label.numpy.err" >"$out/$label.numpy.warnings" || true
  if ! cmp -s "$out/$label.nabla.warnings" "$out/$label.numpy.warnings"; then
    echo "interop: predict_numpy.py's warnings on $rows differ from nabla's:" >&2
    diff "$out/$label.nabla.warnings" "$out/$label.numpy.warnings" >&2 || true
    failed=1
  fi
}

check iris data/iris.csv species                    # MLP, 3 softmax units
check diabetes data/diabetes.csv progression        # regressor, standardised target
check breast_cancer data/breast_cancer.csv malignant --binary-head sigmoid  # 1 sigmoid unit
check penguins data/penguins.csv species            # text one-hot, NA filled, 3 softmax units

# New penguins: columns in another order, `;` between fields, an island the model never saw
# (twice: all-zero one-hot and a warning), NA, `?` and empty fields (filled), spaces and quotes.
new_rows=$out/penguins_new_rows.csv
cat >"$new_rows" <<'ROWS'
sex;year;body_mass_g;island;flipper_length_mm;bill_depth_mm;bill_length_mm
female;2007;3450;Dream;190;18.4;36.7
male;2009;5500;Atlantis;225;15.0;50.1
NA;2008;NA;Biscoe;NA;NA;NA
;2008; 4200 ;;201;17;45.2
 male ;2009.0;3900;"Torgersen";195;?;39.0
female;NA;4600;Atlantis;215;14.5;
ROWS
check_rows penguins "$new_rows" penguins_new
grep -q 'not seen in training' "$out/penguins_new.numpy.warnings" \
  || { echo "interop: no warning about the unseen island in $new_rows" >&2; failed=1; }
check_rows penguins "$new_rows" penguins_new_d --delimiter ';'  # the delimiter given

if [ "$failed" -ne 0 ]; then
  echo "interop: predict_numpy.py disagrees with nabla predict (see above)" >&2
  exit 1
fi
echo "interop: numpy predictions match nabla predict within 1e-5: 4 models, 6 checks"
