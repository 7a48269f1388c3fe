//! Deterministic identifiers and randomness: same seed, same inputs, same outputs.
//!
//! Unique numbers come from counters passed through a seeded bijection on `0..10^d`
//! (`n ↦ (a·n + b) mod 10^d` with `gcd(a, 10) = 1`), so they look scattered but never collide
//! until the counter wraps.

use super::clock::SimTime;

/// SplitMix64: a tiny, well-mixed, stable generator (the algorithm never changes under us).
pub fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A seeded random stream (fault rates, reorder shuffles).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(splitmix64(seed ^ 0x005E_ED0F_FA17))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        splitmix64(self.0)
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = (self.next_u64() % (i as u64 + 1)) as usize;
            items.swap(i, j);
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Perm {
    a: u128,
    b: u128,
    m: u128,
    digits: usize,
}

impl Perm {
    fn new(seed: u64, salt: u64, digits: u32) -> Self {
        let m = 10u128.pow(digits);
        let r = splitmix64(seed ^ salt.wrapping_mul(0x2545_F491_4F6C_DD1D));
        let mut a = u128::from(r) % m;
        // Make `a` coprime with 10 (odd, not a multiple of 5) so the map is a bijection.
        a = a - a % 10 + [1, 3, 7, 9][(r % 4) as usize];
        if a >= m {
            a = 1;
        }
        let b = u128::from(splitmix64(r)) % m;
        Perm {
            a,
            b,
            m,
            digits: digits as usize,
        }
    }

    fn apply(&self, n: u64) -> String {
        let v = (self.a * (u128::from(n) % self.m) + self.b) % self.m;
        format!("{v:0width$}", width = self.digits)
    }

    /// The counter (mod 10^digits) that `apply` turned into `s`, if `s` is `digits` digits.
    fn invert(&self, s: &str) -> Option<u64> {
        if s.len() != self.digits || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let v: u128 = s.parse().ok()?;
        let n = (mod_inverse(self.a, self.m)? * ((v + self.m - self.b) % self.m)) % self.m;
        u64::try_from(n).ok()
    }
}

/// `a⁻¹ mod m` by the extended Euclidean algorithm (`None` unless `gcd(a, m) = 1`).
fn mod_inverse(a: u128, m: u128) -> Option<u128> {
    let m = i128::try_from(m).ok()?;
    let (mut r0, mut r1) = (m, i128::try_from(a).ok()? % m);
    let (mut t0, mut t1) = (0i128, 1i128);
    while r1 != 0 {
        let q = r0 / r1;
        (r0, r1) = (r1, r0 - q * r1);
        (t0, t1) = (t1, t0 - q * t1);
    }
    if r0 != 1 {
        return None;
    }
    u128::try_from(t0.rem_euclid(m)).ok()
}

/// Every generated identifier, from the seed and per-kind counters.
#[derive(Debug, Clone)]
pub struct IdGen {
    seed: u64,
    receipt: Perm,
    confirm: Perm,
    item: Perm,
    mid: Perm,
    next_submission: u64,
    next_issue: u64,
    next_event: u64,
    next_token: u64,
}

impl IdGen {
    pub fn new(seed: u64) -> Self {
        IdGen {
            seed,
            receipt: Perm::new(seed, 1, 8),
            confirm: Perm::new(seed, 2, 7),
            item: Perm::new(seed, 3, 9),
            mid: Perm::new(seed, 4, 12),
            next_submission: 0,
            next_issue: 0,
            next_event: 0,
            next_token: 0,
        }
    }

    /// receiptID: `yyMMddHHmm` (KST, receipt time) + 8 scattered digits = 18 digits.
    pub fn receipt_id(&mut self, at: SimTime) -> String {
        let n = self.next_submission;
        self.next_submission += 1;
        let kst = at.kst().to_string();
        format!("{}{}", &kst[2..12], self.receipt.apply(n))
    }

    /// Reserve the next issuance number (the source of a receipt's confirmNum and itemKey).
    pub fn next_issue(&mut self) -> u32 {
        let n = self.next_issue;
        self.next_issue += 1;
        u32::try_from(n).unwrap_or(u32::MAX)
    }

    /// confirmNum: `TB` + 7 digits (9 characters, like the test samples `TB0000009`).
    pub fn confirm_num(&self, issue: u32) -> String {
        format!("TB{}", self.confirm.apply(u64::from(issue)))
    }

