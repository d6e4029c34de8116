//! A throwaway PostgreSQL for the tests and the benchmark (public, not
//! `cfg(test)`, like the store's `test_utils`): `initdb` with SCRAM
//! passwords in a temporary folder, `pg_ctl` listening on 127.0.0.1 only,
//! on a free port, its socket in the same folder, stopped on drop.
//!
//! PostgreSQL refuses to run as root, so as root the cluster runs as
//! `nobody` (through `runuser`), in a folder handed to it.
//! The binaries come from `ERGLINK_TEST_PG_BIN` (what `tools/test.d/30-postgres.sh`
//! exports), else `/usr/lib/postgresql/*/bin`. Without them a test skips
//! loudly, or fails under `CI=true`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use tokio::runtime::Runtime;
use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, NoTls, Row};

/// The superuser of every test cluster.
pub const SUPERUSER: &str = "erglink";
/// Its password (the tests' own secret; nothing real).
pub const PASSWORD: &str = "test-cluster-password";
/// The database the tests export into.
pub const DATABASE: &str = "lab";

/// How to start a cluster.
#[derive(Clone, Debug, Default)]
pub struct ClusterOptions {
    /// TLS: the server certificate chain and key, PEM.
    pub tls: Option<(String, String)>,
    /// Keep fsync on (the benchmark); tests run without it.
    pub durable: bool,
}

/// A running throwaway cluster.
#[derive(Debug)]
pub struct Cluster {
    dir: tempfile::TempDir,
    bin: PathBuf,
    port: u16,
    run_as: Option<String>,
    options: String,
}

/// Where the PostgreSQL binaries are, if anywhere.
pub fn bin_dir() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("ERGLINK_TEST_PG_BIN").filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(p));
    }
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok())
        .map(|e| e.path().join("bin"))
        .filter(|p| p.join("initdb").exists())
        .collect();
    found.sort();
    found.pop()
}

/// The binaries, or `None` after a loud skip; panics under `CI=true`.
pub fn bin_dir_or_skip(test: &str) -> Option<PathBuf> {
    match bin_dir() {
        Some(p) => Some(p),
        None if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!(
                "{test}: PostgreSQL is missing (tools/test installs it and sets ERGLINK_TEST_PG_BIN)"
            )
        }
        None => {
            eprintln!(
                "SKIPPED {test}: no PostgreSQL (run tools/test, which installs Debian's postgresql)"
            );
            None
        }
    }
}

fn is_root() -> bool {
    // /proc/self/status says who we are without libc.
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(2).map(|u| u == "0"))
        })
        .unwrap_or(false)
}

/// The uid and gid of `user`, from /etc/passwd.
fn ids_of(user: &str) -> Option<(u32, u32)> {
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|l| {
        let f: Vec<&str> = l.split(':').collect();
        (f.first() == Some(&user))
            .then(|| Some((f.get(2)?.parse().ok()?, f.get(3)?.parse().ok()?)))?
    })
}

/// A free TCP port on 127.0.0.1 (free when asked; the start retries).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(0)
}

