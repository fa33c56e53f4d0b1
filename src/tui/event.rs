//! Event sources merged into one channel: terminal input, a tick on every wall-clock second
//! (so all countdowns change together), and background job results.

use super::msg::Msg;
use chrono::Utc;
use crossterm::event::{Event, EventStream};
use futures_util::StreamExt;
use tokio::sync::mpsc::UnboundedSender;
use tokio::task::JoinHandle;

/// Forwards terminal events as messages until the channel closes.
pub fn spawn_input(tx: UnboundedSender<Msg>) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut events = EventStream::new();
        while let Some(Ok(event)) = events.next().await {
            let msg = match event {
                Event::Key(key) => Msg::Key(key),
                Event::Paste(text) => Msg::Paste(text),
                Event::Mouse(mouse) => Msg::Mouse(mouse, std::time::Instant::now()),
                Event::Resize(w, h) => Msg::Resize(w, h),
                _ => continue,
            };
            if tx.send(msg).is_err() {
                break;
            }
        }
    })
}

/// Sends `Msg::Tick` at the start of every wall-clock second.
pub fn spawn_ticks(tx: UnboundedSender<Msg>) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            let now = Utc::now();
            let to_next = 1_000_000_000 - u64::from(now.timestamp_subsec_nanos()).min(999_999_999);
            tokio::time::sleep(std::time::Duration::from_nanos(to_next)).await;
            if tx.send(Msg::Tick(Utc::now())).is_err() {
                break;
            }
        }
    })
}
