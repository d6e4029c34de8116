//! End-to-end tests of `erglink export --to postgres://` (issue 18) against
//! a real PostgreSQL: a throwaway cluster per test
//! (`erglink_postgres::test_cluster`), the binary as a lab runs it.
//!
//! Every wait is bounded by counts of polls, never by the clock.

use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

use erglink_normalize::fixtures::{Plan, Spec};
use erglink_postgres::test_cluster::{self, Cluster, PASSWORD, SUPERUSER, Sql};
use erglink_store::Store;

const PASSWORD_VAR: &str = "ERGLINK_TEST_PG_PASSWORD";
/// Polls of 20 ms before a wait is declared lost (a count, not a deadline).
const POLLS: usize = 15_000;

fn erglink(db: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_erglink"));
    c.env_remove("RUST_LOG")
        .env_remove("ERGLINK_DB")
        .env_remove("PGPASSWORD")
        .env_remove("PGPASSFILE")
        .env("HOME", db.parent().unwrap())
        .env(PASSWORD_VAR, PASSWORD)
        .arg("export")
        .arg("--db")
        .arg(db);
    c
}

/// A child process killed when the test ends, passed or not, so that a
/// failed assertion leaves no exporter running.
struct Reaped(Child);

impl std::ops::Deref for Reaped {
    type Target = Child;
    fn deref(&self) -> &Child {
        &self.0
    }
}

impl std::ops::DerefMut for Reaped {
    fn deref_mut(&mut self) -> &mut Child {
        &mut self.0
    }
}

