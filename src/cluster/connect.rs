//! Connecting to the cluster and making sure its stream, buckets and consumer exist.

use super::ClusterError;
use super::registry::{WORKER_TTL, WORKERS_BUCKET};
use super::shared_renders::{RENDERS_BUCKET, RENDERS_MAX_AGE};
use super::team::{CLAIM_TTL, CLAIMS_BUCKET, HELP_SUBJECT};
use async_nats::jetstream::{self, consumer, kv, object_store, stream};
use std::time::{Duration, Instant};

/// The work-queue stream of render jobs.
pub const JOBS_STREAM: &str = "REELSMITH_JOBS";
/// The subject render jobs are published on.
pub const JOBS_SUBJECT: &str = "reelsmith.jobs.render";
/// The stream keeping dead-lettered jobs (with their reason) for operators.
pub const DEAD_STREAM: &str = "REELSMITH_DEAD";
/// Dead letters go to `reelsmith.dead.<job id>`.
pub const DEAD_PREFIX: &str = "reelsmith.dead";
/// Progress of a job goes to `reelsmith.progress.<job id>` (core NATS, not stored).
pub const PROGRESS_PREFIX: &str = "reelsmith.progress";
/// A request on `reelsmith.cancel.<job id>` (core NATS) stops the worker rendering that job;
/// it answers once its render has stopped.
pub const CANCEL_PREFIX: &str = "reelsmith.cancel";
/// The KV bucket of job records, by job id.
pub const JOBS_BUCKET: &str = "reelsmith-jobs";
/// The KV bucket of sessions: each one's owner and head, its revisions and its media.
pub const SESSIONS_BUCKET: &str = "reelsmith-sessions";
/// The object store of media (`media/<tenant>/<media id>`) and exports (`exports/<job id>.mp4`).
pub const FILES_BUCKET: &str = "reelsmith-files";
/// The durable pull consumer every worker shares.
pub const WORKERS_CONSUMER: &str = "render-workers";

/// How to reach the cluster and how to lay out what is created in it.
#[derive(Debug, Clone)]
pub struct ClusterOptions {
    /// `nats://host:port`, several separated by commas.
    pub url: String,
    /// Replication factor of the stream, buckets and consumer (3 on a 3-node cluster).
    pub replicas: usize,
    /// How long a worker may go without acknowledging before its job is handed to another.
    pub ack_wait: Duration,
    /// How many times a job is delivered before it is dead-lettered.
    pub max_deliver: i64,
}

impl ClusterOptions {
    /// Options for `url`: replicas as given, ack wait and deliveries from
    /// `REELSMITH_CLUSTER_ACK_WAIT_S` (default 30) and `REELSMITH_CLUSTER_MAX_DELIVER` (default 3).
    pub fn new(url: &str, replicas: usize) -> ClusterOptions {
        let env = |k: &str| {
            std::env::var(k)
                .ok()
                .and_then(|v| v.trim().parse::<u64>().ok())
        };
        ClusterOptions {
            url: url.trim().to_string(),
            replicas: replicas.max(1),
            ack_wait: Duration::from_secs(env("REELSMITH_CLUSTER_ACK_WAIT_S").unwrap_or(30).max(1)),
            max_deliver: env("REELSMITH_CLUSTER_MAX_DELIVER").unwrap_or(3).max(1) as i64,
        }
    }
}

/// A connection to the cluster with its resources at hand. Cheap to clone.
#[derive(Clone)]
pub struct Cluster {
    /// The core NATS client (progress subjects).
    pub client: async_nats::Client,
    /// The JetStream context.
    pub js: jetstream::Context,
    /// Job records by job id.
    pub jobs: kv::Store,
    /// Sessions, shared by every front end.
    pub sessions: kv::Store,
    /// Media and exports.
    pub files: object_store::ObjectStore,
    /// The worker registry ([`super::registry`]).
    pub workers: kv::Store,
    /// Render pieces shared by the workers ([`super::shared_renders`]).
    pub renders: object_store::ObjectStore,
    /// Claims on windows drawn by several workers ([`super::team`]).
    pub claims: kv::Store,
    /// What it was opened with.
    pub opts: ClusterOptions,
}

