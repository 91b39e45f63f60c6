//! STUB
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Mood {
    #[default]
    Upbeat,
    Calm,
    Epic,
    Lofi,
    Corporate,
    Happy,
}
impl Mood {
    pub fn parse(_s: &str) -> Option<Mood> {
        Some(Mood::Upbeat)
    }
}
pub fn write_bed(_mood: Mood, duration_ms: u64, path: &std::path::Path) -> std::io::Result<()> {
    use std::io::Write;
    let frames = duration_ms * 48;
    let data = frames * 4;
    let mut f = std::io::BufWriter::new(std::fs::File::create(path)?);
    f.write_all(b"RIFF")?;
    f.write_all(&((36 + data) as u32).to_le_bytes())?;
    f.write_all(b"WAVEfmt ")?;
    f.write_all(&16u32.to_le_bytes())?;
    f.write_all(&1u16.to_le_bytes())?;
    f.write_all(&2u16.to_le_bytes())?;
    f.write_all(&48000u32.to_le_bytes())?;
    f.write_all(&(48000u32 * 4).to_le_bytes())?;
    f.write_all(&4u16.to_le_bytes())?;
    f.write_all(&16u16.to_le_bytes())?;
    f.write_all(b"data")?;
    f.write_all(&(data as u32).to_le_bytes())?;
    for i in 0..frames {
        let v = ((i as f32 * 440.0 * std::f32::consts::TAU / 48000.0).sin() * 8000.0) as i16;
        f.write_all(&v.to_le_bytes())?;
        f.write_all(&v.to_le_bytes())?;
    }
    Ok(())
}
