//! Two front ends and two workers on one real 3-node NATS cluster, tenants from a tokens file.
//! A session made through front end A is edited through both at once without losing an edit
//! (every concurrent edit's text is in the final timeline, every revision in the history,
//! both front ends agree on the head); an export made through B downloads through A; the
//! other tenant gets "not found" for the session, its media and its export on either front end.
//! `doctor --cluster` finds every bucket and lists both workers.

use crate::support::cluster::{call, client, doctor, front_end, good, stills, worker};
use crate::support::mcp_client::{structured, text_of};
use crate::support::nats::NatsCluster;
use crate::support::*;
use serde_json::{Value, json};
use std::path::Path;

const ACME: &str = "acme-token-3f9c2a7d61e84b05";
const BRAVO: &str = "bravo-token-8e1b4c6f2a9d7035";

fn tenants_file(dir: &Path) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join("tokens");
    std::fs::write(&path, format!("{ACME} acme\n{BRAVO} bravo\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    path
}

/// The words of a get_timeline result's text track, in order.
fn texts(tl: &Value) -> Vec<String> {
    let tracks = tl["timeline"]["t"]
        .as_array()
        .unwrap_or_else(|| panic!("{tl}"));
    tracks
        .iter()
        .filter(|t| t["id"] == "text")
        .flat_map(|t| t["sg"].as_array().cloned().unwrap_or_default())
        .filter_map(|s| s["text"].as_str().map(String::from))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_front_ends_share_sessions_keep_every_edit_and_keep_tenants_apart() {
    let http = reelsmith::http::client_builder().build().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let nats = NatsCluster::start(&tmp.path().join("nats"), 3);
    let urls = nats.urls();
    let tokens = tenants_file(tmp.path());
    let (home_a, home_b) = (tmp.path().join("front-a"), tmp.path().join("front-b"));
    let (_fa, addr_a) = front_end(&home_a, &urls, Some(&tokens));
    let (_fb, addr_b) = front_end(&home_b, &urls, Some(&tokens));
    let _w1 = worker(tmp.path(), &urls, "w1");
    let _w2 = worker(tmp.path(), &urls, "w2");

    let a = client(&format!("http://{addr_a}/mcp"), ACME).await;
    let b = client(&format!("http://{addr_b}/mcp"), ACME).await;
    let inbox = home_a.join("tenants").join("acme").join("in");
    std::fs::create_dir_all(&inbox).unwrap();
    let stills = stills(&inbox, 3);
    let up = good(&a, "upload_media", json!({"files": stills})).await;
    let sid = structured(&up)["session_id"].as_str().unwrap().to_string();
    let media = structured(&up)["media"][0]["media_id"]
        .as_str()
        .unwrap()
        .to_string();
    good(
        &a,
        "create_video",
        json!({"session_id": sid, "prompt": "a 6 second video, no music", "options": {"resolution": "720p"}}),
    )
    .await;

    // Through B: the session made on A, with its media (B's workspace never had the files).
    let seen = good(&b, "get_timeline", json!({"session_id": sid})).await;
    assert_eq!(structured(&seen)["revision"], 1, "{}", text_of(&seen));

    // Three edits through each front end at once: every one lands.
    let edit = |c: &'static str, k: usize| {
        json!({"session_id": sid, "edits": [{"op": "add_text", "text": format!("note {c}{k}"),
               "start_s": 0.5 + k as f64, "end_s": 1.2 + k as f64}]})
    };
    let edits = (0..3).flat_map(|k| {
        [
            good(&a, "create_video", edit("a", k)),
            good(&b, "create_video", edit("b", k)),
        ]
    });
    futures_util::future::join_all(edits).await;
    let via_a = good(&a, "get_timeline", json!({"session_id": sid})).await;
    let via_b = good(&b, "get_timeline", json!({"session_id": sid})).await;
    let (ta, tb) = (structured(&via_a), structured(&via_b));
    assert_eq!(ta["revision"], 7, "{}", text_of(&via_a));
    assert_eq!(ta["revision"], tb["revision"]);
    let got = texts(ta);
    for c in ["a", "b"] {
        for k in 0..3 {
            let want = format!("note {c}{k}");
            assert!(got.contains(&want), "{want} was lost: {got:?}");
        }
    }
    assert_eq!(got, texts(tb), "the front ends disagree");

    // Exported through B, downloaded through A.
    let done = good(
        &b,
        "export_video",
        json!({"session_id": sid, "wait_s": 900}),
    )
    .await;
    let out = structured(&done).clone();
    assert_eq!(out["status"], "done", "{out}");
    let job = out["job_id"].as_str().unwrap().to_string();
    let link_a = format!("http://{addr_a}/exports/{job}");
    let got = http.get(&link_a).bearer_auth(ACME).send().await.unwrap();
    assert_eq!(got.status(), 200);
    let bytes = got.bytes().await.unwrap();
    assert_eq!(bytes.len() as u64, out["size_bytes"].as_u64().unwrap());
    let mp4 = tmp.path().join("via-a.mp4");
    std::fs::write(&mp4, &bytes).unwrap();
    assert!((duration(&probe(&mp4)) - 6.0).abs() < 0.5);

    // doctor --cluster, run as an operator would: the connection, every bucket and the
    // stream, and both workers with their load; the one that rendered has a job done (its
    // report follows the job's record by a moment, so asked again until then).
    let finished = |report: &str| {
        let lines: Vec<&str> = report
            .lines()
            .filter(|l| l.contains("  worker w"))
            .collect();
        let done: u64 = lines
            .iter()
            .map(|l| {
                let n = l
                    .split(" done,")
                    .next()
                    .unwrap()
                    .rsplit(' ')
                    .next()
                    .unwrap();
                n.parse::<u64>().unwrap()
            })
            .sum();
        done == 1
            && lines
                .iter()
                .all(|l| l.contains("load ") && l.contains("idle"))
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let report = loop {
        let (ok, report) = doctor(tmp.path(), &urls).await;
        assert!(ok, "{report}");
        if finished(&report) || std::time::Instant::now() > deadline {
            break report;
        }
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    };
    assert!(finished(&report), "one export done, both idle:\n{report}");
    for want in [
        "nats-server",
        "cluster reelsmith-test",
        "REELSMITH_JOBS (render jobs): R3",
        "consumer   render-workers: 0 queued, 0 being rendered",
        "reelsmith-jobs (job records): R3",
        "reelsmith-sessions (sessions): R3",
        "reelsmith-workers (worker registry): R3",
        "reelsmith-files (media and exports): R3",
        "workers:   2",
        "worker w1 on ",
        "worker w2 on ",
        "The cluster is ready for exports.",
    ] {
        assert!(report.contains(want), "{want:?} missing from:\n{report}");
    }

    // The other tenant, on either front end: the session, its media and its export are
    // "not found", as an id that never existed is.
    for (addr, name) in [(&addr_a, "A"), (&addr_b, "B")] {
        let other = client(&format!("http://{addr}/mcp"), BRAVO).await;
        for (tool, args) in [
            ("get_timeline", json!({"session_id": sid})),
            (
                "create_video",
                json!({"session_id": sid, "prompt": "make it calm"}),
            ),
            ("export_video", json!({"session_id": sid, "wait_s": 0})),
        ] {
            let r = call(&other, tool, args).await;
            assert_eq!(r.is_error, Some(true), "{name} {tool}: {r:?}");
            assert!(
                text_of(&r).contains("not found"),
                "{name} {tool}: {}",
                text_of(&r)
            );
        }
        let inbox_b = if name == "A" { &home_a } else { &home_b }
            .join("tenants")
            .join("bravo")
            .join("in");
        std::fs::create_dir_all(&inbox_b).unwrap();
        let pic = still(&inbox_b, "own.jpg", 1280, 720, 4)
            .display()
            .to_string();
        let up = good(&other, "upload_media", json!({"files": [pic]})).await;
        let own_sid = structured(&up)["session_id"].as_str().unwrap().to_string();
        good(
            &other,
            "create_video",
            json!({"session_id": own_sid, "prompt": "a 3 second video, no music", "options": {"resolution": "720p"}}),
        )
        .await;
        let shot = |m: &str| {
            call(
                &other,
                "create_video",
                json!({"session_id": own_sid, "edits": [{"op": "add_shot", "media_id": m}]}),
            )
        };
        let fake = format!("med_{}", "0".repeat(media.len() - 4));
        let (ours, unknown) = (shot(&media).await, shot(&fake).await);
        assert_eq!(ours.is_error, Some(true), "{name} media: {ours:?}");
        assert_eq!(
            text_of(&ours).replace(&media, "ID"),
            text_of(&unknown).replace(&fake, "ID"),
            "{name}: acme's media id is answered unlike an unknown one"
        );
        let denied = http
            .get(format!("http://{addr}/exports/{job}"))
            .bearer_auth(BRAVO)
            .send()
            .await
            .unwrap();
        assert_eq!(denied.status(), 404, "{name} export");
        other.cancel().await.unwrap();
    }
    a.cancel().await.unwrap();
    b.cancel().await.unwrap();
}
