//! Text in every script is shaped right: our renderer (cosmic-text) is compared with Pango and
//! HarfBuzz from Debian (`pango-view`, `hb-shape`) on the same font files.
//!
//! Two checks per script. Glyph ids: our glyph sequence for a line must equal `hb-shape`'s for
//! the same font file, which fixes glyph order, joining forms, ligatures and conjuncts exactly.
//! Pictures: our plain (no effects) rendering and pango-view's are cropped to their ink,
//! normalised to one small grid and correlated; a deliberately wrong rendering (Arabic letters
//! kept apart with ZWNJ or in reverse order, a Devanagari conjunct broken by virama + ZWNJ,
//! reversed Thai and Chinese) must score clearly worse against the same reference, which shows
//! the comparison can fail. Emoji must come out in colour. Finally a real export with an Arabic
//! title and an emoji title shows both on the frame.
//!
//! The tools come from `scripts/test-tools` (pango1.0-tools, libharfbuzz-bin), the fonts from
//! `scripts/setup` (fonts-noto-core, fonts-noto-cjk, fonts-noto-color-emoji).

use crate::support::*;
use reelsmith::render::fonts::FontSet;
use reelsmith::render::text::{render_plain_rgba, shaped_glyphs};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Type size both renderers draw at, in px.
const PX: f32 = 64.0;
/// Rows of the grid pictures are compared on (columns follow the reference's aspect ratio).
const GRID_H: usize = 24;
/// Lowest correlation our rendering may have with the reference.
const GOOD: f64 = 0.93;
/// How much worse than ours a wrong rendering must score, at least.
const MARGIN: f64 = 0.3;

/// An RGB picture.
struct Rgb {
    w: usize,
    h: usize,
    px: Vec<[u8; 3]>,
}

fn fonts() -> FontSet {
    FontSet::discover().expect("fonts are installed (scripts/setup)")
}

/// The chain's font file whose name ends with `name`.
fn font_file(fonts: &FontSet, name: &str) -> PathBuf {
    let paths = fonts.paths();
    let path = paths
        .iter()
        .find(|p| p.split(" (face").next().unwrap().ends_with(name))
        .unwrap_or_else(|| panic!("{name} is not in the font chain {paths:?}; run scripts/setup"));
    PathBuf::from(path.split(" (face").next().unwrap())
}

/// Ours: the same shaping and rasteriser titles use, in black (emoji in colour) on white.
fn ours(fonts: &FontSet, text: &str) -> Rgb {
    let (w, h, rgba) = render_plain_rgba(text, PX, true, fonts).unwrap();
    let px = rgba
        .chunks_exact(4)
        .map(|p| {
            let a = u32::from(p[3]);
            [0, 1, 2].map(|k| ((u32::from(p[k]) * a + 255 * (255 - a)) / 255) as u8)
        })
        .collect();
    Rgb {
        w: w as usize,
        h: h as usize,
        px,
    }
}

/// fontconfig's rule that scales bitmap fonts (the emoji font) to the size asked for; without
/// it, cairo draws emoji at their bitmaps' own size.
const SCALE_BITMAPS: &str = "/etc/fonts/conf.d/10-scale-bitmap-fonts.conf";

/// The reference: pango-view (Pango + HarfBuzz + cairo) with a fontconfig that knows only
/// `files`, so it draws with exactly those font files, at the same size, unhinted, black on white.
fn pango(text: &str, family: &str, files: &[PathBuf]) -> Rgb {
    let dir = tempfile::tempdir().unwrap();
    let font_dir = dir.path().join("fonts");
    std::fs::create_dir_all(&font_dir).unwrap();
    for f in files {
        std::os::unix::fs::symlink(f, font_dir.join(f.file_name().unwrap())).unwrap();
    }
    let conf = dir.path().join("fonts.conf");
    std::fs::write(
        &conf,
        format!(
            "<?xml version=\"1.0\"?>\n<!DOCTYPE fontconfig SYSTEM \"fonts.dtd\">\n<fontconfig>\
             <include ignore_missing=\"yes\">{SCALE_BITMAPS}</include>\
             <dir>{}</dir><cachedir>{}</cachedir></fontconfig>\n",
            font_dir.display(),
            dir.path().join("cache").display()
        ),
    )
    .unwrap();
    let out = dir.path().join("ref.png");
    let run = Command::new("pango-view")
        .env("FONTCONFIG_FILE", &conf)
        .args([
            "-q",
            "--pixels",
            "--hinting=none",
            "--antialias=gray",
            "--margin=16",
            "--background=white",
            "--foreground=black",
            &format!("--font={family} {PX}"),
            &format!("--text={text}"),
            "-o",
        ])
        .arg(&out)
        .output()
        .expect("pango-view runs (scripts/test-tools installs pango1.0-tools)");
    assert!(run.status.success(), "pango-view: {}", text_of(&run));
    read_png(&out)
}

