//! The `fanout` benchmark (placeholder while the relay lands).

#[derive(Debug, clap::Args)]
pub(crate) struct Args {}

pub(crate) fn run(_args: Args) -> anyhow::Result<()> {
    Ok(())
}
