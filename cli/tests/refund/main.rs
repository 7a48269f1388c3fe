//! `popbill-bulk refund` against a stand-in Worker (wiremock, [`stand_in`]): help text,
//! `--direct` refused, bad rows by row with nothing sent, a refused batch beside accepted ones,
//! `409 original_pending` sent again after a pause (and given up on, bounded), CP949 and JSON
//! Lines ([`send`]); refunds held until their due time and followed to issued without asking
//! before it, `status`, exit statuses ([`follow`]).

#[path = "../common/mod.rs"]
mod common;
mod follow;
mod send;
mod stand_in;
