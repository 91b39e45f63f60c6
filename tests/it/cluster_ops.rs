//! Operating a cluster: cancelling exports and per-tenant limits, on a real 3-node NATS
//! cluster with two front ends. A job cancelled while queued is skipped by the worker that
//! takes it; one cancelled mid-render through the other front end stops its ffmpeg, is never
//! delivered again, leaves no output, and the agent waiting on the first front end is told;
//! the workers count both in the registry. A tenant's limits (renders at once, storage) are
//! counted over both front ends, with the single machine's refusals. A job whose every
//! delivery dies with its worker is failed and dead-lettered from the server's advisory.

use crate::support::cluster::{
    call, client, doctor, front_end, good, record_until, stills, worker,
};
use crate::support::mcp_client::{structured, text_of};
use crate::support::nats::{Killed, NatsCluster};
use futures_util::StreamExt;
use reelsmith::backend::JobState;
use reelsmith::cluster::job::{export_object, job_key};
use rmcp::model::CallToolRequestParams;
use serde_json::{Value, json};
use std::path::Path;
use std::time::{Duration, Instant};

const ACME: &str = "acme-token-3f9c2a7d61e84b05";
const CAROL: &str = "carol-token-5b8e1d9a3c7f2046";

/// acme without limits; carol with one render at once and `carol_mb` MB of storage.
fn tenants_file(dir: &Path, carol_mb: u64) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join("tokens");
    std::fs::write(
        &path,
        format!("{ACME} acme\n{CAROL} carol max_renders=1 max_mb={carol_mb}\n"),
    )
    .unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    path
}

fn params(tool: &'static str, args: Value) -> CallToolRequestParams {
    CallToolRequestParams::new(tool).with_arguments(args.as_object().cloned().unwrap())
}

