//! The render cache's shared tier on a real 3-node NATS cluster: a re-export after a one-shot
//! edit, taken by a worker that never rendered the session (its own cache folder is empty),
//! encodes only the windows the edit touched and takes the others from the windows the first
//! worker shared.

use crate::support::cluster::{client, front_end, good, record_until, stills, worker};
use crate::support::mcp_client::structured;
use crate::support::nats::NatsCluster;
use reelsmith::backend::JobState;
use reelsmith::cluster::job::job_key;
use reelsmith::tenant::DEFAULT;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_re_export_on_another_worker_reuses_the_windows_the_first_shared() {
    // The MCP client's HTTP shares reelsmith's TLS set-up (ring as the crypto provider).
    let _http = reelsmith::http::client_builder().build().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let nats = NatsCluster::start(&tmp.path().join("nats"), 3);
    let urls = nats.urls();
    let home = tmp.path().join("front");
    let (_front, addr) = front_end(&home, &urls, None);
    let nc = async_nats::connect(urls.split(',').next().unwrap())
        .await
        .unwrap();
    let kv = async_nats::jetstream::new(nc.clone())
        .get_key_value("reelsmith-jobs")
        .await
        .unwrap();
    let a = client(
        &format!("http://{addr}/mcp"),
        crate::support::cluster::TOKEN,
    )
    .await;
    let inbox = home.join("in");
    std::fs::create_dir_all(&inbox).unwrap();
    let up = good(&a, "upload_media", json!({"files": stills(&inbox, 4)})).await;
    let sid = structured(&up)["session_id"].as_str().unwrap().to_string();
    let made = good(
        &a,
        "create_video",
        json!({"session_id": sid, "prompt": "a 12 second video with fades, no music",
               "script": "Opening day\nFresh bread\nSee you soon",
               "options": {"resolution": "720p"}}),
    )
    .await;
    let rev = structured(&made)["revision"].as_u64().unwrap();

    // The first export, rendered by w1 alone.
    let w1 = worker(tmp.path(), &urls, "w1");
    good(
        &a,
        "export_video",
        json!({"session_id": sid, "wait_s": 600}),
    )
    .await;
    let first = record_until(
        &kv,
        &job_key(DEFAULT, &sid, rev, None, false),
        "done",
        |r| r.state == JobState::Done,
    )
    .await;
    assert_eq!(first.worker.as_deref(), Some("w1"), "{first:?}");
    assert!(first.windows_rendered >= 3, "{first:?}");
    assert_eq!(first.windows_reused, 0, "{first:?}");
    drop(w1);
    // Every window w1 encoded is in the shared tier.
    let js = async_nats::jetstream::new(nc.clone());
    let renders = js.get_object_store("reelsmith-renders").await.unwrap();
    let mut list = renders.list().await.unwrap();
    let mut shared = 0;
    while let Some(o) = futures_util::StreamExt::next(&mut list).await {
        let o = o.unwrap();
        assert!(
            o.name.starts_with("windows/") && o.name.ends_with(".mp4"),
            "{}",
            o.name
        );
        shared += 1;
    }
    assert_eq!(shared, first.windows_rendered, "windows shared by w1");

    // The last shot stops moving; w2, whose own cache folder is empty, renders.
    let edited = good(
        &a,
        "create_video",
        json!({"session_id": sid, "edits": [{"op": "set_shot", "shot": 4, "motion": "none"}]}),
    )
    .await;
    let rev2 = structured(&edited)["revision"].as_u64().unwrap();
    assert!(rev2 > rev);
    let _w2 = worker(tmp.path(), &urls, "w2");
    let done = good(
        &a,
        "export_video",
        json!({"session_id": sid, "wait_s": 600}),
    )
    .await;
    let second = record_until(
        &kv,
        &job_key(DEFAULT, &sid, rev2, None, false),
        "done",
        |r| r.state == JobState::Done,
    )
    .await;
    let logs = ["w1", "w2"]
        .map(|w| std::fs::read_to_string(tmp.path().join(format!("{w}.log"))).unwrap_or_default())
        .join("\n");
    assert_eq!(second.worker.as_deref(), Some("w2"), "{second:?}\n{logs}");
    assert_eq!(
        second.windows_rendered + second.windows_reused,
        first.windows_rendered,
        "{second:?}"
    );
    assert!(
        second.windows_reused >= 2 && (1..=2).contains(&second.windows_rendered),
        "w2 should take the untouched windows from the shared tier: {second:?}\n{logs}"
    );
    let r = structured(&done);
    assert!(
        (r["duration_s"].as_f64().unwrap() - 12.0).abs() < 0.2,
        "{r}"
    );
}
