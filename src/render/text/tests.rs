use super::breaks::{NO_BREAK_SPACE, WORD_JOINER, with_break_policy};
use super::effects::{box_blur, outline_mask};
use super::shape::Shaped;
use super::*;
use crate::render::fonts::FontError;

const DEJAVU_BOLD: &str = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf";
pub(super) const FRAMES: [(u32, u32); 4] = [(1920, 1080), (1080, 1920), (1080, 1080), (3840, 2160)];
const ROLES: [TextRole; 3] = [TextRole::Title, TextRole::Caption, TextRole::EndCard];
const LONG_CAPTION: &str = "Our beans are roasted fresh every single morning in small \
    batches and shipped to your door within two days of roasting";
const LONG_CHINESE: &str = "我们每天早上新鲜烘焙咖啡豆，小批量生产，并在两天之内送到您家门口，让您每天都能喝到最新鲜的咖啡。";

pub(super) fn discovered() -> FontSet {
    FontSet::discover().expect("fonts are installed on this machine")
}

pub(super) fn dejavu_only() -> FontSet {
    FontSet::from_paths(&[PathBuf::from(DEJAVU_BOLD)]).expect("DejaVu Sans Bold is installed")
}

/// Fonts with CJK glyphs, or None (with a note) where none is installed.
fn cjk_fonts() -> Option<FontSet> {
    let fonts = discovered();
    if fonts.has_cjk() {
        Some(fonts)
    } else {
        eprintln!("note: no CJK font installed (apt-get install -y fonts-noto-cjk); skipped");
        None
    }
}

/// The safe area from the spec's fractions, computed independently of `SafeArea`:
/// (left, top, right, bottom) in frame pixels.
fn spec_safe(w: u32, h: u32) -> (f64, f64, f64, f64) {
    let (w, h) = (f64::from(w), f64::from(h));
    if h > w {
        (0.06 * w, 0.10 * h, 0.86 * w, 0.78 * h)
    } else {
        (0.05 * w, 0.08 * h, 0.95 * w, 0.92 * h)
    }
}

pub(super) fn pixel(rgba: &[u8], p: &Placed, x: u32, y: u32) -> [u8; 4] {
    let i = ((y * p.width + x) * 4) as usize;
    rgba[i..i + 4].try_into().unwrap()
}

#[test]
fn cjk_renders_as_distinct_glyphs() {
    let Some(fonts) = cjk_fonts() else { return };
    let mut images = Vec::new();
    for c in ['你', '好', '世', '界'] {
        let (placed, rgba) =
            render_text_rgba(&c.to_string(), TextRole::Caption, 1920, 1080, &fonts).unwrap();
        // Real ink: the glyph draws plenty of near-white text pixels on the box.
        let white = rgba
            .chunks_exact(4)
            .filter(|p| p[0] > 230 && p[3] > 230)
            .count();
        assert!(white > 200, "{c}: only {white} text pixels");
        images.push((c, placed, rgba));
    }
    for (i, a) in images.iter().enumerate() {
        for b in &images[i + 1..] {
            assert!(
                a.1 != b.1 || a.2 != b.2,
                "'{}' and '{}' rendered identically (tofu?)",
                a.0,
                b.0
            );
        }
    }
    // Together they lay out as four full-width cells, not four narrow boxes.
    let (one, _) = render_text_rgba("你", TextRole::Caption, 1920, 1080, &fonts).unwrap();
    let (four, _) = render_text_rgba("你好世界", TextRole::Caption, 1920, 1080, &fonts).unwrap();
    let em = 0.05 * 1080.0;
    let grown = f64::from(four.width - one.width);
    assert!(
        (grown - 3.0 * em).abs() < 0.1 * em,
        "3 more chars added {grown} px"
    );
}

