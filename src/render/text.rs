//! STUB
use super::fonts::{FontError, FontSet};
use crate::timeline::TextRole;
use std::path::Path;
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Placed {
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
}
#[derive(Debug, thiserror::Error)]
pub enum TextError {
    #[error(transparent)]
    Font(#[from] FontError),
    #[error("io {0}")]
    Io(#[from] std::io::Error),
}
pub fn render_text_png(
    _text: &str,
    _role: TextRole,
    frame_w: u32,
    frame_h: u32,
    _fonts: &FontSet,
    path: &Path,
) -> Result<Placed, TextError> {
    let w = 200u32;
    let h = 80u32;
    let f = std::fs::File::create(path)?;
    let mut e = png::Encoder::new(std::io::BufWriter::new(f), w, h);
    e.set_color(png::ColorType::Rgba);
    e.set_depth(png::BitDepth::Eight);
    let mut wr = e.write_header().map_err(std::io::Error::other)?;
    wr.write_image_data(&vec![200u8; (w * h * 4) as usize])
        .map_err(std::io::Error::other)?;
    Ok(Placed {
        x: frame_w / 2 - w / 2,
        y: frame_h / 3,
        width: w,
        height: h,
    })
}
