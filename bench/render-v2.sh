#!/usr/bin/env bash
# Render engine v2 figures for the promo-30s job, each measured in this run against a reference
# measured in the same run (targets from the render-engine issue):
#   (a) full render vs the encode-only floor: the finished MP4 decoded and re-encoded with the
#       same x264 settings, audio copied — target ≤ 1.30
#   (b) re-export after changing one caption (one script line) vs the full render — target
#       ≤ 0.25 (the render cache reuses every window the caption is not on, and the soundtrack)
#   (c) draft vs final — target ≤ 0.15
#   (d) four formats in one export (make --formats) vs four single renders (make --aspect),
#       each measured with nothing cached — target ≤ 0.6
#       Beside it, (d) floor: the encode-only floor of the four files (each decoded and
#       re-encoded like (a)'s floor) against the same four renders — the lowest (d) can be
#       while the four files are encoded with the same settings
#   (e) peak memory of the whole render (reelsmith + its ffmpeg children) at 1080p and 4K —
#       targets ≤ 400 MB and ≤ 1.2 GB
#
# Usage: bench/render-v2.sh [RUNS]   (best of RUNS, default 1)
#        REELSMITH_BIN=target/debug/reelsmith bench/render-v2.sh   (skip the release build)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-1}
out=bench/out
mkdir -p "$out/stills"
export REELSMITH_HOME="$PWD/$out/home"
. bench/lib/promo-inputs.sh

best() { sort -n | head -1; }
timeit() { local s e; s=$(date +%s.%N); "$@" >/dev/null 2>&1; e=$(date +%s.%N); echo "$e - $s" | bc; }
ratio() { echo "scale=3; $1 / $2" | bc; }
# CPU seconds (user + sys) of every process the command ran, printed after the wall time: on a
# shared machine the wall clock also measures the neighbours, the CPU work does not.
timecpu() {
  local s e c
  c=$(mktemp)
  s=$(date +%s.%N); /usr/bin/time -f '%U %S' -o "$c" bash -c '"$@"' _ "$@" >/dev/null 2>&1; e=$(date +%s.%N)
  echo "$e - $s" | bc
  tail -1 "$c" | awk '{ print $1 + $2 }'
  rm -f "$c"
}
# A title, seven captions (one per shot or so) and an end card; script-b changes one caption.
printf 'Promo 30\nFresh every morning\nMade by hand\nOpen late on Fridays\nLocal flour only\nCoffee from the corner\nKids eat free\nFree delivery\nSee you soon\n' >"$out/script-a.txt"
sed 's/Made by hand/Baked by hand/' "$out/script-a.txt" >"$out/script-b.txt"
cold() { rm -rf "$REELSMITH_HOME/cache"; } # full renders are measured with nothing cached
make_promo() { # OUTPUT SCRIPT [extra make args]
  local o=$1 script=$2; shift 2
  "$bin" make "$out"/stills/s*.jpg --music "$music" --prompt "a 30-second promo with crossfades" \
    --duration 30 --transition fade --script "$script" -o "$o" -f "$@"
}
floor() { # the encode-only floor of the final file
  ffmpeg -v error -y -i "$out/v2-final.mp4" -map 0 -c:v libx264 -preset veryfast -crf 20 \
    -profile:v high -pix_fmt yuv420p -c:a copy "$out/v2-floor.mp4"
}
floor4() { # the encode-only floor of the four files of one --formats export
  for a in 16x9 9x16 1x1 4x5; do
    ffmpeg -v error -y -i "$out/v2-formats-$a.mp4" -map 0 -c:v libx264 -preset veryfast -crf 20 \
      -profile:v high -pix_fmt yuv420p -c:a copy "$out/v2-floor4.mp4" || return 1
  done
}