#[test]
fn cjk_without_a_cjk_font_is_an_error_not_tofu() {
    let fonts = dejavu_only();
    match fonts.check_coverage("你好世界") {
        Err(FontError::Missing { chars, .. }) => assert_eq!(chars, "你好世界"),
        other => panic!("expected Missing, got {other:?}"),
    }
    let err = render_text_rgba("Hi 你好世界", TextRole::Title, 1920, 1080, &fonts).unwrap_err();
    match &err {
        TextError::Font(FontError::Missing { chars, .. }) => assert_eq!(chars, "你好世界"),
        other => panic!("expected Missing, got {other:?}"),
    }
    assert!(err.to_string().contains('界'), "{err}");

    let path = std::env::temp_dir().join(format!("reelsmith-tofu-{}.png", std::process::id()));
    let err = render_text_png("你好世界", TextRole::Caption, 1920, 1080, &fonts, &path);
    assert!(matches!(
        err,
        Err(TextError::Font(FontError::Missing { .. }))
    ));
    assert!(!path.exists(), "no image may be written for uncovered text");
}

#[test]
fn mixed_latin_and_cjk_use_both_fonts() {
    let Some(fonts) = cjk_fonts() else { return };
    let faces = faces_of(&fonts, "Hello 世界 2026", BOLD);
    let cjk = fonts.lookup('世').unwrap();
    let mut used: Vec<usize> = faces.iter().map(|f| f.unwrap()).collect();
    used.dedup();
    // Latin, then CJK, then digits back in the Latin font.
    assert_eq!(used, vec![0, cjk, 0]);
    assert_eq!(faces.len(), "Hello 世界 2026".chars().count(), "{faces:?}");
    let (placed, rgba) =
        render_text_rgba("Hello 世界 2026", TextRole::Title, 1920, 1080, &fonts).unwrap();
    assert_eq!(rgba.len(), (placed.width * placed.height * 4) as usize);
}

/// The chain index of the face of each glyph of `text` laid out on one line.
pub(super) fn faces_of(fonts: &FontSet, text: &str, weight: u16) -> Vec<Option<usize>> {
    let mut engine = fonts.engine();
    let mut shaped = Shaped::new(fonts, &mut engine, &paragraphs(text), weight);
    let lines = shaped
        .lay_out(&mut engine, 40.0, f32::INFINITY, false)
        .unwrap();
    shaped.faces(&engine, &lines)
}

/// Lines of `text` wrapped at `width` px with 40 px type.
pub(super) fn wrap(
    fonts: &FontSet,
    text: &str,
    width: f32,
    split_long: bool,
) -> Option<Vec<String>> {
    let mut engine = fonts.engine();
    let mut shaped = Shaped::new(fonts, &mut engine, &paragraphs(text), BOLD);
    let lines = shaped.lay_out(&mut engine, 40.0, width, split_long)?;
    Some(lines.texts.iter().map(|t| breaks::plain(t)).collect())
}

#[test]
fn every_role_stays_inside_the_safe_area() {
    let fonts = cjk_fonts().unwrap_or_else(dejavu_only);
    let mut texts = vec![
        "Summer Sale",
        "Summer Sale — 50% Off Everything In Store Today Only",
        LONG_CAPTION,
        "Supercalifragilisticexpialidocious-and-then-some-more-unbreakable-text",
    ];
    if fonts.has_cjk() {
        texts.extend([LONG_CHINESE, "夏日特卖：全场五折！"]);
    }
    for (w, h) in FRAMES {
        let (left, top, right, bottom) = spec_safe(w, h);
        for role in ROLES {
            for text in &texts {
                let (p, rgba) = render_text_rgba(text, role, w, h, &fonts)
                    .unwrap_or_else(|e| panic!("{w}x{h} {role:?} {text:?}: {e}"));
                let what = format!("{w}x{h} {role:?} {text:?} at {p:?}");
                assert_eq!(rgba.len(), (p.width * p.height * 4) as usize, "{what}");
                assert!(f64::from(p.x) >= left.floor(), "{what}: left of safe area");
                assert!(f64::from(p.y) >= top.floor(), "{what}: above safe area");
                assert!(
                    f64::from(p.x + p.width) <= right.ceil(),
                    "{what}: right of safe area"
                );
                assert!(
                    f64::from(p.y + p.height) <= bottom.ceil(),
                    "{what}: below safe area"
                );
                // Cropped: the outermost rows and columns carry some opacity.
                let row_has_ink = |y| (0..p.width).any(|x| pixel(&rgba, &p, x, y)[3] > 0);
                let col_has_ink = |x| (0..p.height).any(|y| pixel(&rgba, &p, x, y)[3] > 0);
                assert!(
                    row_has_ink(0) && row_has_ink(p.height - 1),
                    "{what}: not cropped"
                );
                assert!(
                    col_has_ink(0) && col_has_ink(p.width - 1),
                    "{what}: not cropped"
                );
            }
        }
    }
}

