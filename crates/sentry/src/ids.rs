//! Random IDs the CLI mints itself: event IDs and check-in IDs (32 lowercase hex digits, the
//! form Sentry accepts for both).

/// A new 32-hex-digit ID.
pub fn event_id() -> String {
    let mut s = String::with_capacity(32);
    for _ in 0..2 {
        s.push_str(&format!("{:016x}", fastrand_u64()));
    }
    s
}

/// A process-local xorshift seeded from the clock and pid: event IDs only need to be unique.
fn fastrand_u64() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static STATE: AtomicU64 = AtomicU64::new(0);
    let mut x = STATE.load(Ordering::Relaxed);
    if x == 0 {
        x = (crate::context::now_ms() as u64)
            ^ ((std::process::id() as u64) << 32)
            ^ 0x9E37_79B9_7F4A_7C15;
    }
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    STATE.store(x, Ordering::Relaxed);
    x
}
