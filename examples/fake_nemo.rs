//! The test suite's fake NemoVideo as a standalone server, for benchmarks and manual trials:
//! `cargo run --example fake_nemo` prints its base URL and serves until killed.

#[path = "../tests/it/support/fake_nemo.rs"]
#[allow(dead_code)]
mod fake_nemo;

#[tokio::main]
async fn main() {
    let (_state, base) = fake_nemo::start(Vec::new()).await;
    println!("{base}");
    std::future::pending::<()>().await;
}
