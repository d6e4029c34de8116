//! Eight simulated monitors at once, through the tokio recorder (issue [6/8]).

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use erglink_recorder::{Live, Options, Target, Until, record};
use erglink_store::{Store, WriterOptions};
use erglink_transport::DeviceSelector;

#[test]
fn eight_monitors_each_complete() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("erglink.db")).unwrap();
    let writer = Arc::new(store.writer(WriterOptions::default()).unwrap());
    let selectors: Vec<DeviceSelector> = (1..=8)
        .map(|i| {
            DeviceSelector::parse(&format!(
                "sim:pm5?workout=1000m&spm={}&pace=1:5{i}&seed={i}",
                24 + i
            ))
            .unwrap()
        })
        .collect();
    let options = Options {
        until: Until::Finished,
        ..Options::default()
    };
    let live = Live::default();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (sessions, errors) = rt.block_on(record(
        Target::Devices(selectors),
        writer.clone(),
        options,
        live.clone(),
        Arc::new(AtomicBool::new(false)),
    ));
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(sessions.len(), 8);
    Arc::try_unwrap(writer).unwrap().close().unwrap();
    let reader = store.reader().unwrap();
    let mut serials = std::collections::HashSet::new();
    for s in &sessions {
        assert!(s.workout_finished);
        // The last stroke may be cut by the finish line before its drive ends.
        assert!(
            s.curves.0 + 1 >= s.strokes,
            "a curve for every stroke: {} for {}",
            s.curves.0,
            s.strokes
        );
        assert_eq!(s.curves.1, s.curves.0, "every curve whole");
        assert!(s.achieved_hz > 0.9 * 38.46, "{:.1} Hz", s.achieved_hz);
        let stored = reader.session(&s.id).unwrap();
        assert_eq!(stored.counts.samples, s.samples);
        assert!((9_950..=10_050).contains(&stored.counts.last_distance_dm.unwrap()));
        serials.insert(stored.monitor.unwrap().serial);
    }
    assert_eq!(serials.len(), 8, "eight different monitors");
    assert_eq!(live.lock().unwrap().len(), 8);
}
