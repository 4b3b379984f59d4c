#!/usr/bin/env bash
# The numbers of the README's "Real data on a CPU" table for one configs/cpu/ config: builds its
# tokenizer (when missing), trains it under /usr/bin/time, then prints one markdown row per task:
# dev and test F1, wall time of `train` (start to exit, evaluation included), training examples/s,
# the process's peak RSS and the wasm heap's high-water mark.
#
#   npm run build && bash scripts/bench-cpu-config.sh configs/cpu/atis-snips.yaml [tokenizer build flags…]
#
# Needs the config's datasets in the cache (hyperloader download …, or HYPERLOADER_HOME pointing at
# a folder whose datasets/ holds them). Run it on an otherwise idle machine: it reports wall time.
set -euo pipefail
cd "$(dirname "$0")/.."
cfg=$1
shift
hl() { node bin/hyperloader.js "$@"; }
tok=$(node -e 'const y=require("yaml");console.log(y.parse(require("fs").readFileSync(process.argv[1],"utf8")).model.tokenizer)' "$cfg")
[ -f "$tok" ] || hl tokenizer build --config "$cfg" "$@" >&2
name=bench-$(basename "$cfg" .yaml)-$(date +%Y%m%d-%H%M%S)
timing=$(mktemp)
/usr/bin/time -v -o "$timing" node bin/hyperloader.js train --config "$cfg" --name "$name" --samples 0 >&2
wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$timing")
rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.2f", $2 / 1048576}' "$timing")
node -e '
  const fs = require("fs");
  const dir = process.argv[1];
  const r = JSON.parse(fs.readFileSync(dir + "/results.json", "utf8"));
  const info = JSON.parse(fs.readFileSync(dir + "/run.json", "utf8"));
  const f1 = (split, task) => r.splits.find((s) => s.split === split)?.tasks.find((t) => t.task === task)?.f1.toFixed(4) ?? "-";
  const heap = info.memory?.wasm_heap_bytes ? (info.memory.wasm_heap_bytes / 2 ** 30).toFixed(2) + " GiB" : "-";
  console.log("| config | task | dev F1 | test F1 | train wall time | steps | examples/s | peak RSS | wasm heap |");
  console.log("|---|---|---|---|---|---|---|---|---|");
  for (const t of r.splits[0].tasks.map((t) => t.task)) {
    console.log(`| ${process.argv[2]} | ${t} | ${f1("dev", t)} | ${f1("test", t)} | ${process.argv[3]} | ${info.step} | ${info.examples_per_second.toFixed(1)} | ${process.argv[4]} GiB | ${heap} |`);
  }
  console.log(`run: ${dir}; node ${process.version}; ${require("os").cpus()[0].model} × ${require("os").cpus().length}`);
' "runs/$name" "$cfg" "$wall" "$rss"
