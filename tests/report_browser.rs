//! Issue [4/7] in a real browser (headless Chromium through Debian's
//! chromedriver; `tools/test` installs them, CI fails without them):
//! `erglink report` on the demo's session, and serve's pages behind HTTP
//! Basic, each loading with no console error and no request leaving the
//! machine, with one chart point per stroke and one force curve per
//! complete curve stored. Screenshots go to target/test-artifacts/.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, ChildStderr, Command, Output, Stdio};

use erglink_browser_test::Browser;
use erglink_store::Store;
use serde_json::Value;

const DEV_ID: &str = "lab";
const KEY_VAR: &str = "ERGLINK_TEST_PAGES_KEY";
const KEY: &str = "pages-s3cret";

fn erglink(args: &[&str], home: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_erglink"))
        .args(args)
        .env("HOME", home)
        .env_remove("ERGLINK_DB")
        .env("XDG_DATA_HOME", home.join("data"))
        .current_dir(home)
        .output()
        .unwrap()
}

fn ok(out: &Output) {
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// What the store holds for a session: strokes, complete and incomplete curves.
fn stored(db: &Path, id: &str) -> (usize, usize, usize) {
    let store = Store::open(db).unwrap();
    let r = store.reader().unwrap();
    let id = r.resolve(id).unwrap();
    let strokes = r.strokes(&id).unwrap().count();
    let curves: Vec<_> = r.force_curves(&id).unwrap().map(Result::unwrap).collect();
    let complete = curves.iter().filter(|c| c.complete).count();
    (strokes, complete, curves.len() - complete)
}

fn session_ids(db: &Path) -> Vec<String> {
    let store = Store::open(db).unwrap();
    let mut s = store.reader().unwrap().sessions().unwrap();
    s.sort_by_key(|s| s.started_at);
    s.iter().map(|s| s.id.to_string()).collect()
}

async fn attr(browser: &Browser, selector: &str, name: &str) -> String {
    let e = browser.wait_for(selector).await.unwrap();
    e.attr(name)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("{selector} has no {name}"))
}

/// The page loaded, drew, logged no error and fetched nothing from off the machine.
async fn clean(browser: &Browser, what: &str) {
    browser.wait_for("body[data-ready]").await.unwrap();
    let errors = browser.console_errors().await.unwrap();
    assert!(errors.is_empty(), "{what}: console errors {errors:?}");
    let foreign = browser.foreign_requests().await.unwrap();
    assert!(
        foreign.is_empty(),
        "{what}: requests leaving the machine {foreign:?}"
    );
}