#[test]
fn roles_sit_where_they_belong() {
    let fonts = dejavu_only();
    for (w, h) in FRAMES {
        let portrait = h > w;
        let (left, top, right, bottom) = spec_safe(w, h);
        let hf = f64::from(h);
        let (t, _) = render_text_rgba("Big News", TextRole::Title, w, h, &fonts).unwrap();
        let centre = f64::from(t.y) + f64::from(t.height) / 2.0;
        let want = if portrait { 0.30 } else { 0.38 } * hf;
        assert!(
            (centre - want).abs() < 0.03 * hf,
            "{w}x{h}: title centre {centre}, want {want}"
        );
        let mid = f64::from(t.x) + f64::from(t.width) / 2.0;
        assert!(
            (mid - (left + right) / 2.0).abs() < 0.02 * f64::from(w),
            "{w}x{h}: title off centre"
        );

        let (c, _) = render_text_rgba("Hello there", TextRole::Caption, w, h, &fonts).unwrap();
        let gap = bottom - f64::from(c.y + c.height);
        assert!(
            (0.0..1.0).contains(&gap),
            "{w}x{h}: caption {gap} px above the safe bottom"
        );

        let (e, _) = render_text_rgba("Follow for more", TextRole::EndCard, w, h, &fonts).unwrap();
        let centre = f64::from(e.y) + f64::from(e.height) / 2.0;
        assert!(
            (centre - (top + bottom) / 2.0).abs() < 2.0,
            "{w}x{h}: end card not centred"
        );
    }
}

#[test]
fn long_captions_wrap_within_the_safe_width() {
    let fonts = cjk_fonts().unwrap_or_else(dejavu_only);
    let mut texts = vec![LONG_CAPTION];
    if fonts.has_cjk() {
        texts.push(LONG_CHINESE);
    }
    for (w, h) in FRAMES {
        let (left, _, right, _) = spec_safe(w, h);
        let style = Style::for_role(TextRole::Caption, h > w);
        let (one, _) = render_text_rgba("Hello there", TextRole::Caption, w, h, &fonts).unwrap();
        for text in &texts {
            let (p, _) = render_text_rgba(text, TextRole::Caption, w, h, &fonts).unwrap();
            let what = format!("{w}x{h} {text:?} {p:?}");
            // Long captions shrink (to 70%) before taking a third line, so compare with one
            // line's box at the size actually used as well as with a short caption's box.
            let layout = fit(
                &paragraphs(text),
                &fonts,
                &style,
                &SafeArea::of(w, h),
                w.min(h),
            )
            .unwrap();
            assert!(layout.lines.len() >= 2, "{what}: {:?}", layout.lines);
            let single = layout.metrics.block(layout.size, 1) + 2.0 * style.pad_y * layout.size;
            assert!(
                f64::from(p.height) > 1.6 * f64::from(single),
                "{what}: not wrapped"
            );
            assert!(
                f64::from(p.height) > 1.3 * f64::from(one.height),
                "{what}: not wrapped"
            );
            assert!(
                f64::from(p.width) <= right - left + 1.0,
                "{what}: wider than safe area"
            );
        }
    }
}

#[test]
fn wrapping_never_drops_text() {
    let fonts = cjk_fonts().unwrap_or_else(dejavu_only);
    let mut texts = vec![LONG_CAPTION.to_string(), "word ".repeat(120)];
    if fonts.has_cjk() {
        texts.push(LONG_CHINESE.repeat(3));
    }
    for text in &texts {
        let paras = paragraphs(text);
        let style = Style::for_role(TextRole::Caption, true);
        let layout = fit(&paras, &fonts, &style, &SafeArea::of(1080, 1920), 1080).unwrap();
        let strip = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
        assert_eq!(strip(&layout.lines.concat()), strip(text));
        assert!(layout.lines.len() >= 3, "{} lines", layout.lines.len());
    }
}