/// The buckets [`Cluster::ensure`] opens.
struct Resources {
    jobs: kv::Store,
    sessions: kv::Store,
    files: object_store::ObjectStore,
    workers: kv::Store,
    renders: object_store::ObjectStore,
    claims: kv::Store,
}

/// How long set-up keeps retrying while a fresh cluster elects its JetStream leader.
const SETUP_PATIENCE: Duration = Duration::from_secs(90);

impl Cluster {
    /// Connect and create the stream and buckets when missing (retrying while a new cluster
    /// is still electing its leaders).
    pub async fn connect(opts: ClusterOptions) -> Result<Cluster, ClusterError> {
        let client = connect_client(&opts.url, Duration::from_secs(10)).await?;
        let js = jetstream::new(client.clone());
        let started = Instant::now();
        loop {
            match Self::ensure(&js, &opts).await {
                Ok(Resources {
                    jobs,
                    sessions,
                    files,
                    workers,
                    renders,
                    claims,
                }) => {
                    return Ok(Cluster {
                        client,
                        js,
                        jobs,
                        sessions,
                        files,
                        workers,
                        renders,
                        claims,
                        opts,
                    });
                }
                Err(e) if started.elapsed() < SETUP_PATIENCE => {
                    tracing::info!(error = %e, "cluster not ready yet; retrying");
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
                Err(e) => return Err(e),
            }
        }
    }

    async fn ensure(
        js: &jetstream::Context,
        opts: &ClusterOptions,
    ) -> Result<Resources, ClusterError> {
        let jobs_stream = stream::Config {
            name: JOBS_STREAM.into(),
            subjects: vec![JOBS_SUBJECT.into(), HELP_SUBJECT.into()],
            retention: stream::RetentionPolicy::WorkQueue,
            num_replicas: opts.replicas,
            duplicate_window: Duration::from_secs(120),
            ..Default::default()
        };
        let made = js
            .get_or_create_stream(jobs_stream.clone())
            .await
            .map_err(|e| ClusterError::js("create the jobs stream", e))?;
        // A stream made by an older version lacks the help subject.
        let subjects = &made.cached_info().config.subjects;
        if !jobs_stream.subjects.iter().all(|s| subjects.contains(s)) {
            let config = stream::Config {
                subjects: jobs_stream.subjects.clone(),
                ..made.cached_info().config.clone()
            };
            js.update_stream(config)
                .await
                .map_err(|e| ClusterError::js("add the help subject to the jobs stream", e))?;
        }
        js.get_or_create_stream(stream::Config {
            name: DEAD_STREAM.into(),
            subjects: vec![format!("{DEAD_PREFIX}.>")],
            num_replicas: opts.replicas,
            max_age: Duration::from_secs(30 * 24 * 3600),
            ..Default::default()
        })
        .await
        .map_err(|e| ClusterError::js("create the dead-letter stream", e))?;
        let kv_config = |bucket: &str| kv::Config {
            bucket: bucket.into(),
            history: 1,
            num_replicas: opts.replicas,
            ..Default::default()
        };
        let jobs = kv_bucket(js, kv_config(JOBS_BUCKET), "create the jobs bucket").await?;
        let sessions =
            kv_bucket(js, kv_config(SESSIONS_BUCKET), "create the sessions bucket").await?;
        let workers = kv_bucket(
            js,
            kv::Config {
                // A worker that stops reporting drops off by itself.
                max_age: WORKER_TTL,
                ..kv_config(WORKERS_BUCKET)
            },
            "create the workers bucket",
        )
        .await?;
        let claims = kv_bucket(
            js,
            kv::Config {
                // A claim lapses unless its worker keeps it.
                max_age: CLAIM_TTL,
                ..kv_config(CLAIMS_BUCKET)
            },
            "create the claims bucket",
        )
        .await?;
        let objects = |bucket: &str| object_store::Config {
            bucket: bucket.into(),
            num_replicas: opts.replicas,
            ..Default::default()
        };
        let files = object_bucket(js, objects(FILES_BUCKET), "create the files bucket").await?;
        let renders = object_bucket(
            js,
            object_store::Config {
                max_age: RENDERS_MAX_AGE,
                ..objects(RENDERS_BUCKET)
            },
            "create the renders bucket",
        )
        .await?;
        Ok(Resources {
            jobs,
            sessions,
            files,
            renders,
            workers,
            claims,
        })
    }

    /// The workers' pull consumer (created when missing).
    pub async fn workers_consumer(
        &self,
    ) -> Result<consumer::Consumer<consumer::pull::Config>, ClusterError> {
        let stream = self
            .js
            .get_stream(JOBS_STREAM)
            .await
            .map_err(|e| ClusterError::js("open the jobs stream", e))?;
        stream
            .get_or_create_consumer(
                WORKERS_CONSUMER,
                consumer::pull::Config {
                    durable_name: Some(WORKERS_CONSUMER.into()),
                    ack_policy: consumer::AckPolicy::Explicit,
                    ack_wait: self.opts.ack_wait,
                    max_deliver: self.opts.max_deliver,
                    num_replicas: self.opts.replicas,
                    ..Default::default()
                },
            )
            .await
            .map_err(|e| ClusterError::js("create the workers' consumer", e))
    }
}

/// Open the KV bucket `config` names, creating it with `config` when missing.
async fn kv_bucket(
    js: &jetstream::Context,
    config: kv::Config,
    what: &'static str,
) -> Result<kv::Store, ClusterError> {
    match js.get_key_value(config.bucket.as_str()).await {
        Ok(s) => Ok(s),
        Err(_) => js
            .create_key_value(config)
            .await
            .map_err(|e| ClusterError::js(what, e)),
    }
}

/// Open the object store bucket `config` names, creating it with `config` when missing.
async fn object_bucket(
    js: &jetstream::Context,
    config: object_store::Config,
    what: &'static str,
) -> Result<object_store::ObjectStore, ClusterError> {
    match js.get_object_store(config.bucket.as_str()).await {
        Ok(s) => Ok(s),
        Err(_) => js
            .create_object_store(config)
            .await
            .map_err(|e| ClusterError::js(what, e)),
    }
}

/// A client of the servers in `url` (comma-separated), giving up after `timeout`.
pub async fn connect_client(
    url: &str,
    timeout: Duration,
) -> Result<async_nats::Client, ClusterError> {
    let failed = |detail: String| ClusterError::Connect {
        url: url.to_string(),
        detail,
    };
    let servers: Vec<async_nats::ServerAddr> = url
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.parse())
        .collect::<Result<_, _>>()
        .map_err(|e| failed(format!("not a NATS URL: {e}")))?;
    if servers.is_empty() {
        return Err(failed("no server given".into()));
    }
    let connecting = async_nats::ConnectOptions::new()
        .name("reelsmith")
        .connection_timeout(timeout)
        .connect(servers);
    match tokio::time::timeout(timeout, connecting).await {
        Ok(Ok(c)) => Ok(c),
        Ok(Err(e)) => Err(failed(e.to_string())),
        Err(_) => Err(failed(format!("no answer within {} s", timeout.as_secs()))),
    }
}

/// The subject a job's progress is published on.
pub fn progress_subject(job_id: &str) -> String {
    format!("{PROGRESS_PREFIX}.{job_id}")
}

/// The subject a job's cancel is sent on.
pub fn cancel_subject(job_id: &str) -> String {
    format!("{CANCEL_PREFIX}.{job_id}")
}

/// The subject a job is dead-lettered on.
pub fn dead_subject(job_id: &str) -> String {
    format!("{DEAD_PREFIX}.{job_id}")
}
