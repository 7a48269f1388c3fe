//! Session tokens: one per CorpNum, refreshed before expiry, one refresh in flight at a time.
//!
//! Runtime-free: the flight lock is `async_lock`'s mutex (works on single-threaded wasm32), the
//! map is behind a std mutex that is never held across an `.await`, and time is an argument.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use crate::{CorpNum, Secret};

use super::error::Error;

/// Which token: the same CorpNum under other credentials, another ServiceID, auth host or IP
/// binding is another token.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct TokenKey {
    pub service_id: &'static str,
    pub link_id: String,
    pub auth_base: String,
    pub forwarded_ip: Option<String>,
    pub corp: CorpNum,
}

/// A session token and when it stops working, in the local [`Clock`](super::Clock)'s frame
/// (Linkhub's expiry minus the Linkhub-vs-local difference when the time source is Linkhub).
#[derive(Clone, Debug)] // Secret's Debug is "<redacted>"
pub(crate) struct Token {
    pub session: Secret,
    /// `None` when Linkhub's `expiration` could not be read: use the token for the call that
    /// fetched it (and callers who waited for that fetch), then fetch anew.
    pub expires_at: Option<i64>,
    /// When to fetch the next one: the refresh margin before expiry, or halfway through the
    /// token's life if that comes first (so a short-lived token is not fetched on every call).
    /// Set by the cache when the token arrives.
    pub refresh_at: Option<i64>,
}

impl Token {
    /// Usable without refreshing.
    fn fresh(&self, now: i64) -> bool {
        self.refresh_at.is_some_and(|at| now < at)
    }

    /// Not expired yet (a just-fetched token of unknown expiry counts as alive).
    fn alive(&self, now: i64) -> bool {
        self.expires_at.is_none_or(|exp| now < exp)
    }

    fn schedule_refresh(&mut self, fetched_at: i64, margin: i64) {
        self.refresh_at = self.expires_at.map(|exp| {
            let life = exp.saturating_sub(fetched_at).max(0);
            exp.saturating_sub(margin.max(0).min(life / 2))
        });
    }
}

#[derive(Default)]
struct SlotState {
    token: Option<Token>,
    /// How many fetches for this key have finished (either way): a caller that sees it grow
    /// while waiting for the flight lock knows a fetch ended meanwhile, and shares its outcome.
    finished: u64,
    /// The latest failed fetch and its number, shared with the callers that waited for it.
    failure: Option<(u64, Error)>,
}

#[derive(Default)]
struct Slot {
    state: Mutex<SlotState>,
    /// Held by the caller that is fetching; the others wait here and share its outcome.
    flight: async_lock::Mutex<()>,
}

impl Slot {
    fn state(&self) -> MutexGuard<'_, SlotState> {
        // A panic elsewhere cannot leave SlotState half-written (every write is one assignment).
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Session tokens shared by every [`Client`](super::Client) given the same `Arc`.
///
/// The Worker keeps one per isolate and builds a `Client` per request around it. Guarantees:
/// a token is reused until `token_refresh_margin_secs` before its expiry (or half its life, if
/// that comes first); for each CorpNum at
/// most one token request is in flight, and callers that arrive meanwhile wait for it and share
/// its result (its token, or its error); a token POPBiLL calls expired is dropped (only if it
/// is still the cached one, so a concurrent refresh is not thrown away).
pub struct TokenCache {
    slots: Mutex<HashMap<TokenKey, Arc<Slot>>>,
    /// Callers wait for a token request already in flight (see [`Self::without_single_flight`]).
    single_flight: bool,
}

impl Default for TokenCache {
    fn default() -> Self {
        TokenCache {
            slots: Mutex::default(),
            single_flight: true,
        }
    }
}

impl fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenCache")
            .field("cached", &self.len())
            .finish_non_exhaustive()
    }
}

impl TokenCache {
    pub fn new() -> Self {
        TokenCache::default()
    }

    /// A cache that shares finished tokens only: a caller that finds no fresh token fetches
    /// its own instead of waiting for another caller's fetch.
    ///
    /// For Cloudflare Workers, where one isolate serves many requests: a request must never
    /// await I/O another request started (workerd refuses to resume it from the other request's
    /// context and cancels it as hung). The price is a few duplicate token requests when
    /// several requests find the cache empty or stale at once.
    pub fn without_single_flight() -> Self {
        TokenCache {
            single_flight: false,
            ..TokenCache::default()
        }
    }

