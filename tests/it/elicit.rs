//! Confirmations by elicitation, with real rmcp clients against `reelsmith serve`: a client that
//! declares elicitation and accepts, one that declines, and one without the capability, for
//! replacing an existing file (local and cloud), a long render, and a create_video turn that
//! spends cloud credits (against the fake NemoVideo). Sessions of 2025-11-25 are asked with
//! `elicitation/create`; 2026-07-28 sessions get an `InputRequiredResult` that rmcp's client
//! answers through the same handler and retries. Also: clients of each protocol version the
//! server supports initialise (or discover) and list the tools.

use crate::support::mcp_client::{ok, structured, text_of};
use crate::support::*;
use rmcp::model::{
    CallToolRequestParams, CallToolResult, ClientCapabilities, ClientConfig, ElicitRequestParams,
    ElicitResult, ElicitationAction, ElicitationCapability, FormElicitationCapability,
    Implementation, ProtocolVersion,
};
use rmcp::service::{ClientLifecycleMode, ClientServiceExt, RequestContext, RunningService};
use rmcp::transport::{ConfigureCommandExt, TokioChildProcess};
use rmcp::{ClientHandler, ErrorData as McpError, RoleClient, ServiceExt};
use serde_json::{Value, json};
use std::path::Path;
use std::sync::{Arc, Mutex};

/// What the person does with every question.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Person {
    Accepts,
    /// Accepts and ticks "don't ask again".
    AcceptsForGood,
    Declines,
    Dismisses,
}

/// A client that can show forms (or not), answers as `person` and records every question.
#[derive(Clone)]
struct Asker {
    person: Person,
    elicitation: bool,
    version: ProtocolVersion,
    asked: Arc<Mutex<Vec<String>>>,
}

impl ClientHandler for Asker {
    fn get_info(&self) -> ClientConfig {
        let mut caps = ClientCapabilities::default();
        if self.elicitation {
            caps.elicitation =
                Some(ElicitationCapability::new().with_form(FormElicitationCapability::default()));
        }
        let mut c = ClientConfig::new(caps, Implementation::new("elicit-test", "1"));
        c.protocol_version = self.version.clone();
        c
    }

    async fn create_elicitation(
        &self,
        request: ElicitRequestParams,
        _context: RequestContext<RoleClient>,
    ) -> Result<ElicitResult, McpError> {
        let ElicitRequestParams::FormElicitationParams {
            message,
            requested_schema,
            ..
        } = request
        else {
            panic!("only forms are asked");
        };
        self.asked.lock().unwrap().push(message);
        Ok(match self.person {
            Person::Accepts => ElicitResult::new(ElicitationAction::Accept).with_content(json!({})),
            Person::AcceptsForGood => {
                let schema = serde_json::to_value(&requested_schema).unwrap();
                assert_eq!(
                    schema["properties"]["dont_ask_again"]["type"], "boolean",
                    "{schema}"
                );
                ElicitResult::new(ElicitationAction::Accept)
                    .with_content(json!({"dont_ask_again": true}))
            }
            Person::Declines => ElicitResult::new(ElicitationAction::Decline),
            Person::Dismisses => ElicitResult::new(ElicitationAction::Cancel),
        })
    }
}

struct Client {
    service: RunningService<RoleClient, Asker>,
    asked: Arc<Mutex<Vec<String>>>,
}

/// `reelsmith serve` on stdio in `cwd` with `env`, and a client speaking `version` (2026-07-28
/// discovers instead of initialising).
async fn connect(
    home: &Path,
    cwd: &Path,
    env: &[(&str, &str)],
    person: Person,
    elicitation: bool,
    version: ProtocolVersion,
) -> Client {
    let (home, cwd) = (home.to_path_buf(), cwd.to_path_buf());
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let (transport, _) = TokioChildProcess::builder(
        tokio::process::Command::new(env!("CARGO_BIN_EXE_reelsmith")).configure(|c| {
            c.arg("serve")
                .env("REELSMITH_HOME", &home)
                .env("RUST_LOG", "warn")
                .env_remove("REELSMITH_BACKEND")
                .env_remove("REELSMITH_ENCODE_FPS")
                .env_remove("NEMO_TOKEN")
                .current_dir(&cwd);
            for (k, v) in &env {
                c.env(k, v);
            }
        }),
    )
    .spawn()
    .unwrap();
    let asked = Arc::new(Mutex::new(Vec::new()));
    let asker = Asker {
        person,
        elicitation,
        version: version.clone(),
        asked: asked.clone(),
    };
    let service = if version.has_initialize() {
        asker.serve(transport).await.unwrap()
    } else {
        asker
            .serve_with_lifecycle(
                transport,
                ClientLifecycleMode::Discover {
                    preferred_versions: vec![version],
                },
            )
            .await
            .unwrap()
    };
    Client { service, asked }
}

