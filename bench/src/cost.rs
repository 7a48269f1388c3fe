//! What receipts cost on Cloudflare, from what this run measured: requests, the Worker's own
//! CPU per request type (memory-KV Worker), KV operations per receipt over its life (native
//! lifecycle benchmark), and the cron's fixed cost; priced with Cloudflare's list prices.
//! Pure arithmetic: the report renders it.

/// When the prices below were read, and where.
pub const PRICES_READ: &str = "2026-11-30";
pub const WORKERS_PRICING: &str = "Cloudflare Workers pricing (developers.cloudflare.com/workers/platform/pricing/; cloudflare/cloudflare-docs `src/content/docs/workers/platform/pricing.mdx`)";
pub const KV_PRICING: &str = "Workers KV pricing (developers.cloudflare.com/kv/platform/pricing/; cloudflare/cloudflare-docs `src/content/partials/workers/kv_pricing.mdx`)";
pub const QUEUES_PRICING: &str = "Queues pricing (developers.cloudflare.com/queues/platform/pricing/; cloudflare/cloudflare-docs `src/content/partials/workers/queues_pricing.mdx`)";

/// One billed quantity: its price beyond the Workers Paid plan's monthly inclusion, and the
/// Workers Free plan's daily allowance (`None`: not limited per day, or not available). Requests
/// and CPU from [`WORKERS_PRICING`], KV from [`KV_PRICING`], queues from [`QUEUES_PRICING`].
#[derive(Debug, Clone, Copy)]
pub struct Price {
    pub what: &'static str,
    pub usd_per_million: f64,
    pub paid_included_per_month: f64,
    pub free_per_day: Option<f64>,
}

pub const SUBSCRIPTION_USD_PER_MONTH: f64 = 5.0;

pub const REQUESTS: Price = Price {
    what: "Worker requests",
    usd_per_million: 0.30,
    paid_included_per_month: 10e6,
    free_per_day: Some(100_000.0),
};
pub const CPU_MS: Price = Price {
    what: "CPU milliseconds",
    usd_per_million: 0.02,
    paid_included_per_month: 30e6,
    free_per_day: None,
};
pub const KV_READS: Price = Price {
    what: "KV reads",
    usd_per_million: 0.50,
    paid_included_per_month: 10e6,
    free_per_day: Some(100_000.0),
};
pub const KV_WRITES: Price = Price {
    what: "KV writes",
    usd_per_million: 5.00,
    paid_included_per_month: 1e6,
    free_per_day: Some(1_000.0),
};
pub const KV_DELETES: Price = Price {
    what: "KV deletes",
    usd_per_million: 5.00,
    paid_included_per_month: 1e6,
    free_per_day: Some(1_000.0),
};
pub const KV_LISTS: Price = Price {
    what: "KV lists",
    usd_per_million: 5.00,
    paid_included_per_month: 1e6,
    free_per_day: Some(1_000.0),
};
pub const QUEUE_OPS: Price = Price {
    what: "Queue operations",
    usd_per_million: 0.40,
    paid_included_per_month: 1e6,
    free_per_day: Some(10_000.0),
};

/// The Free plan's CPU limit per invocation (ms).
pub const FREE_CPU_MS_PER_INVOCATION: f64 = 10.0;

/// Billed quantities, per receipt or per day.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Usage {
    pub requests: f64,
    pub cpu_ms: f64,
    pub kv_reads: f64,
    pub kv_writes: f64,
    pub kv_deletes: f64,
    pub kv_lists: f64,
    pub queue_ops: f64,
}

impl Usage {
    pub fn scaled(self, k: f64) -> Usage {
        Usage {
            requests: self.requests * k,
            cpu_ms: self.cpu_ms * k,
            kv_reads: self.kv_reads * k,
            kv_writes: self.kv_writes * k,
            kv_deletes: self.kv_deletes * k,
            kv_lists: self.kv_lists * k,
            queue_ops: self.queue_ops * k,
        }
    }