    /// How many tokens are held.
    pub fn len(&self) -> usize {
        self.slots()
            .values()
            .filter(|slot| slot.state().token.is_some())
            .count()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Forget every token (e.g. after rotating the SecretKey).
    pub fn clear(&self) {
        for slot in self.slots().values() {
            slot.state().token = None;
        }
    }

    fn slots(&self) -> MutexGuard<'_, HashMap<TokenKey, Arc<Slot>>> {
        // The map is only ever inserted into; a poisoned lock still holds a consistent map.
        self.slots.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn slot(&self, key: &TokenKey) -> Arc<Slot> {
        self.slots().entry(key.clone()).or_default().clone()
    }

    /// A usable token for `key`: the cached one, one fetched meanwhile by another caller, or
    /// one `fetch` gets now. `now` gives the local clock; `margin` is in milliseconds.
    pub(crate) async fn get<F, Fut>(
        &self,
        key: &TokenKey,
        now: impl Fn() -> i64,
        margin: i64,
        fetch: F,
    ) -> Result<Token, Error>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Token, Error>>,
    {
        let slot = self.slot(key);
        let seen = {
            let state = slot.state();
            if let Some(token) = &state.token
                && token.fresh(now())
            {
                return Ok(token.clone());
            }
            state.finished
        };

        // Without single flight nobody waits: go straight to fetching (keeping a still-alive
        // token as the fallback if the refresh fails).
        let _flight = if self.single_flight {
            Some(slot.flight.lock().await)
        } else {
            None
        };
        let stale = {
            let state = slot.state();
            let t = now();
            if state.finished > seen {
                // A fetch finished while this caller waited: share its outcome.
                if let Some(token) = state.token.as_ref().filter(|tk| tk.alive(t)) {
                    return Ok(token.clone());
                }
                if let Some((n, err)) = &state.failure
                    && *n > seen
                {
                    return Err(err.clone());
                }
            } else if let Some(token) = state.token.as_ref().filter(|tk| tk.fresh(t)) {
                return Ok(token.clone());
            }
            state.token.clone()
        };

        // If this future is dropped mid-fetch, `finished` does not move and the next caller in
        // line fetches for itself.
        let result = fetch().await;
        let mut state = slot.state();
        state.finished += 1;
        match result {
            Ok(mut token) => {
                token.schedule_refresh(now(), margin);
                state.token = Some(token.clone());
                state.failure = None;
                Ok(token)
            }
            Err(err) => {
                state.failure = Some((state.finished, err.clone()));
                // An early refresh failed but the old token still works: keep using it.
                match stale.filter(|tk| tk.alive(now())) {
                    Some(old) => Ok(old),
                    None => {
                        state.token = None;
                        Err(err)
                    }
                }
            }
        }
    }

    /// POPBiLL refused `used` as a session: drop it, unless it was already replaced.
    pub(crate) fn invalidate(&self, key: &TokenKey, used: &Secret) {
        let slot = self.slot(key);
        let mut state = slot.state();
        if state.token.as_ref().is_some_and(|t| &t.session == used) {
            state.token = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> TokenKey {
        TokenKey {
            service_id: "POPBILL_TEST",
            link_id: "TESTER".into(),
            auth_base: "http://auth".into(),
            forwarded_ip: None,
            corp: CorpNum::parse("1234567890").unwrap(),
        }
    }

    fn token(s: &str, expires_at: i64) -> Token {
        Token {
            session: Secret::from(s),
            expires_at: Some(expires_at),
            refresh_at: None,
        }
    }

    #[tokio::test]
    async fn a_fetch_dropped_midway_does_not_block_the_next_caller() {
        let cache = TokenCache::new();
        let k = key();
        {
            let stuck = cache.get(&k, || 0, 0, std::future::pending::<Result<Token, Error>>);
            let mut stuck = std::pin::pin!(stuck);
            assert!(futures::poll!(stuck.as_mut()).is_pending());
        }
        let got = cache
            .get(&key(), || 0, 0, || async { Ok(token("t-2", 1_000)) })
            .await
            .unwrap();
        assert_eq!(got.session.expose(), "t-2");
    }

    #[tokio::test]
    async fn invalidate_drops_only_the_token_that_was_refused() {
        let cache = TokenCache::new();
        let fetch = |s: &'static str| move || async move { Ok(token(s, 1_000)) };
        cache.get(&key(), || 0, 0, fetch("t-1")).await.unwrap();

        cache.invalidate(&key(), &Secret::from("t-0"));
        assert_eq!(
            cache.len(),
            1,
            "an older token's refusal leaves the newer one"
        );
        cache.invalidate(&key(), &Secret::from("t-1"));
        assert!(cache.is_empty());

        let got = cache.get(&key(), || 0, 0, fetch("t-2")).await.unwrap();
        assert_eq!(got.session.expose(), "t-2");
    }

    #[tokio::test]
    async fn a_failed_fetch_with_no_usable_token_is_an_error_and_the_next_caller_tries_again() {
        let cache = TokenCache::new();
        let err = cache
            .get(
                &key(),
                || 0,
                0,
                || async { Err(Error::auth_config("Linkhub says no")) },
            )
            .await
            .unwrap_err();
        assert_eq!(err.message(), "Linkhub says no");
        let got = cache
            .get(&key(), || 0, 0, || async { Ok(token("t-1", 1_000)) })
            .await
            .unwrap();
        assert_eq!(got.session.expose(), "t-1");
    }

    #[tokio::test]
    async fn a_short_lived_token_is_refreshed_halfway_not_on_every_call() {
        let cache = TokenCache::new();
        let margin = 300_000;
        // Lives 60 s, less than the 300 s margin.
        let first = cache
            .get(&key(), || 0, margin, || async { Ok(token("t-1", 60_000)) })
            .await
            .unwrap();
        assert_eq!(first.refresh_at, Some(30_000));
        let reused = cache
            .get(
                &key(),
                || 29_999,
                margin,
                || async { Ok(token("t-2", 90_000)) },
            )
            .await
            .unwrap();
        assert_eq!(reused.session.expose(), "t-1");
        let renewed = cache
            .get(
                &key(),
                || 30_000,
                margin,
                || async { Ok(token("t-2", 90_000)) },
            )
            .await
            .unwrap();
        assert_eq!(renewed.session.expose(), "t-2");
    }

    #[test]
    fn the_cache_and_errors_can_live_in_a_static_and_cross_threads() {
        fn shareable<T: Send + Sync + 'static>() {}
        shareable::<TokenCache>();
        shareable::<Error>();
        shareable::<super::super::Config>();
    }

    #[test]
    fn debug_shows_how_many_tokens_but_not_them() {
        let cache = TokenCache::new();
        assert_eq!(format!("{cache:?}"), "TokenCache { cached: 0, .. }");
    }
}
