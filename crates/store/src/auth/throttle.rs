//! Limits on password guessing and on the memory password hashing may take.
//!
//! - **Per account** (organisation + email, operator email, worker email; whether or not the account
//!   exists, so a lock reveals nothing) and **per client address**: after `account_failures` (10) or
//!   `address_failures` (100) failed attempts within `window` (15 min), further attempts are refused
//!   *without hashing* until the lock ends. Each further lock within a day lasts twice as long as the
//!   one before (backoff), up to `max_lock` (24 h). A successful login clears the account's count.
//! - **Hashing**: at most `concurrent_hashes` argon2id runs at once (each takes 19 MiB), at most
//!   `queued_hashes` waiting; a caller that would wait longer than `queue_wait`, or find the queue full,
//!   gets [`StoreError::Busy`] at once. An unknown account still costs one hash, like a known one.
//!
//! The counts live in this process's memory (bounded by `max_tracked` entries): several servers on one
//! PostgreSQL database each count their own attempts.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::{Semaphore, SemaphorePermit};

use crate::error::{Result, StoreError};

/// The tunables; [`LoginLimits::default`] is what production uses.
#[derive(Debug, Clone)]
pub struct LoginLimits {
    pub account_failures: u32,
    pub address_failures: u32,
    pub window: Duration,
    pub lock: Duration,
    pub max_lock: Duration,
    pub concurrent_hashes: usize,
    pub queued_hashes: usize,
    pub queue_wait: Duration,
    pub max_tracked: usize,
}

impl Default for LoginLimits {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        LoginLimits {
            account_failures: 10,
            address_failures: 100,
            window: Duration::from_secs(15 * 60),
            lock: Duration::from_secs(15 * 60),
            max_lock: Duration::from_secs(24 * 3600),
            concurrent_hashes: cores.clamp(2, 8),
            queued_hashes: 32,
            queue_wait: Duration::from_secs(5),
            max_tracked: 100_000,
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    failures: u32,
    window_start: Instant,
    locked_until: Option<Instant>,
    /// Locks so far (for the backoff); forgotten a day after the last one ended.
    locks: u32,
    last_seen: Instant,
}

impl Entry {
    fn new(now: Instant) -> Self {
        Entry { failures: 0, window_start: now, locked_until: None, locks: 0, last_seen: now }
    }
}

/// Failure counts by key, and the hashing bound. One per [`crate::Store`] (shared by its clones).
#[derive(Debug)]
pub struct LoginGuard {
    limits: LoginLimits,
    accounts: Mutex<HashMap<String, Entry>>,
    addresses: Mutex<HashMap<IpAddr, Entry>>,
    hashing: Semaphore,
    /// Hashes running or waiting.
    in_line: AtomicUsize,
    hashes: AtomicU64,
}

impl LoginGuard {
    pub fn new(limits: LoginLimits) -> Self {
        LoginGuard {
            hashing: Semaphore::new(limits.concurrent_hashes.max(1)),
            limits,
            accounts: Mutex::default(),
            addresses: Mutex::default(),
            in_line: AtomicUsize::new(0),
            hashes: AtomicU64::new(0),
        }
    }

    pub fn limits(&self) -> &LoginLimits {
        &self.limits
    }

    /// Argon2 runs started by this store since it was opened (tests prove a refusal cost none).
    pub fn hashes(&self) -> u64 {
        self.hashes.load(Ordering::Relaxed)
    }

    /// Refuses (without hashing) while the account or the address is locked.
    pub fn check(&self, account: Option<&str>, address: Option<IpAddr>) -> Result<()> {
        let now = Instant::now();
        let mut wait = None;
        if let Some(account) = account {
            wait = locked_for(&self.accounts.lock().expect("throttle lock"), account, now);
        }
        if let Some(ip) = address {
            wait = wait.max(locked_for(&self.addresses.lock().expect("throttle lock"), &ip, now));
        }
        match wait {
            Some(wait) => Err(StoreError::Throttled { retry_after_secs: wait.as_secs().max(1) }),
            None => Ok(()),
        }
    }

    pub fn failed(&self, account: Option<&str>, address: Option<IpAddr>) {
        let now = Instant::now();
        let limits = &self.limits;
        if let Some(account) = account {
            let mut accounts = self.accounts.lock().expect("throttle lock");
            fail(&mut accounts, account.to_owned(), limits.account_failures, limits, now);
        }
        if let Some(ip) = address {
            fail(&mut self.addresses.lock().expect("throttle lock"), ip, limits.address_failures, limits, now);
        }
    }

    pub fn succeeded(&self, account: Option<&str>) {
        let Some(account) = account else { return };
        if let Some(entry) = self.accounts.lock().expect("throttle lock").get_mut(account) {
            entry.failures = 0;
            entry.window_start = Instant::now();
        }
    }

    /// A turn to hash a password, or `Busy` if too many are running and waiting.
    pub async fn hash_turn(&self) -> Result<HashTurn<'_>> {
        let busy = || StoreError::Busy { retry_after_secs: 1 };
        let limit = self.limits.concurrent_hashes + self.limits.queued_hashes;
        if self.in_line.fetch_add(1, Ordering::AcqRel) >= limit {
            self.in_line.fetch_sub(1, Ordering::AcqRel);
            return Err(busy());
        }
        let line = InLine(&self.in_line);
        let permit = match tokio::time::timeout(self.limits.queue_wait, self.hashing.acquire()).await {
            Ok(Ok(permit)) => permit,
            _ => return Err(busy()),
        };
        self.hashes.fetch_add(1, Ordering::Relaxed);
        Ok(HashTurn { _permit: permit, _line: line })
    }
}

