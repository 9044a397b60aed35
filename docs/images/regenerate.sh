#!/usr/bin/env bash
# Regenerates the README's screenshots: docs/images/report.png (a `nabla train --report` page)
# and docs/images/progress.png (the progress bar on a terminal). Needs chromium (Debian:
# apt-get install chromium) and `script` (util-linux). Run from anywhere:
#
#   bash docs/images/regenerate.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
out=target/readme-images
rm -rf "$out" && mkdir -p "$out"
cargo build --release --quiet -p nabla-cli
nabla=target/release/nabla
shoot() { # URL PNG WIDTH HEIGHT
  chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run \
    --screenshot="$2" --window-size="$3,$4" "$1" 2>/dev/null
}

# The report of the breast-cancer classifier, top of the page.
"$nabla" train data/breast_cancer.csv --target malignant --early-stopping 10 --quiet \
  --report "$out/report" >/dev/null
shoot "file://$PWD/$out/report/index.html" docs/images/report.png 1200 1500

# The progress bar: `nabla train` on a terminal (recorded by `script`), one frame from the
# middle of the third epoch, drawn as a terminal would.
args="train data/digits.csv --target digit --epochs 5 --batch-size 2 --hidden 512,512"
script -qec "$nabla $args >/dev/null" "$out/typescript" >/dev/null
python3 - "$out/typescript" "$out/progress.html" "nabla $args" <<'EOF'
import html, re, sys
raw = open(sys.argv[1], encoding="utf-8", errors="replace").read()
raw = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", raw)  # cursor and colour codes
frames, kept = [], []
for line in raw.replace("\r\n", "\n").split("\n"):
    for part in line.split("\r"):
        # indicatif pads a printed line to the terminal's width and lets the terminal wrap.
        part = re.split(r"\s{3,}(?=epoch)", part)[0].rstrip()
        if re.match(r"epoch +\d+/\d+ +loss", part):
            kept.append(part)  # a finished epoch's line stays on the screen
        elif "steps" in part:
            frames.append((list(kept), part))
# A frame of epoch 3 about half way through.
candidates = [f for f in frames if f[1].startswith("epoch 3/")] or frames
lines, bar = candidates[len(candidates) // 2]
text = "\n".join(["$ " + sys.argv[3]] + lines + [bar])
page = f"""<!DOCTYPE html><html><head><meta charset="utf-8"><style>
body {{ margin: 0; background: #1e1e1e; }}
pre {{ color: #d4d4d4; font: 14px/1.5 'DejaVu Sans Mono', monospace; padding: 16px 20px; margin: 0; }}
</style></head><body><pre>{html.escape(text)}</pre></body></html>"""
open(sys.argv[2], "w").write(page)
EOF
shoot "file://$PWD/$out/progress.html" docs/images/progress.png 1100 150
echo "wrote docs/images/report.png and docs/images/progress.png"
