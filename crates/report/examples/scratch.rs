use erglink_model::Machine;
use erglink_normalize::fixtures::{Plan, Spec, synthesize};
fn main() {
    for (name, spec) in [
        (
            "2h",
            Spec {
                plan: Plan::Distance {
                    metres: 30_000,
                    split_m: 2000,
                },
                ..Spec::row_2k()
            },
        ),
        (
            "bike",
            Spec {
                machine: Machine::BikeErg,
                ..Spec::row_2k()
            },
        ),
        (
            "intervals",
            Spec {
                plan: Plan::Intervals {
                    count: 4,
                    metres: 500,
                    rest_s: 60,
                },
                interrupted: true,
                machine: Machine::SkiErg,
                ..Spec::row_2k()
            },
        ),
    ] {
        let s = synthesize(&spec);
        let d = erglink_report::SessionData {
            session: s.session,
            samples: s.samples,
            strokes: s.strokes,
            force_curves: s.force_curves,
            splits: s.splits,
            gaps: s.gaps,
        };
        std::fs::write(
            format!("/tmp/rep/{name}.html"),
            erglink_report::report(&d, &erglink_report::Assets::Inline).unwrap(),
        )
        .unwrap();
    }
}
