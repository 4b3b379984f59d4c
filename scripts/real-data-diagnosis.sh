#!/usr/bin/env bash
# docs/real-data.md, "what was wrong": the ATIS plateau with one setting changed per row, two runs
# at a time (one core each), then a markdown table of dev F1 at steps 100/200/300, the last loss
# per token, examples/s, and the cross-attention probability on the word being tagged (scripts/alignment.ts).
#
#   npm run build && bash scripts/real-data-diagnosis.sh [runs-folder]      (≈ 30 min on 2 cores)
#
# Needs ATIS in the dataset cache (hyperloader download atis, or HYPERLOADER_HOME pointing at a
# folder whose datasets/ holds it).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-runs/diagnosis}
cfg=configs/cpu/diagnosis/atis.yaml
hl() { node bin/hyperloader.js "$@"; }
[ -f datasets/tokenizers/diag-atis.json ] || hl tokenizer build --config "$cfg" >&2
rows=(
  "as the issue found it (position_bias_lr_scale 1)|"
  "position_bias_lr_scale 30|training.position_bias_lr_scale=30"
  "position_bias_lr_scale 100|training.position_bias_lr_scale=100"
  "scale 100, legacy cross-attention bias off|training.position_bias_lr_scale=100 model.legacy_cross_attention_bias=off"
  "scale 1, lr 3e-3 (every weight faster)|training.lr=3e-3"
  "scale 1, no label smoothing|training.label_smoothing=0"
  "scale 1, no dropout|model.random_init.dropout_rate=0"
  "scale 1, summed loss (the paper's reduction)|training.loss_reduction=sum"
  "scale 100, HyperLoader instead of plain T5|training.position_bias_lr_scale=100 peft.variant=hyperloader peft.adapter.reduction_factor=8 peft.lora.alpha=0.25"
  "scale 100, no length grouping (speed)|training.position_bias_lr_scale=100 training.group_by_length=0"
)
run_row() {
  local i=$1 sets=() kv
  IFS='|' read -r _ overrides <<<"${rows[$i]}"
  for kv in $overrides; do sets+=(--set "$kv"); done
  [ -f "$runs/row$i/results.json" ] || hl train --config "$cfg" --quiet --samples 0 --set experiment.runs_dir="$runs" --set experiment.name="row$i" "${sets[@]}" >/dev/null
}
for ((i = 0; i < ${#rows[@]}; i += 2)); do
  run_row "$i" &
  if ((i + 1 < ${#rows[@]})); then run_row $((i + 1)) & fi
  wait
done
echo "| run | dev F1 @100 | @200 | @300 | loss/token (last 50 steps) | examples/s | attention on the tagged word (best head, layer 0 / 1) |"
echo "|---|---|---|---|---|---|---|"
for i in "${!rows[@]}"; do
  IFS='|' read -r label _ <<<"${rows[$i]}"
  dir="$runs/row$i"
  f1=$(node -e '
    const fs = require("fs");
    const lines = fs.readFileSync(process.argv[1] + "/metrics.jsonl", "utf8").trim().split("\n").map(JSON.parse);
    const dev = Object.fromEntries(lines.filter((l) => l.split === "dev").map((l) => [l.step, l.average_f1]));
    const final = JSON.parse(fs.readFileSync(process.argv[1] + "/results.json", "utf8")).splits[0].average.f1;
    const steps = lines.filter((l) => l.task !== undefined).slice(-50);
    const loss = steps.reduce((a, l) => a + l.loss_per_token, 0) / steps.length;
    const all = lines.filter((l) => l.task !== undefined);
    const speed = all.reduce((a, l) => a + l.examples, 0) / all.reduce((a, l) => a + l.seconds, 0);
    console.log([dev[100], dev[200], final].map((x) => x.toFixed(3)).join(" | ") + " | " + loss.toFixed(3) + " | " + speed.toFixed(1));
  ' "$dir")
  att=$(node dist/scripts/alignment.js --run "$dir" --json | node -e '
    let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
      const r = JSON.parse(s).rows[0];
      console.log(r.bestHead.map((x) => x.toFixed(2)).join(" / ") + " (uniform " + r.uniform.toFixed(3) + ")");
    });')
  echo "| $label | $f1 | $att |"
done