#[test]
fn caption_shrinks_before_adding_a_third_line_and_stays_legible_on_phones() {
    let fonts = dejavu_only();
    let style = Style::for_role(TextRole::Caption, true);
    let safe = SafeArea::of(1080, 1920);
    let short = fit(&paragraphs("Hello there"), &fonts, &style, &safe, 1080).unwrap();
    assert!(short.size >= 48.0, "caption {} px on 9:16", short.size);
    let long = fit(&paragraphs(LONG_CAPTION), &fonts, &style, &safe, 1080).unwrap();
    assert!(
        long.size >= 48.0,
        "caption shrank to {} px on 9:16",
        long.size
    );
    let medium = "Fresh beans roasted every morning, shipped today";
    let m = fit(&paragraphs(medium), &fonts, &style, &safe, 1080).unwrap();
    assert!(m.lines.len() <= 2, "{:?}", m.lines);
    assert!(
        m.size < short.size,
        "expected the font to shrink for {medium:?}"
    );
}

#[test]
fn breaks_follow_script_rules() {
    let fonts = cjk_fonts().unwrap_or_else(dejavu_only);
    // Latin breaks only at spaces: at a width for about one word, one word a line.
    let lines = wrap(&fonts, "Hello brave world", 160.0, false).unwrap();
    assert_eq!(lines, vec!["Hello", "brave", "world"]);
    // Explicit newlines are kept as line breaks.
    let lines = wrap(&fonts, "One\r\ntwo\n\n  three  ", 1000.0, false).unwrap();
    assert_eq!(lines, vec!["One", "two", "three"]);
    // A word wider than the line is split only when allowed.
    assert!(wrap(&fonts, "Wordwordwordword", 100.0, false).is_none());
    let split = wrap(&fonts, "Wordwordwordword", 100.0, true).unwrap();
    assert!(split.len() > 1);
    assert_eq!(split.concat(), "Wordwordwordword");
    if !fonts.has_cjk() {
        return;
    }
    // CJK breaks between characters, never before closing punctuation or after opening, at
    // every width.
    let text = "你好，「世界」！ちょっと待ってー";
    for width in (45..400).step_by(7) {
        let Some(lines) = wrap(&fonts, text, width as f32, false) else {
            continue;
        };
        assert_eq!(lines.concat(), text, "{width}: {lines:?}");
        for pair in lines.windows(2) {
            let first = pair[1].chars().next().unwrap();
            let last = pair[0].chars().next_back().unwrap();
            assert!(
                !"，」！ょっー".contains(first) && last != '「',
                "{width}: {lines:?}"
            );
        }
    }
    let lines = wrap(&fonts, "你好，「世界」！", 130.0, false).unwrap();
    assert_eq!(lines, vec!["你好，", "「世", "界」！"]);
}

#[test]
fn a_lone_dash_never_starts_a_line() {
    let fonts = dejavu_only();
    assert_eq!(
        with_break_policy("Main Street - first cup"),
        format!("Main Street{NO_BREAK_SPACE}- first cup")
    );
    assert_eq!(
        with_break_policy("Sale — 50% off"),
        format!("Sale{NO_BREAK_SPACE}— 50% off")
    );
    // Hyphenated words and a leading dash are left alone.
    assert_eq!(with_break_policy("first-class"), "first-class");
    assert_eq!(with_break_policy("- first"), "- first");
    // Where UAX #14 already forbids the break nothing is added.
    assert_eq!(with_break_policy("「世界」！"), "「世界」！");
    assert!(!with_break_policy("Hello, world").contains(WORD_JOINER));
    for text in ["Main Street - first cup", "Main Street — first cup"] {
        for width in (150..700).step_by(10) {
            let Some(lines) = wrap(&fonts, text, width as f32, false) else {
                continue;
            };
            for line in &lines[1..] {
                assert!(!line.starts_with(['-', '—']), "{width}: {lines:?}");
            }
        }
    }
    // The end card on a phone frame, where the greedy wrap would have put the dash first.
    let style = Style::for_role(TextRole::EndCard, true);
    for (w, h) in FRAMES {
        let layout = fit(
            &paragraphs("Visit Main Street - first cup is on us"),
            &fonts,
            &style,
            &SafeArea::of(w, h),
            w.min(h),
        )
        .unwrap();
        for line in &layout.lines {
            assert!(!line.starts_with('-'), "{w}x{h}: {:?}", layout.lines);
        }
    }
}