    /// The issuance number behind a confirmNum this generator made (for the first 10^7
    /// issued receipts; later ones share confirmNums with earlier ones). `None` for anything
    /// that is not `TB` + 7 digits.
    pub fn issue_of_confirm_num(&self, confirm_num: &str) -> Option<u32> {
        let n = self.confirm.invert(confirm_num.strip_prefix("TB")?)?;
        u32::try_from(n).ok()
    }

    /// itemKey: `0` + `yyMMddHH` (KST, issue time) + 9 digits = 18 characters.
    pub fn item_key(&self, issue: u32, issued_at: SimTime) -> String {
        let kst = issued_at.kst().to_string();
        format!("0{}{}", &kst[2..10], self.item.apply(u64::from(issue)))
    }

    /// Pb-Webhook-MID: 12 digits, `-`, 23 hex characters (the documented sample's shape).
    pub fn mid(&mut self) -> String {
        let n = self.next_event;
        self.next_event += 1;
        let h1 = splitmix64(self.seed ^ 0x4D1D ^ n.wrapping_mul(0x9E37));
        let h2 = splitmix64(h1);
        let hex = format!("{h1:016x}{h2:016x}");
        format!("{}-{}", self.mid.apply(n), &hex[..23])
    }

    /// An opaque session token (48 hex characters).
    pub fn session_token(&mut self) -> String {
        let n = self.next_token;
        self.next_token += 1;
        let h1 = splitmix64(self.seed ^ 0x0070_4BE7 ^ n.wrapping_mul(0xA24B_AED4_963E_E407));
        let h2 = splitmix64(h1 ^ 0x1234);
        let h3 = splitmix64(h2 ^ 0x5678);
        format!("{h1:016x}{h2:016x}{h3:016x}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn permuted_numbers_never_collide_below_the_modulus() {
        let p = Perm::new(42, 9, 4);
        let all: HashSet<String> = (0..10_000).map(|n| p.apply(n)).collect();
        assert_eq!(all.len(), 10_000);
    }

    #[test]
    fn identifiers_have_the_documented_shapes() {
        let at = crate::sim::clock::parse_control_time("2025-07-11T12:00:00+09:00").unwrap();
        let mut g = IdGen::new(7);
        let r = g.receipt_id(at);
        assert_eq!(r.len(), 18);
        assert!(r.starts_with("2507111200"), "{r}");
        let n = g.next_issue();
        let c = g.confirm_num(n);
        assert_eq!(c.len(), 9);
        assert!(c.starts_with("TB"));
        let k = g.item_key(n, at);
        assert_eq!(k.len(), 18);
        assert!(k.starts_with("025071112"), "{k}");
        let mid = g.mid();
        assert_eq!(mid.len(), 36);
        assert_eq!(&mid[12..13], "-");
        assert_eq!(g.session_token().len(), 48);
    }

    #[test]
    fn a_confirm_num_leads_back_to_its_issuance_number() {
        for seed in [0, 7, u64::MAX] {
            let g = IdGen::new(seed);
            for n in [0u32, 1, 2, 999, 9_999_999] {
                assert_eq!(
                    g.issue_of_confirm_num(&g.confirm_num(n)),
                    Some(n),
                    "seed {seed}"
                );
            }
            for bad in ["", "TB", "TB123456", "TB12345678", "XX1234567", "TB12345x7"] {
                assert_eq!(g.issue_of_confirm_num(bad), None, "{bad:?}");
            }
        }
    }

    #[test]
    fn same_seed_same_ids_other_seed_other_ids() {
        let at = SimTime(1_752_202_800_000);
        let run = |seed| {
            let mut g = IdGen::new(seed);
            (
                g.receipt_id(at),
                g.confirm_num(0),
                g.mid(),
                g.session_token(),
            )
        };
        assert_eq!(run(1), run(1));
        assert_ne!(run(1), run(2));
    }

    #[test]
    fn rng_unit_is_in_range_and_seeded() {
        let mut a = Rng::new(3);
        let mut b = Rng::new(3);
        for _ in 0..1000 {
            let x = a.unit();
            assert!((0.0..1.0).contains(&x));
            assert_eq!(x, b.unit());
        }
    }
}
