//! The POPBiLL client on Workers: `fetch` transport, JS clock, one token cache per isolate.

use std::sync::Arc;

use popbill::{Client, Config, FetchTransport, JsClock, TokenCache};

thread_local! {
    /// Tokens outlive a request: an isolate serves many, and a token lasts much longer. Only
    /// finished tokens are shared: a request that awaited another request's token fetch would
    /// be cancelled by workerd as hung, so each request fetches its own when none is fresh.
    static TOKENS: Arc<TokenCache> = Arc::new(TokenCache::without_single_flight());
}

pub type Popbill = Client<FetchTransport, JsClock>;

pub fn client(config: Config) -> Popbill {
    let tokens = TOKENS.with(Arc::clone);
    Client::with_token_cache(config, FetchTransport::new(), JsClock, tokens)
}
