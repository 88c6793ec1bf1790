//! Rule: bridge timers within the ranges the kernel accepts (with STP on:
//! forward delay 2–30 s; hello time 1–10 s; max age 6–40 s); with STP off a
//! forward delay above 30 s is refused too: the kernel takes it, but it is
//! the centiseconds mix-up (`forward_delay: 1500` meaning 15 s).

use crate::error::Rule;
use crate::types::Centiseconds;
use crate::validate::Check;

impl<'a> Check<'a> {
    /// Rule: bridge timers within the kernel's ranges.
    pub(super) fn timers(&mut self) {
        for bridge in &self.model.bridges {
            if let Some(delay) = &bridge.forward_delay {
                let seconds = delay.value.seconds_text();
                if bridge.stp && delay.value.0 == 0 {
                    self.error(
                        Rule::ForwardDelayWithStp,
                        &delay.pos,
                        "`forward_delay: 0` is only possible with STP off, and this bridge has `stp: true`".into(),
                        Some(
                            "either `stp: false` with `forward_delay: 0`, or keep STP and use `forward_delay: 2`, \
                             the kernel minimum"
                                .into(),
                        ),
                    );
                } else if !bridge.stp && delay.value.0 > 3000 {
                    let centis = delay.value.0;
                    self.error(
                        Rule::ForwardDelayUnits,
                        &delay.pos,
                        format!(
                            "`forward_delay: {seconds}` is {seconds} seconds: hostnet's bridge timers are seconds, \
                             and this reads as centiseconds (sysfs' and netifrc's unit)"
                        ),
                        Some(format!(
                            "for {} s write `forward_delay: {}`; with `stp: false` the delay is unused, so `forward_delay: 0` is usual",
                            Centiseconds(centis / 100).seconds_text(),
                            Centiseconds(centis / 100).seconds_text()
                        )),
                    );
                } else if bridge.stp && !(200..=3000).contains(&delay.value.0) {
                    let (nearest, bound) = nearest(delay.value, 200, 3000);
                    self.error(
                        Rule::ForwardDelayRange,
                        &delay.pos,
                        format!(
                            "`forward_delay: {seconds}` is outside the range the kernel accepts with STP on (2–30 s)"
                        ),
                        Some(format!(
                            "use `forward_delay: {nearest}`, the kernel {bound}, or turn STP off with `stp: false`"
                        )),
                    );
                }
            }
            for (key, timer, min, max) in [
                ("hello_time", &bridge.hello_time, 100, 1000),
                ("max_age", &bridge.max_age, 600, 4000),
            ] {
                let Some(timer) = timer else {
                    continue;
                };
                if (min..=max).contains(&timer.value.0) {
                    continue;
                }
                let (nearest, bound) = nearest(timer.value, min, max);
                self.error(
                    Rule::TimerRange,
                    &timer.pos,
                    format!(
                        "`{key}: {}` is outside the range the kernel accepts ({}–{} s)",
                        timer.value.seconds_text(),
                        min / 100,
                        max / 100
                    ),
                    Some(format!("use `{key}: {nearest}`, the kernel {bound}")),
                );
            }
        }
    }
}

/// The nearest valid timer value, in seconds, and which bound it is.
fn nearest(value: Centiseconds, min: u32, max: u32) -> (String, &'static str) {
    if value.0 < min {
        (Centiseconds(min).seconds_text(), "minimum")
    } else {
        (Centiseconds(max).seconds_text(), "maximum")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_timer_bounds() {
        assert_eq!(nearest(Centiseconds(50), 100, 1000), ("1".into(), "minimum"));
        assert_eq!(nearest(Centiseconds(4100), 600, 4000), ("40".into(), "maximum"));
    }
}
