//! TLS against a real server that takes TLS only over TCP, with a CA and
//! server certificate made here: `verify-full` with that CA connects and
//! ships; a server certificate from another CA, or for another name, is
//! refused (and the refusal is final, not retried); `require` encrypts without checking;
//! `disable` is turned away by the server.

use erglink_normalize::fixtures::Spec;
use erglink_postgres::test_cluster::{self, Cluster, ClusterOptions, PASSWORD, SUPERUSER};
use erglink_postgres::{Config, Error, Exporter, Password, PgUrl};
use erglink_store::Store;
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};

struct Ca {
    cert: rcgen::Certificate,
    key: KeyPair,
}

fn ca(name: &str) -> Ca {
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, name);
    Ca {
        cert: params.self_signed(&key).unwrap(),
        key,
    }
}

/// A server certificate for 127.0.0.1 only (no name), signed by `ca`: (chain, key).
fn server_cert(ca: &Ca) -> (String, String) {
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(vec!["127.0.0.1".to_string()]).unwrap();
    params
        .distinguished_name
        .push(DnType::CommonName, "erglink test server");
    let cert = params.signed_by(&key, &ca.cert, &ca.key).unwrap();
    (cert.pem(), key.serialize_pem())
}

fn exporter(cluster: &Cluster, mode: &str, ca_file: Option<&std::path::Path>) -> Exporter {
    let url = PgUrl::parse(&cluster.url(SUPERUSER, Some(mode))).unwrap();
    let mut config = Config::new(url, "tls-host");
    config.password = Some(Password::new(PASSWORD).unwrap());
    config.ca_file = ca_file.map(Into::into);
    Exporter::new(config).unwrap()
}

#[test]
fn verify_full_checks_the_ca_require_encrypts_disable_is_refused() {
    let ours = ca("erglink test CA");
    let Some(cluster) = Cluster::start_with(
        "tls",
        &ClusterOptions {
            tls: Some(server_cert(&ours)),
            durable: false,
        },
    ) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let ca_file = dir.path().join("ca.pem");
    std::fs::write(&ca_file, ours.cert.pem()).unwrap();
    let other_file = dir.path().join("other-ca.pem");
    std::fs::write(&other_file, ca("another CA").cert.pem()).unwrap();

    // verify-full with our CA: connects and ships a session.
    let store = Store::open(dir.path().join("erglink.db")).unwrap();
    let id = test_cluster::record(&store, &Spec::row_2k(), "Ada");
    let mut e = exporter(&cluster, "verify-full", Some(&ca_file));
    let sessions = vec![store.reader().unwrap().session(&id).unwrap()];
    let report = e.run(&store, &sessions, &|_| {}).unwrap();
    assert_eq!(report.shipped.len(), 1, "{:?}", report.failed);
    let sql = cluster.superuser();
    assert_eq!(
        sql.counts(id.as_str()),
        test_cluster::store_counts(&store, &id)
    );

    // Another CA: refused, for good (no retrying a certificate).
    let err = exporter(&cluster, "verify-full", Some(&other_file))
        .connect()
        .unwrap_err();
    assert!(matches!(err, Error::Postgres(_)), "{err:?}");
    assert!(!err.is_transient(), "{err}");
    let text = err.to_string();
    assert!(text.contains("certificate"), "{text}");
    assert!(!text.contains(PASSWORD), "{text}");

    // Our CA, but a host name the certificate does not carry.
    let url = PgUrl::parse(&format!(
        "postgres://{SUPERUSER}@localhost:{}/lab?sslmode=verify-full",
        cluster.port()
    ))
    .unwrap();
    let mut config = Config::new(url, "tls-host");
    config.password = Some(Password::new(PASSWORD).unwrap());
    config.ca_file = Some(ca_file.clone());
    let err = Exporter::new(config).unwrap().connect().unwrap_err();
    assert!(!err.is_transient(), "{err}");
    assert!(err.to_string().contains("not valid for name"), "{err}");

    // The webpki roots do not know our CA either.
    let err = exporter(&cluster, "verify-full", None)
        .connect()
        .unwrap_err();
    assert!(err.to_string().contains("certificate"), "{err}");

    // require: encrypted, any certificate.
    exporter(&cluster, "require", Some(&other_file))
        .connect()
        .unwrap();
    exporter(&cluster, "require", None).connect().unwrap();

    // disable: the server wants TLS, so plain text is turned away.
    let err = exporter(&cluster, "disable", None).connect().unwrap_err();
    assert!(
        err.to_string().contains("no encryption") || err.to_string().contains("pg_hba"),
        "{err}"
    );
}
