//! `export_video {quality: "draft"}`: a quick 360p preview of the same edit, said to be a draft,
//! kept apart from the final file (neither is handed back for the other).

use crate::support::mcp_client::*;
use crate::support::*;
use serde_json::json;

fn frames(path: &std::path::Path) -> u64 {
    let out = std::process::Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-count_frames",
            "-select_streams",
            "v:0",
            "-show_entries",
            "stream=nb_read_frames",
            "-of",
            "csv=p=0",
        ])
        .arg(path)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).trim().parse().unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_draft_is_small_said_and_kept_apart_from_the_final() {
    let dir = tempfile::tempdir().unwrap();
    let s = start(&dir.path().join("home")).await;
    let files: Vec<String> = (0..3)
        .map(|i| {
            still(dir.path(), &format!("d{i}.jpg"), 1280, 720, i)
                .display()
                .to_string()
        })
        .collect();
    let c = s
        .call(
            "create_video",
            json!({"prompt": "a 4 second video titled 'Draft check' with music", "files": files,
                   "options": {"resolution": "720p"}}),
        )
        .await;
    ok(&c);
    let sid = structured(&c)["session_id"].as_str().unwrap().to_string();

    let d = s
        .call(
            "export_video",
            json!({"session_id": sid, "quality": "draft", "wait_s": 300}),
        )
        .await;
    ok(&d);
    let draft = structured(&d).clone();
    assert_eq!(draft["quality"], "draft", "{draft}");
    assert!(text_of(&d).contains("draft preview"), "{}", text_of(&d));
    assert_eq!(
        (draft["width"].as_u64(), draft["height"].as_u64()),
        (Some(640), Some(360))
    );
    let draft_path = std::path::PathBuf::from(draft["output_path"].as_str().unwrap());

    let f = s
        .call("export_video", json!({"session_id": sid, "wait_s": 300}))
        .await;
    ok(&f);
    let fin = structured(&f).clone();
    assert_eq!(fin["quality"], "final", "{fin}");
    assert_eq!(
        (fin["width"].as_u64(), fin["height"].as_u64()),
        (Some(1280), Some(720))
    );
    let final_path = std::path::PathBuf::from(fin["output_path"].as_str().unwrap());
    assert_ne!(draft_path, final_path);

    // Same edit, same timing: the same number of frames, at the same rate, with sound.
    assert_eq!(frames(&draft_path), frames(&final_path));
    let (pd, pf) = (probe(&draft_path), probe(&final_path));
    assert_eq!(
        stream(&pd, "video")["r_frame_rate"],
        stream(&pf, "video")["r_frame_rate"]
    );
    assert!((duration(&pd) - duration(&pf)).abs() < 0.05);
    let _ = stream(&pd, "audio");
    assert!(
        std::fs::metadata(&draft_path).unwrap().len()
            < std::fs::metadata(&final_path).unwrap().len()
    );

    // Asking again hands back each one, never the other.
    let again = s
        .call(
            "export_video",
            json!({"session_id": sid, "quality": "draft", "wait_s": 300}),
        )
        .await;
    assert_eq!(structured(&again)["output_path"], draft["output_path"]);
    assert_eq!(structured(&again)["job_id"], draft["job_id"]);
    let again = s
        .call("export_video", json!({"session_id": sid, "wait_s": 300}))
        .await;
    assert_eq!(structured(&again)["output_path"], fin["output_path"]);
    s.client.cancel().await.unwrap();
}
