//! Terra users over erglink's sessions: one per athlete tag, with the same
//! `user_id` the webhook export sends (`erglink_webhook::Users`), so the
//! ids an app saw in webhooks are the ones it queries with. Untagged
//! sessions belong to one user whose `reference_id` is null.

use erglink_model::{Session, SessionState};
use erglink_webhook::{User, Users};

use crate::query::{Bound, UserQuery};

/// Every user that has a session, in the order of their first session.
pub fn all(users: &Users, sessions: &[Session]) -> Vec<User> {
    let mut out: Vec<User> = Vec::new();
    let mut oldest_first: Vec<&Session> = sessions.iter().collect();
    oldest_first.sort_by(|a, b| (a.started_at, &a.id).cmp(&(b.started_at, &b.id)));
    for s in oldest_first {
        let u = users.user(s);
        if !out.iter().any(|o| o.user_id == u.user_id) {
            out.push(u);
        }
    }
    out
}

/// The user `q` names, if any session belongs to it.
pub fn find(users: &Users, sessions: &[Session], q: &UserQuery) -> Option<User> {
    sessions.iter().map(|s| users.user(s)).find(|u| match q {
        UserQuery::UserId(id) => u.user_id.eq_ignore_ascii_case(id),
        UserQuery::ReferenceId(r) => u.reference_id.as_deref() == Some(r.as_str()),
    })
}

fn local_day(s: &Session) -> i64 {
    let local_s = s.started_at.0.div_euclid(1_000_000_000) + i64::from(s.utc_offset_s);
    local_s.div_euclid(86_400)
}

fn unix_s(s: &Session) -> i64 {
    s.started_at.0.div_euclid(1_000_000_000)
}

/// Whether `s` starts inside `[start, end]`: a day bound is the session's
/// own local day, the end inclusive; a unix bound is an exact moment, the
/// end exclusive; no end means `now_s`.
pub fn in_range(s: &Session, start: Bound, end: Option<Bound>, now_s: i64) -> bool {
    let after_start = match start {
        Bound::Day(d) => local_day(s) >= d,
        Bound::Unix(t) => s.started_at.0 >= t.saturating_mul(1_000_000_000),
    };
    let before_end = match end {
        Some(Bound::Day(d)) => local_day(s) <= d,
        Some(Bound::Unix(t)) => s.started_at.0 < t.saturating_mul(1_000_000_000),
        None => unix_s(s) <= now_s,
    };
    after_start && before_end
}

/// `user`'s finished sessions starting in the range, oldest first.
pub fn sessions_of(
    users: &Users,
    sessions: &[Session],
    user: &User,
    start: Bound,
    end: Option<Bound>,
    now_s: i64,
) -> Vec<Session> {
    let mut out: Vec<Session> = sessions
        .iter()
        .filter(|s| s.state != SessionState::Recording)
        .filter(|s| users.user(s).user_id == user.user_id)
        .filter(|s| in_range(s, start, end, now_s))
        .cloned()
        .collect();
    out.sort_by(|a, b| (a.started_at, &a.id).cmp(&(b.started_at, &b.id)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use erglink_model::UtcNanos;

    fn session(start_s: i64, offset_s: i32, athlete: Option<&str>, state: SessionState) -> Session {
        let mut s = erglink_normalize::doc_session();
        s.id = erglink_model::SessionId::from_parts(start_s as u64 * 1000, start_s as u128);
        s.started_at = UtcNanos(start_s * 1_000_000_000);
        s.utc_offset_s = offset_s;
        s.tags.athlete = athlete.map(str::to_string);
        s.state = state;
        s
    }

    #[test]
    fn days_are_local_and_inclusive_unix_times_exact_and_exclusive() {
        // 2026-01-01T23:30Z is 2026-01-02 in UTC+1.
        let t = 1_767_310_200;
        let s = session(t, 3600, None, SessionState::Complete);
        let jan1 = erglink_model::days_from_civil(2026, 1, 1);
        assert!(!in_range(
            &s,
            Bound::Day(jan1),
            Some(Bound::Day(jan1)),
            i64::MAX
        ));
        assert!(in_range(
            &s,
            Bound::Day(jan1 + 1),
            Some(Bound::Day(jan1 + 1)),
            i64::MAX
        ));
        assert!(in_range(
            &s,
            Bound::Unix(t),
            Some(Bound::Unix(t + 1)),
            i64::MAX
        ));
        assert!(!in_range(
            &s,
            Bound::Unix(t - 10),
            Some(Bound::Unix(t)),
            i64::MAX
        ));
        assert!(!in_range(&s, Bound::Unix(t + 1), None, i64::MAX));
        assert!(!in_range(&s, Bound::Unix(0), None, t - 1));
    }

    #[test]
    fn one_user_per_athlete_recording_left_out_oldest_first() {
        let users = Users::default();
        let all_sessions = vec![
            session(300, 0, Some("Ada"), SessionState::Complete),
            session(100, 0, Some("Ada"), SessionState::Interrupted),
            session(200, 0, None, SessionState::Complete),
            session(400, 0, Some("Ada"), SessionState::Recording),
        ];
        let list = all(&users, &all_sessions);
        assert_eq!(list.len(), 2);
        assert_eq!(list[0].reference_id.as_deref(), Some("Ada"));
        assert_eq!(list[1].reference_id, None);
        assert_eq!(
            list[0].user_id,
            erglink_webhook::athlete_user_id(Some("Ada")).to_string()
        );
        let ada = find(&users, &all_sessions, &UserQuery::ReferenceId("Ada".into())).unwrap();
        assert_eq!(
            find(
                &users,
                &all_sessions,
                &UserQuery::UserId(ada.user_id.to_uppercase())
            ),
            Some(ada.clone())
        );
        assert_eq!(
            find(&users, &all_sessions, &UserQuery::ReferenceId("Bo".into())),
            None
        );
        let got = sessions_of(&users, &all_sessions, &ada, Bound::Unix(0), None, 1000);
        let starts: Vec<_> = got.iter().map(|s| s.started_at.0 / 1_000_000_000).collect();
        assert_eq!(starts, [100, 300]);
    }
}
