use erglink_model::Machine;
use erglink_normalize::fixtures::{Plan, Spec, synthesize};
fn main() {
    let s = synthesize(&Spec {
        machine: Machine::SkiErg,
        plan: Plan::Intervals {
            count: 4,
            metres: 500,
            rest_s: 60,
        },
        interrupted: true,
        ..Spec::row_2k()
    });
    for sp in &s.splits {
        println!(
            "{:?} {} {}..{} rest {:?}",
            sp.kind,
            sp.index,
            sp.start_ns / 1_000_000_000,
            sp.end_ns / 1_000_000_000,
            sp.rest_time_cs
        );
    }
    println!("gaps {:?}", s.gaps);
    println!(
        "strokes {} last {}",
        s.strokes.len(),
        s.strokes.last().unwrap().end_ns / 1_000_000_000
    );
}
