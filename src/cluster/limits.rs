//! A tenant's limits in cluster mode, counted from what every front end shares rather than
//! from one front end's replica: renders at once from the job records (queued or running,
//! whichever front end started them), storage from the tenant's media in the files bucket
//! plus its finished exports. The refusals are worded as on a single machine.
//!
//! The count and the start of a job are not one atomic step, so two front ends starting a
//! tenant's last allowed render in the same instant may both get through.

use super::connect::JOBS_BUCKET;
use super::job::{JobRecord, media_object};
use super::registry::latest_values;
use super::{Cluster, ClusterError};
use crate::backend::JobState;
use futures_util::StreamExt;
use std::time::Duration;

/// The tenant's records in the jobs bucket.
async fn records(cluster: &Cluster, tenant: &str) -> Result<Vec<JobRecord>, ClusterError> {
    Ok(latest_values(&cluster.js, JOBS_BUCKET)
        .await?
        .into_iter()
        .filter_map(|(_, v)| JobRecord::from_bytes(&v))
        .filter(|r| r.tenant == tenant)
        .collect())
}

/// How many of the tenant's renders are queued or running across the cluster.
pub async fn renders_in_flight(cluster: &Cluster, tenant: &str) -> Result<usize, ClusterError> {
    Ok(records(cluster, tenant)
        .await?
        .iter()
        .filter(|r| r.state == JobState::Running)
        .count())
}

/// Bytes the tenant keeps in the cluster: its media objects and its finished exports.
pub async fn usage(cluster: &Cluster, tenant: &str) -> Result<u64, ClusterError> {
    let prefix = media_object(tenant, "");
    let mut media = 0u64;
    let listing = async {
        let mut list = cluster
            .files
            .list()
            .await
            .map_err(|e| ClusterError::js("list the files bucket", e))?;
        while let Some(o) = list.next().await {
            let o = o.map_err(|e| ClusterError::js("list the files bucket", e))?;
            if !o.deleted && o.name.starts_with(&prefix) {
                media += o.size as u64;
            }
        }
        Ok::<_, ClusterError>(())
    };
    tokio::time::timeout(Duration::from_secs(30), listing)
        .await
        .map_err(|_| ClusterError::js("list the files bucket", "timed out"))??;
    let exports: u64 = records(cluster, tenant)
        .await?
        .iter()
        .filter(|r| r.state == JobState::Done)
        .filter_map(|r| r.result.as_ref().map(|x| x.size_bytes))
        .sum();
    Ok(media + exports)
}