impl Client {
    async fn call(&self, tool: &str, args: Value) -> CallToolResult {
        self.service
            .call_tool(
                CallToolRequestParams::new(tool.to_string())
                    .with_arguments(args.as_object().cloned().unwrap()),
            )
            .await
            .unwrap_or_else(|e| panic!("{tool}: {e}"))
    }

    fn questions(&self) -> Vec<String> {
        self.asked.lock().unwrap().clone()
    }
}

fn stills(dir: &Path) -> Vec<String> {
    (0..3)
        .map(|i| {
            still(dir, &format!("e{i}.jpg"), 1280, 720, i)
                .display()
                .to_string()
        })
        .collect()
}

/// A 6-second 720p session made by `c`.
async fn session(c: &Client, dir: &Path) -> String {
    let r = c
        .call(
            "create_video",
            json!({"prompt": "a 6 second video", "files": stills(dir),
                   "options": {"resolution": "720p"}}),
        )
        .await;
    ok(&r);
    structured(&r)["session_id"].as_str().unwrap().to_string()
}

const OLD: &[u8] = b"not a video: the person's own file";

#[tokio::test(flavor = "multi_thread")]
async fn replacing_a_file_is_confirmed_where_the_client_can_ask() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    for (person, elicitation, version) in [
        (Person::Declines, true, ProtocolVersion::V_2025_11_25),
        (Person::Dismisses, true, ProtocolVersion::V_2025_06_18),
        (Person::Declines, true, ProtocolVersion::V_2026_07_28),
        (Person::Accepts, false, ProtocolVersion::V_2025_11_25),
        (Person::Accepts, true, ProtocolVersion::V_2026_07_28),
        (Person::Accepts, true, ProtocolVersion::V_2025_11_25),
    ] {
        let case = format!("{person:?}, elicitation {elicitation}, {version}");
        let c = connect(&home, dir.path(), &[], person, elicitation, version).await;
        let sid = session(&c, dir.path()).await;
        let out = dir.path().join("mine.mp4");
        std::fs::write(&out, OLD).unwrap();
        let args =
            json!({"session_id": sid, "output_path": out, "quality": "draft", "wait_s": 300});

        // overwrite: false is the agent's explicit word: never asked, refused as always.
        let r = c
            .call("export_video", {
                let mut a = args.clone();
                a["overwrite"] = json!(false);
                a
            })
            .await;
        assert_eq!(r.is_error, Some(true), "{case}");
        assert!(c.questions().is_empty(), "{case}: {:?}", c.questions());

        let r = c.call("export_video", args.clone()).await;
        let t = text_of(&r);
        let asked = c.questions();
        match (elicitation, person) {
            (false, _) => {
                assert!(asked.is_empty(), "{case}");
                assert_eq!(r.is_error, Some(true), "{case}: {t}");
                assert!(
                    t.contains("already exists; choose another output path or allow overwriting"),
                    "{case}: {t}"
                );
                assert_eq!(std::fs::read(&out).unwrap(), OLD, "{case}");
            }
            (true, Person::Accepts) => {
                ok(&r);
                assert_eq!(asked.len(), 1, "{case}: {asked:?}");
                assert_eq!(structured(&r)["status"], "done", "{case}");
                let bytes = std::fs::read(&out).unwrap();
                assert_ne!(bytes, OLD, "{case}");
                assert_eq!(&bytes[4..8], b"ftyp", "{case}");
                // Collecting it again asks nothing: the file is the export's own.
                let again = c.call("export_video", args.clone()).await;
                ok(&again);
                assert_eq!(c.questions().len(), 1, "{case}: {:?}", c.questions());
            }
            (true, _) => {
                assert_eq!(asked.len(), 1, "{case}: {asked:?}");
                assert_eq!(r.is_error, Some(true), "{case}: {t}");
                let word = if person == Person::Declines {
                    "declined"
                } else {
                    "dismissed"
                };
                assert!(
                    t.contains(word) && t.contains("Nothing was changed"),
                    "{case}: {t}"
                );
                assert_eq!(std::fs::read(&out).unwrap(), OLD, "{case}");
            }
        }
        if elicitation {
            let q = &asked[0];
            assert!(
                q.contains(&out.display().to_string()) && q.contains("already exists"),
                "{case}: {q}"
            );
            assert!(q.contains("Replace it"), "{case}: {q}");
        }
        std::fs::remove_file(&out).unwrap();
        c.service.cancel().await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_render_estimated_over_ten_minutes_is_confirmed() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    // The machine's speed pinned very low, so a small draft is estimated at over ten minutes
    // (6 s × 30 fps × 640×360 at 0.01 frames a second at 1080p ≈ 45 minutes), whatever the load.
    let slow = [("REELSMITH_ENCODE_FPS", "0.01")];
    for person in [Person::Declines, Person::Accepts] {
        let c = connect(
            &home,
            dir.path(),
            &slow,
            person,
            true,
            ProtocolVersion::V_2025_11_25,
        )
        .await;
        let sid = session(&c, dir.path()).await;
        let out = dir.path().join(format!("long-{person:?}.mp4"));
        let args =
            json!({"session_id": sid, "output_path": out, "quality": "draft", "wait_s": 300});
        let r = c.call("export_video", args.clone()).await;
        let asked = c.questions();
        assert_eq!(asked.len(), 1, "{person:?}: {asked:?}");
        let q = &asked[0];
        assert!(q.contains("minutes on this machine"), "{q}");
        assert!(
            q.contains("frames at 640×360") && q.contains("REELSMITH_ENCODE_FPS=0.01"),
            "{q}"
        );
        if person == Person::Declines {
            assert_eq!(r.is_error, Some(true));
            assert!(
                text_of(&r).contains("no render was started"),
                "{}",
                text_of(&r)
            );
            assert!(!out.exists());
        } else {
            ok(&r);
            assert!(out.is_file());
            // Collecting the render asks nothing more.
            ok(&c.call("export_video", args).await);
            assert_eq!(c.questions().len(), 1);
        }
        c.service.cancel().await.unwrap();
    }
    // Without elicitation the render simply runs; at this machine's measured speed a short
    // draft is far under ten minutes, so nobody is asked either.
    for (env, elicitation) in [(&slow[..], false), (&[][..], true)] {
        let c = connect(
            &home,
            dir.path(),
            env,
            Person::Declines,
            elicitation,
            ProtocolVersion::V_2025_11_25,
        )
        .await;
        let sid = session(&c, dir.path()).await;
        let out = dir.path().join(format!("short-{elicitation}.mp4"));
        let r = c
            .call(
                "export_video",
                json!({"session_id": sid, "output_path": out, "quality": "draft", "wait_s": 300}),
            )
            .await;
        ok(&r);
        assert!(out.is_file());
        assert!(c.questions().is_empty(), "{:?}", c.questions());
        c.service.cancel().await.unwrap();
    }
}

