//! `kinboard-bench`: Kinboard's benchmarks, one clap subcommand each.
//! They measure; they are not tests and assert nothing.

use clap::{Parser, Subcommand};

mod app;
mod devices;
mod fanout;
mod households;
mod procfs;
mod server;

/// The allocator `kinboard-server` and the desktop app run on, so that what
/// is measured in this process is what they do.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[derive(Debug, Parser)]
#[command(name = "kinboard-bench", version, about = "Kinboard's benchmarks")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Relay fan-out: N subscribers on one channel, HTTP triggers, delivery
    /// latency percentiles and RSS per connection.
    Fanout(fanout::Args),
    /// Server throughput: timer actions per second with broadcasts, p50/p99 latency.
    Server(server::Args),
    /// Sync latency: an action on device 0 until every other device applied it.
    Sync(devices::SyncArgs),
    /// Idle traffic: HTTP requests and WebSocket frames per idle device per hour.
    Idle(devices::IdleArgs),
    /// Reconnect: link restored until every device shows the database's state.
    Reconnect(devices::ReconnectArgs),
    /// The desktop app: cold start to the first rendered dashboard, idle
    /// memory (PSS of the app and its WebKit processes) and idle CPU.
    App(app::Args),
    /// Many households: F families of D screens each, actions at R per
    /// second; delivery p50/p99 to the family's other screens, server CPU
    /// per action, memory per connection, events lost.
    Households(households::Args),
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Fanout(args) => fanout::run(args),
        Command::Server(args) => server::run(args),
        Command::Sync(args) => devices::sync(args),
        Command::Idle(args) => devices::idle(args),
        Command::Reconnect(args) => devices::reconnect(args),
        Command::App(args) => app::run(args),
        Command::Households(args) => households::run(args),
    }
}
