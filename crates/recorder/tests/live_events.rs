//! Live events (issue 17): everything the store gets, published as it is
//! captured, on a channel the recorder never waits on.

mod common;

use common::{Rig, record_one, until_finished};
use erglink_model::{LiveData, SessionState};
use erglink_recorder::{LivePublisher, Options};

#[test]
fn every_stroke_curve_split_and_sample_is_published_once_in_order() {
    let rig = Rig::new();
    let (publisher, mut rx) = LivePublisher::channel(1 << 20);
    let options = Options {
        live_events: Some(publisher.clone()),
        ..until_finished()
    };
    let (_r, sessions) = record_one(&rig, "workout=1000m&seed=3", options);
    assert_eq!(sessions.len(), 1);
    let id = &sessions[0].id;
    let mut events = Vec::new();
    while let Ok(e) = rx.try_recv() {
        events.push(e);
    }
    assert_eq!(publisher.dropped(), 0);
    assert_eq!(events.len() as u64, publisher.published());
    assert!(matches!(events[0].data, LiveData::SessionStart));
    assert!(matches!(
        events.last().unwrap().data,
        LiveData::SessionEnd(SessionState::Complete)
    ));
    assert!(events.iter().all(|e| &e.session.id == id));
    assert!(events.iter().all(|e| e.replied_at.is_some()));
    let reader = rig.store.reader().unwrap();
    let stored_samples: Vec<_> = reader.samples(id).unwrap().map(Result::unwrap).collect();
    let stored_strokes: Vec<_> = reader.strokes(id).unwrap().map(Result::unwrap).collect();
    let stored_curves: Vec<_> = reader
        .force_curves(id)
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let stored_splits: Vec<_> = reader.splits(id).unwrap().map(Result::unwrap).collect();
    let samples: Vec<_> = events
        .iter()
        .filter_map(|e| match &e.data {
            LiveData::Sample(s) => Some(*s),
            _ => None,
        })
        .collect();
    let strokes: Vec<_> = events
        .iter()
        .filter_map(|e| match &e.data {
            LiveData::Stroke { stroke, .. } => Some(*stroke),
            _ => None,
        })
        .collect();
    let curves: Vec<_> = events
        .iter()
        .filter_map(|e| match &e.data {
            LiveData::ForceCurve(c) => Some(c.clone()),
            _ => None,
        })
        .collect();
    let splits = events
        .iter()
        .filter(|e| matches!(e.data, LiveData::Split(_)))
        .count();
    assert_eq!(samples, stored_samples);
    assert_eq!(strokes, stored_strokes);
    assert_eq!(curves, stored_curves);
    assert!(strokes.len() > 100, "{} strokes", strokes.len());
    // Splits are finalised in the store after the end (calories, the last
    // one made to add up); live ones are the PM's as they came.
    assert_eq!(splits, stored_splits.len());
}

#[test]
fn a_full_channel_costs_the_recording_nothing() {
    let rig = Rig::new();
    // Nobody reads: after 8 events every one is dropped.
    let (publisher, _rx) = LivePublisher::channel(8);
    let options = Options {
        live_events: Some(publisher.clone()),
        ..until_finished()
    };
    let (_r, sessions) = record_one(&rig, "workout=500m&seed=4", options);
    let s = &sessions[0];
    assert!(s.workout_finished);
    assert_eq!(publisher.published(), 8);
    assert!(publisher.dropped() > s.samples, "{publisher:?}");
    let stored = rig.store.reader().unwrap().session(&s.id).unwrap();
    assert_eq!(stored.counts.samples, s.samples);
    assert_eq!(stored.counts.strokes, s.strokes);
    assert_eq!(stored.counts.force_curves, s.curves.0);
}