fn check(what: &str, out: std::io::Result<Output>) -> Output {
    let out = out.unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

impl Cluster {
    /// Starts a cluster, or `None` (after a loud skip) without PostgreSQL.
    pub fn start(test: &str) -> Option<Self> {
        Self::start_with(test, &ClusterOptions::default())
    }

    /// [`Cluster::start`] with options.
    pub fn start_with(test: &str, options: &ClusterOptions) -> Option<Self> {
        let bin = bin_dir_or_skip(test)?;
        let run_as = is_root().then(|| "nobody".to_string());
        let dir = tempfile::Builder::new()
            .prefix("erglink-pg-")
            .tempdir()
            .expect("a temporary folder");
        let owner = run_as
            .as_deref()
            .map(|u| ids_of(u).expect("the user nobody"));
        let give = |p: &Path| {
            if let Some((uid, gid)) = owner {
                std::os::unix::fs::chown(p, Some(uid), Some(gid)).expect("chown to nobody");
            }
        };
        give(dir.path());
        let pwfile = dir.path().join("pwfile");
        std::fs::write(&pwfile, format!("{PASSWORD}\n")).unwrap();
        give(&pwfile);
        let mut server = vec![
            "-c listen_addresses=127.0.0.1".to_string(),
            format!("-k {}", dir.path().display()),
            "-c max_connections=30".into(),
            "-c shared_buffers=32MB".into(),
        ];
        if !options.durable {
            server.push("-c fsync=off".into());
            server.push("-c synchronous_commit=off".into());
            server.push("-c full_page_writes=off".into());
        }
        if let Some((cert, key)) = &options.tls {
            let (c, k) = (dir.path().join("server.crt"), dir.path().join("server.key"));
            std::fs::write(&c, cert).unwrap();
            std::fs::write(&k, key).unwrap();
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&k, std::fs::Permissions::from_mode(0o600)).unwrap();
            give(&c);
            give(&k);
            server.push("-c ssl=on".into());
            server.push(format!("-c ssl_cert_file={}", c.display()));
            server.push(format!("-c ssl_key_file={}", k.display()));
        }
        let mut cluster = Cluster {
            dir,
            bin,
            port: 0,
            run_as,
            options: server.join(" "),
        };
        let data = cluster.data();
        check(
            "initdb",
            cluster
                .command("initdb")
                .arg("-D")
                .arg(&data)
                .args([
                    "-U",
                    SUPERUSER,
                    "--auth-host=scram-sha-256",
                    "--auth-local=trust",
                ])
                .arg(format!("--pwfile={}", pwfile.display()))
                .args(["-E", "UTF8", "--no-sync", "--no-instructions"])
                .output(),
        );
        if options.tls.is_some() {
            // TLS only over TCP, so that no test passes in plain text by mistake.
            let hba = data.join("pg_hba.conf");
            let rules = std::fs::read_to_string(&hba).expect("pg_hba.conf");
            std::fs::write(
                &hba,
                format!("hostnossl all all 127.0.0.1/32 reject\n{rules}"),
            )
            .expect("pg_hba.conf");
        }
        for attempt in 0.. {
            cluster.port = free_port();
            match cluster.pg_ctl_start() {
                Ok(()) => break,
                Err(e) if attempt < 4 => eprintln!("test cluster: {e}; another port"),
                Err(e) => panic!("test cluster: {e}"),
            }
        }
        cluster
            .superuser()
            .batch(&format!("CREATE DATABASE {DATABASE}"));
        Some(cluster)
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn command(&self, tool: &str) -> Command {
        let exe = self.bin.join(tool);
        match &self.run_as {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.args(["-u", user, "--"]).arg(exe);
                c
            }
            None => Command::new(exe),
        }
    }

    fn pg_ctl_start(&self) -> Result<(), String> {
        let out = self
            .command("pg_ctl")
            .arg("-D")
            .arg(self.data())
            .arg("-l")
            .arg(self.dir.path().join("server.log"))
            .args(["-w", "-t", "120", "-o"])
            .arg(format!("-p {} {}", self.port, self.options))
            .arg("start")
            .output()
            .map_err(|e| format!("pg_ctl: {e}"))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "pg_ctl start failed: {}; log: {}",
                String::from_utf8_lossy(&out.stderr),
                std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
            ))
        }
    }

    /// The port it listens on (127.0.0.1).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Its temporary folder (the socket, the log, the data).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// `postgres://USER@127.0.0.1:PORT/lab` with `?sslmode=` if given.
    pub fn url(&self, user: &str, sslmode: Option<&str>) -> String {
        let mut u = format!("postgres://{user}@127.0.0.1:{}/{DATABASE}", self.port);
        if let Some(m) = sslmode {
            u.push_str("?sslmode=");
            u.push_str(m);
        }
        u
    }

    /// Stops the server (fast shutdown: sessions are cut off).
    pub fn stop(&self) {
        check(
            "pg_ctl stop",
            self.command("pg_ctl")
                .arg("-D")
                .arg(self.data())
                .args(["-m", "fast", "-w", "stop"])
                .output(),
        );
    }

    /// Starts it again on the same port.
    pub fn restart(&self) {
        self.pg_ctl_start().unwrap_or_else(|e| panic!("{e}"));
    }

    /// A connection as the superuser to the lab database, through the
    /// socket in the cluster's folder (trusted, and plain even when TCP
    /// needs TLS).
    pub fn superuser(&self) -> Sql {
        Sql::over_socket(self.dir.path(), self.port, DATABASE)
            .or_else(|_| Sql::over_socket(self.dir.path(), self.port, "postgres"))
            .unwrap_or_else(|e| panic!("connecting to the test cluster: {e}"))
    }

    /// The server's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self
            .command("pg_ctl")
            .arg("-D")
            .arg(self.data())
            .args(["-m", "immediate", "-w", "stop"])
            .output();
    }
}