fn text_of(out: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn read_png(path: &Path) -> Rgb {
    let mut decoder =
        png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).unwrap()));
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    let px = buf[..info.buffer_size()]
        .chunks_exact(channels)
        .map(|p| match channels {
            1 | 2 => [p[0]; 3],
            3 => [p[0], p[1], p[2]],
            _ => {
                let a = u32::from(p[3]);
                [0, 1, 2].map(|k| ((u32::from(p[k]) * a + 255 * (255 - a)) / 255) as u8)
            }
        })
        .collect();
    Rgb {
        w: info.width as usize,
        h: info.height as usize,
        px,
    }
}

/// How far each pixel is from white (0–1), whatever its colour: ink.
fn ink(img: &Rgb) -> Vec<f64> {
    img.px
        .iter()
        .map(|p| f64::from(255 - p.iter().min().unwrap()) / 255.0)
        .collect()
}

/// The ink's bounding box (x0, y0, x1, y1), exclusive ends.
fn ink_box(img: &Rgb) -> (usize, usize, usize, usize) {
    let ink = ink(img);
    let (mut x0, mut y0, mut x1, mut y1) = (usize::MAX, usize::MAX, 0, 0);
    for y in 0..img.h {
        for x in 0..img.w {
            if ink[y * img.w + x] > 0.2 {
                (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x + 1), y1.max(y + 1));
            }
        }
    }
    assert!(x0 < x1, "no ink at all");
    (x0, y0, x1, y1)
}

/// The ink cropped to its box and averaged down onto a `gw`×`gh` grid.
fn grid(img: &Rgb, gw: usize, gh: usize) -> Vec<f64> {
    let (x0, y0, x1, y1) = ink_box(img);
    let ink = ink(img);
    let (bw, bh) = ((x1 - x0) as f64, (y1 - y0) as f64);
    let mut sum = vec![0.0; gw * gh];
    let mut count = vec![0.0; gw * gh];
    for y in y0..y1 {
        for x in x0..x1 {
            let gx = (((x - x0) as f64 + 0.5) / bw * gw as f64) as usize;
            let gy = (((y - y0) as f64 + 0.5) / bh * gh as f64) as usize;
            let cell = gy.min(gh - 1) * gw + gx.min(gw - 1);
            sum[cell] += ink[y * img.w + x];
            count[cell] += 1.0;
        }
    }
    sum.iter()
        .zip(&count)
        .map(|(s, c)| if *c > 0.0 { s / c } else { 0.0 })
        .collect()
}

/// Correlation of the two pictures' ink on the grid the reference's aspect ratio gives; and the
/// ratio of their aspect ratios (1 = same shape).
fn score(candidate: &Rgb, reference: &Rgb) -> (f64, f64) {
    let aspect = |img: &Rgb| {
        let (x0, y0, x1, y1) = ink_box(img);
        (x1 - x0) as f64 / (y1 - y0) as f64
    };
    let gw = ((GRID_H as f64 * aspect(reference)).round() as usize).max(8);
    let (a, b) = (grid(candidate, gw, GRID_H), grid(reference, gw, GRID_H));
    let n = a.len() as f64;
    let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    let cov: f64 = a.iter().zip(&b).map(|(x, y)| (x - ma) * (y - mb)).sum();
    let va: f64 = a.iter().map(|x| (x - ma).powi(2)).sum();
    let vb: f64 = b.iter().map(|y| (y - mb).powi(2)).sum();
    let ratio = aspect(candidate) / aspect(reference);
    (cov / (va * vb).sqrt().max(1e-9), ratio.min(1.0 / ratio))
}

/// HarfBuzz's glyph ids for `text` in `file` (face `face`), left to right.
fn hb_shape(file: &Path, face: u32, text: &str) -> Vec<u16> {
    let run = Command::new("hb-shape")
        .args([
            "--no-glyph-names",
            "--no-positions",
            "--no-clusters",
            &format!("--face-index={face}"),
        ])
        .arg(file)
        .arg(text)
        .output()
        .expect("hb-shape runs (scripts/test-tools installs libharfbuzz-bin)");
    assert!(run.status.success(), "hb-shape: {}", text_of(&run));
    let out = String::from_utf8_lossy(&run.stdout);
    out.trim()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .split('|')
        .map(|g| g.parse().unwrap_or_else(|_| panic!("hb-shape said {out}")))
        .collect()
}