/// Each time chart has one point per stroke, in its data and in uPlot's.
async fn one_point_per_stroke(browser: &Browser, charts: &[&str], strokes: usize) {
    for chart in charts {
        let points = attr(browser, &format!("#chart-{chart}"), "data-points").await;
        assert_eq!(points, strokes.to_string(), "{chart}");
        let canvas = browser
            .run_js(&format!(
                "return document.querySelectorAll('#chart-{chart} canvas').length;"
            ))
            .await
            .unwrap();
        assert_eq!(canvas, Value::from(1), "{chart} is drawn by uPlot");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_report_renders_offline_with_every_stroke_and_curve() {
    let Some(browser) =
        Browser::launch_or_skip("the_demo_report_renders_offline_with_every_stroke_and_curve")
            .await
            .unwrap()
    else {
        return;
    };
    let home = tempfile::tempdir().unwrap();
    let db = home.path().join("e.db");
    let db_arg = db.to_str().unwrap();
    ok(&erglink(&["demo", "--db", db_arg], home.path()));
    let id = session_ids(&db).remove(0);
    let (strokes, complete, incomplete) = stored(&db, &id);
    assert!(
        strokes > 100 && complete > 100,
        "{strokes} strokes, {complete} curves"
    );

    // Default name <id>.html; no overwrite without --force.
    ok(&erglink(&["report", &id[..6], "--db", db_arg], home.path()));
    let file = home.path().join(format!("{id}.html"));
    let again = erglink(&["report", &id, "--db", db_arg], home.path());
    assert_eq!(again.status.code(), Some(2));
    let err = String::from_utf8_lossy(&again.stderr);
    assert!(
        err.starts_with("erglink: cannot write") && err.contains("--force"),
        "{err}"
    );
    ok(&erglink(
        &["report", &id, "--db", db_arg, "--force"],
        home.path(),
    ));
    let to_stdout = erglink(&["report", &id, "--db", db_arg, "-o", "-"], home.path());
    ok(&to_stdout);
    let html = std::fs::read(&file).unwrap();
    assert_eq!(to_stdout.stdout, html);
    assert!(html.len() < 5_000_000);

    browser.set_window_size(1280, 2900).await.unwrap();
    let url = format!("file://{}", file.display());
    browser.open(&url).await.unwrap();
    clean(&browser, "report").await;
    // Nothing fetched but the file itself (and data: URLs inside it).
    let fetched: Vec<_> = browser
        .requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| !r.url.starts_with("chrome") && !r.url.starts_with("data:"))
        .collect();
    assert_eq!(fetched.len(), 1, "{fetched:?}");
    assert_eq!(fetched[0].url, url);

    one_point_per_stroke(&browser, &["pace", "power", "rate", "hr"], strokes).await;
    let drawn = browser
        .run_js("return erglink.charts.pace.data[0].length - erglink.data.points.breaks;")
        .await
        .unwrap();
    assert_eq!(drawn, Value::from(strokes));
    assert_eq!(
        attr(&browser, "#force-all", "data-curves").await,
        complete.to_string()
    );
    assert_eq!(
        attr(&browser, "#force-all", "data-incomplete").await,
        incomplete.to_string()
    );
    let series = browser
        .run_js("return erglink.charts.force.series.length;")
        .await
        .unwrap();
    // x, every curve, a mean per split, the session's mean.
    let splits = browser
        .run_js("return erglink.data.force.groups.length;")
        .await
        .unwrap();
    assert_eq!(
        series.as_u64().unwrap(),
        1 + (complete + incomplete) as u64 + splits.as_u64().unwrap() + 1
    );
    let small = browser
        .run_js("return document.querySelectorAll('[id^=force-split-] canvas').length;")
        .await
        .unwrap();
    assert_eq!(
        small,
        Value::from(4),
        "one small chart per 500 m split of the demo's 2000 m"
    );
    assert_eq!(splits, Value::from(4));
    let page_text = browser
        .run_js("return document.body.innerText;")
        .await
        .unwrap();
    let text = page_text.as_str().unwrap();
    assert!(text.contains("lbf (unit unconfirmed)"), "force unit named");
    assert!(text.contains("simulated"));
    let open = browser
        .run_js("return document.querySelector('#strokes details').open;")
        .await
        .unwrap();
    assert_eq!(
        open,
        Value::Bool(false),
        "the stroke table starts collapsed"
    );
    let shot = browser.screenshot("report-demo").await.unwrap();
    assert!(std::fs::metadata(&shot).unwrap().len() > 10_000);

    // Against distance: the same points, still no error.
    browser
        .wait_for("button[data-x-mode=d]")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser.wait_for("body[data-x=d]").await.unwrap();
    one_point_per_stroke(&browser, &["pace", "power", "rate", "hr"], strokes).await;
    clean(&browser, "report against distance").await;
    browser.screenshot("report-demo-distance").await.unwrap();
    browser.quit().await.unwrap();
}

struct Serving {
    child: Child,
    addr: String,
    _stderr: Option<BufReader<ChildStderr>>,
}

impl Serving {
    fn start(db: &Path, home: &Path) -> Self {
        let child = Command::new(env!("CARGO_BIN_EXE_erglink"))
            .args([
                "serve",
                "--db",
                db.to_str().unwrap(),
                "--listen",
                "127.0.0.1:0",
            ])
            .args(["--dev-id", DEV_ID, "--api-key-env", KEY_VAR])
            .env(KEY_VAR, KEY)
            .env("HOME", home)
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut serving = Self {
            child,
            addr: String::new(),
            _stderr: None,
        };
        let mut stderr = BufReader::new(serving.child.stderr.take().unwrap());
        let mut line = String::new();
        loop {
            line.clear();
            assert!(
                stderr.read_line(&mut line).unwrap() > 0,
                "serve ended before listening"
            );
            if let Some(addr) = line.trim().strip_prefix("listening on http://") {
                serving.addr = addr.to_string();
                serving._stderr = Some(stderr);
                return serving;
            }
        }
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn status_of(addr: &str, target: &str, auth: Option<&str>) -> u16 {
    let mut s = TcpStream::connect(addr).unwrap();
    let auth = auth.map_or(String::new(), |a| format!("authorization: {a}\r\n"));
    write!(
        s,
        "GET {target} HTTP/1.1\r\nHost: x\r\n{auth}Connection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out[9..12].parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_pages_list_show_and_compare_behind_basic_auth() {
    let Some(browser) =
        Browser::launch_or_skip("serve_pages_list_show_and_compare_behind_basic_auth")
            .await
            .unwrap()
    else {
        return;
    };
    let home = tempfile::tempdir().unwrap();
    let db = home.path().join("e.db");
    let db_arg = db.to_str().unwrap();
    ok(&erglink(&["demo", "--db", db_arg], home.path()));
    ok(&erglink(
        &[
            "record",
            "--device",
            "sim:pm5?workout=500m&machine=skierg",
            "--machine",
            "skierg",
            "--db",
            db_arg,
            "--until",
            "finished",
            "--athlete",
            "Ada",
        ],
        home.path(),
    ));
    let ids = session_ids(&db);
    assert_eq!(ids.len(), 2);
    let serving = Serving::start(&db, home.path());
    let addr = serving.addr.clone();
    let basic = format!(
        "Basic {}",
        erglink_serve::auth::basic::encode_base64(format!("{DEV_ID}:{KEY}").as_bytes())
    );
    for page in ["/", &format!("/sessions/{}", ids[0]), "/assets/uplot.js"] {
        assert_eq!(
            status_of(&addr, page, None),
            401,
            "{page} without credentials"
        );
        assert_eq!(
            status_of(&addr, page, Some(&basic)),
            200,
            "{page} with them"
        );
    }
    browser
        .set_extra_headers(&[("Authorization", &basic)])
        .await
        .unwrap();
    browser.set_window_size(1280, 1400).await.unwrap();
    let base = format!("http://{addr}");

    browser.open(&format!("{base}/")).await.unwrap();
    clean(&browser, "/").await;
    assert_eq!(attr(&browser, "#count", "data-sessions").await, "2");
    // Newest first: the SkiErg row was recorded second.
    let first = attr(&browser, "#sessions tbody tr", "data-session").await;
    assert_eq!(first, ids[1]);
    browser.screenshot("serve-index").await.unwrap();
    browser
        .open(&format!("{base}/?athlete=Ada&machine=SkiErg"))
        .await
        .unwrap();
    clean(&browser, "/ filtered").await;
    assert_eq!(attr(&browser, "#count", "data-sessions").await, "1");
    browser
        .open(&format!("{base}/?machine=BikeErg"))
        .await
        .unwrap();
    assert_eq!(attr(&browser, "#count", "data-sessions").await, "0");

    for (i, id) in ids.iter().enumerate() {
        let (strokes, complete, incomplete) = stored(&db, id);
        browser
            .open(&format!("{base}/sessions/{id}"))
            .await
            .unwrap();
        clean(&browser, &format!("/sessions/{id}")).await;
        one_point_per_stroke(&browser, &["pace", "power", "rate", "hr"], strokes).await;
        assert_eq!(
            attr(&browser, "#force-all", "data-curves").await,
            complete.to_string()
        );
        assert_eq!(
            attr(&browser, "#force-all", "data-incomplete").await,
            incomplete.to_string()
        );
        browser
            .screenshot(&format!("serve-session-{i}"))
            .await
            .unwrap();
    }
    let text = browser
        .run_js("return document.body.innerText;")
        .await
        .unwrap();
    assert!(text.as_str().unwrap().contains("SkiErg"));

    browser
        .open(&format!("{base}/compare?a={}&b={}", ids[0], ids[1]))
        .await
        .unwrap();
    clean(&browser, "/compare").await;
    let both = stored(&db, &ids[0]).0 + stored(&db, &ids[1]).0;
    assert_eq!(
        attr(&browser, "#chart-pace", "data-points").await,
        both.to_string()
    );
    assert_eq!(
        attr(&browser, "#chart-power", "data-points").await,
        both.to_string()
    );
    assert_eq!(attr(&browser, "#force-all", "data-means").await, "2");
    let requests = browser.requests().await.unwrap();
    assert!(
        requests
            .iter()
            .any(|r| r.url == format!("{base}/assets/uplot.js")),
        "pages link the one uPlot: {requests:?}"
    );
    browser.screenshot("serve-compare").await.unwrap();
    browser.quit().await.unwrap();
    drop(serving);
}

/// Sessions the demo does not make: a BikeErg (no curves, pace per 1000 m),
/// SkiErg intervals that were interrupted (gaps, rests), and two hours in
/// splits (3 000-odd strokes and curves, 15 small multiples).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bikes_gaps_rests_and_two_hours_render_cleanly() {
    use erglink_model::Machine;
    use erglink_normalize::fixtures::{Plan, Spec, synthesize};

    let Some(browser) = Browser::launch_or_skip("bikes_gaps_rests_and_two_hours_render_cleanly")
        .await
        .unwrap()
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "bikeerg",
            Spec {
                machine: Machine::BikeErg,
                ..Spec::row_2k()
            },
        ),
        (
            "skierg-intervals-interrupted",
            Spec {
                machine: Machine::SkiErg,
                plan: Plan::Intervals {
                    count: 4,
                    metres: 500,
                    rest_s: 60,
                },
                interrupted: true,
                ..Spec::row_2k()
            },
        ),
        (
            "rowerg-2h",
            Spec {
                plan: Plan::Distance {
                    metres: 30_000,
                    split_m: 2000,
                },
                ..Spec::row_2k()
            },
        ),
    ];
    for (name, spec) in cases {
        let s = synthesize(&spec);
        let d = erglink_report::SessionData {
            session: s.session,
            samples: s.samples,
            strokes: s.strokes,
            force_curves: s.force_curves,
            splits: s.splits,
            gaps: s.gaps,
        };
        let html = erglink_report::report(&d, &erglink_report::Assets::Inline).unwrap();
        let file = dir.path().join(format!("{name}.html"));
        std::fs::write(&file, html).unwrap();
        browser.set_window_size(1280, 2000).await.unwrap();
        browser
            .open(&format!("file://{}", file.display()))
            .await
            .unwrap();
        clean(&browser, name).await;
        one_point_per_stroke(&browser, &["pace", "power", "rate", "hr"], d.strokes.len()).await;
        // Every break is a null in what uPlot draws, never a joined line.
        let nulls = browser
            .run_js("return erglink.charts.pace.data[1].filter(v => v === null).length;")
            .await
            .unwrap();
        let breaks = browser
            .run_js("return erglink.data.points.breaks;")
            .await
            .unwrap();
        assert!(
            nulls.as_u64() >= breaks.as_u64(),
            "{name}: {nulls} nulls, {breaks} breaks"
        );
        let text = browser
            .run_js("return document.body.innerText;")
            .await
            .unwrap();
        let text = text.as_str().unwrap();
        match name {
            "bikeerg" => {
                assert!(
                    text.contains("/1000m") && text.contains("Cadence (rpm)"),
                    "{name}"
                );
                browser.wait_for("#force-none").await.unwrap();
            }
            "skierg-intervals-interrupted" => {
                let rests = browser
                    .run_js("return erglink.data.bands.filter(b => b.kind === 'rest').length;")
                    .await
                    .unwrap();
                let with_rest = d.splits.iter().filter(|s| s.rest_time_cs.is_some()).count();
                assert!(
                    with_rest >= 2 && !d.gaps.is_empty(),
                    "the fixture has rests and gaps"
                );
                assert_eq!(rests, Value::from(with_rest));
                assert!(
                    breaks.as_u64().unwrap() >= (d.gaps.len() + with_rest) as u64,
                    "every gap and rest breaks the line: {breaks}"
                );
            }
            _ => {
                let complete = d.force_curves.iter().filter(|c| c.complete).count();
                assert_eq!(
                    attr(&browser, "#force-all", "data-curves").await,
                    complete.to_string()
                );
                let small = browser
                    .run_js("return document.querySelectorAll('[id^=force-split-] canvas').length;")
                    .await
                    .unwrap();
                assert_eq!(small, Value::from(d.splits.len()));
            }
        }
        browser.screenshot(&format!("report-{name}")).await.unwrap();
        // Against distance too: intervals restart the PM's distance, the
        // axis must still only go forward.
        browser
            .run_js("document.querySelector('button[data-x-mode=d]').click();")
            .await
            .unwrap();
        browser.wait_for("body[data-x=d]").await.unwrap();
        let ascending = browser
            .run_js("const x = erglink.charts.pace.data[0]; return x.every((v, i) => i === 0 || x[i - 1] <= v);")
            .await
            .unwrap();
        assert_eq!(ascending, Value::Bool(true), "{name}");
        clean(&browser, &format!("{name} against distance")).await;
    }
    browser.quit().await.unwrap();
}
