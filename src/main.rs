use std::process::ExitCode;

use lamplight::settings::{Loaded, Settings};
use lamplight::startup::Application;
use lamplight::telemetry;

fn main() -> ExitCode {
    if let Some(code) = lamplight::rbac::run_if_requested(std::env::args_os()) {
        return code;
    }
    let settings = match Settings::load() {
        Ok(Loaded::Run(settings)) => *settings,
        Ok(Loaded::Print(text)) => {
            print!("{text}");
            return ExitCode::SUCCESS;
        }
        Err(error) => {
            eprintln!("lamplight: {error}");
            return ExitCode::from(2);
        }
    };
    let _logs = telemetry::init(&settings.log);
    for warning in &settings.warnings {
        tracing::warn!("{warning}");
    }

    actix_web::rt::System::new().block_on(async move {
        let application = match Application::build(settings).await {
            Ok(application) => application,
            Err(error) => {
                tracing::error!("{error}");
                eprintln!("lamplight: {error}");
                return ExitCode::from(error.exit_code());
            }
        };
        tracing::info!(address = %application.address(), "listening");
        match application.run_until_stopped().await {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                tracing::error!("server stopped: {error}");
                ExitCode::FAILURE
            }
        }
    })
}