four_singles() {
  for a in 16:9 9:16 1:1 4:5; do
    cold; make_promo "$out/v2-single.mp4" "$out/script-a.txt" --aspect "$a" || return 1
  done
}
export -f cold make_promo four_singles # run by timecpu's bash
export bin out music
full=(); flo=(); dra=(); edi=(); fmt=(); sgl=(); fl4=(); cfmt=(); csgl=()
for _ in $(seq 1 "$runs"); do
  cold; full+=("$(timeit make_promo "$out/v2-final.mp4" "$out/script-a.txt")")
  edi+=("$(timeit make_promo "$out/v2-edited.mp4" "$out/script-b.txt")")
  flo+=("$(timeit floor)")
  cold; dra+=("$(timeit make_promo "$out/v2-draft.mp4" "$out/script-a.txt" --draft)")
  cold; r=($(timecpu make_promo "$out/v2-formats.mp4" "$out/script-a.txt" --formats 16:9,9:16,1:1,4:5))
  fmt+=("${r[0]}"); cfmt+=("${r[1]}")
  r=($(timecpu four_singles)); sgl+=("${r[0]}"); csgl+=("${r[1]}")
  fl4+=("$(timeit floor4)")
done
tfull=$(printf '%s\n' "${full[@]}" | best)
tfloor=$(printf '%s\n' "${flo[@]}" | best)
tdraft=$(printf '%s\n' "${dra[@]}" | best)
tedit=$(printf '%s\n' "${edi[@]}" | best)
tfmt=$(printf '%s\n' "${fmt[@]}" | best)
tsgl=$(printf '%s\n' "${sgl[@]}" | best)
tfl4=$(printf '%s\n' "${fl4[@]}" | best)
cpufmt=$(printf '%s\n' "${cfmt[@]}" | best)
cpusgl=$(printf '%s\n' "${csgl[@]}" | best)
peak() { bench/peak-rss.py "$@" 2>&1 >/dev/null | awk '/peak_rss_mb/ {print $2}'; }
cold; p1080=$(peak "$bin" make "$out"/stills/s*.jpg --music "$music" --prompt "a 30-second promo" \
  --duration 30 --transition fade --title "Promo 30" -o "$out/v2-mem1080.mp4" -f)
cold; p2160=$(peak "$bin" make "$out"/stills/s*.jpg --music "$music" --prompt "a 30-second promo" \
  --duration 30 --transition fade --title "Promo 30" --resolution 4k -o "$out/v2-mem2160.mp4" -f)

printf '%-34s %9s %9s %8s %8s\n' figure measured reference ratio target
printf '%-34s %8.2fs %8.2fs %8s %8s\n' "(a) full render / encode floor" "$tfull" "$tfloor" "$(ratio "$tfull" "$tfloor")" "<=1.30"
printf '%-34s %8.2fs %8.2fs %8s %8s\n' "(b) one-caption re-export / full" "$tedit" "$tfull" "$(ratio "$tedit" "$tfull")" "<=0.25"
printf '%-34s %8.2fs %8.2fs %8s %8s\n' "(c) draft / final" "$tdraft" "$tfull" "$(ratio "$tdraft" "$tfull")" "<=0.15"
printf '%-34s %8.2fs %8.2fs %8s %8s\n' "(d) four formats / four renders" "$tfmt" "$tsgl" "$(ratio "$tfmt" "$tsgl")" "<=0.6"
printf '%-34s %8.2fs %8.2fs %8s %8s\n' "(d) CPU s: four formats / four renders" "$cpufmt" "$cpusgl" "$(ratio "$cpufmt" "$cpusgl")" "-"
printf '%-34s %8.2fs %8.2fs %8s %8s\n' "(d) floor: encode four / four renders" "$tfl4" "$tsgl" "$(ratio "$tfl4" "$tsgl")" "-"
printf '%-34s %8sMB %9s %8s %8s\n' "(e) peak memory 1080p" "$p1080" - - "<=400MB"
printf '%-34s %8sMB %9s %8s %8s\n' "(e) peak memory 4K" "$p2160" - - "<=1200MB"
