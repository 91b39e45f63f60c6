//! Media named by URL on the local backend: fetched and used like a local file, while loopback,
//! private and metadata addresses (first hop or any redirect), other schemes and oversized
//! bodies are refused with the URL and the reason.

use crate::support::mcp_client::{images, ok, structured, text_of};
use crate::support::*;
use axum::body::Body;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::process::Output;

async fn serve(jpeg: Vec<u8>, png: Vec<u8>) -> String {
    let app = axum::Router::new()
        .route(
            "/pics/a.jpg",
            get(move || {
                let b = jpeg.clone();
                async move { ([(header::CONTENT_TYPE, "image/jpeg")], b) }
            }),
        )
        .route(
            "/pics/b.png",
            get(move || {
                let b = png.clone();
                async move { ([(header::CONTENT_TYPE, "image/png")], b) }
            }),
        )
        .route(
            "/to-metadata.jpg",
            get(|| async {
                (
                    StatusCode::FOUND,
                    [(
                        header::LOCATION,
                        "http://169.254.169.254/latest/meta-data/x.jpg",
                    )],
                )
            }),
        )
        .route(
            "/huge.mp4",
            get(|| async {
                let zeros = futures_util::stream::repeat_with(|| {
                    Ok::<_, std::io::Error>(vec![0u8; 1 << 16])
                })
                .take(100);
                let mut r: Response = Body::from_stream(zeros).into_response();
                r.headers_mut()
                    .insert(header::CONTENT_LENGTH, "600000000".parse().unwrap());
                r
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

use futures_util::StreamExt as _;

fn make(home: &std::path::Path, urls: &[String], out: &std::path::Path, loopback: bool) -> Output {
    let mut c = reelsmith(home);
    if loopback {
        c.env("REELSMITH_URL_ALLOW_LOOPBACK", "1");
    } else {
        c.env_remove("REELSMITH_URL_ALLOW_LOOPBACK");
    }
    c.arg("make")
        .args(urls)
        .args([
            "--prompt",
            "a 2 second video, no music",
            "--resolution",
            "720p",
            "-o",
        ])
        .arg(out)
        .output()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn urls_are_fetched_but_never_from_inside() {
    let dir = tempfile::tempdir().unwrap();
    let jpeg = std::fs::read(still(dir.path(), "a.jpg", 640, 360, 0)).unwrap();
    let png = std::fs::read(still(dir.path(), "b.png", 360, 640, 2)).unwrap();
    let base = serve(jpeg, png).await;
    let home = dir.path().join("home");
    let out = dir.path().join("out.mp4");
    let pics = vec![format!("{base}/pics/a.jpg"), format!("{base}/pics/b.png")];

    // The server is on loopback: refused unless loopback is explicitly allowed (tests only).
    let r = tokio::task::block_in_place(|| make(&home, &pics, &out, false));
    assert!(!r.status.success());
    let err = text(&r);
    assert!(
        err.contains(&pics[0]) && err.contains("non-public"),
        "{err}"
    );
    assert!(!out.exists());

    let r = tokio::task::block_in_place(|| make(&home, &pics, &out, true));
    assert!(r.status.success(), "{}", text(&r));
    let p = probe(&out);
    assert_eq!(stream(&p, "video")["height"].as_u64(), Some(720));

    // Even with loopback allowed: redirects into link-local (cloud metadata), literal metadata
    // and private addresses, other schemes, and bodies over 500 MB.
    for (url, expect) in [
        (format!("{base}/to-metadata.jpg"), "169.254.169.254"),
        (
            "http://169.254.169.254/latest/x.jpg".to_string(),
            "non-public",
        ),
        ("http://10.0.0.5/a.jpg".to_string(), "non-public"),
        (
            "http://[::ffff:192.168.0.1]/a.jpg".to_string(),
            "non-public",
        ),
        ("ftp://example.com/a.jpg".to_string(), "only http and https"),
        (
            "http://user:pw@example.com/a.jpg".to_string(),
            "credentials",
        ),
        (format!("{base}/huge.mp4"), "500 MB"),
    ] {
        let out2 = dir.path().join("refused.mp4");
        let urls = vec![pics[0].clone(), url.clone()];
        let r = tokio::task::block_in_place(|| make(&home, &urls, &out2, true));
        assert!(!r.status.success(), "{url} was accepted");
        let err = text(&r);
        assert!(err.contains(expect), "{url}: {err}");
        assert!(!err.contains("panicked"), "{err}");
        assert!(!out2.exists());
    }
    // Refused downloads leave nothing behind in the workspace.
    let kept: Vec<_> = std::fs::read_dir(home.join("media"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        kept.len() == 2
            && kept
                .iter()
                .all(|n| n.ends_with(".jpg") || n.ends_with(".png")),
        "{kept:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_same_url_twice_is_one_file_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    let jpeg = std::fs::read(still(dir.path(), "a.jpg", 640, 360, 0)).unwrap();
    let png = std::fs::read(still(dir.path(), "b.png", 360, 640, 2)).unwrap();
    let base = serve(jpeg, png).await;
    let url = format!("{base}/pics/a.jpg");
    let s = crate::support::mcp_client::start_with(
        &dir.path().join("home"),
        &[("REELSMITH_URL_ALLOW_LOOPBACK", "1")],
    )
    .await;
    let upload = |files: serde_json::Value, sid: Option<String>| {
        let s = &s;
        async move {
            let r = s
                .call(
                    "upload_media",
                    serde_json::json!({"files": files, "session_id": sid}),
                )
                .await;
            ok(&r);
            structured(&r).clone()
        }
    };
    let first = upload(serde_json::json!([url]), None).await;
    let sid = first["session_id"].as_str().unwrap().to_string();
    let again = upload(serde_json::json!([url]), Some(sid.clone())).await;
    let twice = upload(serde_json::json!([url, url]), None).await;
    let id = &first["media"][0]["media_id"];
    assert_eq!(&again["media"][0]["media_id"], id);
    assert_eq!(&twice["media"][1]["media_id"], id);
    assert_eq!(first["media"][0]["file_name"], "a.jpg");
    let kept: Vec<_> = std::fs::read_dir(s.home.join("media"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert_eq!(
        std::fs::read(&kept[0]).unwrap(),
        std::fs::read(dir.path().join("a.jpg")).unwrap()
    );
    // The one file is the one the session uses.
    let r = s
        .call(
            "create_video",
            serde_json::json!({"prompt": "a 2 second video, no music", "session_id": sid}),
        )
        .await;
    ok(&r);
    assert_eq!(images(&r).len(), 1, "{}", text_of(&r));
}