fn cloud_env(base: &str) -> Vec<(&'static str, String)> {
    vec![
        ("REELSMITH_BACKEND", "nemo".into()),
        ("NEMO_API_URL", base.to_string()),
        ("NEMO_RENDER_POLL_MS", "100".into()),
        ("NEMO_RETRY_WAIT_MS", "200".into()),
        ("NEMO_RECOVERY_POLL_MS", "250".into()),
        ("NEMO_HEARTBEAT_MS", "400".into()),
    ]
}

#[tokio::test(flavor = "multi_thread")]
async fn cloud_credits_are_confirmed_before_a_turn_and_exports_ask_only_to_replace() {
    let dir = tempfile::tempdir().unwrap();
    let (fake, base) = fake_nemo::start(sample_mp4(dir.path())).await;
    let env = cloud_env(&base);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let sse = || fake.lock().unwrap().sse_calls;
    let renders = || {
        fake.lock()
            .unwrap()
            .seen
            .iter()
            .filter(|s| s.method == "POST" && s.path == "/api/render/proxy/lambda")
            .count()
    };
    for (person, elicitation, version) in [
        (Person::Declines, true, ProtocolVersion::V_2025_11_25),
        (Person::Dismisses, true, ProtocolVersion::V_2026_07_28),
        (Person::Accepts, false, ProtocolVersion::V_2025_11_25),
        (Person::Accepts, true, ProtocolVersion::V_2026_07_28),
        (Person::AcceptsForGood, true, ProtocolVersion::V_2025_11_25),
    ] {
        let case = format!("{person:?}, elicitation {elicitation}, {version}");
        let home = dir.path().join(format!("home-{person:?}-{elicitation}"));
        let c = connect(&home, dir.path(), &env, person, elicitation, version).await;
        let before = sse();
        let r = c
            .call(
                "create_video",
                json!({"prompt": "a 10 second promo with music"}),
            )
            .await;
        let asked = c.questions();
        if !elicitation {
            ok(&r);
            assert!(asked.is_empty(), "{case}");
            assert_eq!(sse(), before + 1, "{case}");
            c.service.cancel().await.unwrap();
            continue;
        }
        assert_eq!(asked.len(), 1, "{case}: {asked:?}");
        let q = &asked[0];
        assert!(q.contains("spends credits"), "{case}: {q}");
        // The fake's balance and the service's price note.
        assert!(
            q.contains("60 credits available (40 held by work in progress)"),
            "{case}: {q}"
        );
        assert!(q.contains("about 100 per generated clip"), "{case}: {q}");
        if matches!(person, Person::Declines | Person::Dismisses) {
            assert_eq!(r.is_error, Some(true), "{case}");
            assert!(
                text_of(&r).contains("spent no credits"),
                "{case}: {}",
                text_of(&r)
            );
            assert_eq!(sse(), before, "{case}: a turn was sent");
            c.service.cancel().await.unwrap();
            continue;
        }
        ok(&r);
        assert_eq!(sse(), before + 1, "{case}");
        let sid = structured(&r)["session_id"].as_str().unwrap().to_string();
        // A second turn: asked again unless the person said not to.
        ok(&c
            .call(
                "create_video",
                json!({"prompt": "retitle it", "session_id": sid}),
            )
            .await);
        let expected = if person == Person::AcceptsForGood {
            1
        } else {
            2
        };
        assert_eq!(c.questions().len(), expected, "{case}: {:?}", c.questions());

        // Exporting is free on NemoVideo: no credit question.
        let asked_before = c.questions().len();
        let out = dir.path().join(format!("cloud-{person:?}.mp4"));
        let r = c
            .call(
                "export_video",
                json!({"session_id": sid, "output_path": out, "wait_s": 60}),
            )
            .await;
        ok(&r);
        assert_eq!(
            c.questions().len(),
            asked_before,
            "{case}: {:?}",
            c.questions()
        );
        c.service.cancel().await.unwrap();
    }

    // Replacing a file with a cloud export: declined, nothing is submitted and the file stays.
    for person in [Person::Declines, Person::Accepts] {
        let home = dir.path().join(format!("home-replace-{person:?}"));
        let c = connect(
            &home,
            dir.path(),
            &env,
            Person::AcceptsForGood,
            true,
            ProtocolVersion::V_2025_11_25,
        )
        .await;
        let r = c
            .call(
                "create_video",
                json!({"prompt": "a 10 second promo with music"}),
            )
            .await;
        ok(&r);
        let sid = structured(&r)["session_id"].as_str().unwrap().to_string();
        c.service.cancel().await.unwrap();
        let c = connect(
            &home,
            dir.path(),
            &env,
            person,
            true,
            ProtocolVersion::V_2025_11_25,
        )
        .await;
        let out = dir.path().join(format!("taken-{person:?}.mp4"));
        std::fs::write(&out, OLD).unwrap();
        let submitted = renders();
        let r = c
            .call(
                "export_video",
                json!({"session_id": sid, "output_path": out, "wait_s": 60}),
            )
            .await;
        let asked = c.questions();
        assert_eq!(asked.len(), 1, "{person:?}: {asked:?}");
        assert!(asked[0].contains("already exists"), "{}", asked[0]);
        if person == Person::Declines {
            assert_eq!(r.is_error, Some(true));
            assert_eq!(std::fs::read(&out).unwrap(), OLD);
            assert_eq!(
                renders(),
                submitted,
                "a render was submitted after the decline"
            );
        } else {
            ok(&r);
            assert_eq!(std::fs::read(&out).unwrap(), fake.lock().unwrap().mp4);
            assert_eq!(renders(), submitted + 1);
        }
        c.service.cancel().await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn clients_of_each_protocol_version_connect_and_list_tools() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    for version in [
        ProtocolVersion::V_2025_06_18,
        ProtocolVersion::V_2025_11_25,
        ProtocolVersion::V_2026_07_28,
    ] {
        let c = connect(
            &home,
            dir.path(),
            &[],
            Person::Accepts,
            false,
            version.clone(),
        )
        .await;
        let info = c.service.peer_info().expect("server info");
        assert_eq!(
            info.protocol_version, version,
            "answered in the client's version"
        );
        let tools = c.service.list_all_tools().await.unwrap();
        let mut names: Vec<String> = tools.iter().map(|t| t.name.to_string()).collect();
        names.sort();
        assert_eq!(names, TOOL_NAMES, "{version}");
        c.service.cancel().await.unwrap();
    }
}
