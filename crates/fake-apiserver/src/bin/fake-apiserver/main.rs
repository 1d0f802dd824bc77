//! `fake-apiserver`: the fake Kubernetes API server as a program, for the browser and IAP
//! end-to-end tests and for UI work without a cluster. See the crate's README for the flags.

mod cli;
mod kubeconfig;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use clap::error::ErrorKind;
use fake_apiserver::demo;
use tokio::signal::unix::{SignalKind, signal};

/// Bad input: a flag that cannot be parsed or used.
const BAD_FLAG: u8 = 2;

fn main() -> ExitCode {
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(error)
            if matches!(
                error.kind(),
                ErrorKind::DisplayHelp | ErrorKind::DisplayVersion
            ) =>
        {
            let _ = error.print();
            return ExitCode::SUCCESS;
        }
        Err(error) => {
            // clap's first paragraph names the flag; the rest is usage help.
            let rendered = error.to_string();
            let first: Vec<&str> = rendered
                .lines()
                .take_while(|line| !line.trim().is_empty())
                .map(str::trim)
                .collect();
            eprintln!(
                "fake-apiserver: {}",
                first.join(" ").trim_start_matches("error: ")
            );
            return ExitCode::from(BAD_FLAG);
        }
    };
    let config = match cli.into_config() {
        Ok(config) => config,
        Err(error) => {
            eprintln!("fake-apiserver: {error}");
            return ExitCode::from(BAD_FLAG);
        }
    };
    actix_web::rt::System::new().block_on(run(config))
}

async fn run(config: cli::Config) -> ExitCode {
    let (mut terminate, mut interrupt) = match (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) {
        (Ok(terminate), Ok(interrupt)) => (terminate, interrupt),
        (Err(error), _) | (_, Err(error)) => {
            eprintln!("fake-apiserver: cannot handle signals: {error}");
            return ExitCode::FAILURE;
        }
    };
    let fake = match config.builder.start().await {
        Ok(fake) => fake,
        Err(error @ fake_apiserver::FakeApiError::Config(_)) => {
            eprintln!("fake-apiserver: {error}");
            return ExitCode::from(BAD_FLAG);
        }
        Err(error) => {
            eprintln!("fake-apiserver: {error}");
            return ExitCode::FAILURE;
        }
    };
    if let Some(tick) = config.demo {
        for object in demo::workload() {
            if let Err(error) = fake.apply(object) {
                eprintln!("fake-apiserver: the demo workload: {error}");
                return ExitCode::FAILURE;
            }
        }
        demo::keep_changing(fake.objects(), tick);
    }
    if let Some(out) = &config.kubeconfig
        && let Err(error) = kubeconfig::write(out, fake.url())
    {
        eprintln!(
            "fake-apiserver: --kubeconfig-out: cannot write {}: {error}",
            out.path.display()
        );
        return ExitCode::FAILURE;
    }
    println!("fake-apiserver listening on {}", fake.url());
    let _ = std::io::stdout().flush();
    tokio::select! {
        _ = terminate.recv() => {}
        _ = interrupt.recv() => {}
    }
    fake.stop().await;
    ExitCode::SUCCESS
}
