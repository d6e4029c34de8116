//! Two recorder hosts, each with its own store, export into one database
//! at the same time: every session arrives exactly once, with as many
//! rows as the store has, its curves value for value; a rerun ships
//! nothing; a resend replaces a session in one transaction.

use erglink_model::Machine;
use erglink_normalize::fixtures::{Plan, Spec};
use erglink_postgres::test_cluster::{self, Cluster, PASSWORD, SUPERUSER};
use erglink_postgres::{Config, Exporter, Password, PgUrl, Report, Written};
use erglink_store::Store;

fn exporter(cluster: &Cluster, host: &str, resend: bool) -> Exporter {
    let url = PgUrl::parse(&cluster.url(SUPERUSER, None)).unwrap();
    let mut config = Config::new(url, host);
    config.password = Some(Password::new(PASSWORD).unwrap());
    config.resend = resend;
    Exporter::new(config).unwrap()
}

fn export_all(cluster: &Cluster, store: &Store, host: &str, resend: bool) -> Report {
    let mut sessions = store.reader().unwrap().sessions().unwrap();
    sessions.reverse();
    exporter(cluster, host, resend)
        .run(store, &sessions, &|_| {})
        .unwrap()
}

fn specs(first_seed: u32) -> Vec<Spec> {
    let row = Spec {
        seed: first_seed,
        ..Spec::row_2k()
    };
    vec![
        row,
        Spec {
            machine: Machine::SkiErg,
            plan: Plan::Intervals {
                count: 3,
                metres: 300,
                rest_s: 30,
            },
            heart_rate: false,
            interrupted: false,
            seed: first_seed + 1,
        },
        Spec {
            interrupted: true,
            seed: first_seed + 2,
            ..row
        },
        Spec {
            machine: Machine::BikeErg,
            plan: Plan::JustRow { seconds: 240 },
            seed: first_seed + 3,
            ..row
        },
    ]
}

#[test]
fn two_hosts_at_once_every_session_once_and_whole() {
    let Some(cluster) = Cluster::start("two_hosts_at_once") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let stores: Vec<(Store, &str)> = [("a", 0), ("b", 10)]
        .into_iter()
        .map(|(name, seed)| {
            let path = dir.path().join(format!("{name}.db"));
            let store = Store::open(&path).unwrap();
            for spec in specs(seed) {
                test_cluster::record(&store, &spec, if name == "a" { "Ada" } else { "Bo" });
            }
            // Reopened, as a new process would: the interrupted one is marked so.
            (Store::open(&path).unwrap(), name)
        })
        .collect();
    let reports: Vec<Report> = std::thread::scope(|s| {
        let handles: Vec<_> = stores
            .iter()
            .map(|(store, name)| {
                let cluster = &cluster;
                s.spawn(move || export_all(cluster, store, &format!("host-{name}"), false))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let sql = cluster.superuser();
    let mut total = 0;
    for ((store, name), report) in stores.iter().zip(&reports) {
        assert!(report.failed.is_empty(), "{:?}", report.failed);
        let sessions = store.reader().unwrap().sessions().unwrap();
        assert_eq!(report.shipped.len(), sessions.len());
        for s in &sessions {
            let id = s.id.as_str();
            assert_eq!(
                sql.count(
                    "SELECT count(*) FROM erglink.sessions WHERE id = $1",
                    &[&id]
                ),
                1
            );
            let want = test_cluster::store_counts(store, &s.id);
            assert_eq!(sql.counts(id), want, "{id}");
            let host: String = sql.query(
                "SELECT h.name FROM erglink.sessions s JOIN erglink.hosts h ON h.id = s.host_id WHERE s.id = $1",
                &[&id],
            )[0]
            .get(0);
            assert_eq!(host, format!("host-{name}"));
            // Curves value for value (and so byte for byte as u16 LE).
            let curves: Vec<(i32, bool, Vec<i32>)> = sql
                .query(
                    "SELECT stroke, complete, samples_lbf FROM erglink.force_curves
                     WHERE session_id = $1 ORDER BY stroke",
                    &[&id],
                )
                .iter()
                .map(|r| (r.get(0), r.get(1), r.get(2)))
                .collect();
            let stored: Vec<_> = store
                .reader()
                .unwrap()
                .force_curves(&s.id)
                .unwrap()
                .map(|c| c.unwrap())
                .collect();
            assert_eq!(curves.len(), stored.len());
            for ((stroke, complete, values), c) in curves.iter().zip(&stored) {
                assert_eq!((*stroke as u32, *complete), (c.stroke_index, c.complete));
                let pg: Vec<u8> = values
                    .iter()
                    .flat_map(|v| (*v as u16).to_le_bytes())
                    .collect();
                let sqlite: Vec<u8> = c.samples_lbf.iter().flat_map(|v| v.to_le_bytes()).collect();
                assert_eq!(pg, sqlite);
            }
            let state: String =
                sql.query("SELECT state FROM erglink.sessions WHERE id = $1", &[&id])[0].get(0);
            assert_eq!(state, s.state.name());
            let summary: String = sql.query(
                "SELECT payload->'metadata'->>'summary_id' FROM erglink.terra_activities WHERE session_id = $1",
                &[&id],
            )[0]
            .get(0);
            assert_eq!(summary, format!("erglink-{id}"));
            total += 1;
        }
    }
    assert_eq!(total, 8);
    assert_eq!(sql.count("SELECT count(*) FROM erglink.sessions", &[]), 8);
    assert_eq!(sql.count("SELECT count(*) FROM erglink.hosts", &[]), 2);

    // A rerun ships nothing.
    for (store, name) in &stores {
        let again = export_all(&cluster, store, &format!("host-{name}"), false);
        assert!(again.shipped.is_empty(), "{:?}", again.shipped);
        assert_eq!(again.skipped.len(), 4);
    }

    // A resend replaces, in one transaction, with the same rows.
    let (store, _) = &stores[0];
    let before = sql.count("SELECT count(*) FROM erglink.samples", &[]);
    let again = export_all(&cluster, store, "host-a", true);
    assert_eq!(again.shipped.len(), 4);
    assert!(
        again
            .shipped
            .iter()
            .all(|s| matches!(s.written, Written::Inserted { replaced: true, .. }))
    );
    assert_eq!(
        sql.count("SELECT count(*) FROM erglink.samples", &[]),
        before
    );
    assert_eq!(sql.count("SELECT count(*) FROM erglink.sessions", &[]), 8);
}
