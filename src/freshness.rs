//! When a session is fresh enough: one policy for every use, with its margins named in the
//! settings (`[sessions]`), and fitted to the session's own length.
//!
//! - **Serve** (`refresh_before`, 15m): a session handed to another program (`credential-process`,
//!   `exec`, the `exec --server` endpoint, rotation's IAM calls) must have at least this left,
//!   else it is renewed first. 15 minutes is botocore's own advisory refresh window, so a
//!   served session is not asked for again at once.
//! - **Reuse** (`reuse_min`, 5m): an MFA session with at least this left stands in for a code
//!   (to assume a role from it).
//! - **Keep fresh** (`keep_fresh_before`, 20m): the open TUI renews a kept-fresh profile this
//!   long before expiry — earlier than a caller would, so callers never have to.
//!
//! - **Ahead** (the later of `refresh_before`, `keep_fresh_before` and botocore's 15-minute
//!   advisory window): what serves other programs while they run (the `exec --server`
//!   endpoint, `credential-process`) renews this long before expiry, in the background, while
//!   it keeps serving the session it has. botocore refetches on every call once a session is
//!   inside its 15-minute window: a renewal that starts before the window and gets its code in
//!   time means no client ever refetches in a loop.
//! - **Last** ([`LAST_SERVED`], 1m): a session with less left is not handed out at all; the
//!   caller waits for the renewal instead.
//!
//! Each margin is capped by a share of the session's length (half for serving, two thirds for
//! keeping fresh, a quarter for reuse): a 15-minute role session is served for its first
//! 7.5 minutes instead of being renewed on every call. A session whose expiry is not known is
//! never fresh.

use chrono::{DateTime, Utc};

/// The margins, in seconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Freshness {
    /// Serving a session to another program.
    pub serve: i64,
    /// Reusing an MFA session instead of a code.
    pub reuse: i64,
    /// Renewing a kept-fresh profile ahead of expiry.
    pub keep_fresh: i64,
}

/// What a session is wanted for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Use {
    /// Handed to another program, or used for several calls in a row.
    Serve,
    /// As the source of a role or an IAM call, instead of a code.
    Reuse,
    /// Kept fresh by the open TUI.
    KeepFresh,
    /// Served to programs that fetch again (the endpoint, `credential-process`): renewed
    /// ahead in the background from this margin on.
    Ahead,
}

/// botocore's advisory refresh window: it refetches on every call once a session has less
/// than this left.
pub const BOTOCORE_ADVISORY: i64 = 15 * 60;

/// The least time left for a session to be served while its renewal runs (less, and the
/// caller waits for the renewal): enough for a call to finish before the session ends.
pub const LAST_SERVED: i64 = 60;

impl Default for Freshness {
    fn default() -> Self {
        Freshness {
            serve: 15 * 60,
            reuse: 5 * 60,
            keep_fresh: 20 * 60,
        }
    }
}

impl Freshness {
    /// The least time a session lasting `length` seconds in all (when known) must have left
    /// to be used for `purpose`.
    pub fn margin(&self, purpose: Use, length: Option<u32>) -> i64 {
        let (wanted, share) = match purpose {
            Use::Serve => (self.serve, (1, 2)),
            Use::Reuse => (self.reuse, (1, 4)),
            Use::KeepFresh => (self.keep_fresh, (2, 3)),
            Use::Ahead => (
                self.serve.max(self.keep_fresh).max(BOTOCORE_ADVISORY),
                (2, 3),
            ),
        };
        match length {
            Some(len) => wanted.min(i64::from(len) * share.0 / share.1),
            None => wanted,
        }
    }

    /// Whether a session expiring at `expiration` is fresh enough for `purpose` at `now`.
    pub fn is_fresh(
        &self,
        purpose: Use,
        expiration: Option<DateTime<Utc>>,
        length: Option<u32>,
        now: DateTime<Utc>,
    ) -> bool {
        expiration.is_some_and(|at| (at - now).num_seconds() > self.margin(purpose, length))
    }

    /// Whether a session expiring at `expiration`, though not fresh, may still be served at
    /// `now` while a renewal runs (more than [`LAST_SERVED`] left, or a quarter of a shorter
    /// session).
    pub fn servable(
        &self,
        expiration: Option<DateTime<Utc>>,
        length: Option<u32>,
        now: DateTime<Utc>,
    ) -> bool {
        let last = length.map_or(LAST_SERVED, |len| LAST_SERVED.min(i64::from(len) / 4));
        expiration.is_some_and(|at| (at - now).num_seconds() > last)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn margins_follow_the_settings_and_the_session_length() {
        let f = Freshness::default();
        assert_eq!(f.margin(Use::Serve, Some(12 * 3600)), 900);
        assert_eq!(f.margin(Use::Serve, Some(900)), 450, "a 15-minute session");
        assert_eq!(f.margin(Use::Reuse, Some(3600)), 300);
        assert_eq!(f.margin(Use::Reuse, Some(900)), 225);
        assert_eq!(f.margin(Use::KeepFresh, Some(3600)), 1200);
        assert_eq!(f.margin(Use::KeepFresh, Some(900)), 600);
        assert!(
            f.margin(Use::KeepFresh, Some(3600)) > f.margin(Use::Serve, Some(3600)),
            "kept fresh before any caller has to renew"
        );
    }

    #[test]
    fn renewals_ahead_start_before_botocores_window_whatever_the_settings() {
        let f = Freshness::default();
        assert_eq!(f.margin(Use::Ahead, Some(12 * 3600)), 1200);
        let late = Freshness {
            serve: 60,
            reuse: 60,
            keep_fresh: 60,
        };
        assert_eq!(
            late.margin(Use::Ahead, Some(3600)),
            BOTOCORE_ADVISORY,
            "refresh_before = 1m must not let botocore refetch in a loop"
        );
        assert_eq!(f.margin(Use::Ahead, Some(900)), 600, "a 15-minute session");
        let now = Utc::now();
        let soon = |s| Some(now + Duration::seconds(s));
        assert!(f.servable(soon(14 * 60), Some(3600), now));
        assert!(!f.servable(soon(59), Some(3600), now));
        assert!(!f.servable(None, Some(3600), now));
    }

    #[test]
    fn a_just_issued_short_session_is_served_and_an_unknown_expiry_never_is() {
        let f = Freshness::default();
        let now = Utc::now();
        let issued = Some(now + Duration::seconds(899));
        assert!(f.is_fresh(Use::Serve, issued, Some(900), now));
        assert!(
            !f.is_fresh(Use::Serve, issued, None, now),
            "without its length: 15m"
        );
        assert!(!f.is_fresh(Use::Serve, None, Some(900), now));
        assert!(!f.is_fresh(Use::Reuse, Some(now - Duration::seconds(1)), None, now));
    }
}
