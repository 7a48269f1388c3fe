//! The queue consumer: one handler for both queues. Batches of the events queue are delivered
//! to the merchant (concurrently, one signed POST per message) and each message is acknowledged
//! or retried with the delay the core decides; batches of the dead-letter queue (its name ends
//! in `-dlq`) are recorded under `dead:{eventId}` for the merchant to list and replay.

use std::time::Duration;

use futures::future::join_all;
use popbill::FetchTransport;
use serde_json::Value;
use worker::{
    Date, Env, Message, MessageBatch, MessageExt, QueueRetryOptionsBuilder, console_error,
    console_log, js_sys,
};

use super::config::notifications;
use super::kv::{BINDING as KV_BINDING, WorkersKv};
use super::outbox::WorkersOutbox;
use crate::core::notify::config::DEFAULT_TIMEOUT_MS;
use crate::core::notify::{Decision, Notifications};
use crate::core::service::notify::{DeadOutcome, Delivery, Notifier, deliver};

/// The dead-letter queue is the events queue's name with this suffix (wrangler.toml).
pub const DEAD_LETTER_SUFFIX: &str = "-dlq";

/// How long the dead-letter consumer waits before retrying a record KV refused.
const DEAD_LETTER_RETRY_SECS: u32 = 30;

pub async fn handle(batch: MessageBatch<Value>, env: Env) {
    let notifications = notifications(&env);
    let messages: Vec<Message<Value>> = batch
        .iter()
        .filter_map(|m| {
            m.map_err(|e| console_error!("queue {}: unreadable message: {e}", batch.queue()))
                .ok()
        })
        .collect();
    if batch.queue().ends_with(DEAD_LETTER_SUFFIX) {
        dead_letters(&messages, &env, &notifications).await;
    } else {
        deliveries(&messages, &notifications).await;
    }
}

fn apply(message: &Message<Value>, decision: Decision) {
    match decision {
        Decision::Ack => message.ack(),
        Decision::Retry { delay_secs } => message.retry_with_options(
            &QueueRetryOptionsBuilder::new()
                .with_delay_seconds(delay_secs)
                .build(),
        ),
    }
}

async fn deliveries(messages: &[Message<Value>], notifications: &Notifications) {
    let timeout_ms = notifications
        .config()
        .map_or(DEFAULT_TIMEOUT_MS, |c| c.timeout_ms);
    let transport = FetchTransport::with_timeout(Duration::from_millis(timeout_ms));
    let now_ms = Date::now().as_millis() as i64;
    let attempts = messages.iter().map(|m| {
        let queued_ms = m.timestamp().as_millis() as i64;
        let jitter = js_sys::Math::random();
        deliver(
            notifications,
            &transport,
            m.body().clone(),
            queued_ms,
            now_ms,
            jitter,
        )
    });
    let results: Vec<Delivery> = join_all(attempts).await;
    for (message, d) in messages.iter().zip(results) {
        let id = d.id.as_deref().unwrap_or("-");
        console_log!("notify {id}: {} -> {}", d.note, d.decision);
        apply(message, d.decision);
    }
}

async fn dead_letters(messages: &[Message<Value>], env: &Env, notifications: &Notifications) {
    let Some(kv) = WorkersKv::from_env(env, KV_BINDING) else {
        console_error!("dead letters: no {KV_BINDING} binding; retrying");
        for m in messages {
            apply(
                m,
                Decision::Retry {
                    delay_secs: DEAD_LETTER_RETRY_SECS,
                },
            );
        }
        return;
    };
    let outbox = WorkersOutbox::from_env(env);
    let notifier = Notifier::new(&kv, &outbox, notifications);
    let now_ms = Date::now().as_millis() as i64;
    for m in messages {
        match notifier.record_dead(m.body().clone(), now_ms).await {
            Ok(DeadOutcome::Recorded { id }) => {
                console_error!("notify {id}: dead-lettered (never accepted by the merchant)");
                m.ack();
            }
            Ok(DeadOutcome::Unreadable(e)) => {
                console_error!("dead letters: dropped an unreadable message: {e}");
                m.ack();
            }
            Err(e) => {
                console_error!("dead letters: {e}; retrying");
                apply(
                    m,
                    Decision::Retry {
                        delay_secs: DEAD_LETTER_RETRY_SECS,
                    },
                );
            }
        }
    }
}
