//! One export's windows drawn by two workers at once, on a real 3-node NATS cluster: the
//! worker that takes the export asks the idle one for help, each window is drawn by whichever
//! claims it, and the joined MP4 is frame-identical to the same video rendered by one worker
//! alone. A helper killed mid-window leaves a claim that lapses, and the lead draws it. A
//! worker that frees up while a long export renders is asked to help then.
//!
//! Three tenants upload the same pictures and ask for the same video; render caches are kept
//! per tenant, so no tenant's export reuses another's windows.

use crate::support::cluster::{call, client, front_end, good, record_until, stills, worker};
use crate::support::frames;
use crate::support::mcp_client::structured;
use crate::support::nats::{Killed, NatsCluster};
use async_nats::jetstream::{self, kv};
use futures_util::StreamExt;
use reelsmith::backend::JobState;
use reelsmith::cluster::job::{JobRecord, job_key};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const TENANTS: [(&str, &str); 4] = [
    ("solo-token-8c1f4e2a9d7b3065", "solo"),
    ("pair-token-2e7a9c4d1f8b6053", "pair"),
    ("kill-token-5d3b8f1e7a2c9046", "kill"),
    ("late-token-9a4e2c7f1b5d8036", "late"),
];

fn tokens_file(dir: &Path) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join("tokens");
    let lines: String = TENANTS.iter().map(|(t, n)| format!("{t} {n}\n")).collect();
    std::fs::write(&path, lines).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    path
}

/// A tenant's client, session and revision of a video.
struct Made {
    client: std::sync::Arc<crate::support::cluster::Client>,
    session: String,
    revision: u64,
    tenant: &'static str,
}

/// Every tenant uploads copies of the same pictures (some of the generators draw at random).
async fn make(
    addr: &str,
    home: &Path,
    pictures: &[PathBuf],
    (token, tenant): (&'static str, &'static str),
    seconds: u32,
) -> Made {
    let client = std::sync::Arc::new(client(&format!("http://{addr}/mcp"), token).await);
    let inbox = home.join("tenants").join(tenant).join("in");
    std::fs::create_dir_all(&inbox).unwrap();
    let files: Vec<String> = pictures
        .iter()
        .map(|p| {
            let to = inbox.join(p.file_name().unwrap());
            std::fs::copy(p, &to).unwrap();
            to.display().to_string()
        })
        .collect();
    let up = good(&client, "upload_media", json!({"files": files})).await;
    let session = structured(&up)["session_id"].as_str().unwrap().to_string();
    let made = good(
        &client,
        "create_video",
        json!({"session_id": session, "prompt": format!("a {seconds} second video with fades, no music"),
               "script": "Opening day\nFresh bread every morning\nCoffee on the house\nSee you soon",
               "options": {"resolution": "720p"}}),
    )
    .await;
    let revision = structured(&made)["revision"].as_u64().unwrap();
    Made {
        client,
        session,
        revision,
        tenant,
    }
}

impl Made {
    fn job(&self) -> String {
        job_key(self.tenant, &self.session, self.revision, None, false)
    }

    async fn export(&self) {
        good(
            &self.client,
            "export_video",
            json!({"session_id": self.session, "wait_s": 600}),
        )
        .await;
    }
}

/// The export's MP4, copied out of the files bucket.
async fn download(js: &jetstream::Context, job: &str, to: &Path) -> PathBuf {
    let files = js.get_object_store("reelsmith-files").await.unwrap();
    let mut obj = files.get(format!("exports/{job}.mp4")).await.unwrap();
    let path = to.join(format!("{job}.mp4"));
    let mut f = tokio::fs::File::create(&path).await.unwrap();
    tokio::io::copy(&mut obj, &mut f).await.unwrap();
    path
}

fn logs(dir: &Path) -> String {
    ["w1", "w2"]
        .map(|w| {
            let log = std::fs::read_to_string(dir.join(format!("{w}.log"))).unwrap_or_default();
            format!("--- {w}\n{log}")
        })
        .join("\n")
}

/// Which frames differ, for a failure message.
fn differing(a: &[(String, String)], b: &[(String, String)]) -> String {
    let bad: Vec<usize> = (0..a.len().min(b.len()))
        .filter(|&i| a[i] != b[i])
        .collect();
    format!(
        "{} vs {} frames; {} differ, first {:?}, last {:?}",
        a.len(),
        b.len(),
        bad.len(),
        bad.first(),
        bad.last()
    )
}

