//! The test suite's fake NemoVideo as a standalone server, for benchmarks and manual trials:
//! `cargo run --example fake_nemo` prints its base URL and serves until killed.

#[path = "../tests/support/fake_nemo.rs"]
mod fake_nemo;

#[tokio::main]
async fn main() {
    let (_state, base) = fake_nemo::start(Vec::new()).await;
    println!("{base}");
    std::future::pending::<()>().await;
}
