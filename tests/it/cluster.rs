//! Cluster mode on a real 3-node NATS JetStream cluster (loopback ports, stores in a temporary
//! folder): a front end (`serve --http --cluster`) and render workers (`worker --cluster`).
//! An export through the front end is rendered by a worker and downloadable from the front end
//! (bearer token, range requests, a valid MP4); a worker killed with -9 mid-job hands the job
//! to the next worker, which finishes it with exactly one output; `output_path` is refused.

use crate::support::cluster::{
    TOKEN, call, client, doctor, front_end, good, record_until, stills, worker,
};
use crate::support::mcp_client::{structured, text_of};
use crate::support::nats::NatsCluster;
use crate::support::*;
use futures_util::StreamExt;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_survives_a_killed_worker_and_downloads_with_ranges() {
    // The MCP client's HTTP shares reelsmith's TLS set-up (ring as the crypto provider).
    let http = reelsmith::http::client_builder().build().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let mut nats = NatsCluster::start(&tmp.path().join("nats"), 3);
    let urls = nats.urls();
    let home = tmp.path().join("front");
    let inbox = home.join("in");
    std::fs::create_dir_all(&inbox).unwrap();
    let (_fe, addr) = front_end(&home, &urls, None);
    let mut w1 = worker(tmp.path(), &urls, "w1");

    let nc = async_nats::connect(urls.split(',').next().unwrap())
        .await
        .unwrap();
    let js = async_nats::jetstream::new(nc);
    let kv = js.get_key_value("reelsmith-jobs").await.unwrap();
    let files = js.get_object_store("reelsmith-files").await.unwrap();

    let c = client(&format!("http://{addr}/mcp"), TOKEN).await;
    let stills = stills(&inbox, 3);
    let up = good(&c, "upload_media", json!({"files": stills})).await;
    let sid = structured(&up)["session_id"].as_str().unwrap().to_string();
    good(
        &c,
        "create_video",
        json!({"session_id": sid, "prompt": "a 12 second video, no music", "options": {"resolution": "720p"}}),
    )
    .await;

    // output_path names the server's disk: refused in cluster mode, with what to do instead.
    let refused = call(
        &c,
        "export_video",
        json!({"session_id": sid, "output_path": home.join("x.mp4"), "wait_s": 0}),
    )
    .await;
    assert_eq!(refused.is_error, Some(true), "{refused:?}");
    let why = text_of(&refused);
    assert!(
        why.contains("not available in cluster mode") && why.contains("download link"),
        "{why}"
    );

    let started = good(&c, "export_video", json!({"session_id": sid, "wait_s": 0})).await;
    let job = structured(&started)["job_id"].as_str().unwrap().to_string();
    assert!(job.starts_with("job_"), "{started:?}");

    // Worker 1 takes the job; kill -9 it before it finishes (it never acknowledges).
    let taken = record_until(&kv, &job, "worker 1 to take it", |r| {
        r.worker.as_deref() == Some("w1")
    })
    .await;
    assert_ne!(taken.state, reelsmith::backend::JobState::Done);
    w1.kill();
    // The same export asked again joins the job rather than starting another.
    let again = good(&c, "export_video", json!({"session_id": sid, "wait_s": 0})).await;
    assert_eq!(structured(&again)["job_id"], job.as_str());

    // A second worker gets it once the dead one's ack wait has passed, and finishes it, though
    // one of the three NATS nodes is killed with -9 while it works (the test's own connection
    // is to node 0; the front end and worker fail over to the others).
    let _w2 = worker(tmp.path(), &urls, "w2");
    record_until(&kv, &job, "worker 2 to take it", |r| {
        r.worker.as_deref() == Some("w2")
    })
    .await;
    nats.kill(2);
    let done = good(
        &c,
        "export_video",
        json!({"session_id": sid, "wait_s": 900}),
    )
    .await;
    let out = structured(&done).clone();
    assert_eq!(out["status"], "done", "{out}");
    assert_eq!(out["job_id"], job.as_str());
    let rec = record_until(&kv, &job, "done", |r| r.ended()).await;
    assert_eq!(rec.worker.as_deref(), Some("w2"), "{rec:?}");
    let w2_log = std::fs::read_to_string(tmp.path().join("w2.log")).unwrap_or_default();
    assert_eq!(rec.attempts, 2, "{rec:?}\nworker 2's log:\n{w2_log}");

    // Exactly one output in the object store.
    let mut exports = Vec::new();
    let mut list = files.list().await.unwrap();
    while let Some(o) = list.next().await {
        let o = o.unwrap();
        if o.name.starts_with("exports/") && !o.deleted {
            exports.push(o.name);
        }
    }
    assert_eq!(exports, vec![format!("exports/{job}.mp4")]);
    assert_eq!(out["output_path"], format!("exports/{job}.mp4"));

    // Downloadable from the front end: token required, whole file, and a range.
    let link = out["download_url"]
        .as_str()
        .expect("a download link")
        .to_string();
    assert_eq!(link, format!("http://{addr}/exports/{job}"));
    let anon = http.get(&link).send().await.unwrap();
    assert_eq!(anon.status(), 401);
    let full = http.get(&link).bearer_auth(TOKEN).send().await.unwrap();
    assert_eq!(full.status(), 200);
    assert_eq!(full.headers()["content-type"], "video/mp4");
    assert_eq!(full.headers()["accept-ranges"], "bytes");
    let bytes = full.bytes().await.unwrap();
    assert_eq!(bytes.len() as u64, out["size_bytes"].as_u64().unwrap());
    let part = http
        .get(&link)
        .bearer_auth(TOKEN)
        .header("range", "bytes=1000-1999")
        .send()
        .await
        .unwrap();
    assert_eq!(part.status(), 206);
    assert_eq!(
        part.headers()["content-range"],
        format!("bytes 1000-1999/{}", bytes.len())
    );
    assert_eq!(part.bytes().await.unwrap(), bytes.slice(1000..2000));
    let missing = http
        .get(format!(
            "http://{addr}/exports/job_000000000000000000000000"
        ))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);

    // A valid MP4 of the edit's length.
    let mp4 = tmp.path().join("download.mp4");
    std::fs::write(&mp4, &bytes).unwrap();
    let p = probe(&mp4);
    assert_eq!(stream(&p, "video")["codec_name"], "h264");
    assert!((duration(&p) - 12.0).abs() < 0.5, "{}", duration(&p));

    // A poisoned job: its media is corrupt in the object store. Every attempt fails, the
    // last one dead-letters it with the reason, and the agent is told why.
    let bad = still(&inbox, "bad.jpg", 1280, 720, 3).display().to_string();
    let up = good(&c, "upload_media", json!({"files": [bad]})).await;
    let sid2 = structured(&up)["session_id"].as_str().unwrap().to_string();
    let media = structured(&up)["media"][0]["media_id"]
        .as_str()
        .unwrap()
        .to_string();
    let object = reelsmith::cluster::job::media_object(reelsmith::tenant::DEFAULT, &media);
    files
        .put(object.as_str(), &mut &b"not a picture at all"[..])
        .await
        .unwrap();
    let made = good(
        &c,
        "create_video",
        json!({"session_id": sid2, "prompt": "a 3 second video, no music", "options": {"resolution": "720p"}}),
    )
    .await;
    let rev = structured(&made)["revision"].as_u64().unwrap();
    let failed = call(
        &c,
        "export_video",
        json!({"session_id": sid2, "wait_s": 900}),
    )
    .await;
    assert_eq!(failed.is_error, Some(true), "{failed:?}");
    let said = text_of(&failed);
    assert!(said.contains("Render failed after 3 attempt(s)"), "{said}");
    let job2 =
        reelsmith::cluster::job::job_key(reelsmith::tenant::DEFAULT, &sid2, rev, None, false);
    let dead = js
        .get_stream("REELSMITH_DEAD")
        .await
        .unwrap()
        .get_last_raw_message_by_subject(&format!("reelsmith.dead.{job2}"))
        .await
        .expect("the poisoned job is in the dead-letter stream");
    let letter: reelsmith::cluster::job::DeadLetter =
        serde_json::from_slice(&dead.payload).unwrap();
    assert_eq!(letter.attempts, 3, "{letter:?}");
    assert!(!letter.reason.is_empty(), "{letter:?}");
    assert!(said.contains(&letter.reason), "{said} / {letter:?}");
    c.cancel().await.unwrap();
}

/// doctor --cluster on an address nothing answers, and on one that accepts but never speaks
/// NATS: a clear error and a failing exit, within its connect timeout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_says_when_the_cluster_cannot_be_reached() {
    let tmp = tempfile::tempdir().unwrap();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = format!("nats://127.0.0.1:{}", closed.local_addr().unwrap().port());
    drop(closed);
    // Accepts connections (the kernel's backlog) but never sends a NATS greeting.
    let mute = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let silent = format!("nats://127.0.0.1:{}", mute.local_addr().unwrap().port());
    for url in [dead, silent] {
        let started = std::time::Instant::now();
        let (ok, report) = doctor(tmp.path(), &url).await;
        assert!(!ok, "{report}");
        assert!(report.contains("nats:      UNREACHABLE"), "{report}");
        assert!(
            report.contains(&format!("cannot connect to the NATS cluster at {url}"))
                && report.contains("Check that nats-server runs there"),
            "{report}"
        );
        assert!(started.elapsed().as_secs() < 15, "{:?}", started.elapsed());
    }
    drop(mute);
}
