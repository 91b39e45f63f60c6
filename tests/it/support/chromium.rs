//! Headless Chromium driven over the DevTools protocol on a pipe (`--remote-debugging-pipe`:
//! commands in on fd 3, replies out on fd 4, each message a JSON object ended by a NUL byte), so
//! no WebSocket client and no port are needed. One page, attached in flat mode; enough of the
//! protocol for the player tests: navigate, evaluate, emulate width and colour scheme, screenshot.

use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Write};
use std::os::fd::{FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

pub struct Chromium {
    child: Child,
    commands: std::fs::File,
    replies: Receiver<Value>,
    next_id: u64,
    session: String,
    _profile: tempfile::TempDir,
}

/// A pipe whose two ends sit at fds ≥ 10 (so moving them to 3 and 4 in the child cannot clobber
/// one with the other), close-on-exec.
fn pipe() -> (OwnedFd, OwnedFd) {
    let mut fds = [0; 2];
    // SAFETY: plain syscalls on fds this function owns.
    unsafe {
        assert_eq!(libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC), 0);
        let high = |fd: i32| {
            let h = libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 10);
            assert!(h >= 10);
            libc::close(fd);
            OwnedFd::from_raw_fd(h)
        };
        (high(fds[0]), high(fds[1]))
    }
}

impl Chromium {
    /// Start Chromium headless with one blank page; panics with what to install when missing.
    pub fn start() -> Chromium {
        use std::os::fd::AsRawFd;
        let bin = std::env::var("REELSMITH_TEST_CHROMIUM").unwrap_or_else(|_| "chromium".into());
        let profile = tempfile::tempdir().unwrap();
        let (cmd_read, cmd_write) = pipe();
        let (reply_read, reply_write) = pipe();
        let (r3, w4) = (cmd_read.as_raw_fd(), reply_write.as_raw_fd());
        let mut cmd = Command::new(&bin);
        cmd.args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--no-default-browser-check",
            "--mute-audio",
            "--autoplay-policy=no-user-gesture-required",
            "--disable-background-timer-throttling",
            "--disable-renderer-backgrounding",
            "--disable-backgrounding-occluded-windows",
            "--remote-debugging-pipe",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("about:blank")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
        // SAFETY: only async-signal-safe dup2 calls between fork and exec.
        unsafe {
            cmd.pre_exec(move || {
                if libc::dup2(r3, 3) < 0 || libc::dup2(w4, 4) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = cmd.spawn().unwrap_or_else(|e| {
            panic!("cannot start {bin} ({e}); run scripts/test-tools to install chromium")
        });
        drop(cmd_read);
        drop(reply_write);
        let (tx, replies) = channel();
        let reader = std::fs::File::from(reply_read);
        std::thread::spawn(move || {
            let mut r = BufReader::new(reader);
            let mut buf = Vec::new();
            loop {
                buf.clear();
                match r.read_until(0, &mut buf) {
                    Ok(0) | Err(_) => return,
                    Ok(_) => {}
                }
                if buf.last() == Some(&0) {
                    buf.pop();
                }
                if let Ok(v) = serde_json::from_slice::<Value>(&buf)
                    && tx.send(v).is_err()
                {
                    return;
                }
            }
        });
        let mut c = Chromium {
            child,
            commands: std::fs::File::from(cmd_write),
            replies,
            next_id: 0,
            session: String::new(),
            _profile: profile,
        };
        let target = c.browser("Target.createTarget", json!({"url": "about:blank"}));
        let target_id = target["targetId"].as_str().unwrap().to_string();
        let attached = c.browser(
            "Target.attachToTarget",
            json!({"targetId": target_id, "flatten": true}),
        );
        c.session = attached["sessionId"].as_str().unwrap().to_string();
        c.send("Page.enable", json!({}));
        c.send("Runtime.enable", json!({}));
        c
    }

    fn raw(&mut self, session: Option<String>, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let mut msg = json!({"id": id, "method": method, "params": params});
        if let Some(s) = session {
            msg["sessionId"] = json!(s);
        }
        let mut bytes = serde_json::to_vec(&msg).unwrap();
        bytes.push(0);
        self.commands.write_all(&bytes).unwrap();
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.replies.recv_timeout(left) {
                Ok(v) if v["id"] == id => {
                    if let Some(e) = v.get("error") {
                        panic!("{method} failed: {e}");
                    }
                    return v["result"].clone();
                }
                Ok(v) => {
                    // Console output of the page helps when a check fails.
                    if v["method"] == "Runtime.consoleAPICalled" {
                        let args: Vec<String> = v["params"]["args"]
                            .as_array()
                            .into_iter()
                            .flatten()
                            .map(|a| a["value"].to_string())
                            .collect();
                        eprintln!("[page console] {}", args.join(" "));
                    }
                }
                Err(RecvTimeoutError::Timeout) => panic!("{method}: no reply in 120 s"),
                Err(RecvTimeoutError::Disconnected) => panic!("{method}: chromium went away"),
            }
        }
    }

    fn browser(&mut self, method: &str, params: Value) -> Value {
        self.raw(None, method, params)
    }

    /// A command to the page.
    pub fn send(&mut self, method: &str, params: Value) -> Value {
        let s = self.session.clone();
        self.raw(Some(s), method, params)
    }

    /// Load `url` and wait until its document has loaded.
    pub fn goto(&mut self, url: &str) {
        self.send("Page.navigate", json!({"url": url}));
        self.wait_for("document.readyState === 'complete' && !!window.host", 60);
    }

    /// Evaluate `expr` in the page (promises awaited) and return its value.
    pub fn eval(&mut self, expr: &str) -> Value {
        let r = self.send(
            "Runtime.evaluate",
            json!({"expression": expr, "awaitPromise": true, "returnByValue": true}),
        );
        if let Some(e) = r.get("exceptionDetails") {
            panic!("{expr}\nthrew: {e}");
        }
        r["result"]["value"].clone()
    }

    /// Poll `expr` until it is truthy; panics after `secs` with `expr`.
    pub fn wait_for(&mut self, expr: &str, secs: u64) -> Value {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let v = self.eval(&format!(
                "(() => {{ try {{ return ({expr}); }} catch (e) {{ return null; }} }})()"
            ));
            let truthy = match &v {
                Value::Null => false,
                Value::Bool(b) => *b,
                Value::Number(n) => n.as_f64() != Some(0.0),
                Value::String(s) => !s.is_empty(),
                _ => true,
            };
            if truthy {
                return v;
            }
            assert!(
                Instant::now() < deadline,
                "still false after {secs} s: {expr}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Size the viewport (CSS pixels).
    pub fn viewport(&mut self, width: u32, height: u32) {
        self.send(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": width, "height": height, "deviceScaleFactor": 1, "mobile": false}),
        );
    }

    /// Emulate `prefers-color-scheme`.
    pub fn color_scheme(&mut self, scheme: &str) {
        self.send(
            "Emulation.setEmulatedMedia",
            json!({"features": [{"name": "prefers-color-scheme", "value": scheme}]}),
        );
    }

    /// A PNG of the whole page.
    pub fn screenshot(&mut self, path: &std::path::Path) {
        use base64::Engine as _;
        let r = self.send(
            "Page.captureScreenshot",
            json!({"format": "png", "captureBeyondViewport": true}),
        );
        let png = base64::engine::general_purpose::STANDARD
            .decode(r["data"].as_str().unwrap())
            .unwrap();
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, png).unwrap();
    }
}

impl Drop for Chromium {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
