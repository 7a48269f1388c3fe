//! Part 7 of the report: merchant events.

use std::fmt::Write as _;

use super::{Results, thousands};
use crate::events::EventsRun;

/// One line for the terminal summary.
pub fn summary(e: &EventsRun) -> String {
    format!(
        "events  {} delivered at {:.0}/s from the queue to a local receiver; workerd CPU added \
         {:+.2} ms per event",
        thousands(e.events),
        e.per_sec(),
        e.cpu_ms_per_event()
    )
}

pub fn part7(w: &mut String, r: &Results) {
    let Some(e) = &r.events else { return };
    let _ = writeln!(w, "## 7. Merchant events\n");
    let _ = writeln!(
        w,
        "The same load twice on fresh receipts: {} receipts submitted in bulk (webhooks on, no \
         post-submit poll), each BULKRESULT a new fact; first with events off, then with the \
         Worker restarted with `MERCHANT_WEBHOOK_URL` pointing at a receiver on 127.0.0.1 \
         (`e2e::receiver`, which verifies every signature and answers 204). Each fact makes one \
         `cashbill.issued` event, sent to the local queue by the webhook that stored it and \
         delivered by the Worker's queue consumer (batches of 10, one signed POST each).\n",
        thousands(e.receipts)
    );
    let _ = writeln!(w, "| figure | measured |");
    let _ = writeln!(w, "|---|---:|");
    let _ = writeln!(
        w,
        "| events delivered (distinct `webhook-id`) | {} of {} |",
        thousands(e.events),
        thousands(e.receipts)
    );
    let _ = writeln!(
        w,
        "| deliveries (a redelivery counts again) | {} |",
        thousands(e.deliveries)
    );
    let _ = writeln!(
        w,
        "| deliveries whose signature did not verify | {} |",
        e.bad_signatures
    );
    let _ = writeln!(
        w,
        "| first delivery to last | {:.1} s |",
        e.span.as_secs_f64()
    );
    let _ = writeln!(
        w,
        "| **events delivered per second** | **{:.0}** |",
        e.per_sec()
    );
    let _ = writeln!(
        w,
        "| workerd CPU, events off / on | {:.1} s / {:.1} s |",
        e.cpu_off, e.cpu_on
    );
    let _ = writeln!(
        w,
        "| **workerd CPU added per event** | **{:+.2} ms** |",
        e.cpu_ms_per_event()
    );
    let _ = writeln!(
        w,
        "\nThe delivery rate is the local queue's: `wrangler dev` hands the consumer one batch \
         at a time, so it is bounded by the batch size (10, wrangler.toml) and how long a \
         batch's slowest POST takes. The CPU an event adds covers both halves: where the fact \
         is stored (two KV reads for the event's data: the submission and the receipt's facts, \
         as `GET /v1/cashbills/{{mgtKey}}` reads them; one queue send) and the delivery (a \
         batch handed to the consumer, signing, the POST, the acknowledgement). Locally, the \
         queue itself is a simulation (wrangler's queue broker, a Durable Object written in \
         JavaScript) running in the same workerd process, so its work is counted here too; on \
         Cloudflare the queue is not the Worker's CPU. It is a difference of two runs on a \
         shared machine, so it carries their noise.\n"
    );
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn run() -> EventsRun {
        EventsRun {
            receipts: 500,
            events: 500,
            deliveries: 503,
            bad_signatures: 0,
            span: Duration::from_secs(10),
            cpu_off: 4.0,
            cpu_on: 5.0,
        }
    }

    #[test]
    fn the_rate_and_the_cost_per_event_come_from_the_run() {
        let e = run();
        assert_eq!(e.per_sec(), 50.0);
        assert_eq!(e.cpu_ms_per_event(), 2.0);
        let line = summary(&e);
        assert!(line.contains("500 delivered at 50/s"), "{line}");
        assert!(line.contains("+2.00 ms per event"), "{line}");
    }

    #[test]
    fn the_section_shows_every_figure_and_is_absent_without_a_run() {
        let mut r = Results::default();
        let mut w = String::new();
        part7(&mut w, &r);
        assert!(w.is_empty());
        r.events = Some(run());
        part7(&mut w, &r);
        for want in [
            "## 7. Merchant events",
            "| 500 of 500 |",
            "**50**",
            "**+2.00 ms**",
            "4.0 s / 5.0 s",
        ] {
            assert!(w.contains(want), "{want} in\n{w}");
        }
    }
}