/// Held while one hash runs; gives the turn back when dropped.
pub struct HashTurn<'g> {
    _permit: SemaphorePermit<'g>,
    _line: InLine<'g>,
}

struct InLine<'g>(&'g AtomicUsize);

impl Drop for InLine<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

fn locked_for<K: std::hash::Hash + Eq + ?Sized, Q>(map: &HashMap<Q, Entry>, key: &K, now: Instant) -> Option<Duration>
where
    Q: std::borrow::Borrow<K> + std::hash::Hash + Eq,
{
    map.get(key).and_then(|e| e.locked_until).and_then(|until| until.checked_duration_since(now))
}

fn fail<K: std::hash::Hash + Eq + Clone>(
    map: &mut HashMap<K, Entry>,
    key: K,
    threshold: u32,
    limits: &LoginLimits,
    now: Instant,
) {
    if map.len() >= limits.max_tracked && !map.contains_key(&key) {
        forget_stale(map, limits, now);
    }
    let entry = map.entry(key).or_insert_with(|| Entry::new(now));
    if entry.last_seen + limits.max_lock < now {
        entry.locks = 0;
    }
    entry.last_seen = now;
    if entry.locked_until.is_some_and(|until| until > now) {
        return;
    }
    if now.duration_since(entry.window_start) > limits.window {
        entry.failures = 0;
        entry.window_start = now;
    }
    entry.failures += 1;
    if entry.failures >= threshold {
        let lock = limits.lock.saturating_mul(1 << entry.locks.min(16)).min(limits.max_lock);
        entry.locked_until = Some(now + lock);
        entry.locks += 1;
        entry.failures = 0;
        entry.window_start = now;
    }
}

/// Drops entries with no lock in force and no recent failure; if none can go, the oldest.
fn forget_stale<K: std::hash::Hash + Eq + Clone>(map: &mut HashMap<K, Entry>, limits: &LoginLimits, now: Instant) {
    map.retain(|_, e| {
        e.locked_until.is_some_and(|until| until > now) || now.duration_since(e.last_seen) < limits.window
    });
    if map.len() >= limits.max_tracked
        && let Some(oldest) = map.iter().min_by_key(|(_, e)| e.last_seen).map(|(k, _)| k.clone())
    {
        map.remove(&oldest);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> LoginLimits {
        LoginLimits { lock: Duration::from_millis(50), max_lock: Duration::from_secs(1), ..LoginLimits::default() }
    }

    #[test]
    fn tenth_failure_locks_the_account_and_each_lock_lasts_longer() {
        let guard = LoginGuard::new(limits());
        for _ in 0..9 {
            guard.failed(Some("RJ1|a@nhs.net"), None);
        }
        assert!(guard.check(Some("RJ1|a@nhs.net"), None).is_ok());
        guard.failed(Some("RJ1|a@nhs.net"), None);
        assert!(matches!(guard.check(Some("RJ1|a@nhs.net"), None), Err(StoreError::Throttled { .. })));
        assert!(guard.check(Some("RJ1|b@nhs.net"), None).is_ok(), "another account is not locked");
        std::thread::sleep(Duration::from_millis(60));
        assert!(guard.check(Some("RJ1|a@nhs.net"), None).is_ok(), "the lock ends");
        for _ in 0..10 {
            guard.failed(Some("RJ1|a@nhs.net"), None);
        }
        std::thread::sleep(Duration::from_millis(60));
        assert!(guard.check(Some("RJ1|a@nhs.net"), None).is_err(), "the second lock lasts twice as long");
        std::thread::sleep(Duration::from_millis(50));
        assert!(guard.check(Some("RJ1|a@nhs.net"), None).is_ok());
    }

    #[test]
    fn an_address_is_locked_after_its_own_limit_across_accounts() {
        let guard = LoginGuard::new(limits());
        let ip: IpAddr = "192.0.2.7".parse().unwrap();
        for i in 0..100 {
            guard.failed(Some(&format!("RJ1|user{i}@nhs.net")), Some(ip));
        }
        assert!(guard.check(Some("RJ1|fresh@nhs.net"), Some(ip)).is_err());
        assert!(guard.check(Some("RJ1|fresh@nhs.net"), Some("192.0.2.8".parse().unwrap())).is_ok());
    }

    #[test]
    fn tracking_is_bounded() {
        let guard = LoginGuard::new(LoginLimits { max_tracked: 100, ..limits() });
        for i in 0..1_000 {
            guard.failed(Some(&format!("k{i}")), None);
        }
        assert!(guard.accounts.lock().unwrap().len() <= 100);
    }

    #[tokio::test]
    async fn hashing_is_bounded_and_a_full_queue_is_busy() {
        let guard = LoginGuard::new(LoginLimits {
            concurrent_hashes: 1,
            queued_hashes: 1,
            queue_wait: Duration::from_millis(20),
            ..limits()
        });
        let first = guard.hash_turn().await.unwrap();
        // The second waits for the first and times out; the third finds the line full.
        let (second, third) = tokio::join!(guard.hash_turn(), async {
            tokio::task::yield_now().await;
            guard.hash_turn().await
        });
        assert!(matches!(second, Err(StoreError::Busy { .. })));
        assert!(matches!(third, Err(StoreError::Busy { .. })));
        drop(first);
        assert!(guard.hash_turn().await.is_ok());
        assert_eq!(guard.hashes(), 2);
    }
}
