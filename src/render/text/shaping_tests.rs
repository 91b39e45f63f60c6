//! Shaping through the public renderer: weight picks a face, scripts get their own fonts and
//! right-to-left order, emoji come out in colour with the title's outline.

use super::shape::Shaped;
use super::tests::{discovered, faces_of, pixel};
use super::*;
use crate::timeline::style::Weight;

/// Opaque pixels whose colour is clearly not grey (max − min channel over 80).
fn saturated(rgba: &[u8]) -> usize {
    rgba.chunks_exact(4)
        .filter(|p| p[3] > 200 && p[..3].iter().max().unwrap() - p[..3].iter().min().unwrap() > 80)
        .count()
}

#[test]
fn weight_normal_draws_the_regular_face() {
    let fonts = discovered();
    assert!(
        faces_of(&fonts, "Summer Sale", BOLD)
            .iter()
            .all(|f| *f == Some(0))
    );
    assert!(
        faces_of(&fonts, "Summer Sale", REGULAR)
            .iter()
            .all(|f| *f == Some(1))
    );
    let normal = TextStyle {
        weight: Some(Weight::Normal),
        ..TextStyle::default()
    };
    let white = |edit: Option<&TextStyle>| {
        let (_, rgba) =
            render_styled_rgba("Summer Sale", TextRole::Caption, edit, 1920, 1080, &fonts).unwrap();
        rgba.chunks_exact(4)
            .filter(|p| p[0] > 230 && p[3] > 230)
            .count()
    };
    let (bold, regular) = (white(None), white(Some(&normal)));
    assert!(
        (regular as f64) < 0.85 * bold as f64,
        "regular {regular} vs bold {bold} fill pixels"
    );
}

#[test]
fn scripts_get_their_own_fonts_and_right_to_left_order() {
    let fonts = discovered();
    let arabic = fonts
        .pick(&['م'], crate::render::fonts::script::Kind::OwnScript, BOLD)
        .unwrap();
    assert!(
        fonts
            .face_file(arabic)
            .unwrap()
            .0
            .ends_with("NotoSansArabic-Bold.ttf"),
        "{:?}",
        fonts.paths()
    );
    // The whole sentence, spaces included, is shaped in the Arabic font (one run, joined).
    let faces = faces_of(&fonts, "مرحبا بالعالم", BOLD);
    assert!(faces.iter().all(|f| *f == Some(arabic)), "{faces:?}");
    // Mixed text: Latin left to right, the Arabic word right to left in between.
    let mut engine = fonts.engine();
    let text = "Shop at سوق today";
    let mut shaped = Shaped::new(&fonts, &mut engine, &paragraphs(text), BOLD);
    let lines = shaped
        .lay_out(&mut engine, 40.0, f32::INFINITY, false)
        .unwrap();
    let starts: Vec<usize> = lines.glyphs[0].iter().map(|g| g.start).collect();
    let word = text.find('س').unwrap()..text.find(" today").unwrap();
    let inner: Vec<usize> = starts
        .iter()
        .copied()
        .filter(|s| word.contains(s))
        .collect();
    assert!(inner.len() >= 2, "{starts:?}");
    assert!(
        inner.windows(2).all(|p| p[0] > p[1]),
        "not reversed: {starts:?}"
    );
    let before = starts.iter().position(|&s| word.contains(&s)).unwrap();
    assert!(
        starts[..before].iter().all(|&s| s < word.start),
        "{starts:?}"
    );
    assert!(lines.glyphs[0].windows(2).all(|p| p[0].x <= p[1].x));
}

#[test]
fn emoji_titles_are_drawn_in_colour_with_an_outline() {
    let fonts = discovered();
    let (p, rgba) =
        render_text_rgba("Grand opening 🎉", TextRole::Title, 1920, 1080, &fonts).unwrap();
    let (_, plain) =
        render_text_rgba("Grand opening", TextRole::Title, 1920, 1080, &fonts).unwrap();
    assert_eq!(saturated(&plain), 0);
    // The colour is in the emoji's place: the right end of the title.
    let right: Vec<u8> = (0..p.height)
        .flat_map(|y| {
            let row = (y * p.width * 4) as usize;
            rgba[row + (p.width * 3) as usize..row + (p.width * 4) as usize].to_vec()
        })
        .collect();
    let coloured = saturated(&right);
    assert!(
        coloured > 500,
        "{coloured} coloured pixels in the emoji's quarter"
    );
    // The emoji carries the dark outline too: dark opaque pixels at its right edge.
    let edge_dark = (0..p.height)
        .map(|y| pixel(&rgba, &p, p.width - 1 - p.width / 40, y))
        .filter(|px| px[3] > 200 && px[0] < 60 && px[1] < 60 && px[2] < 60)
        .count();
    assert!(edge_dark > 0, "no outline around the emoji");
}
