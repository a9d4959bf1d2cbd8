#!/usr/bin/env bash
# inspect demo: a golden board image, a photo of the "same" board taken at a slight angle under
# different light, with a tiny extra part planted between two passives, a removed part and a
# swapped part. supplyguard inspect finds them and boxes them on the photo.
set -euo pipefail
: "${SG:?}" "${SG_GEN:?}" "${DEMO_OUT:?}"
out="$DEMO_OUT/inspect"
mkdir -p "$out"

# 2000x1500 rather than the generator's default 4000x3000: the same three findings, and rendering
# and PNG-encoding a quarter of the pixels keeps the demo (run by `make test` too) quick.
size=(--width 2000 --height 1500)
echo "\$ supplyguard-gen board --seed 7 ${size[*]} -o golden.png"
"$SG_GEN" board --seed 7 "${size[@]}" -o "$out/golden.png"
echo "\$ supplyguard-gen board --seed 7 ${size[*]} --variant-seed 1 --plant extra --plant missing --plant swapped \\"
echo "    --rotate 3 --scale 1.03 --brightness 1.15 --white-balance 0.04 --blur --noise -o board.png --truth truth.json"
"$SG_GEN" board --seed 7 "${size[@]}" --variant-seed 1 --plant extra --plant missing --plant swapped \
  --rotate 3 --scale 1.03 --brightness 1.15 --white-balance 0.04 --blur --noise \
  -o "$out/board.png" --truth "$out/truth.json"
echo "ground truth (golden coordinates):"
tr -d ' \n' <"$out/truth.json" | grep -o '{"kind[^}]*}' | sed 's/^/  /'
echo
echo "\$ supplyguard inspect --golden golden.png --board board.png --annotate marked.png --format table"
rc=0
"$SG" inspect --golden "$out/golden.png" --board "$out/board.png" --annotate "$out/marked.png" --format table || rc=$?
echo "(exit $rc; annotated photo: $out/marked.png)"
echo
echo "\$ supplyguard inspect --golden golden.png --board board.png --fail-on high | head -1   # JSON lines for the SIEM"
rc=0
"$SG" inspect --golden "$out/golden.png" --board "$out/board.png" --fail-on high >"$out/findings.jsonl" || rc=$?
head -1 "$out/findings.jsonl"
echo "(exit $rc: a high finding with --fail-on high)"
echo
echo "\$ supplyguard inspect --golden golden.png --board other-board.png   # a different board design"
"$SG_GEN" board --seed 8 "${size[@]}" -o "$out/other-board.png"
"$SG" inspect --golden "$out/golden.png" --board "$out/other-board.png"
