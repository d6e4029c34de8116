//! The README's example queries run and give the numbers the store has,
//! and the README's GRANTs are enough: after the first run, a role with
//! only those ships, replaces, and an analyst's role reads.

use std::collections::BTreeMap;

use erglink_model::SplitKind;
use erglink_normalize::fixtures::{Plan, Spec};
use erglink_postgres::queries::{MEAN_FORCE_CURVE, READER_GRANTS, SPLIT_TABLE, WRITER_GRANTS};
use erglink_postgres::test_cluster::{self, Cluster, PASSWORD, SUPERUSER, Sql};
use erglink_postgres::{Config, Exporter, Password, PgUrl};
use erglink_store::Store;

fn exporter(cluster: &Cluster, user: &str, password: &str, resend: bool) -> Exporter {
    let url = PgUrl::parse(&cluster.url(user, None)).unwrap();
    let mut config = Config::new(url, "rower-1");
    config.password = Some(Password::new(password).unwrap());
    config.resend = resend;
    Exporter::new(config).unwrap()
}

fn ship_all(e: &mut Exporter, store: &Store) -> usize {
    let mut sessions = store.reader().unwrap().sessions().unwrap();
    sessions.reverse();
    let r = e.run(store, &sessions, &|_| {}).unwrap();
    assert!(r.failed.is_empty(), "{:?}", r.failed);
    r.shipped.len()
}

fn readme() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md")).unwrap()
}

#[test]
fn readme_queries_give_the_stores_numbers_and_its_grants_suffice() {
    let Some(cluster) = Cluster::start("readme_queries") else {
        return;
    };
    let text = readme();
    for q in [SPLIT_TABLE, MEAN_FORCE_CURVE, WRITER_GRANTS, READER_GRANTS] {
        assert!(text.contains(q), "the README lacks:\n{q}");
    }
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("erglink.db")).unwrap();
    let ada: Vec<_> = (0..2)
        .map(|seed| {
            test_cluster::record(
                &store,
                &Spec {
                    seed,
                    ..Spec::row_2k()
                },
                "Ada",
            )
        })
        .collect();
    let bo_spec = Spec {
        seed: 5,
        plan: Plan::Distance {
            metres: 1000,
            split_m: 250,
        },
        ..Spec::row_2k()
    };
    test_cluster::record(&store, &bo_spec, "Bo");

    // The first run, as the owner: the schema, and Ada's first session.
    let sessions = vec![store.reader().unwrap().session(&ada[0]).unwrap()];
    let mut owner = exporter(&cluster, SUPERUSER, PASSWORD, false);
    assert_eq!(
        owner.run(&store, &sessions, &|_| {}).unwrap().shipped.len(),
        1
    );

    // A role with the README's GRANTs ships the rest, and replaces.
    let admin = cluster.superuser();
    admin.batch("CREATE ROLE erglink_writer LOGIN PASSWORD 'writer-pass'");
    admin.batch("CREATE ROLE lab_reader LOGIN PASSWORD 'reader-pass'");
    admin.batch(WRITER_GRANTS);
    admin.batch(READER_GRANTS);
    let mut writer = exporter(&cluster, "erglink_writer", "writer-pass", false);
    assert_eq!(ship_all(&mut writer, &store), 2);
    let mut resender = exporter(&cluster, "erglink_writer", "writer-pass", true);
    assert_eq!(ship_all(&mut resender, &store), 3);

    // The analyst reads; the numbers are the store's.
    let reader = Sql::connect(cluster.port(), "lab_reader", "reader-pass", "lab").unwrap();
    let split_sql = format!(
        "SELECT session, split, distance_m::float8, time_s::float8, pace_s_per_500m::float8,
                average_power_w
         FROM ({}) q",
        SPLIT_TABLE.trim_end_matches(';')
    );
    let rows = reader.query(&split_sql, &[&"Ada"]);
    let r = store.reader().unwrap();
    let mut want = Vec::new();
    for id in &ada {
        for sp in r.splits(id).unwrap().map(|s| s.unwrap()) {
            if sp.kind == SplitKind::Split {
                want.push((id.to_string(), sp));
            }
        }
    }
    assert_eq!(rows.len(), want.len());
    assert_eq!(rows.len(), 8, "two 2000 m rows of four splits");
    for (row, (id, sp)) in rows.iter().zip(&want) {
        assert_eq!(row.get::<_, String>(0), *id);
        assert_eq!(row.get::<_, i32>(1), sp.index as i32 + 1);
        assert_eq!(row.get::<_, f64>(2), f64::from(sp.distance_dm) / 10.0);
        assert_eq!(row.get::<_, f64>(3), f64::from(sp.time_cs) / 100.0);
        let pace = f64::from(sp.time_cs) / 100.0 * 500.0 / (f64::from(sp.distance_dm) / 10.0);
        assert!((row.get::<_, f64>(4) - pace).abs() <= 0.05, "{pace}");
        assert_eq!(
            row.get::<_, Option<i32>>(5),
            sp.average_power_w.map(i32::from)
        );
    }

    let curve_sql = format!(
        "SELECT point, mean_force_lbf::float8, curves FROM ({}) q",
        MEAN_FORCE_CURVE.trim_end_matches(';')
    );
    let rows = reader.query(&curve_sql, &[&ada[1].as_str()]);
    let mut sums: BTreeMap<i64, (f64, i64)> = BTreeMap::new();
    for c in r.force_curves(&ada[1]).unwrap().map(|c| c.unwrap()) {
        if c.complete {
            for (i, v) in c.samples_lbf.iter().enumerate() {
                let e = sums.entry(i as i64 + 1).or_default();
                e.0 += f64::from(*v);
                e.1 += 1;
            }
        }
    }
    assert!(!sums.is_empty());
    assert_eq!(rows.len(), sums.len());
    for (row, (point, (sum, n))) in rows.iter().zip(&sums) {
        assert_eq!(row.get::<_, i64>(0), *point);
        assert_eq!(row.get::<_, i64>(2), *n);
        assert!((row.get::<_, f64>(1) - sum / *n as f64).abs() < 1e-9);
    }
    // The analyst cannot write.
    assert!(
        reader
            .try_query("DELETE FROM erglink.samples", &[])
            .is_err()
    );
}