/// Wait (up to `secs`) until `ok` holds; if it never does, say `what` and show the workers'
/// logs in `dir`.
async fn until<F, Fut>(dir: &Path, secs: u64, what: &str, ok: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !ok().await {
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}; the workers' logs:\n{}",
            logs(dir)
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Whether an ffmpeg whose command line names `dir` is running.
fn ffmpeg_in(dir: &Path) -> bool {
    let needle = dir.display().to_string();
    std::fs::read_dir("/proc").unwrap().flatten().any(|p| {
        std::fs::read(p.path().join("cmdline")).is_ok_and(|c| {
            let c = String::from_utf8_lossy(&c);
            c.split('\0').next().is_some_and(|p| p.ends_with("ffmpeg")) && c.contains(&needle)
        })
    })
}

fn logs(dir: &Path) -> String {
    ["w1", "w2"]
        .iter()
        .map(|w| std::fs::read_to_string(dir.join(format!("{w}.log"))).unwrap_or_default())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_and_tenant_limits_work_across_front_ends() {
    // The MCP client's HTTP shares reelsmith's TLS set-up (ring as the crypto provider).
    let _http = reelsmith::http::client_builder().build().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let nats = NatsCluster::start(&tmp.path().join("nats"), 3);
    let urls = nats.urls();
    let (home_a, home_b) = (tmp.path().join("front-a"), tmp.path().join("front-b"));
    // carol may keep her three pictures and not much more (whole MB, as the file says).
    let carol_in = home_a.join("tenants").join("carol").join("in");
    std::fs::create_dir_all(&carol_in).unwrap();
    let carol_stills = stills(&carol_in, 3);
    let pictures: u64 = carol_stills
        .iter()
        .map(|p| std::fs::metadata(p).unwrap().len())
        .sum();
    let carol_mb = pictures.div_ceil(1_000_000);
    let tokens = tenants_file(tmp.path(), carol_mb);
    let (_fa, addr_a) = front_end(&home_a, &urls, Some(&tokens));
    let (_fb, addr_b) = front_end(&home_b, &urls, Some(&tokens));
    let nc = async_nats::connect(urls.split(',').next().unwrap())
        .await
        .unwrap();
    let js = async_nats::jetstream::new(nc.clone());
    let kv = js.get_key_value("reelsmith-jobs").await.unwrap();
    let files = js.get_object_store("reelsmith-files").await.unwrap();

    let a = client(&format!("http://{addr_a}/mcp"), ACME).await;
    let b = client(&format!("http://{addr_b}/mcp"), ACME).await;
    let inbox = home_a.join("tenants").join("acme").join("in");
    std::fs::create_dir_all(&inbox).unwrap();
    let up = good(&a, "upload_media", json!({"files": stills(&inbox, 3)})).await;
    let sid = structured(&up)["session_id"].as_str().unwrap().to_string();
    let made = good(
        &a,
        "create_video",
        json!({"session_id": sid, "prompt": "a 40 second video, no music", "options": {"resolution": "720p"}}),
    )
    .await;
    let rev = structured(&made)["revision"].as_u64().unwrap();
    let job = job_key("acme", &sid, rev, None, false);
    let export = json!({"session_id": sid, "wait_s": 600});

    // Queued (no worker yet), cancelled through B by the agent dropping its waiting call.
    let waited = tokio::time::timeout(
        Duration::from_secs(3),
        b.call_tool(params("export_video", export.clone())),
    )
    .await;
    assert!(
        waited.is_err(),
        "the export ended with no worker: {waited:?}"
    );
    let rec = record_until(&kv, &job, "the queued job cancelled", |r| {
        r.state == JobState::Cancelled
    })
    .await;
    assert!(
        rec.worker.is_none() && rec.message.contains("before a worker took it"),
        "{rec:?}"
    );

    // The workers start; the one taking the queued message skips it (no redelivery).
    let mut workers: std::collections::HashMap<String, Killed> = ["w1", "w2"]
        .into_iter()
        .map(|w| (w.to_string(), worker(tmp.path(), &urls, w)))
        .collect();
    until(
        tmp.path(),
        120,
        "the cancelled job to be skipped",
        || async { logs(tmp.path()).contains("job cancelled before it was rendered; skipped") },
    )
    .await;
    let stream = js.get_stream("REELSMITH_JOBS").await.unwrap();
    let settled = || async {
        let c = stream.consumer_info("render-workers").await.unwrap();
        c.num_pending == 0 && c.num_ack_pending == 0
    };
    until(
        tmp.path(),
        30,
        "the skipped job to leave the queue",
        settled,
    )
    .await;
    let rec = record_until(&kv, &job, "the record", |_| true).await;
    assert_eq!(rec.state, JobState::Cancelled, "{rec:?}");
    assert_eq!(rec.attempts, 0, "{rec:?}");

    // Exported again through A (a cancelled job starts afresh); once ffmpeg runs, the same
    // export through B is joined and cancelled there (its agent gives up). The worker stops
    // ffmpeg and keeps nothing, the job is not delivered again, and A's waiting call hears it.
    let mut progress = nc
        .subscribe(format!("reelsmith.progress.{job}"))
        .await
        .unwrap();
    let waiting_a = {
        let (peer, p) = (a.peer().clone(), params("export_video", export.clone()));
        tokio::spawn(async move { peer.call_tool(p).await })
    };
    loop {
        let p = tokio::time::timeout(Duration::from_secs(300), progress.next())
            .await
            .expect("the export makes progress")
            .unwrap();
        let p: Value = serde_json::from_slice(&p.payload).unwrap();
        if p["percent"].as_f64().unwrap() > 1.0 && ffmpeg_in(tmp.path()) {
            break;
        }
    }
    let cancelled = tokio::time::timeout(
        Duration::from_secs(2),
        b.call_tool(params("export_video", export.clone())),
    )
    .await;
    assert!(cancelled.is_err(), "{cancelled:?}");
    let rec = record_until(&kv, &job, "the running job cancelled", |r| {
        r.state == JobState::Cancelled
    })
    .await;
    let by = rec.worker.clone().expect("a worker had taken it");
    assert!(
        rec.message
            .contains(&format!("Cancelled while worker {by} was rendering")),
        "{rec:?}"
    );
    assert_eq!(rec.attempts, 1, "{rec:?}");
    let heard = tokio::time::timeout(Duration::from_secs(60), waiting_a)
        .await
        .expect("A's waiting call ends")
        .unwrap()
        .unwrap();
    assert_eq!(heard.is_error, Some(true), "{heard:?}");
    assert!(
        text_of(&heard).contains("Cancelled while worker"),
        "{heard:?}"
    );
    until(tmp.path(), 15, "ffmpeg to stop", || async {
        !ffmpeg_in(tmp.path())
    })
    .await;
    until(
        tmp.path(),
        15,
        "the stopped job to leave the queue",
        settled,
    )
    .await;
    until(tmp.path(), 15, "the worker to log the cancel", || async {
        logs(tmp.path()).contains("job cancelled; its render was stopped")
    })
    .await;
    // Longer than the ack wait (4 s): had the message not been settled it would be back.
    tokio::time::sleep(Duration::from_secs(6)).await;
    let c = stream.consumer_info("render-workers").await.unwrap();
    assert_eq!((c.num_pending, c.num_ack_pending), (0, 0), "{c:?}");
    let rec = record_until(&kv, &job, "the record", |_| true).await;
    assert_eq!(
        (rec.state, rec.attempts),
        (JobState::Cancelled, 1),
        "{rec:?}"
    );
    assert!(
        files.info(export_object(&job)).await.is_err(),
        "a cancelled job left an output"
    );
    // The registry counts both: one skipped, one stopped.
    until(
        tmp.path(),
        30,
        "the workers to report two cancelled jobs",
        || async {
            let (_, report) = doctor(tmp.path(), &urls).await;
            let cancelled: u64 = report
                .lines()
                .filter(|l| l.contains("  worker w"))
                .filter_map(|l| {
                    let n = l.split(" cancelled").next()?.rsplit(' ').next()?;
                    n.parse::<u64>().ok()
                })
                .sum();
            cancelled == 2
        },
    )
    .await;

    // carol's limits hold across front ends. Storage: her pictures, uploaded through A, and a
    // recording through B that fits alone but not beside them (B's replica has none of hers).
    let ca = client(&format!("http://{addr_a}/mcp"), CAROL).await;
    let cb = client(&format!("http://{addr_b}/mcp"), CAROL).await;
    let up = good(&ca, "upload_media", json!({"files": carol_stills})).await;
    let carol_sid = structured(&up)["session_id"].as_str().unwrap().to_string();
    let carol_b_in = home_b.join("tenants").join("carol").join("in");
    std::fs::create_dir_all(&carol_b_in).unwrap();
    let wav = carol_b_in.join("voice.wav");
    write_silence(&wav, carol_mb * 1_000_000 - pictures / 2);
    let refused = call(&cb, "upload_media", json!({"files": [wav]})).await;
    assert_eq!(refused.is_error, Some(true), "{refused:?}");
    let why = text_of(&refused);
    assert!(
        why.contains("storage limit reached: tenant carol has")
            && why.contains(&format!("may keep {carol_mb}.0 MB"))
            && why.contains("these files add"),
        "{why}"
    );

    // Renders at once: one running through A, so a second through B is refused; once the
    // first is cancelled (through B), the second starts.
    good(
        &ca,
        "create_video",
        json!({"session_id": carol_sid, "prompt": "a 40 second video, no music", "options": {"resolution": "720p"}}),
    )
    .await;
    let first = json!({"session_id": carol_sid, "wait_s": 0});
    let started = good(&ca, "export_video", first.clone()).await;
    assert_eq!(structured(&started)["status"], "rendering", "{started:?}");
    let second = json!({"session_id": carol_sid, "wait_s": 0, "quality": "draft"});
    let refused = call(&cb, "export_video", second.clone()).await;
    assert_eq!(refused.is_error, Some(true), "{refused:?}");
    assert!(
        text_of(&refused)
            .contains("1 of your renders are running, and 1 at once is the limit for tenant carol"),
        "{}",
        text_of(&refused)
    );
    // acme is not held back by carol's limit.
    let theirs = good(
        &b,
        "export_video",
        json!({"session_id": sid, "wait_s": 0, "quality": "draft"}),
    )
    .await;
    assert_eq!(structured(&theirs)["status"], "rendering", "{theirs:?}");
    let first_job = structured(&started)["job_id"].as_str().unwrap().to_string();
    let dropped = tokio::time::timeout(
        Duration::from_secs(2),
        cb.call_tool(params(
            "export_video",
            json!({"session_id": carol_sid, "wait_s": 600}),
        )),
    )
    .await;
    assert!(dropped.is_err(), "{dropped:?}");
    record_until(&kv, &first_job, "carol's first export cancelled", |r| {
        r.state == JobState::Cancelled
    })
    .await;
    let now = good(&cb, "export_video", second).await;
    assert_eq!(structured(&now)["status"], "rendering", "{now:?}");

    // A job whose every delivery dies with its worker (kill -9 on each of its 3 deliveries):
    // the server's MAX_DELIVERIES advisory has a surviving process fail it and dead-letter
    // it with the reason.
    good(&a, "export_video", json!({"session_id": sid, "wait_s": 0})).await;
    for (k, spare) in [(1, "w3"), (2, "w4"), (3, "w5")] {
        let rec = record_until(&kv, &job, &format!("delivery {k} taken"), |r| {
            r.attempts == k && r.worker.is_some() && r.state == JobState::Running
        })
        .await;
        let taker = rec.worker.unwrap();
        workers
            .get_mut(&taker)
            .expect("a worker of this test")
            .kill();
        workers.insert(spare.into(), worker(tmp.path(), &urls, spare));
    }
    let rec = record_until(&kv, &job, "the job failed", |r| r.ended()).await;
    assert_eq!((rec.state, rec.attempts), (JobState::Failed, 3), "{rec:?}");
    assert!(
        rec.message
            .contains("delivered 3 times and no worker finished it"),
        "{rec:?}"
    );
    let dead = js
        .get_stream("REELSMITH_DEAD")
        .await
        .unwrap()
        .get_last_raw_message_by_subject(&format!("reelsmith.dead.{job}"))
        .await
        .expect("the job is in the dead-letter stream");
    let letter: reelsmith::cluster::job::DeadLetter =
        serde_json::from_slice(&dead.payload).unwrap();
    assert_eq!(letter.attempts, 3, "{letter:?}");
    assert!(rec.message.contains(&letter.reason), "{letter:?}");
    assert!(
        files.info(export_object(&job)).await.is_err(),
        "a failed job left an output"
    );

    for c in [a, b, ca, cb] {
        c.cancel().await.unwrap();
    }
}

/// A mono 16-bit 8 kHz WAV of silence, `bytes` long.
fn write_silence(path: &Path, bytes: u64) {
    let data = (bytes - 44) as u32 & !1;
    let mut w = Vec::with_capacity(bytes as usize);
    w.extend_from_slice(b"RIFF");
    w.extend_from_slice(&(36 + data).to_le_bytes());
    w.extend_from_slice(b"WAVEfmt ");
    w.extend_from_slice(&16u32.to_le_bytes());
    w.extend_from_slice(&1u16.to_le_bytes());
    w.extend_from_slice(&1u16.to_le_bytes());
    w.extend_from_slice(&8000u32.to_le_bytes());
    w.extend_from_slice(&16000u32.to_le_bytes());
    w.extend_from_slice(&2u16.to_le_bytes());
    w.extend_from_slice(&16u16.to_le_bytes());
    w.extend_from_slice(b"data");
    w.extend_from_slice(&data.to_le_bytes());
    w.resize(44 + data as usize, 0);
    std::fs::write(path, w).unwrap();
}