impl Drop for Reaped {
    fn drop(&mut self) {
        if self.0.try_wait().is_ok_and(|s| s.is_none()) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn short(seed: u32) -> Spec {
    Spec {
        seed,
        plan: Plan::Distance {
            metres: 500,
            split_m: 250,
        },
        ..Spec::row_2k()
    }
}

fn hour(seed: u32) -> Spec {
    Spec {
        seed,
        plan: Plan::JustRow { seconds: 3600 },
        ..Spec::row_2k()
    }
}

fn export(cluster: &Cluster, db: &Path, extra: &[&str]) -> Output {
    erglink(db)
        .args(["--all", "--to", &cluster.url(SUPERUSER, None)])
        .args(["--password-env", PASSWORD_VAR, "--host-name", "rower-1"])
        .args(extra)
        .output()
        .unwrap()
}

/// Every visible session is whole: its sample rows are its sample count,
/// and no sample belongs to a session that is not there. One statement,
/// so one snapshot.
fn assert_no_partial_session(sql: &Sql) {
    let partial = sql.count(
        "SELECT (SELECT count(*) FROM erglink.sessions s
                 WHERE s.sample_count <> (SELECT count(*) FROM erglink.samples x WHERE x.session_id = s.id)
                    OR s.stroke_count <> (SELECT count(*) FROM erglink.strokes x WHERE x.session_id = s.id))
              + (SELECT count(*) FROM erglink.samples x
                 WHERE NOT EXISTS (SELECT 1 FROM erglink.sessions s WHERE s.id = x.session_id))",
        &[],
    );
    assert_eq!(partial, 0, "a partial session is visible");
}

fn assert_all_there_once(sql: &Sql, store: &Store) {
    let sessions = store.reader().unwrap().sessions().unwrap();
    for s in &sessions {
        let id = s.id.as_str();
        assert_eq!(
            sql.count(
                "SELECT count(*) FROM erglink.sessions WHERE id = $1",
                &[&id]
            ),
            1,
            "{id}"
        );
        assert_eq!(
            sql.counts(id),
            test_cluster::store_counts(store, &s.id),
            "{id}"
        );
    }
    assert_eq!(
        sql.count("SELECT count(*) FROM erglink.sessions", &[]),
        sessions.len() as i64
    );
}

/// Polls `sql_text` (one bigint) until it reaches `want`, or `child` exits.
fn wait_for(sql: &Sql, sql_text: &str, want: i64, child: &mut Reaped) -> bool {
    for _ in 0..POLLS {
        if sql.count(sql_text, &[]) >= want {
            return true;
        }
        if child.try_wait().unwrap().is_some() {
            return sql.count(sql_text, &[]) >= want;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    false
}

const COPY_MOVING: &str = "SELECT count(*) FROM pg_stat_progress_copy
    WHERE relid = 'erglink.samples'::regclass AND tuples_processed > 0";

#[test]
fn killed_mid_copy_then_rerun_nothing_partial_nothing_twice() {
    let Some(cluster) = Cluster::start("killed_mid_copy") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("erglink.db");
    let store = Store::open(&db).unwrap();
    for seed in 0..3 {
        test_cluster::record(&store, &hour(seed), "Ada");
    }
    // The schema first, so that the progress view can name the table.
    let mut sql = cluster.superuser();
    sql.migrate();
    let mut child = Reaped(
        erglink(&db)
            .args(["--all", "--to", &cluster.url(SUPERUSER, None)])
            .args(["--password-env", PASSWORD_VAR])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let mut moving = false;
    for _ in 0..POLLS {
        if sql
            .try_query(COPY_MOVING, &[])
            .is_ok_and(|r| r[0].get::<_, i64>(0) > 0)
        {
            moving = true;
            break;
        }
        assert_no_partial_session(&sql);
        assert!(
            child.try_wait().unwrap().is_none(),
            "the export ended before a COPY was seen"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    assert!(moving, "no COPY was seen moving");
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    assert_no_partial_session(&sql);
    let before = sql.count("SELECT count(*) FROM erglink.sessions", &[]);
    assert!(before < 3, "the kill came after the last session");

    let out = export(&cluster, &db, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_no_partial_session(&sql);
    assert_all_there_once(&sql, &store);
    // And once more: nothing new.
    let out = export(&cluster, &db, &["--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["shipped"].as_array().unwrap().len(), 0, "{doc}");
    assert_eq!(doc["skipped"].as_array().unwrap().len(), 3, "{doc}");
    assert_eq!(
        doc["destination"],
        format!("postgres://127.0.0.1:{}/lab", cluster.port())
    );
}

#[test]
fn watch_survives_a_server_restart_mid_copy() {
    let Some(cluster) = Cluster::start("watch_survives_a_server_restart") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("erglink.db");
    let store = Store::open(&db).unwrap();
    test_cluster::record(&store, &short(0), "Ada");
    test_cluster::record(&store, &short(1), "Bo");
    let mut watcher = Reaped(
        erglink(&db)
            .args(["--to", &cluster.url(SUPERUSER, None)])
            .args(["--password-env", PASSWORD_VAR, "--host-name", "rower-1"])
            .args(["--watch=100ms", "--backoff=50ms", "--backoff-cap=400ms"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let mut sql = cluster.superuser();
    sql.migrate();
    assert!(wait_for(
        &sql,
        "SELECT count(*) FROM erglink.sessions",
        2,
        &mut watcher
    ));
    // A long session, and the server stopped while its samples go in.
    test_cluster::record(&store, &hour(2), "Ada");
    let mut moving = false;
    for _ in 0..POLLS {
        if sql.count(COPY_MOVING, &[]) > 0 {
            moving = true;
            break;
        }
        assert!(watcher.try_wait().unwrap().is_none(), "the watcher stopped");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    assert!(moving, "no COPY was seen moving");
    drop(sql);
    cluster.stop();
    // Recorded while the database is away.
    test_cluster::record(&store, &short(3), "Bo");
    cluster.restart();
    let sql = cluster.superuser();
    assert!(
        wait_for(
            &sql,
            "SELECT count(*) FROM erglink.sessions",
            4,
            &mut watcher
        ),
        "not everything arrived"
    );
    assert!(watcher.try_wait().unwrap().is_none(), "the watcher stopped");
    // SIGTERM: a graceful stop.
    Command::new("kill")
        .arg(watcher.id().to_string())
        .status()
        .unwrap();
    let status = watcher.wait().unwrap();
    assert!(status.success(), "{status:?}");
    assert_no_partial_session(&sql);
    assert_all_there_once(&sql, &store);
}

#[test]
fn refusals_wrong_password_password_in_url_newer_schema() {
    let Some(cluster) = Cluster::start("postgres_refusals") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("erglink.db");
    let store = Store::open(&db).unwrap();
    test_cluster::record(&store, &short(0), "Ada");

    // A wrong password: one line, exit 1, the password not echoed.
    let wrong = "not-the-password-4711";
    let out = erglink(&db)
        .args(["--all", "--to", &cluster.url(SUPERUSER, None)])
        .env("PGPASSWORD", wrong)
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("erglink: "), "{err}");
    assert!(err.contains("password authentication failed"), "{err}");
    assert!(!err.contains(wrong), "{err}");
    assert!(!String::from_utf8_lossy(&out.stdout).contains(wrong));

    // The same from a password file.
    let pwfile = dir.path().join("pw");
    std::fs::write(&pwfile, format!("{wrong}\n")).unwrap();
    let out = erglink(&db)
        .args(["--all", "--to", &cluster.url(SUPERUSER, None)])
        .arg("--password-file")
        .arg(&pwfile)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(!stderr(&out).contains(wrong));

    // A password in the URL: refused before connecting, and not shown.
    let url = format!(
        "postgres://{SUPERUSER}:{wrong}@127.0.0.1:{}/lab",
        cluster.port()
    );
    let out = erglink(&db).args(["--all", "--to", &url]).output().unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("password"), "{err}");
    assert!(!err.contains(wrong), "{err}");

    // ~/.pgpass (HOME is the temporary folder), only when private.
    let pgpass = dir.path().join(".pgpass");
    std::fs::write(
        &pgpass,
        format!("127.0.0.1:{}:lab:{SUPERUSER}:{PASSWORD}\n", cluster.port()),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&pgpass, std::fs::Permissions::from_mode(0o600)).unwrap();
    let out = erglink(&db)
        .args(["--all", "--to", &cluster.url(SUPERUSER, None)])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let sql = cluster.superuser();
    assert_eq!(sql.count("SELECT count(*) FROM erglink.sessions", &[]), 1);

    // A database from a newer erglink: exit 2, nothing written.
    sql.batch("INSERT INTO erglink.schema_version (version) VALUES (99)");
    test_cluster::record(&store, &short(1), "Ada");
    let out = export(&cluster, &db, &[]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("version 99"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert_eq!(sql.count("SELECT count(*) FROM erglink.sessions", &[]), 1);
}
