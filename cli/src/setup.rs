//! From the command line and the environment to a backend and a clock. Secrets (the Worker's
//! token, POPBiLL's SecretKey) are kept in `popbill::Secret` and never printed.

use std::sync::Arc;

use popbill::native::NativeTransport;
use popbill::{Client, Config, CorpNum, Secret, SystemClock, TimeSource};

use crate::args::Shared;
use crate::backend::counting::{Counting, RequestLog};
use crate::backend::direct::DirectApi;
use crate::backend::worker::WorkerApi;
use crate::backend::{Backend, DIRECT_REFUNDS, Http};
use crate::clock::{Clock, ClockChoice};
use crate::error::CliError;
use crate::op::Op;

fn usage(msg: impl Into<String>) -> CliError {
    CliError::Usage(msg.into())
}

fn http_url(what: &str, url: &str) -> Result<String, CliError> {
    if url.starts_with("http://") || url.starts_with("https://") {
        Ok(url.trim_end_matches('/').to_owned())
    } else {
        Err(usage(format!(
            "{what} must be an http:// or https:// URL, not {url:?}"
        )))
    }
}

pub fn corp(shared: &Shared) -> Result<Option<CorpNum>, CliError> {
    shared
        .corp_num
        .as_deref()
        .map(|c| {
            CorpNum::parse(c).map_err(|e| usage(format!("--corp-num / POPBILL_CORP_NUM: {e}")))
        })
        .transpose()
}

fn auth_base(shared: &Shared) -> Result<String, CliError> {
    match &shared.auth_url {
        Some(u) => http_url("--auth-url", u),
        None => Ok(popbill::client::AUTH_BASE.to_owned()),
    }
}

fn counted(inner: NativeTransport, log: &Arc<RequestLog>) -> Http {
    Counting {
        inner,
        log: log.clone(),
    }
}

pub fn clock(shared: &Shared, log: &Arc<RequestLog>) -> Result<Clock, CliError> {
    Ok(match shared.clock {
        ClockChoice::Local => Clock::Local,
        ClockChoice::Linkhub => Clock::Linkhub {
            time_url: format!("{}/Time", auth_base(shared)?),
            http: Box::new(counted(NativeTransport::new(), log)),
        },
    })
}

/// Checks that need no network, so a bad command line fails before anything is read or sent.
pub fn check_flags(op: Op, shared: &Shared) -> Result<(), CliError> {
    if op == Op::Refund && shared.direct {
        return Err(usage(DIRECT_REFUNDS));
    }
    if !shared.direct && (shared.test || shared.production || shared.api_url.is_some()) {
        return Err(usage(
            "--test, --production and --api-url only apply with --direct",
        ));
    }
    if shared.concurrency == 0 {
        return Err(usage("--concurrency must be at least 1"));
    }
    if shared.poll_max < 2 {
        return Err(usage(
            "--poll-max must be at least 2 seconds (POPBiLL asks for no tighter polling)",
        ));
    }
    Ok(())
}

fn env_secret(name: &str) -> Result<String, CliError> {
    match std::env::var(name) {
        Ok(v) if !v.is_empty() => Ok(v),
        _ => Err(usage(format!("--direct needs {name} in the environment"))),
    }
}

pub fn backend(
    shared: &Shared,
    corp: Option<&CorpNum>,
    log: &Arc<RequestLog>,
) -> Result<Backend, CliError> {
    if shared.direct {
        let corp = corp.ok_or_else(|| {
            usage("--direct needs the member's CorpNum: --corp-num or POPBILL_CORP_NUM")
        })?;
        let link_id = env_secret("POPBILL_LINK_ID")?;
        let secret = Secret::new(env_secret("POPBILL_SECRET_KEY")?);
        let mut config = if shared.production {
            Config::production(link_id, secret)
        } else {
            Config::test(link_id, secret)
        };
        let api = match &shared.api_url {
            Some(u) => http_url("--api-url", u)?,
            None => config.api_base.clone(),
        };
        config = config.with_base_urls(api, auth_base(shared)?);
        if shared.clock == ClockChoice::Linkhub {
            config.time_source = TimeSource::Linkhub;
        }
        let client = Client::new(config, counted(NativeTransport::new(), log), SystemClock);
        return Ok(Backend::Direct(DirectApi::new(client, corp.clone())));
    }
    let url = shared.worker.as_deref().ok_or_else(|| {
        usage("say where to send: --worker URL (or POPBILL_BULK_WORKER), or --direct")
    })?;
    let url = http_url("--worker", url)?;
    let token = shared
        .token
        .clone()
        .filter(|t| !t.is_empty())
        .ok_or_else(|| usage("the Worker needs its API token: --token or POPBILL_BULK_TOKEN"))?;
    // A 100-receipt submission waits for POPBiLL's answer inside the Worker: allow for it.
    let http = counted(
        NativeTransport::with_timeouts(
            std::time::Duration::from_secs(5),
            std::time::Duration::from_secs(120),
        ),
        log,
    );
    Ok(Backend::Worker(WorkerApi::new(
        &url,
        Secret::new(token),
        http,
    )))
}
