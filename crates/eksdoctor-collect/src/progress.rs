//! Progress on stderr while collecting; drawn only when stderr is a terminal.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

#[derive(Clone)]
pub(crate) struct Progress {
    bar: ProgressBar,
}

impl Progress {
    pub(crate) fn new(show: bool) -> Self {
        // `stderr()` hides itself when stderr is not a terminal (CI logs, pipes).
        let target = if show {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        let bar = ProgressBar::with_draw_target(Some(0), target);
        bar.set_style(
            ProgressStyle::with_template("{spinner} collecting {pos}/{len} {wide_msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
        Self { bar }
    }

    /// Announces a request; call `done` when it has an answer.
    pub(crate) fn start(&self, what: &str) {
        self.bar.inc_length(1);
        self.bar.set_message(what.to_owned());
    }

    pub(crate) fn done(&self, what: &str) {
        self.bar.inc(1);
        self.bar.set_message(format!("{what} done"));
    }

    pub(crate) fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
