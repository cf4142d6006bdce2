//! The live stream of a site: server-sent events of readings (`reading`), level changes
//! (`level`), data-quality findings (`quality`), silences (`stale`), hourly means (`hourly`),
//! spray requests (`spray`), alarm changes (`alarm`), status changes (`status`), the bureau's
//! review records (`review`) and findings items raised or changed (`finding`). Every event's
//! `id` is its feed id: a client that reconnects with `Last-Event-ID` (or `?after=ID`) gets what
//! it missed from the store, then the live feed, without gaps or repeats; a subscriber too slow
//! for the live feed catches up from the store the same way.

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tokio::sync::{broadcast, mpsc};
use utoipa::IntoParams;

use super::{ApiError, ApiResult, Shared, reader};
use crate::store::FeedItem;

/// Stream query.
#[derive(Debug, Deserialize, IntoParams)]
pub struct EventsQuery {
    /// Resume after this feed id (as `Last-Event-ID` does; the header wins). Without either, the
    /// stream starts with what happens next.
    after: Option<i64>,
}

/// How often a stream's token is looked at again.
const TOKEN_RECHECK: std::time::Duration = std::time::Duration::from_secs(10);

/// Rows read from the store per round while catching up.
const CATCH_UP_ROWS: usize = 2_000;

fn sse_event(item: &FeedItem) -> Event {
    let (kind, data) = match item {
        FeedItem::Reading(r) => ("reading", serde_json::to_string(r)),
        FeedItem::Event(e) => (e.kind.as_str(), serde_json::to_string(&e.body)),
    };
    Event::default()
        .id(item.id().to_string())
        .event(kind)
        .data(data.unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}")))
}

/// Sends every stored row after `last` (advancing it); `None` when the stream is over.
async fn catch_up(
    store: &Arc<dyn crate::store::Store>,
    site: &str,
    last: &mut i64,
    tx: &mpsc::Sender<Event>,
    shutdown: &mut tokio::sync::watch::Receiver<bool>,
) -> Option<()> {
    loop {
        if *shutdown.borrow() {
            return None;
        }
        let (s, id, after) = (Arc::clone(store), site.to_string(), *last);
        let rows = match tokio::task::spawn_blocking(move || s.feed_after(&id, after, CATCH_UP_ROWS)).await {
            Ok(Ok(rows)) => rows,
            _ => return None,
        };
        let n = rows.len();
        for item in rows {
            *last = item.id();
            tokio::select! {
                r = tx.send(sse_event(&item)) => r.ok()?,
                _ = shutdown.changed() => return None,
            }
        }
        if n < CATCH_UP_ROWS {
            return Some(());
        }
    }
}

/// Decrements a site's subscriber count when the stream ends.
struct Subscribed(Arc<std::sync::atomic::AtomicUsize>);

impl Drop for Subscribed {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The site's live events (`text/event-stream`).
#[utoipa::path(get, path = "/api/v1/sites/{site}/events", params(("site" = String, Path), EventsQuery,
        ("Last-Event-ID" = Option<i64>, Header, description = "resume after this id")),
    responses((status = 200, content_type = "text/event-stream", description = "server-sent events"),
        (status = 503, body = ApiError, description = "too many subscribers")),
    security(("bearer" = [])))]
pub async fn events(
    State(state): State<Shared>,
    Path(site): Path<String>,
    Query(q): Query<EventsQuery>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let (i, who) = reader(&state, &headers, &site).await?;
    let header_after = match headers.get("last-event-id").map(|v| v.to_str().map(|s| s.trim().parse::<i64>())) {
        None => None,
        Some(Ok(Ok(v))) => Some(v),
        Some(_) => {
            return Err(ApiError::field(
                StatusCode::BAD_REQUEST,
                "Last-Event-ID",
                "Last-Event-ID must be an event id (an integer)",
            ));
        }
    };
    let after = header_after.or(q.after);
    let count = Arc::clone(&state.subscribers[i]);
    if count.fetch_add(1, Ordering::SeqCst) >= state.max_subscribers {
        count.fetch_sub(1, Ordering::SeqCst);
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("site {site} has its maximum of live subscribers"),
        ));
    }
    let guard = Subscribed(count);
    // Subscribe before reading the backlog, so that nothing committed in between is missed.
    let mut live = state.hub.feeds[i].subscribe();
    let store = Arc::clone(&state.hub.store);
    let site_id = state.hub.sites[i].id.clone();
    let mut shutdown = state.shutdown.clone();
    let (tx, rx) = mpsc::channel::<Event>(256);
    tokio::spawn(async move {
        let _guard = guard;
        let mut last = match after {
            Some(a) => a,
            // Start from now: the last committed id.
            None => {
                let s = Arc::clone(&store);
                match tokio::task::spawn_blocking(move || s.last_feed_id()).await {
                    Ok(Ok(v)) => v,
                    _ => return,
                }
            }
        };
        // An id ahead of the store's last one (a client of a store since replaced): say so, and
        // go on from the store's last id.
        let top = {
            let s = Arc::clone(&store);
            match tokio::task::spawn_blocking(move || s.last_feed_id()).await {
                Ok(Ok(v)) => v,
                _ => return,
            }
        };
        if last > top {
            let ev = Event::default().event("reset").data(format!("{{\"resume_after\":{last},\"last_id\":{top}}}"));
            if tx.send(ev).await.is_err() {
                return;
            }
            last = top;
        }
        let mut behind = after.is_some();
        // The token is looked at again now and then: a revoked one ends its streams.
        let mut recheck = tokio::time::interval(TOKEN_RECHECK);
        recheck.tick().await;
        loop {
            if behind {
                // From the store: what was missed (on resume, or after falling behind the feed).
                match catch_up(&store, &site_id, &mut last, &tx, &mut shutdown).await {
                    Some(()) => behind = false,
                    None => return,
                }
            }
            let next = tokio::select! {
                r = live.recv() => r,
                _ = shutdown.changed() => return,
                _ = tx.closed() => return,
                _ = recheck.tick() => {
                    let (s, key) = (Arc::clone(&store), who.key.clone());
                    match tokio::task::spawn_blocking(move || s.token(&key)).await {
                        Ok(Ok(Some(_))) => continue,
                        Ok(Ok(None)) => {
                            let _ = tx.send(Event::default().event("revoked").data("{}")).await;
                            return;
                        }
                        // The store did not answer: try again at the next look.
                        _ => continue,
                    }
                }
            };
            match next {
                Ok(items) => {
                    for item in items.iter() {
                        if item.id() <= last {
                            continue;
                        }
                        last = item.id();
                        let sent = tokio::select! {
                            r = tx.send(sse_event(item)) => r.is_ok(),
                            _ = shutdown.changed() => false,
                        };
                        if !sent {
                            return;
                        }
                    }
                }
                // Too slow for the feed: what it missed is in the store.
                Err(broadcast::error::RecvError::Lagged(_)) => behind = true,
                Err(broadcast::error::RecvError::Closed) => return,
            }
        }
    });
    let stream =
        futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|e| (Ok::<_, Infallible>(e), rx)) });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()).into_response())
}
