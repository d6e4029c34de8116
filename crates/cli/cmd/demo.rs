//! `erglink demo`: the main job on built-in data. Records a simulated PM5
//! rowing 2000 m at 28 strokes/min, as fast as the simulated bus allows, and
//! summarises what went into the database.

use std::sync::atomic::AtomicBool;
use std::time::Instant;

use anyhow::Result;
use clap::Args;
use erglink_export::erglink_normalize::Options as NormalizeOptions;
use erglink_model::Split;
use erglink_pm::Monitor;
use erglink_recorder::{Live, MonitorRecorder, Options, Until};
use erglink_sim::{SimConfig, Simulator};
use erglink_store::Store;
use erglink_transport::SimTransport;
use serde_json::json;

use crate::cmd::record::writer_options;
use crate::db::{DbArgs, failure};
use crate::error::Failure;
use crate::output::{emit, emit_json};

/// The demo's monitor: a PM5 with a 2000 m programmed, the athlete at 1:45/500 m.
const DEMO_SIM: &str = "workout=2000m&spm=28&pace=1:45&pacing=max&seed=1";

/// PyRow's rate, measured on a real capture (issue [6/8]).
const PYROW_SAMPLES_PER_S: f64 = 3.7;

#[derive(Debug, Args)]
pub struct DemoArgs {
    #[command(flatten)]
    db: DbArgs,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

fn clock(cs: u64) -> String {
    let s = cs as f64 / 100.0;
    format!("{}:{:04.1}", (s / 60.0) as u64, s % 60.0)
}

pub fn run(a: DemoArgs) -> Result<()> {
    let path = a.db.path()?;
    let store = Store::open(&path).map_err(|e| failure(&path, e))?;
    let writer = store
        .writer(writer_options(None)?)
        .map_err(|e| failure(&path, e))?;
    let cfg = SimConfig::parse("pm5", DEMO_SIM).expect("the demo's options are valid");
    let transport = SimTransport::new(Simulator::new(cfg), format!("sim:pm5?{DEMO_SIM}"));
    let options = Options {
        until: Until::Finished,
        ..Options::default()
    };
    let mut recorder = MonitorRecorder::new(Monitor::new(transport), options, Live::default());
    let wall = Instant::now();
    let sessions = recorder
        .run(&writer, &AtomicBool::new(false))
        .map_err(|e| Failure::failed("the demo's recording failed", e))?;
    writer.close().map_err(|e| failure(&path, e))?;
    let wall_s = wall.elapsed().as_secs_f64();
    let s = sessions.first().ok_or_else(|| {
        Failure::failed(
            "the demo recorded nothing",
            "the simulated athlete never rowed",
        )
    })?;
    let limit = recorder
        .monitor()
        .transport()
        .simulator()
        .bus_limit(s.report_id)
        .exchanges_per_s;

    let reader = store.reader().map_err(|e| failure(&path, e))?;
    let session = reader.session(&s.id).map_err(|e| failure(&path, e))?;
    let (mut power_sum, mut power_n, mut last) = (0u64, 0u64, None);
    for sample in reader.samples(&s.id).map_err(|e| failure(&path, e))? {
        let sample = sample.map_err(|e| failure(&path, e))?;
        if sample.power_w > 0 {
            power_sum += u64::from(sample.power_w);
            power_n += 1;
        }
        last = Some(sample);
    }
    let last = last.unwrap_or_default();
    // The laps as the store keeps them, made final when the session ended.
    let splits: Vec<Split> = reader
        .splits(&s.id)
        .map_err(|e| failure(&path, e))?
        .collect::<Result<_, _>>()
        .map_err(|e| failure(&path, e))?;
    let laps_kcal: u32 = splits
        .iter()
        .filter_map(|l| l.energy_kcal)
        .map(u32::from)
        .sum();
    let laps_m = splits.iter().map(|l| f64::from(l.distance_dm)).sum::<f64>() / 10.0;
    let time_cs = u64::from(last.pm_elapsed_cs);
    let distance_m = f64::from(last.distance_dm) / 10.0;
    let avg_pace_cs = if distance_m > 0.0 {
        (time_cs as f64 * 500.0 / distance_m) as u64
    } else {
        0
    };
    let avg_power = power_sum.checked_div(power_n).unwrap_or(0);
    let share = 100.0 * s.achieved_hz / limit;
    // Its Terra activity JSON, beside the database.
    let export_dir = path
        .parent()
        .unwrap_or(std::path::Path::new("."))
        .join("exports");
    std::fs::create_dir_all(&export_dir)
        .map_err(|e| Failure::failed(format!("cannot create {}", export_dir.display()), e))?;
    let terra =
        erglink_export::write_terra_json(&reader, &s.id, &export_dir, &NormalizeOptions::default())
            .map_err(|e| Failure::failed("cannot write the demo's Terra JSON", e))?;
    if a.json {
        emit_json(&json!({
            "database": path.display().to_string(),
            "session": s.id.to_string(),
            "source": session.source.name(),
            "time_s": time_cs as f64 / 100.0,
            "distance_m": distance_m,
            "strokes": s.strokes,
            "pace_s_per_500m": avg_pace_cs as f64 / 100.0,
            "power_w": avg_power,
            "samples": s.samples,
            "rate_hz": s.achieved_hz,
            "bus_limit_hz": limit,
            "report_id": s.report_id,
            "force_curves": s.curves.0,
            "complete_force_curves": s.curves.1,
            "wall_s": wall_s,
            "terra_json": terra.display().to_string(),
            "splits": splits.iter().map(|l| json!({
                "time_s": f64::from(l.time_cs) / 100.0,
                "distance_m": f64::from(l.distance_dm) / 10.0,
                "kcal": l.energy_kcal,
                "power_w": l.average_power_w,
                "rate_spm": l.average_rate_spm,
            })).collect::<Vec<_>>(),
        }));
        return Ok(());
    }
    emit(&format!(
        "erglink demo: recorded a simulated PM5 rowing 2000 m at 28 strokes/min (pacing=max) in {wall_s:.2} s of real time\n\
         \x20 database      {}\n\
         \x20 session       {} (source {}, on a simulated monitor)\n\
         \x20 time {}  distance {:.0} m  strokes {}  average pace {}/500m  average power {} W\n\
         \x20 samples       {} at {:.1}/s: {:.0} % of the simulated bus limit ({:.1}/s in report {}); PyRow manages {PYROW_SAMPLES_PER_S}/s\n\
         \x20 splits        {}: {:.0} m and {} kcal in all\n\
         \x20 force curves  {} of {} complete\n\
         \x20 Terra JSON    {}\n\
         `erglink sessions` lists it; `erglink show {}` shows it.",
        path.display(),
        s.id,
        session.source.name(),
        clock(time_cs),
        distance_m,
        s.strokes,
        clock(avg_pace_cs),
        avg_power,
        s.samples,
        s.achieved_hz,
        share,
        limit,
        s.report_id,
        splits
            .iter()
            .map(|l| format!(
                "{:.0} m {}",
                f64::from(l.distance_dm) / 10.0,
                clock(u64::from(l.time_cs))
            ))
            .collect::<Vec<_>>()
            .join(", "),
        laps_m,
        laps_kcal,
        s.curves.1,
        s.curves.0,
        terra.display(),
        s.id
    ));
    Ok(())
}