/// One script: the text, its font file and Pango family, and wrong renderings of it.
struct Case {
    text: &'static str,
    file: &'static str,
    family: &'static str,
    wrong: Vec<(&'static str, String)>,
}

fn cases() -> Vec<Case> {
    let arabic = "مرحبا بالعالم";
    let hindi = "नमस्ते दुनिया क्षत्रिय";
    let thai = "สวัสดีชาวโลก";
    let chinese = "你好世界";
    let spaced = |s: &str, mark: &str| {
        s.split(' ')
            .map(|w| w.chars().map(String::from).collect::<Vec<_>>().join(mark))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let reversed = |s: &str| s.chars().rev().collect::<String>();
    vec![
        Case {
            text: arabic,
            file: "NotoSansArabic-Bold.ttf",
            family: "Noto Sans Arabic Bold",
            wrong: vec![
                ("letters kept apart by ZWNJ", spaced(arabic, "\u{200C}")),
                ("reversed", reversed(arabic)),
            ],
        },
        Case {
            text: hindi,
            file: "NotoSansDevanagari-Bold.ttf",
            family: "Noto Sans Devanagari Bold",
            wrong: vec![
                (
                    "conjuncts broken by virama + ZWNJ",
                    hindi.replace('्', "्\u{200C}"),
                ),
                ("reversed", reversed(hindi)),
            ],
        },
        Case {
            text: thai,
            file: "NotoSansThai-Bold.ttf",
            family: "Noto Sans Thai Bold",
            wrong: vec![("reversed", reversed(thai))],
        },
        Case {
            text: chinese,
            file: "NotoSansCJK-Bold.ttc",
            family: "Noto Sans CJK SC Bold",
            wrong: vec![("reversed", reversed(chinese))],
        },
    ]
}

#[test]
fn glyph_sequences_match_harfbuzz() {
    let fonts = fonts();
    for case in cases() {
        let ours = shaped_glyphs(case.text, true, &fonts).unwrap();
        let (file, face) = (ours[0].0.clone(), ours[0].1);
        assert!(
            ours.iter().all(|g| g.0 == file) && file.ends_with(case.file),
            "{}: not all from {}: {ours:?}",
            case.text,
            case.file
        );
        let ids: Vec<u16> = ours.iter().map(|g| g.2).collect();
        let hb = hb_shape(&file, face, case.text);
        assert_eq!(ids, hb, "{}: ours vs hb-shape", case.text);
        // The check is sharp: a wrong text gives another sequence.
        for (what, wrong) in &case.wrong {
            let bad: Vec<u16> = shaped_glyphs(wrong, true, &fonts)
                .unwrap()
                .iter()
                .map(|g| g.2)
                .collect();
            assert_ne!(bad, hb, "{}: {what} shapes like the right text", case.text);
        }
    }
}

#[test]
fn renderings_match_pango_and_wrong_ones_do_not() {
    let fonts = fonts();
    let mut report = Vec::new();
    for case in cases() {
        let file = font_file(&fonts, case.file);
        let reference = pango(case.text, case.family, std::slice::from_ref(&file));
        let (good, aspect) = score(&ours(&fonts, case.text), &reference);
        report.push(format!(
            "{}: ours {good:.3} (aspect {aspect:.3})",
            case.text
        ));
        assert!(
            good >= GOOD && aspect >= 0.9,
            "{}: ours vs pango correlation {good:.3}, aspect ratio {aspect:.3}",
            case.text
        );
        for (what, wrong) in &case.wrong {
            let (bad, bad_aspect) = score(&ours(&fonts, wrong), &reference);
            report.push(format!(
                "{}: {what} {bad:.3} (aspect {bad_aspect:.3})",
                case.text
            ));
            assert!(
                bad <= good - MARGIN,
                "{}: {what} scores {bad:.3}, ours {good:.3}: the comparison cannot tell them apart",
                case.text
            );
        }
    }
    eprintln!("correlation with pango-view:\n  {}", report.join("\n  "));
}

/// Opaque pixels of clearly saturated colour (max − min channel over 80) in columns x0..x1.
fn coloured(img: &Rgb, x0: usize, x1: usize) -> usize {
    (0..img.h)
        .flat_map(|y| (x0..x1).map(move |x| (x, y)))
        .filter(|&(x, y)| {
            let p = img.px[y * img.w + x];
            p.iter().max().unwrap() - p.iter().min().unwrap() > 80
        })
        .count()
}

#[test]
fn emoji_render_in_colour_like_pango() {
    let fonts = fonts();
    let text = "Grand opening 🎉";
    let files = [
        font_file(&fonts, "DejaVuSans-Bold.ttf"),
        font_file(&fonts, "NotoColorEmoji.ttf"),
    ];
    let reference = pango(text, "DejaVu Sans Bold", &files);
    let mine = ours(&fonts, text);
    let (good, aspect) = score(&mine, &reference);
    let (bad, _) = score(&ours(&fonts, "Grand opening"), &reference);
    eprintln!("{text}: ours {good:.3} (aspect {aspect:.3}), without the emoji {bad:.3}");
    assert!(good >= GOOD && aspect >= 0.9, "{good:.3} / {aspect:.3}");
    assert!(bad <= good - MARGIN, "without emoji {bad:.3} vs {good:.3}");
    // Colour where the emoji is (the last em of ink), none in the letters before it.
    for (who, img) in [("ours", &mine), ("pango", &reference)] {
        let (x0, y0, x1, y1) = ink_box(img);
        let em = y1 - y0;
        let emoji = coloured(img, x1.saturating_sub(em).max(x0), x1);
        let letters = coloured(img, x0, x1.saturating_sub(2 * em));
        assert!(
            emoji > em * em / 8,
            "{who}: {emoji} coloured pixels in the emoji"
        );
        assert_eq!(letters, 0, "{who}: colour in the letters");
    }
}

/// One frame at `t` seconds as RGB, scaled to `w`×`h`.
fn rgb_frame(path: &Path, t: f64, w: u32, h: u32) -> Rgb {
    let out = ffmpeg(&[
        "-ss",
        &format!("{t:.3}"),
        "-i",
        path.to_str().unwrap(),
        "-frames:v",
        "1",
        "-vf",
        &format!("scale={w}:{h}"),
        "-f",
        "rawvideo",
        "-pix_fmt",
        "rgb24",
        "-",
    ]);
    assert_eq!(out.stdout.len(), (w * h * 3) as usize, "frame at {t}s");
    Rgb {
        w: w as usize,
        h: h as usize,
        px: out
            .stdout
            .chunks_exact(3)
            .map(|p| [p[0], p[1], p[2]])
            .collect(),
    }
}

#[test]
fn arabic_and_emoji_titles_export_and_show_on_the_frame() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    // Plain grey pictures: any colour on the frame comes from the title.
    let grey = |name: &str| {
        let path = dir.path().join(name);
        let run = ffmpeg(&[
            "-f",
            "lavfi",
            "-i",
            "color=c=0x808080:s=1280x720:d=1",
            "-frames:v",
            "1",
            "-y",
            path.to_str().unwrap(),
        ]);
        assert!(run.status.success());
        path
    };
    let stills = [grey("a.png"), grey("b.png")];
    let render = |title: &str, name: &str| {
        let out = dir.path().join(name);
        let run = reelsmith(&home)
            .arg("make")
            .args(&stills)
            .args([
                "--prompt",
                "a short clip",
                "--duration",
                "4",
                "--no-music",
                "--title",
                title,
                "-o",
            ])
            .arg(&out)
            .output()
            .unwrap();
        assert!(run.status.success(), "{title}: {}", text(&run));
        assert!((duration(&probe(&out)) - 4.0).abs() <= 0.1);
        rgb_frame(&out, 1.0, 640, 360)
    };
    let title_band = |img: &Rgb| {
        let (y0, y1) = (img.h / 5, img.h * 11 / 20);
        let ink: Vec<(usize, usize)> = (y0..y1)
            .flat_map(|y| (0..img.w).map(move |x| (x, y)))
            .filter(|&(x, y)| {
                let p = img.px[y * img.w + x];
                p.iter().any(|&c| c.abs_diff(0x80) > 60)
            })
            .collect();
        ink
    };
    for (title, name) in [
        ("مرحبا بالعالم", "ar.mp4"),
        ("Grand opening 🎉", "emoji.mp4"),
    ] {
        let frame = render(title, name);
        let ink = title_band(&frame);
        assert!(ink.len() > 2000, "{title}: only {} title pixels", ink.len());
        // Nothing below the title band changes.
        let below = (frame.h * 3 / 4..frame.h)
            .flat_map(|y| (0..frame.w).map(move |x| (x, y)))
            .filter(|&(x, y)| {
                frame.px[y * frame.w + x]
                    .iter()
                    .any(|&c| c.abs_diff(0x80) > 30)
            })
            .count();
        assert_eq!(below, 0, "{title}: marks below the title");
        let x1 = ink.iter().map(|p| p.0).max().unwrap();
        let x0 = ink.iter().map(|p| p.0).min().unwrap();
        let colour = coloured(&frame, x0, x1 + 1);
        if title.contains('🎉') {
            let right = coloured(&frame, x1 - (x1 - x0) / 6, x1 + 1);
            assert!(right > 200, "emoji not in colour on the frame: {right}");
        } else {
            assert!(colour < 20, "{title}: {colour} coloured pixels");
        }
    }
}