/// Wait until `name` is in the worker registry with no job.
async fn idle(workers: &kv::Store, name: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(Some(v)) = workers.get(name).await {
            let info: serde_json::Value = serde_json::from_slice(&v).unwrap();
            if info["jobs"].as_array().is_some_and(|j| j.is_empty()) {
                return;
            }
        }
        assert!(
            Instant::now() < deadline,
            "worker {name} never reported idle"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_workers_draw_one_export_and_match_a_single_worker_render() {
    let _http = reelsmith::http::client_builder().build().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let nats = NatsCluster::start(&tmp.path().join("nats"), 3);
    let urls = nats.urls();
    let home = tmp.path().join("front");
    let (_front, addr) = front_end(&home, &urls, Some(&tokens_file(tmp.path())));
    let nc = async_nats::connect(urls.split(',').next().unwrap())
        .await
        .unwrap();
    let js = jetstream::new(nc.clone());
    let jobs = js.get_key_value("reelsmith-jobs").await.unwrap();
    let registry = js.get_key_value("reelsmith-workers").await.unwrap();
    let out = tmp.path().join("out");
    std::fs::create_dir_all(&out).unwrap();

    let pictures_dir = tmp.path().join("pictures");
    std::fs::create_dir_all(&pictures_dir).unwrap();
    let pictures: Vec<PathBuf> = stills(&pictures_dir, 6).iter().map(PathBuf::from).collect();

    // The reference: one worker alone draws every window.
    let solo = make(&addr, &home, &pictures, TENANTS[0], 60).await;
    let mut w1 = worker(tmp.path(), &urls, "w1");
    solo.export().await;
    let alone: JobRecord =
        record_until(&jobs, &solo.job(), "done", |r| r.state == JobState::Done).await;
    assert_eq!(alone.worker.as_deref(), Some("w1"), "{alone:?}");
    assert_eq!(alone.windows_helped, 0, "{alone:?}");
    let windows = alone.windows_rendered;
    assert!(windows >= 6, "a 60 s video has many windows: {alone:?}");
    let reference = frames(&download(&js, &solo.job(), &out).await);
    assert_eq!(reference.len(), 60 * 30, "60 s at 30 fps");

    // Two workers: the idle one helps whichever takes the export.
    let mut w2 = worker(tmp.path(), &urls, "w2");
    idle(&registry, "w1").await;
    idle(&registry, "w2").await;
    let pair = make(&addr, &home, &pictures, TENANTS[1], 60).await;
    pair.export().await;
    let shared = record_until(&jobs, &pair.job(), "done", |r| r.state == JobState::Done).await;
    let lead = shared.worker.clone().unwrap();
    let helper = if lead == "w1" { "w2" } else { "w1" };
    assert_eq!(
        shared.windows_rendered + shared.windows_helped,
        windows,
        "every window drawn once, by one or the other: {shared:?}\n{}",
        logs(tmp.path())
    );
    assert!(
        shared.windows_rendered >= 1 && shared.windows_helped >= 1,
        "both workers drew windows: {shared:?}\n{}",
        logs(tmp.path())
    );
    assert_eq!(shared.helpers, vec![helper.to_string()], "{shared:?}");
    let together = frames(&download(&js, &pair.job(), &out).await);
    assert!(
        together == reference,
        "the export drawn by two workers differs from the one drawn alone: {}",
        differing(&reference, &together)
    );

    // A helper killed while it holds a window: its claim lapses and the lead draws it.
    idle(&registry, "w1").await;
    idle(&registry, "w2").await;
    let kill = make(&addr, &home, &pictures, TENANTS[2], 60).await;
    // Claims on windows drawn for the exports before linger until they lapse.
    let claims = js.get_key_value("reelsmith-claims").await.unwrap();
    let before: Vec<String> = claims
        .keys()
        .await
        .unwrap()
        .filter_map(|k| async { k.ok() })
        .collect()
        .await;
    let exporting = {
        let (c, s) = (kill.client.clone(), kill.session.clone());
        tokio::spawn(async move {
            call(&c, "export_video", json!({"session_id": s, "wait_s": 600})).await
        })
    };
    let running = record_until(&jobs, &kill.job(), "taken", |r| r.worker.is_some()).await;
    let lead = running.worker.clone().unwrap();
    let (helper, helper_proc): (&str, &mut Killed) = if lead == "w1" {
        ("w2", &mut w2)
    } else {
        ("w1", &mut w1)
    };
    // Wait for a claim of the helper's on this export, then kill it at once.
    let held = tokio::time::timeout(Duration::from_secs(120), async {
        loop {
            let mut keys = claims.keys().await.unwrap();
            while let Some(Ok(k)) = keys.next().await {
                if !before.contains(&k)
                    && let Ok(Some(v)) = claims.get(&k).await
                    && v.as_ref() == helper.as_bytes()
                {
                    return k;
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .unwrap_or_else(|_| panic!("the helper never claimed a window\n{}", logs(tmp.path())));
    helper_proc.kill();
    // Unless it was stored just before the kill, the window must now be drawn by the lead.
    let renders = js.get_object_store("reelsmith-renders").await.unwrap();
    let object = format!("windows/{}.mp4", held.trim_end_matches("_mp4"));
    let unfinished = renders.info(&object).await.is_err();
    let r = exporting.await.unwrap();
    assert_ne!(r.is_error, Some(true), "{r:?}\n{}", logs(tmp.path()));
    let done = record_until(&jobs, &kill.job(), "done", |r| r.state == JobState::Done).await;
    assert_eq!(done.worker.as_deref(), Some(lead.as_str()));
    assert_eq!(
        done.windows_rendered + done.windows_helped,
        windows,
        "{done:?}"
    );
    if unfinished {
        // The dead helper never stored it; it is there now, so the lead drew it (when it came
        // to it after the claim had lapsed, or took it over while waiting for it).
        assert!(
            renders.info(&object).await.is_ok(),
            "the dead helper's window should have been drawn by the lead: {done:?}\n{}",
            logs(tmp.path())
        );
    }
    let after_kill = frames(&download(&js, &kill.job(), &out).await);
    assert!(
        after_kill == reference,
        "the export finished after the helper died differs from the one drawn alone: {}",
        differing(&reference, &after_kill)
    );

    // A worker that frees up mid-render is asked then: the export of a long video starts while
    // the other worker is busy with a short one, and gets its help once that is done.
    *helper_proc = worker(tmp.path(), &urls, helper);
    idle(&registry, "w1").await;
    idle(&registry, "w2").await;
    // One picture for a few seconds: the long export is published as soon as the short one is
    // taken, well before the short one's lead could ask the idle worker for help with it.
    let short = make(&addr, &home, &pictures[..1], TENANTS[3], 4).await;
    let long = make(&addr, &home, &pictures, TENANTS[3], 60).await;
    let short_export = tokio::spawn({
        let (c, s) = (short.client.clone(), short.session.clone());
        async move { call(&c, "export_video", json!({"session_id": s, "wait_s": 600})).await }
    });
    let busy = record_until(&jobs, &short.job(), "taken", |r| r.worker.is_some()).await;
    let busy = busy.worker.unwrap();
    let long_export = tokio::spawn({
        let (c, s) = (long.client.clone(), long.session.clone());
        async move { call(&c, "export_video", json!({"session_id": s, "wait_s": 600})).await }
    });
    let taken = record_until(&jobs, &long.job(), "taken", |r| r.worker.is_some()).await;
    let short_then = record_until(&jobs, &short.job(), "read", |_| true).await;
    assert_ne!(
        short_then.state,
        JobState::Done,
        "the short export should still be rendering when the long one starts"
    );
    let lead = taken.worker.unwrap();
    assert_ne!(lead, busy);
    for r in [short_export.await.unwrap(), long_export.await.unwrap()] {
        assert_ne!(r.is_error, Some(true), "{r:?}\n{}", logs(tmp.path()));
    }
    let late = record_until(&jobs, &long.job(), "done", |r| r.state == JobState::Done).await;
    assert!(
        late.windows_helped >= 1 && late.helpers == vec![busy.clone()],
        "{busy}, idle once the short export was done, should have helped: {late:?}\n{}",
        logs(tmp.path())
    );
}
