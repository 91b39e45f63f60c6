#!/usr/bin/env bash
# Benchmark "promo-30s": 10 stills 1920x1080, Ken Burns, 0.5 s crossfades, a title over the first
# 3 s, music at 35% with a 1 s fade-out, loudness-normalised, 1080p30 H.264/AAC.
#
# Renders the same job three ways in one run and prints wall times and ratios:
#   reelsmith  — `reelsmith make` (release build)
#   draft      — `reelsmith make --draft` (360p preview), also as a ratio to reelsmith's final
#                render (render engine v2 target: ≤ 0.15)
#   reference  — one hand-written ffmpeg command doing the same (zoompan on a 2x canvas, xfade
#                chain, drawtext title, music with volume + fades, single-pass loudnorm)
#   moviepy    — the same job in MoviePy, when `pip install moviepy` works (skipped otherwise)
#
# Usage: bench/promo-30s.sh [RUNS]   (default 1 run each; the best time is reported)
#        MOVIEPY=0 bench/promo-30s.sh   skips the MoviePy column (it takes several minutes)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-1}
out=bench/out
mkdir -p "$out/stills"
export REELSMITH_HOME="$PWD/$out/home"

. bench/lib/promo-inputs.sh
font=/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf

best() { sort -n | head -1; }
timeit() { local s e; s=$(date +%s.%N); "$@" >/dev/null 2>&1; e=$(date +%s.%N); echo "$e - $s" | bc; }

run_reelsmith() {
  "$bin" make "$out"/stills/s*.jpg --music "$music" --prompt "a 30-second promo with crossfades" \
    --duration 30 --transition fade --title "Promo 30" -o "$out/reelsmith.mp4" -f
}

run_draft() {
  "$bin" make "$out"/stills/s*.jpg --music "$music" --prompt "a 30-second promo with crossfades" \
    --duration 30 --transition fade --title "Promo 30" -o "$out/draft.mp4" -f --draft
}

# The hand-written command: shots of 104 frames overlapping by 15 (10*104 - 9*15 = 905 ≈ 30 s).
run_reference() {
  local inputs=() graph="" prev="" i=0 off
  for f in "$out"/stills/s*.jpg; do
    inputs+=(-i "$f")
    graph+="[$i:v]scale=3840:2160,zoompan=z='1+0.15*on/103':x='iw/2-iw/zoom/2':y='ih/2-ih/zoom/2':d=104:s=1920x1080:fps=30,format=yuv420p,setsar=1[v$i];"
    i=$((i + 1))
  done
  prev="v0"
  for k in $(seq 1 9); do
    off=$(echo "scale=4; $k * (104 - 15) / 30" | bc)
    graph+="[$prev][v$k]xfade=transition=fade:duration=0.5:offset=$off[x$k];"
    prev="x$k"
  done
  graph+="[$prev]drawtext=fontfile=$font:text='Promo 30':fontsize=96:fontcolor=white:borderw=6:bordercolor=black@0.8:shadowx=4:shadowy=4:x=(w-tw)/2:y=h*0.38:enable='between(t,0,3)',trim=duration=30[vout];"
  graph+="[10:a]atrim=duration=30,afade=t=in:d=0.5,afade=t=out:st=29:d=1,volume=0.35,loudnorm=I=-14:TP=-1.5,aresample=48000[aout]"
  ffmpeg -v error -y "${inputs[@]}" -i "$music" -filter_complex "$graph" -map "[vout]" -map "[aout]" \
    -c:v libx264 -preset veryfast -crf 20 -profile:v high -pix_fmt yuv420p -r 30 \
    -c:a aac -b:a 192k -ar 48000 -ac 2 -t 30 -movflags +faststart "$out/reference.mp4"
}

moviepy_py="$out/.venv/bin/python"
if [ "${MOVIEPY:-1}" = 0 ]; then
  moviepy_py=/nonexistent
elif [ ! -x "$moviepy_py" ]; then
  python3 -m venv "$out/.venv" >/dev/null 2>&1 && "$out/.venv/bin/pip" install -q "moviepy>=2,<3" >/dev/null 2>&1 || true
fi
run_moviepy() {
  "$moviepy_py" - "$out" "$music" "$font" <<'PY'
import glob, sys
from moviepy import ImageClip, TextClip, AudioFileClip, CompositeVideoClip, concatenate_videoclips, vfx, afx
out, music, font = sys.argv[1:4]
shots = []
for i, f in enumerate(sorted(glob.glob(out + "/stills/s*.jpg"))):
    c = ImageClip(f).with_duration(104 / 30).resized(lambda t: 1 + 0.15 * t / (103 / 30))
    c = CompositeVideoClip([c.with_position("center")], size=(1920, 1080)).with_duration(104 / 30)
    if i:
        c = c.with_effects([vfx.CrossFadeIn(0.5)])
    shots.append(c)
video = concatenate_videoclips(shots, method="compose", padding=-0.5)
title = TextClip(font=font, text="Promo 30", font_size=96, color="white", stroke_color="black",
                 stroke_width=6).with_duration(3).with_position(("center", 0.38), relative=True)
audio = AudioFileClip(music).subclipped(0, 30).with_effects(
    [afx.MultiplyVolume(0.35), afx.AudioFadeIn(0.5), afx.AudioFadeOut(1)])
final = CompositeVideoClip([video, title]).with_duration(30).with_audio(audio)
final.write_videofile(out + "/moviepy.mp4", fps=30, codec="libx264", preset="veryfast",
                      audio_codec="aac", audio_fps=48000, logger=None,
                      ffmpeg_params=["-crf", "20", "-pix_fmt", "yuv420p", "-movflags", "+faststart"])
PY
}

r=(); f=(); m=(); d=()
for _ in $(seq 1 "$runs"); do
  r+=("$(timeit run_reelsmith)")
  d+=("$(timeit run_draft)")
  f+=("$(timeit run_reference)")
  if [ -x "$moviepy_py" ]; then m+=("$(timeit run_moviepy)"); fi
done
tr=$(printf '%s\n' "${r[@]}" | best)
tf=$(printf '%s\n' "${f[@]}" | best)
printf '%-12s %8s %8s\n' job wall_s ratio
printf '%-12s %8.2f %8.2f\n' reference "$tf" 1
printf '%-12s %8.2f %8.2f\n' reelsmith "$tr" "$(echo "scale=3; $tr / $tf" | bc)"
td=$(printf '%s\n' "${d[@]}" | best)
printf '%-12s %8.2f %8.2f   (draft / reelsmith final: %s)\n' draft "$td" "$(echo "scale=3; $td / $tf" | bc)" "$(echo "scale=3; $td / $tr" | bc)"
if [ ${#m[@]} -gt 0 ]; then
  tm=$(printf '%s\n' "${m[@]}" | best)
  printf '%-12s %8.2f %8.2f\n' moviepy "$tm" "$(echo "scale=3; $tm / $tf" | bc)"
else
  printf '%-12s %8s\n' moviepy "skipped (MOVIEPY=0, or pip install moviepy failed)"
fi
for v in reelsmith draft reference; do
  ffprobe -v error -show_entries format=duration:stream=width,height,codec_name -of csv=p=0 "$out/$v.mp4" | tr '\n' ' ' | sed "s/^/$v: /"; echo
done