#[test]
fn title_has_white_fill_dark_outline_and_soft_shadow() {
    let fonts = dejavu_only();
    let (p, rgba) = render_text_rgba("Summer Sale", TextRole::Title, 1920, 1080, &fonts).unwrap();
    let opaque: Vec<&[u8]> = rgba.chunks_exact(4).filter(|px| px[3] == 255).collect();
    let white = opaque.iter().filter(|px| px[0] >= 240).count();
    let black = opaque.iter().filter(|px| px[0] <= 40).count();
    assert!(white > 1000, "{white} opaque white fill pixels");
    assert!(black > 500, "{black} opaque dark outline pixels");
    // The shadow: translucent dark pixels, none of them near fully opaque.
    let soft = rgba
        .chunks_exact(4)
        .filter(|px| px[0] <= 10 && (20..=140).contains(&px[3]))
        .count();
    assert!(soft > 500, "{soft} soft shadow pixels");
    // Colours stay grey (straight alpha, no channel mix-ups).
    assert!(
        rgba.chunks_exact(4)
            .all(|px| px[0] == px[1] && px[1] == px[2])
    );
    assert_eq!(rgba.len(), (p.width * p.height * 4) as usize);
}

#[test]
fn caption_sits_on_a_translucent_rounded_box() {
    let fonts = dejavu_only();
    let (p, rgba) = render_text_rgba("Hello there", TextRole::Caption, 1920, 1080, &fonts).unwrap();
    // Inside the padding near the top-left corner and at the top middle: the box, ~60% black.
    for (x, y) in [(p.height / 10, p.height / 10), (p.width / 2, p.height / 10)] {
        let px = pixel(&rgba, &p, x, y);
        assert!(
            (148..=158).contains(&px[3]),
            "box alpha {} at ({x},{y})",
            px[3]
        );
        assert!(px[0] <= 5, "box colour {} at ({x},{y})", px[0]);
    }
    // The very corner is rounded away.
    assert!(pixel(&rgba, &p, 0, 0)[3] < 60);
    // White text on top.
    let text = rgba
        .chunks_exact(4)
        .filter(|px| px[0] >= 240 && px[3] == 255)
        .count();
    assert!(text > 500, "{text} white text pixels");
}

#[test]
fn end_card_is_outlined_text_on_a_box() {
    let fonts = dejavu_only();
    let (p, rgba) = render_text_rgba("Shop now", TextRole::EndCard, 1920, 1080, &fonts).unwrap();
    let px = pixel(&rgba, &p, p.width / 2, p.height / 12);
    assert!((110..=120).contains(&px[3]), "box alpha {}", px[3]);
    let opaque: Vec<&[u8]> = rgba.chunks_exact(4).filter(|px| px[3] == 255).collect();
    assert!(opaque.iter().filter(|px| px[0] >= 240).count() > 1000);
    assert!(opaque.iter().filter(|px| px[0] <= 40).count() > 300);
}

#[test]
fn font_size_scales_with_the_frame() {
    let fonts = dejavu_only();
    let (hd, _) = render_text_rgba("Summer Sale", TextRole::Title, 1920, 1080, &fonts).unwrap();
    let (uhd, _) = render_text_rgba("Summer Sale", TextRole::Title, 3840, 2160, &fonts).unwrap();
    for (a, b) in [(hd.height, uhd.height), (hd.width, uhd.width)] {
        let ratio = f64::from(b) / f64::from(a);
        assert!((1.8..=2.2).contains(&ratio), "4K/1080p ratio {ratio}");
    }
}

