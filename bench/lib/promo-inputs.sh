# Shared by the bench scripts (sourced, with $out set): builds reelsmith (release, unless
# REELSMITH_BIN names a binary to use) and makes promo-30s's inputs once — ten distinct
# 1920x1080 stills and a 40 s music track.
if [ -n "${REELSMITH_BIN:-}" ]; then
  bin=$REELSMITH_BIN
else
  cargo build --release --quiet
  bin=target/release/reelsmith
fi

# Inputs, made once.
for i in $(seq -w 1 10); do
  f="$out/stills/s$i.jpg"
  [ -f "$f" ] && continue
  case $((10#$i % 4)) in
    0) src="testsrc2=s=1920x1080" ;;
    1) src="mandelbrot=s=1920x1080:start_scale=$((10#$i))" ;;
    2) src="gradients=s=1920x1080:c0=0xff7e5f:c1=0x2b1055:c2=0x00c9ff:nb_colors=3:seed=$i" ;;
    *) src="cellauto=s=1920x1080:rule=$((30 + 10#$i))" ;;
  esac
  # A hue turn per still keeps the ten pictures distinct (identical bytes would be one media item).
  ffmpeg -v error -y -f lavfi -i "$src" -vf "hue=h=$((10#$i * 36))" -frames:v 1 -q:v 2 "$f"
done
music="$out/music.m4a"
[ -f "$music" ] || ffmpeg -v error -y -f lavfi \
  -i "aevalsrc=0.2*sin(2*PI*220*t)+0.15*sin(2*PI*277.2*t)+0.12*sin(2*PI*329.6*t)+0.1*sin(2*PI*110*t)*(1+sin(2*PI*2*t))/2:s=48000:c=stereo:d=40" \
  -c:a aac -b:a 192k "$music"
