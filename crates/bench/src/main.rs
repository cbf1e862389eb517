//! `kinboard-bench`: Kinboard's benchmarks, one clap subcommand each.
//! They measure; they are not tests and assert nothing.

use clap::{Parser, Subcommand};

mod fanout;
mod server;

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
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Fanout(args) => fanout::run(args),
        Command::Server(args) => server::run(args),
    }
}
