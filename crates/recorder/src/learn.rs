//! What the recorder learns about a monitor while it polls: GETPACE's scale,
//! the reply timeout, the commands it gives up, and the split figures,
//! checked before they are stored.

use std::sync::atomic::AtomicBool;

use erglink_transport::Transport;

use crate::adapt::what;
use crate::cycle::poll;
use crate::lifecycle::Active;
use crate::plan::key;
use crate::poller::MonitorRecorder;
use crate::reading::Reading;
use crate::splits::{Context, Order};
use crate::timeout::MAX_TIMEOUT_NS;

impl<T: Transport> MonitorRecorder<T> {
    /// Settles what GETPACE's number means, and gives the poll its pace.
    pub(crate) fn settle_pace(&mut self, r: &mut Reading) {
        if let (Some(raw), Some(w)) = (r.pace_raw, r.power_w)
            && let Some(scale) = self.pace.observe(self.machine, raw, w)
        {
            let name = self.name();
            self.adaptations.add(
                &name,
                what::PACE_SCALE,
                scale.name(),
                "GETPACE's number agreed with the power on the first strokes in this reading only",
            );
        }
        r.pace_cs_per_500m = self.pace.pace_cs(self.machine, r.pace_raw, r.power_w);
    }

    /// Fits the reply timeout to the monitor (never under 250 ms), raised
    /// again when replies come late.
    /// While `finishing` (the PM logs the workout, and may be slow) it
    /// stays at the longest.
    pub(crate) fn tune_timeout(&mut self, finishing: bool) {
        let current = self.link.monitor().settings().timeout_ns;
        let Some((timeout, raised)) = self.timeout.fit(self.link.monitor().stats(), current) else {
            return;
        };
        self.link.monitor_mut().settings_mut().timeout_ns =
            if finishing { MAX_TIMEOUT_NS } else { timeout };
        if let Some(r) = raised {
            let name = self.name();
            self.adaptations.add(
                &name,
                what::TIMEOUT_RAISED,
                format!("{} ms", r.timeout_ns / 1_000_000),
                format!("{} replies came after the timeout", r.late_replies),
            );
        }
    }

    /// Drops what the link gave up from the plan, once each, with a warning.
    pub(crate) fn apply_given_up(&mut self, active: Option<&mut Active>) {
        let given_up = self.link.take_given_up();
        if given_up.is_empty() {
            return;
        }
        let name = self.name();
        let had_stats = self.plan.reads_stats();
        for g in given_up {
            self.plan.drop_command(key(&g.command));
            self.adaptations
                .add(&name, what::COMMAND_DROPPED, g.command.name(), g.why);
        }
        if had_stats
            && !self.plan.reads_stats()
            && let Some(a) = active
        {
            a.rec.stats_dropped();
        }
    }

    /// Reads the last split's figures in a frame of their own.
    pub(crate) fn read_splits(&mut self, a: &mut Active, stop: &AtomicBool) {
        let Some(frame) = &self.plan.splits else {
            return;
        };
        let keep = self.options.raw_log.then_some(&mut self.kept);
        let polled = poll(&mut self.link, std::slice::from_ref(frame), keep);
        if polled.received_ns.is_some() && self.options.live_events.is_some() {
            // The last split is this reply's.
            self.replied_at = Some(std::time::Instant::now());
        }
        for ex in self.kept.drain(..) {
            a.rec
                .log_exchange(crate::lifecycle::raw(&ex, a.rec.start_ns));
        }
        if let Some(e) = &polled.failed {
            let e = e.clone();
            self.transport_failed(&e, Some(a), stop);
        }
        if let (Some(t), Some((time, dist))) = (polled.received_ns, polled.split) {
            self.take_split(a, t, time, dist);
        }
    }

    /// Split figures read at `t`, checked before they are stored.
    pub(crate) fn take_split(&mut self, a: &mut Active, t: u64, time: u32, dist: u32) {
        let cx = Context {
            elapsed_ds: t.saturating_sub(a.rec.start_ns) / 100_000_000,
        };
        let (checked, settled) = self.splits.check(time, dist, cx);
        // The spec's order is no adaptation; the other one is.
        if let Some(order @ Order::Swapped) = settled {
            let name = self.name();
            self.adaptations.add(
                &name,
                what::BYTE_ORDER_7F,
                order.name(),
                "the split figures fit the session only in this byte order",
            );
        }
        match checked {
            Some((time, dist)) => a.rec.split_figures(t, time, dist),
            None => tracing::debug!(
                "{}: split figures {time}, {dist} fit no byte order; not stored",
                self.name()
            ),
        }
    }
}
