//! Following a session while it is recorded (issue 17): reads that start
//! where the last one stopped, beside the writer.

use erglink_store::{Store, WriterOptions, test_utils};

#[test]
fn reads_from_a_cursor_see_each_row_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("erglink.db")).unwrap();
    let writer = store.writer(WriterOptions::default()).unwrap();
    let other = writer.begin_session(test_utils::new_session(2)).unwrap();
    writer.send(&other, test_utils::batch(0, 300)).unwrap();
    let id = writer.begin_session(test_utils::new_session(1)).unwrap();
    let reader = store.reader().unwrap();
    let recording: Vec<_> = reader
        .sessions_recording()
        .unwrap()
        .into_iter()
        .map(|s| s.id)
        .collect();
    // Oldest first: seed 1 starts before seed 2.
    assert_eq!(recording, [id.clone(), other.clone()]);
    let (mut samples, mut strokes, mut curves) = (Vec::new(), Vec::new(), Vec::new());
    for step in 0..10u64 {
        writer
            .send(&id, test_utils::batch(step * 100, 100))
            .unwrap();
        writer.flush().unwrap();
        let n = samples.len() as u64;
        samples.extend(reader.samples_from(&id, n).unwrap().map(Result::unwrap));
        let k = strokes.len() as u32;
        strokes.extend(reader.strokes_from(&id, k).unwrap().map(Result::unwrap));
        let c = curves.len() as u32;
        curves.extend(
            reader
                .force_curves_from(&id, c)
                .unwrap()
                .map(Result::unwrap),
        );
    }
    let all: Vec<_> = reader.samples(&id).unwrap().map(Result::unwrap).collect();
    assert_eq!(samples.len(), 1000);
    assert_eq!(samples, all);
    let all_strokes: Vec<_> = reader.strokes(&id).unwrap().map(Result::unwrap).collect();
    assert!(!all_strokes.is_empty());
    assert_eq!(strokes, all_strokes);
    assert_eq!(curves.len(), all_strokes.len());
    assert_eq!(reader.samples_from(&id, 1000).unwrap().count(), 0);
    assert_eq!(reader.samples_from(&id, 999).unwrap().count(), 1);
    writer
        .finish_session(&other, test_utils::session_end(2, 300))
        .unwrap();
    writer.flush().unwrap();
    let recording: Vec<_> = reader
        .sessions_recording()
        .unwrap()
        .into_iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(recording, [id]);
    writer.close().unwrap();
}
