//! Terra's webhook body: `{"type": "activity", "user": {...}, "data":
//! [Activity, ...], "version": "2022-03-16"}` (reference §4), written once
//! into the bytes that are signed and sent, never re-serialised.
//!
//! `user.user_id` is Terra's UUID for a wearable connection, which erglink
//! does not have: it is the UUIDv5 of the athlete tag in erglink's own
//! namespace, so the same athlete gets the same id on every machine and
//! run, or the `--user-id` given. Untagged sessions share the id of the
//! empty name. `user.provider` defaults to `ERGLINK`, honest about who
//! sent the data (`CONCEPT2` would claim it came through Terra's own
//! Concept2 integration). Like Terra's own payloads, the user object keeps
//! every key, with `null` where erglink has nothing.

use erglink_model::Session;
use erglink_normalize::Activity;
use serde::Serialize;
use uuid::Uuid;

/// The API version Terra's current webhook examples carry.
pub const VERSION: &str = "2022-03-16";

/// The default `user.provider`.
pub const DEFAULT_PROVIDER: &str = "ERGLINK";

/// Where athletes' user ids live: the UUIDv5 of this URL in the URL namespace.
const NAMESPACE_NAME: &[u8] = b"https://github.com/erglink/erglink#athlete";

/// The stable user id of an athlete tag (surrounding spaces ignored).
pub fn athlete_user_id(athlete: Option<&str>) -> Uuid {
    let namespace = Uuid::new_v5(&Uuid::NAMESPACE_URL, NAMESPACE_NAME);
    Uuid::new_v5(&namespace, athlete.unwrap_or("").trim().as_bytes())
}

/// Terra's `TerraUser`, as erglink fills it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct User {
    /// A UUID, as text.
    pub user_id: String,
    /// The data source.
    pub provider: String,
    /// The athlete tag, the integrator's own name for the person.
    pub reference_id: Option<String>,
    /// Always `true`: a connection that sends data is active.
    pub active: bool,
    /// Terra's OAuth scopes: none here.
    pub scopes: Option<String>,
    /// When a Terra connection was made: none here.
    pub created_at: Option<String>,
    /// Terra's bookkeeping: none here.
    pub last_webhook_update: Option<String>,
}

/// How sessions map to users.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Users {
    /// One id for every session, instead of one per athlete.
    pub user_id: Option<Uuid>,
    /// `user.provider`.
    pub provider: String,
}

impl Default for Users {
    fn default() -> Self {
        Self {
            user_id: None,
            provider: DEFAULT_PROVIDER.into(),
        }
    }
}

impl Users {
    /// The user a session is delivered as.
    pub fn user(&self, session: &Session) -> User {
        let athlete = session
            .tags
            .athlete
            .as_deref()
            .map(str::trim)
            .filter(|a| !a.is_empty());
        let id = self.user_id.unwrap_or_else(|| athlete_user_id(athlete));
        User {
            user_id: id.hyphenated().to_string(),
            provider: self.provider.clone(),
            reference_id: athlete.map(str::to_string),
            active: true,
            scopes: None,
            created_at: None,
            last_webhook_update: None,
        }
    }
}

/// Builds one body: the user first, then activities one at a time (each
/// serialised straight into the buffer), then the version.
#[derive(Debug)]
pub struct EnvelopeWriter {
    buf: Vec<u8>,
    count: usize,
}

impl EnvelopeWriter {
    /// Starts a body for `user`.
    pub fn new(user: &User) -> Self {
        let mut buf = Vec::with_capacity(64 * 1024);
        buf.extend_from_slice(br#"{"type":"activity","user":"#);
        serde_json::to_writer(&mut buf, user).expect("a User always serialises");
        buf.extend_from_slice(br#","data":["#);
        Self { buf, count: 0 }
    }

    /// Appends an activity.
    pub fn push(&mut self, activity: &Activity) {
        if self.count > 0 {
            self.buf.push(b',');
        }
        serde_json::to_writer(&mut self.buf, activity).expect("Terra wire types always serialise");
        self.count += 1;
    }

    /// The finished body: the exact bytes to sign and send.
    pub fn finish(mut self) -> Vec<u8> {
        self.buf.extend_from_slice(br#"],"version":""#);
        self.buf.extend_from_slice(VERSION.as_bytes());
        self.buf.extend_from_slice(br#""}"#);
        self.buf
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use erglink_normalize::fixtures::{Spec, synthesize};

    #[test]
    fn user_ids_are_stable_per_athlete() {
        let a = athlete_user_id(Some("Ada"));
        assert_eq!(a, athlete_user_id(Some("  Ada ")));
        assert_ne!(a, athlete_user_id(Some("ada")));
        assert_ne!(a, athlete_user_id(None));
        assert_eq!(a.get_version_num(), 5);
        // Fixed for good: receivers key their users on it.
        assert_eq!(
            athlete_user_id(None).to_string(),
            Uuid::new_v5(&Uuid::new_v5(&Uuid::NAMESPACE_URL, NAMESPACE_NAME), b"").to_string()
        );
    }

    #[test]
    fn the_body_is_terras_envelope() {
        let syn = synthesize(&Spec::row_2k());
        let users = Users::default();
        let user = users.user(&syn.session);
        let activity = erglink_normalize::normalize(
            &syn.session,
            &syn.strokes,
            &syn.splits,
            &syn.gaps,
            &syn.samples,
            &erglink_normalize::Options::default(),
        )
        .unwrap()
        .to_activity();
        let mut w = EnvelopeWriter::new(&user);
        w.push(&activity);
        w.push(&activity);
        let body = w.finish();
        let doc: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(doc["type"], "activity");
        assert_eq!(doc["version"], VERSION);
        assert_eq!(doc["user"]["provider"], "ERGLINK");
        assert_eq!(doc["user"]["user_id"], user.user_id);
        assert_eq!(doc["data"].as_array().unwrap().len(), 2);
        let keys: Vec<&String> = doc.as_object().unwrap().keys().collect();
        assert_eq!(keys.len(), 4);
        let schema = erglink_normalize::schema_check::TerraSchema::strict("ActivityEvent").unwrap();
        let problems = schema.problems(&doc);
        assert!(problems.is_empty(), "{problems:#?}");
    }
}
