//! STUB
use std::path::PathBuf;
pub struct FontSet;
#[derive(Debug, thiserror::Error)]
pub enum FontError {
    #[error("no fonts")]
    NoFonts { searched: Vec<PathBuf> },
}
impl FontSet {
    pub fn discover() -> Result<FontSet, FontError> {
        Ok(FontSet)
    }
    pub fn paths(&self) -> Vec<String> {
        vec![]
    }
    pub fn has_cjk(&self) -> bool {
        false
    }
}
