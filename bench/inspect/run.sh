#!/usr/bin/env bash
# inspect benchmark: (1) one 4000x3000 pair through the CLI (PNG decode included) on ONE core,
# median of 7 runs; (2) the full-size recall / false-positive evaluation over 50 generated pairs;
# (3) the DeepPCB evaluation (real scans, ../shared/real/pcb/deeppcb-trainval or $DEEPPCB) and
# the batch CLI over its pairs, all cores and one core.
# Needs $BUILD_DIR (a release build); scripts/bench.sh sets it.
set -euo pipefail
BUILD_DIR=${BUILD_DIR:?set BUILD_DIR to a release build directory}
SG="$BUILD_DIR/tools/supplyguard/supplyguard"
GEN="$BUILD_DIR/tools/supplyguard-gen/supplyguard-gen"
EVAL="$BUILD_DIR/bench/inspect/bench_inspect_eval"
PAIRS=${PAIRS:-50}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$GEN" board --seed 42 -o "$work/golden.png"
"$GEN" board --seed 42 --variant-seed 7 --plant extra --rotate 3.5 --scale 0.96 --brightness 1.18 \
  --white-balance 0.04 --blur --noise -o "$work/board.png" --truth "$work/truth.json"

pin=""
command -v taskset >/dev/null && pin="taskset -c 0"
times=()
for i in 1 2 3 4 5 6 7; do
  start=$(date +%s%N)
  OPENCV_FOR_THREADS_NUM=1 $pin "$SG" inspect --golden "$work/golden.png" --board "$work/board.png" >"$work/out.jsonl"
  end=$(date +%s%N)
  times+=($(( (end - start) / 1000000 )))
done
sorted=($(printf '%s\n' "${times[@]}" | sort -n))
echo "4000x3000 pair, CLI end to end (2 PNG decodes + inspect), one core ($pin):"
echo "  runs ms: ${times[*]}"
echo "  median: ${sorted[3]} ms  (bar: < 2000 ms)"
echo "  findings: $(wc -l <"$work/out.jsonl") ($(grep -o '"type":"[a-z_]*"' "$work/out.jsonl" | tr '\n' ' '))"
echo "  truth:    $(tr -d " \n" <"$work/truth.json")"
echo
echo "Full-size evaluation ($PAIRS designs, $pin):"
$pin "$EVAL" "$PAIRS" 4000 3000

# DeepPCB (real binarised scans): accuracy per defect kind, and batch speed end to end.
DEEPPCB=${DEEPPCB:-$(cd "$(dirname "$0")/../../.." && pwd)/shared/real/pcb/deeppcb-trainval}
if [ -f "$DEEPPCB/pairs.txt" ]; then
  echo
  echo "DeepPCB evaluation ($DEEPPCB, one thread, $pin):"
  $pin "$BUILD_DIR/bench/inspect/bench_inspect_deeppcb" "$DEEPPCB"
  awk -F'\t' -v d="$DEEPPCB" '{print d"/"$1"\t"d"/"$2}' "$DEEPPCB/pairs.txt" >"$work/deeppcb.tsv"
  n=$(wc -l <"$work/deeppcb.tsv")
  ms() { local s e; s=$(date +%s%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s%N); echo $(( (e - s) / 1000000 )); }
  ref=$(ms sh -c "cut -f1,2 '$work/deeppcb.tsv' | tr '\t' '\n' | xargs cat")
  all=$(ms "$SG" inspect --pairs "$work/deeppcb.tsv")
  one=$(ms $pin "$SG" inspect --threads 1 --pairs "$work/deeppcb.tsv")
  echo "batch, $n pairs through 'supplyguard inspect --pairs' (decode + inspect + JSON out):"
  echo "  all cores ($(nproc)): $all ms = $(( all / n )) ms per pair;  one core: $one ms = $(( one / n )) ms per pair  (bar: <= 50)"
  echo "  reference: cat of the same $((2 * n)) JPEGs: $ref ms;  load average: $(cut -d' ' -f1-3 /proc/loadavg)"
else
  echo "DeepPCB sample not found at $DEEPPCB: DeepPCB evaluation skipped"
fi
