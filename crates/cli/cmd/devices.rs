//! `erglink devices`: every Concept2 monitor attached, each once, with a
//! selector `--device` accepts.

use anyhow::Result;
use clap::Args;
use erglink_transport::DeviceInfo;
use serde_json::json;

use crate::device::{SIM_BUS_VAR, bus, transport_failure};
use crate::output::{emit, emit_json};

#[derive(Debug, Args)]
pub struct DevicesArgs {
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

fn device_json(d: &DeviceInfo) -> serde_json::Value {
    json!({
        "selector": d.selector().to_string(),
        "backend": d.backend.name(),
        "path": d.path,
        "vendor_id": format!("0x{:04X}", d.vendor_id),
        "product_id": format!("0x{:04X}", d.product_id),
        "serial": d.serial,
        "product": d.product,
        "manufacturer": d.manufacturer,
        "model": d.model().map(|m| format!("PM{m}")),
    })
}

pub fn run(a: DevicesArgs) -> Result<()> {
    let found = bus()?
        .discover()
        .map_err(|e| transport_failure("cannot list devices", &e))?;
    if a.json {
        emit_json(&json!({ "devices": found.iter().map(device_json).collect::<Vec<_>>() }));
        return Ok(());
    }
    if found.is_empty() && std::env::var_os(SIM_BUS_VAR).is_some_and(|v| !v.is_empty()) {
        emit(&format!(
            "No simulated monitor is plugged in yet on {SIM_BUS_VAR}'s bus (its clock stands at 0)."
        ));
        return Ok(());
    }
    if found.is_empty() {
        emit(
            "No Concept2 monitor found (vendor 17a4, through hidapi). Plug one in and wake it (press a button);\n\
             `erglink doctor` checks USB access and permissions. A simulated monitor works anywhere:\n  \
             erglink raw --device sim:pm5 GETSTATUS GETSERIAL",
        );
        return Ok(());
    }
    let mut out = String::new();
    for d in &found {
        out.push_str(&format!(
            "{:<28} {:<4} {:04x}:{:04x} serial {:<10} {}  {}\n",
            d.selector().to_string(),
            d.model()
                .map(|m| format!("PM{m}"))
                .unwrap_or_else(|| "?".into()),
            d.vendor_id,
            d.product_id,
            d.serial.as_deref().unwrap_or("-"),
            d.product.as_deref().unwrap_or("-"),
            d.path
        ));
    }
    emit(out.trim_end());
    Ok(())
}