    pub fn plus(self, o: Usage) -> Usage {
        Usage {
            requests: self.requests + o.requests,
            cpu_ms: self.cpu_ms + o.cpu_ms,
            kv_reads: self.kv_reads + o.kv_reads,
            kv_writes: self.kv_writes + o.kv_writes,
            kv_deletes: self.kv_deletes + o.kv_deletes,
            kv_lists: self.kv_lists + o.kv_lists,
            queue_ops: self.queue_ops + o.queue_ops,
        }
    }

    /// Each quantity with its price.
    pub fn lines(&self) -> [(Price, f64); 7] {
        [
            (REQUESTS, self.requests),
            (CPU_MS, self.cpu_ms),
            (KV_READS, self.kv_reads),
            (KV_WRITES, self.kv_writes),
            (KV_DELETES, self.kv_deletes),
            (KV_LISTS, self.kv_lists),
            (QUEUE_OPS, self.queue_ops),
        ]
    }

    /// Dollars at list prices, inclusions ignored (the marginal cost).
    pub fn usd(&self) -> f64 {
        self.lines()
            .iter()
            .map(|(p, n)| n * p.usd_per_million / 1e6)
            .sum()
    }

    /// A month's bill on Workers Paid for `self` (a month's usage): the subscription, plus what
    /// goes beyond each inclusion.
    pub fn monthly_bill(&self) -> f64 {
        SUBSCRIPTION_USD_PER_MONTH
            + self
                .lines()
                .iter()
                .map(|(p, n)| (n - p.paid_included_per_month).max(0.0) * p.usd_per_million / 1e6)
                .sum::<f64>()
    }
}

/// What a receipt's life measured: the inputs of the model.
#[derive(Debug, Clone, Copy, Default)]
pub struct Measured {
    /// Receipts per submission.
    pub batch: f64,
    /// Webhook events per receipt (BULKRESULT and NTS when results come by webhook).
    pub events_per_receipt: f64,
    /// The Worker's own CPU (ms): a submission of `batch` receipts, one event, reading a
    /// submission (once per submission, as a merchant checking its results).
    pub submit_ms: f64,
    pub event_ms: f64,
    pub read_ms: f64,
    /// KV operations over a receipt's life, per receipt and per submission (native lifecycle
    /// benchmark: intake, results, the cron closing it).
    pub reads_per_receipt: f64,
    pub writes_per_receipt: f64,
    pub lists_per_receipt: f64,
    pub reads_per_submission: f64,
    pub writes_per_submission: f64,
    pub lists_per_submission: f64,
    /// Queue operations per receipt (merchant notifications; 0 when the build has none).
    pub queue_ops_per_receipt: f64,
}

/// One receipt's share of everything but the cron.
pub fn per_receipt(m: &Measured) -> Usage {
    let per_sub = 1.0 / m.batch.max(1.0);
    Usage {
        // The submission, its events, one read of the submission.
        requests: 2.0 * per_sub + m.events_per_receipt,
        cpu_ms: (m.submit_ms + m.read_ms) * per_sub + m.event_ms * m.events_per_receipt,
        kv_reads: m.reads_per_receipt + m.reads_per_submission * per_sub + 2.0 * per_sub,
        // The open marker's delete is among the writes per submission.
        kv_writes: m.writes_per_receipt + (m.writes_per_submission - 1.0).max(0.0) * per_sub,
        kv_deletes: per_sub,
        kv_lists: m.lists_per_receipt + m.lists_per_submission * per_sub + per_sub,
        queue_ops: m.queue_ops_per_receipt,
    }
}

/// The cron's cost per day when it runs every `period_min` minutes over `open` open submissions,
/// examining at most `examine` each run (each examination from the results alone: one list and
/// one read), each run costing `run_ms` of CPU.
pub fn cron_per_day(period_min: f64, open: f64, examine: f64, run_ms: f64) -> Usage {
    let runs = 24.0 * 60.0 / period_min;
    let examined = open.min(examine);
    Usage {
        requests: runs,
        cpu_ms: runs * run_ms,
        kv_reads: runs * examined,
        kv_lists: runs * (1.0 + examined),
        ..Usage::default()
    }
}

