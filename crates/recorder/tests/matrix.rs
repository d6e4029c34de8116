//! The quirk matrix (issue [1/7]): every reading of every unknown the
//! simulator can play, alone on PM3, PM4 and PM5 and on RowErg, SkiErg and
//! BikeErg, plus three combined worst cases; each cell a 500 m piece at
//! `pacing=max`, checked against the simulator's ground truth.

mod common;

use std::any::Any;
use std::panic::AssertUnwindSafe;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::matrix::{Cell, Outcome, run_cell};

/// Every quirk value on its own. Numeric quirks at the values.
const QUIRK_VALUES: &[&str] = &[
    "",
    "proc=20-200",
    "slow_end=800",
    "pace_units=s_km",
    "pace_units=s_500m",
    "pace_units=cs_500m",
    "cadence_units=yes",
    "cadence_units=no",
    "hr=off&hr_none=0",
    "hr=off&hr_none=255",
    "byteorder_7f=be",
    "byteorder_7f=le",
    "resttime=s",
    "resttime=cs",
    "model_byte=3",
    "model_byte=4",
    "model_byte=5",
    "stats=drive",
    "stats=recovery",
    "stats=late",
    "proprietary=answer",
    "proprietary=refuse",
    "proprietary=silent",
    "proprietary=refuse:A0,A3,ED",
    "proprietary=silent:A0,A3,ED",
    "echo=ids",
    "echo=bare",
    "prev_status=this",
    "prev_status=last",
    "descriptor=spec",
    "descriptor=no2",
    "descriptor=partial",
    "descriptor=500",
    "deny=3000",
    "asleep=5000",
];

const MODELS: [&str; 3] = ["pm3", "pm4", "pm5"];
const MACHINES: [&str; 3] = ["rower", "skierg", "bikeerg"];

/// The three combined worst cases of the issue.
const WORST: &[(&str, &str, &str)] = &[
    (
        "pm5",
        "rower",
        "stats=late&proprietary=silent&pace_units=s_500m&proc=20-200&descriptor=partial&prev_status=last",
    ),
    (
        "pm3",
        "skierg",
        "cadence_units=no&hr=off&hr_none=255&model_byte=5&echo=bare",
    ),
    (
        "pm4",
        "bikeerg",
        "pace_units=cs_500m&proprietary=refuse&byteorder_7f=le",
    ),
];

fn cells() -> Vec<Cell> {
    let mut cells = Vec::new();
    for quirk in QUIRK_VALUES {
        for model in MODELS {
            for machine in MACHINES {
                cells.push(Cell::new(model, machine, quirk));
            }
        }
    }
    for (model, machine, quirks) in WORST {
        cells.push(Cell::new(model, machine, quirks));
    }
    cells
}

fn panic_text(panic: &(dyn Any + Send)) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

#[test]
fn every_quirk_alone_and_the_worst_cases_together() {
    let cells = cells();
    let next = AtomicUsize::new(0);
    let outcomes: Mutex<Vec<Outcome>> = Mutex::new(Vec::new());
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get().min(4));
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(cell) = cells.get(i) else { break };
                    // A panic in the recorder is a failed cell, not a lost matrix.
                    let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| run_cell(cell)))
                        .unwrap_or_else(|panic| Outcome {
                            cell: cell.clone(),
                            failures: vec![format!("panicked: {}", panic_text(&*panic))],
                            rate_of_limit: None,
                        });
                    outcomes.lock().unwrap().push(outcome);
                }
            });
        }
    });
    let mut outcomes = outcomes.into_inner().unwrap();
    outcomes.sort_by(|a, b| a.cell.cmp(&b.cell));
    let failed: Vec<&Outcome> = outcomes.iter().filter(|o| !o.failures.is_empty()).collect();
    let worst = outcomes
        .iter()
        .filter_map(|o| o.rate_of_limit.map(|r| (r, &o.cell)))
        .min_by(|a, b| a.0.total_cmp(&b.0));
    println!(
        "quirk matrix: {} cells, {} failed",
        outcomes.len(),
        failed.len()
    );
    if let Some((r, cell)) = worst {
        println!(
            "worst samples/s at the default proc: {:.1} % of the bus limit ({cell})",
            r * 100.0
        );
    }
    for o in &failed {
        println!("FAILED {}:\n  {}", o.cell, o.failures.join("\n  "));
    }
    assert!(
        failed.is_empty(),
        "{} of {} cells failed",
        failed.len(),
        outcomes.len()
    );
}