#[test]
fn png_decodes_with_the_returned_size() {
    let fonts = dejavu_only();
    let path = std::env::temp_dir().join(format!("reelsmith-title-{}.png", std::process::id()));
    let placed = render_text_png("Summer Sale", TextRole::Title, 1280, 720, &fonts, &path).unwrap();
    let (_, expected) =
        render_text_rgba("Summer Sale", TextRole::Title, 1280, 720, &fonts).unwrap();
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&path).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    std::fs::remove_file(&path).unwrap();
    assert_eq!((info.width, info.height), (placed.width, placed.height));
    assert_eq!(info.color_type, png::ColorType::Rgba);
    assert_eq!(info.bit_depth, png::BitDepth::Eight);
    assert_eq!(&buf[..info.buffer_size()], &expected[..]);
    let mut part = path.into_os_string();
    part.push(".part");
    assert!(!PathBuf::from(part).exists());
}

#[test]
fn empty_text_is_an_error() {
    let fonts = dejavu_only();
    for text in ["", "   ", "\n\t \r\n", "\u{200B}\u{FEFF}"] {
        for role in ROLES {
            let err = render_text_rgba(text, role, 1920, 1080, &fonts).unwrap_err();
            assert!(matches!(err, TextError::Empty { .. }), "{text:?}: {err:?}");
            assert!(err.to_string().contains("empty"), "{err}");
        }
    }
}

#[test]
fn unusable_frames_are_errors() {
    let fonts = dejavu_only();
    for (w, h) in [(0, 1080), (1920, 0), (16, 16), (100_000, 1080)] {
        let err = render_text_rgba("Hi", TextRole::Title, w, h, &fonts).unwrap_err();
        assert!(
            matches!(err, TextError::BadFrame { .. }),
            "{w}x{h}: {err:?}"
        );
    }
    // Far too much text for a tiny frame: an error that says so, not a cut.
    let err =
        render_text_rgba(&"word ".repeat(2000), TextRole::Caption, 64, 64, &fonts).unwrap_err();
    assert!(matches!(err, TextError::TooLong { .. }), "{err:?}");
    assert!(err.to_string().contains("shorten"), "{err}");
}

#[test]
fn outline_grows_the_mask_by_its_radius() {
    // A single covered pixel grows into a disc of the given radius.
    let (w, h) = (21, 21);
    let mut fill = vec![0f32; w * h];
    fill[10 * w + 10] = 1.0;
    let o = outline_mask(&fill, w, h, 4.0);
    assert_eq!(o[10 * w + 14], 1.0); // 4 px right: inside
    assert_eq!(o[10 * w + 16], 0.0); // 6 px right: outside
    assert!(o[13 * w + 13] > 0.5); // diagonal 4.24 px: on the antialiased edge
    assert_eq!(o[14 * w + 14], 0.0); // diagonal 5.66 px: round, not square
    assert_eq!(o[0], 0.0);
}

#[test]
fn box_blur_spreads_and_keeps_mass() {
    let (w, h) = (15, 11);
    let mut mask = vec![0f32; w * h];
    mask[5 * w + 7] = 1.0;
    box_blur(&mut mask, w, h, 2);
    let total: f32 = mask.iter().sum();
    assert!((total - 1.0).abs() < 1e-4);
    assert!((mask[3 * w + 5] - 1.0 / 25.0).abs() < 1e-6);
    assert_eq!(mask[2 * w + 7], 0.0);
}

#[test]
fn fitted_scale_says_when_text_is_drawn_smaller() {
    let fonts = dejavu_only();
    let short = fitted_scale("Summer Sale", TextRole::Title, None, 1920, 1080, &fonts).unwrap();
    assert_eq!(short, 1.0);
    let long = fitted_scale(LONG_CAPTION, TextRole::Caption, None, 1080, 1920, &fonts).unwrap();
    assert!(long < 0.995, "{long}");
    assert!(matches!(
        fitted_scale(
            &"word ".repeat(2000),
            TextRole::Title,
            None,
            320,
            180,
            &fonts
        ),
        Err(TextError::TooLong { .. })
    ));
}