/// A blocking SQL connection for checks (no TLS; the test cluster is local).
pub struct Sql {
    runtime: Runtime,
    client: Client,
}

impl std::fmt::Debug for Sql {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sql").finish_non_exhaustive()
    }
}

impl Sql {
    /// Connects to `db` on 127.0.0.1:`port` as `user`.
    pub fn connect(
        port: u16,
        user: &str,
        password: &str,
        db: &str,
    ) -> Result<Self, tokio_postgres::Error> {
        let mut config = tokio_postgres::Config::new();
        config
            .host("127.0.0.1")
            .port(port)
            .user(user)
            .password(password)
            .dbname(db);
        Self::with(config)
    }

    /// Connects to `db` as the superuser through the socket in `dir`.
    pub fn over_socket(dir: &Path, port: u16, db: &str) -> Result<Self, tokio_postgres::Error> {
        let mut config = tokio_postgres::Config::new();
        config.host_path(dir).port(port).user(SUPERUSER).dbname(db);
        Self::with(config)
    }

    fn with(config: tokio_postgres::Config) -> Result<Self, tokio_postgres::Error> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        let client = runtime.block_on(async {
            let (client, conn) = config.connect(NoTls).await?;
            tokio::spawn(async move {
                let _ = conn.await;
            });
            Ok::<_, tokio_postgres::Error>(client)
        })?;
        Ok(Self { runtime, client })
    }

    /// Runs a query.
    pub fn query(&self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Vec<Row> {
        self.try_query(sql, params)
            .unwrap_or_else(|e| panic!("{sql}: {e:?}"))
    }

    /// Runs a query, returning its error.
    pub fn try_query(
        &self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<Row>, tokio_postgres::Error> {
        self.runtime.block_on(self.client.query(sql, params))
    }

    /// A count (`SELECT count(*) ...`) or any single bigint.
    pub fn count(&self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> i64 {
        self.query(sql, params)[0].get(0)
    }

    /// Creates or migrates the schema, as an export's first connection does.
    pub fn migrate(&mut self) {
        self.runtime
            .block_on(crate::schema::migrate(&mut self.client))
            .unwrap_or_else(|e| panic!("migrating: {e}"));
    }

    /// Runs statements without results.
    pub fn batch(&self, sql: &str) {
        self.runtime
            .block_on(self.client.batch_execute(sql))
            .unwrap_or_else(|e| panic!("{sql}: {e:?}"));
    }
}

/// Records the synthetic session `spec` into `store` for `athlete`, as a
/// recorder would (interrupted ones are marked so when the store is next
/// opened), and returns its id.
pub fn record(
    store: &erglink_store::Store,
    spec: &erglink_normalize::fixtures::Spec,
    athlete: &str,
) -> erglink_model::SessionId {
    let mut syn = erglink_normalize::fixtures::synthesize(spec);
    syn.session.tags.athlete = Some(athlete.to_string());
    erglink_export::record_synthetic(store, &syn, 500).expect("recording a synthetic session")
}

/// A session's rows in the store, per table, as [`crate::RowCounts`].
pub fn store_counts(
    store: &erglink_store::Store,
    id: &erglink_model::SessionId,
) -> crate::RowCounts {
    let r = store.reader().expect("a reader");
    crate::RowCounts {
        samples: r.samples(id).unwrap().count() as u64,
        strokes: r.strokes(id).unwrap().count() as u64,
        force_curves: r.force_curves(id).unwrap().count() as u64,
        splits: r.splits(id).unwrap().count() as u64,
        gaps: r.gaps(id).unwrap().count() as u64,
    }
}

impl Sql {
    /// A session's rows in the database, per table.
    pub fn counts(&self, id: &str) -> crate::RowCounts {
        let n = |table: &str| {
            self.count(
                &format!("SELECT count(*) FROM erglink.{table} WHERE session_id = $1"),
                &[&id],
            ) as u64
        };
        crate::RowCounts {
            samples: n("samples"),
            strokes: n("strokes"),
            force_curves: n("force_curves"),
            splits: n("splits"),
            gaps: n("gaps"),
        }
    }
}