/// Receipts a day the Workers Free plan allows, and the limit that binds, for the cron every
/// `period_min` minutes; submissions stay open `open_days` (until their filing results).
pub fn free_plan_per_day(
    receipt: &Usage,
    batch: f64,
    open_days: f64,
    period_min: f64,
    examine: f64,
    run_ms: f64,
) -> (f64, &'static str) {
    // The cron's cost grows with the open submissions, so search the largest daily volume
    // whose total stays within every daily allowance.
    let fits = |r: f64| -> Option<&'static str> {
        let open = r / batch * open_days;
        let day = receipt
            .scaled(r)
            .plus(cron_per_day(period_min, open, examine, run_ms));
        day.lines()
            .iter()
            .find(|(p, n)| p.free_per_day.is_some_and(|cap| *n > cap))
            .map(|(p, _)| p.what)
    };
    if let Some(what) = fits(0.0) {
        return (0.0, what);
    }
    let (mut lo, mut hi) = (0.0_f64, 1e7_f64);
    for _ in 0..60 {
        let mid = (lo + hi) / 2.0;
        if fits(mid).is_none() {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    (lo.floor(), fits(hi).unwrap_or("none"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn measured() -> Measured {
        Measured {
            batch: 100.0,
            events_per_receipt: 2.0,
            submit_ms: 3.5,
            event_ms: 0.3,
            read_ms: 1.0,
            reads_per_receipt: 5.0,
            writes_per_receipt: 3.0,
            lists_per_receipt: 0.0,
            reads_per_submission: 4.0,
            writes_per_submission: 4.0,
            lists_per_submission: 2.0,
            queue_ops_per_receipt: 0.0,
        }
    }

    #[test]
    fn a_receipt_is_its_share_of_the_submission_plus_its_own_events() {
        let u = per_receipt(&measured());
        assert!((u.requests - 2.02).abs() < 1e-9, "{u:?}");
        assert!((u.cpu_ms - (0.045 + 0.6)).abs() < 1e-9, "{u:?}");
        assert!((u.kv_writes - 3.03).abs() < 1e-9, "{u:?}");
        assert!((u.kv_deletes - 0.01).abs() < 1e-9);
        // A million receipts: 2.02 M requests ($0.61), 0.645 M CPU ms ($0.01), 5.06 M reads
        // ($2.53), 3.03 M writes ($15.15), 0.01 M deletes and 0.03 M lists ($0.20).
        let usd = u.scaled(1e6).usd();
        assert!((usd - 18.4989).abs() < 1e-3, "{usd}");
    }

    #[test]
    fn the_monthly_bill_charges_only_beyond_the_inclusions() {
        let within = Usage {
            requests: 9e6,
            kv_writes: 1e6,
            ..Default::default()
        };
        assert_eq!(within.monthly_bill(), SUBSCRIPTION_USD_PER_MONTH);
        let beyond = Usage {
            kv_writes: 3e6,
            ..Default::default()
        };
        assert!((beyond.monthly_bill() - 15.0).abs() < 1e-9);
    }

    #[test]
    fn the_cron_every_minute_alone_spends_more_lists_than_the_free_plan_has() {
        let u = per_receipt(&measured());
        let (n, binding) = free_plan_per_day(&u, 100.0, 1.5, 1.0, 10.0, 5.0);
        assert_eq!((n, binding), (0.0, "KV lists"));
        let (n, binding) = free_plan_per_day(&u, 100.0, 1.5, 15.0, 10.0, 5.0);
        assert_eq!(binding, "KV writes");
        // 1,000 writes a day at 3.03 (+ the cron's none) a receipt.
        assert!((320.0..=330.0).contains(&n), "{n}");
    }
}
