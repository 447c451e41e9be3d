//! The input thread: reads terminal events and sends them as messages. A read error
//! (the terminal is gone, e.g. the SSH session dropped) ends the program instead of
//! spinning on a dead tty.

use std::thread;

use crossterm::event::{self, Event, KeyEventKind};
use tokio::sync::mpsc::UnboundedSender;

use crate::app::Msg;

pub fn spawn(tx: UnboundedSender<Msg>) {
    thread::spawn(move || loop {
        let msg = match event::read() {
            Ok(Event::Key(key)) if key.kind == KeyEventKind::Press => {
                // The clock as the key was pressed: an entry written or confirmed by
                // it is stamped now, not at the last once-a-second tick.
                if tx.send(Msg::Tick(super::now())).is_err() {
                    return;
                }
                Msg::Key(key.into())
            }
            Ok(Event::Paste(text)) => Msg::Paste(text),
            Ok(Event::Resize(..)) => Msg::Tick(super::now()),
            Ok(_) => continue,
            Err(_) => {
                let _ = tx.send(Msg::Terminate);
                return;
            }
        };
        if tx.send(msg).is_err() {
            return;
        }
    });
}
