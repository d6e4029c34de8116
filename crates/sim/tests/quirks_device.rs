//! The device as the transport sees it under `descriptor=`, and the ground
//! truth a recording is checked against.

mod common;

use common::Host;
use erglink_csafe::command::*;
use erglink_sim::{
    DescriptorQuirk, Machine, Model, SimConfig, SimError, Simulator, report_descriptor,
    report_sizes,
};

const MS: u64 = 1_000_000;
const S: u64 = 1_000_000_000;

fn sim(model: &str, query: &str) -> Simulator {
    Simulator::new(SimConfig::parse(model, query).unwrap())
}

/// GETSTATUS in report `id` of `len` CSAFE bytes.
fn get_status(id: u8, len: usize) -> Vec<u8> {
    let mut r = vec![0u8; len + 1];
    r[0] = id;
    r[1..5].copy_from_slice(&[0xF1, 0x80, 0x80, 0xF2]);
    r
}

#[test]
fn the_descriptor_offered_and_the_reports_it_has() {
    for (value, q, sizes) in [
        (
            "spec",
            DescriptorQuirk::Spec,
            vec![(1, 20), (2, 120), (4, 62)],
        ),
        ("no2", DescriptorQuirk::No2, vec![(1, 20), (4, 62)]),
        (
            "partial",
            DescriptorQuirk::Partial,
            vec![(1, 20), (2, 120), (4, 62)],
        ),
        (
            "500",
            DescriptorQuirk::Report4At500,
            vec![(1, 20), (2, 120), (4, 500)],
        ),
    ] {
        for (model, m) in [
            ("pm3", Model::Pm3),
            ("pm4", Model::Pm4),
            ("pm5", Model::Pm5),
        ] {
            let s = sim(model, &format!("descriptor={value}"));
            assert_eq!(s.report_descriptor(), report_descriptor(m, q), "{value}");
            // A PM5 behind a partial descriptor has the 500-byte report 4
            // that a host falls back to for a PM5.
            let mut sizes = sizes.clone();
            if m == Model::Pm5 && q == DescriptorQuirk::Partial {
                sizes[2].1 = 500;
            }
            assert_eq!(s.identity().report_sizes, sizes, "{model} {value}");
            assert_eq!(report_sizes(m, q), sizes);
        }
    }
    assert_eq!(
        sim("pm5", "").report_descriptor(),
        report_descriptor(Model::Pm5, DescriptorQuirk::Spec)
    );
    let partial = report_descriptor(Model::Pm5, DescriptorQuirk::Partial);
    assert!(
        partial
            .windows(5)
            .any(|w| w == [0xFE, 0x02, 0x95, 0x78, 0x00])
    );
}

#[test]
fn without_report_2_writes_to_it_are_refused() {
    let mut s = sim("pm5", "descriptor=no2");
    assert!(matches!(
        s.write_report(0, &get_status(2, 120)),
        Err(SimError::UnknownReport { id: 2, .. })
    ));
    for (id, len) in [(1, 20), (4, 62)] {
        s.write_report(S, &get_status(id, len)).unwrap();
        let (_, reply) = s.read_report(2 * S).unwrap();
        assert_eq!((reply[0], reply.len()), (id, len + 1));
    }
}

#[test]
fn a_500_byte_report_4_costs_eight_packets_each_way() {
    let mut s = sim("pm3", "descriptor=500");
    s.write_report(S, &get_status(4, 500)).unwrap();
    let (at, reply) = s.read_report(2 * S).unwrap();
    assert_eq!(reply.len(), 501);
    assert_eq!(at - S, 8 * 4 * MS + 2 * MS + 8 * 8 * MS);
    assert_eq!(s.bus_limit(4).exchange_ns, 98 * MS);
    assert_eq!(sim("pm5", "").bus_limit(4).exchange_ns, 14 * MS, "62 bytes");
}

/// Rows a 500 m piece polling stroke state and draining force curves.
fn row_500m(model: &str, query: &str) -> Host {
    let mut host = Host::new(model, &format!("workout=500m&{query}"));
    while host.now < 200 * S {
        host.exchange(&[
            PmGetStrokeState {}.into(),
            PmGetForcePlotData { block_len: 32 }.into(),
        ]);
    }
    host
}

#[test]
fn ground_truth_for_a_recording() {
    for (model, m) in [
        ("pm3", Model::Pm3),
        ("pm4", Model::Pm4),
        ("pm5", Model::Pm5),
    ] {
        for (name, machine) in [
            ("rower", Machine::Rower),
            ("skierg", Machine::SkiErg),
            ("bikeerg", Machine::BikeErg),
        ] {
            let host = row_500m(model, &format!("machine={name}&model_byte=5"));
            let truth = host.sim.ground_truth();
            assert_eq!((truth.model, truth.machine), (m, machine));
            let counted: Vec<_> = truth.strokes_counted().collect();
            assert_eq!(counted.len(), truth.counted_strokes(0).count());
            assert!(counted.len() > 20, "{model} {name}: {}", counted.len());
            let curves: Vec<_> = truth.curves_published().collect();
            assert_eq!(
                curves.len(),
                counted.len(),
                "the piece ends on a whole stroke"
            );
            for s in &curves {
                assert!(!s.force_curve.is_empty());
                assert!(s.curve_published_ns.unwrap() == s.drive_end_ns);
                let pace = s.published_pace_500m_s();
                assert!((pace / s.pace_500m_s - 1.0).abs() < 0.001, "{pace}");
            }
        }
    }
}

#[test]
fn a_stroke_cut_short_in_its_drive_publishes_no_curve() {
    let mut host = Host::new("pm5", "start=1");
    host.exchange(&erglink_csafe::workout::fixed_distance(2000, 500).unwrap())
        .unwrap();
    // Terminate during a drive.
    loop {
        let r = host.exchange(&[PmGetStrokeState {}.into()]).unwrap();
        if host.now > 20 * S
            && r.get::<PmGetStrokeState>().unwrap().stroke_state
                == erglink_csafe::StrokeState::Driving
        {
            break;
        }
    }
    host.exchange(&erglink_csafe::workout::terminate()).unwrap();
    let truth = host.sim.ground_truth();
    let last = truth.strokes.last().unwrap();
    assert_eq!(last.curve_published_ns, None);
    assert_eq!(last.stats_published_ns, None);
    assert_eq!(truth.curves_published().count(), truth.strokes.len() - 1);
}
