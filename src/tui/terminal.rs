//! The terminal guard: raw mode, the alternate screen and bracketed paste on enter,
//! all undone exactly once on drop, whichever way the loop ended. ratatui's panic hook
//! restores the terminal on a panic.

use std::io::{self, stdout};

use crossterm::event::{DisableBracketedPaste, EnableBracketedPaste};
use crossterm::execute;
use ratatui::{CompletedFrame, DefaultTerminal, Frame};

pub struct Guard {
    terminal: DefaultTerminal,
}

impl Guard {
    pub fn enter() -> io::Result<Self> {
        let terminal = ratatui::try_init()?;
        // Paste arrives as one event instead of a burst of keys (Enter would submit).
        if let Err(e) = execute!(stdout(), EnableBracketedPaste) {
            ratatui::restore();
            return Err(e);
        }
        Ok(Self { terminal })
    }

    pub fn draw<F: FnOnce(&mut Frame)>(&mut self, render: F) -> io::Result<CompletedFrame<'_>> {
        self.terminal.draw(render)
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        // Failures here cannot be shown on the screen being torn down; stderr is all.
        let _ = execute!(stdout(), DisableBracketedPaste);
        ratatui::restore();
    }
}
