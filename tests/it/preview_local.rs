//! The contact sheet an agent sees: one tile per shot, a real JPEG, under the size budget.

use crate::support::*;
use reelsmith::backend::local::LocalBackend;
use reelsmith::backend::{Backend, CreateRequest};
use reelsmith::render::preview::MAX_BYTES;

#[tokio::test]
async fn contact_sheet_has_a_tile_per_shot_and_fits_the_budget() {
    let dir = tempfile::tempdir().unwrap();
    let files: Vec<String> = (0..5)
        .map(|i| {
            let (w, h) = if i % 2 == 0 {
                (1920, 1080)
            } else {
                (1080, 1350)
            };
            still(dir.path(), &format!("s{i}.jpg"), w, h, i)
                .display()
                .to_string()
        })
        .collect();
    let backend = LocalBackend::open(&dir.path().join("home")).unwrap();
    let c = backend
        .create(CreateRequest {
            prompt: "a 20 second promo called \"Preview Test\"".into(),
            script: Some("One. Two. Three.".into()),
            files: reelsmith::media::Source::parse_all(&files).unwrap(),
            ..Default::default()
        })
        .await
        .unwrap();
    let p = backend.preview(&c.session_id).await.unwrap();
    assert_eq!(p.mime, "image/jpeg");
    assert_eq!(&p.bytes[..2], &[0xFF, 0xD8], "JPEG magic");
    assert!(p.bytes.len() <= MAX_BYTES, "{} bytes", p.bytes.len());
    assert_eq!(p.revision, c.revision);
    let path = dir.path().join("sheet.jpg");
    std::fs::write(&path, &p.bytes).unwrap();
    let v = probe(&path);
    let s = stream(&v, "video");
    // 5 landscape shots: 4 columns, 2 rows of 320x180 tiles with 6 px padding and margin.
    assert_eq!(s["width"].as_u64(), Some(6 + 4 * 320 + 3 * 6 + 6));
    assert_eq!(s["height"].as_u64(), Some(6 + 2 * 180 + 6 + 6));
    // Not a blank sheet.
    let g = gray_frame(&path, 0.0, 131, 38);
    let mean = region_mean(&g, 131, 38, (0.0, 0.0, 1.0, 1.0));
    assert!(mean > 10.0, "sheet is nearly black ({mean})");
}
