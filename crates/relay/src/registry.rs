//! Who is connected and who listens where: the sockets, the channels with
//! their subscribers, and presence members. Fan-out happens here.
//!
//! Everything sits behind one std [`Mutex`] that is only held for plain
//! map work and queue pushes, never across an `.await`, so a broadcast to
//! ten thousand sockets is one short critical section and no task ever
//! waits on another task while holding it. Lock order: registry, then a
//! socket's [`Outbox`]; nothing takes them the other way round.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use axum::extract::ws::Utf8Bytes;
use pusher_protocol::message::PresenceData;
use pusher_protocol::names::MAX_PRESENCE_MEMBERS;
use pusher_protocol::{ChannelName, Message, SocketId, server};
use serde_json::Value;
use thiserror::Error;

use crate::outbox::{Outbox, PushError};

/// A socket's number inside this relay; its socket id is `{prefix}.{id}`.
pub(crate) type ConnId = u64;

/// One socket as the registry sees it: the queue to reach it.
#[derive(Debug)]
pub(crate) struct Conn {
    pub(crate) id: ConnId,
    pub(crate) outbox: Outbox,
    /// The user it signed in as (`pusher:signin`), if it did.
    pub(crate) user: Mutex<Option<String>>,
}

/// A user joining a presence channel, from the socket's `channel_data`.
#[derive(Debug, Clone)]
pub(crate) struct NewMember {
    pub(crate) user_id: String,
    pub(crate) user_info: Option<Value>,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub(crate) enum SubscribeError {
    #[error("presence channel {channel} is full: it has the maximum of {max} members")]
    PresenceFull { channel: String, max: usize },
}

/// The counts the HTTP API reports for a channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct ChannelStats {
    pub(crate) subscription_count: usize,
    /// Distinct users; presence channels only.
    pub(crate) user_count: Option<usize>,
}

#[derive(Debug)]
struct Member {
    info: Option<Value>,
    /// Sockets of this user on the channel: member_added goes out for the
    /// first, member_removed after the last.
    sockets: usize,
}

#[derive(Debug, Default)]
struct Channel {
    subscribers: HashMap<ConnId, Arc<Conn>>,
    /// Presence channels only.
    members: BTreeMap<String, Member>,
    presence: bool,
}

impl Channel {
    fn stats(&self) -> ChannelStats {
        ChannelStats {
            subscription_count: self.subscribers.len(),
            user_count: self.presence.then_some(self.members.len()),
        }
    }

    fn presence_data(&self) -> PresenceData {
        PresenceData {
            ids: self.members.keys().cloned().collect(),
            hash: self
                .members
                .iter()
                .map(|(id, m)| (id.clone(), m.info.clone().unwrap_or(Value::Null)))
                .collect(),
            count: self.members.len(),
        }
    }

    /// Queues `frame` for every subscriber but `except`; returns how many
    /// sockets it reached. Slow consumers close themselves (4100) here.
    fn broadcast(&self, frame: &Utf8Bytes, except: Option<ConnId>) -> usize {
        let mut delivered = 0;
        let mut overflowed = 0;
        for (id, conn) in &self.subscribers {
            if Some(*id) == except {
                continue;
            }
            match conn.outbox.push(frame.clone()) {
                Ok(()) => delivered += 1,
                Err(PushError::Overflow) => overflowed += 1,
                Err(PushError::Closing) => {}
            }
        }
        if overflowed > 0 {
            tracing::warn!(overflowed, "closing slow consumers with 4100");
        }
        delivered
    }
}

#[derive(Debug, Default)]
struct Inner {
    connections: HashMap<ConnId, Arc<Conn>>,
    channels: HashMap<String, Channel>,
}

#[derive(Debug)]
pub(crate) struct Registry {
    inner: Mutex<Inner>,
    /// The first half of every socket id, random per relay so ids from an
    /// earlier run are not mistaken for live sockets.
    socket_prefix: u64,
    next_id: AtomicU64,
}

impl Registry {
    pub(crate) fn new() -> Self {
        Self {
            inner: Mutex::new(Inner::default()),
            socket_prefix: rand::random_range(1..1_000_000_000),
            next_id: AtomicU64::new(1),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // Every mutation below leaves the maps consistent before anything
        // that could panic, so a poisoned lock still guards valid data.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Adds a socket, unless the relay already holds `max` of them.
    pub(crate) fn register(&self, send_queue: usize, max: usize) -> Option<Arc<Conn>> {
        let mut inner = self.lock();
        if inner.connections.len() >= max {
            return None;
        }
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let conn = Arc::new(Conn {
            id,
            outbox: Outbox::new(send_queue),
            user: Mutex::new(None),
        });
        inner.connections.insert(id, Arc::clone(&conn));
        Some(conn)
    }

    /// Removes a socket and its subscriptions (`(channel, presence user)`
    /// pairs), telling presence channels about users who left.
    pub(crate) fn deregister<'a>(
        &self,
        id: ConnId,
        subscriptions: impl IntoIterator<Item = (&'a str, Option<&'a str>)>,
    ) {
        let mut inner = self.lock();
        for (channel, user_id) in subscriptions {
            unsubscribe_locked(&mut inner, id, channel, user_id);
        }
        inner.connections.remove(&id);
    }

    pub(crate) fn socket_id(&self, id: ConnId) -> SocketId {
        SocketId::from_parts(self.socket_prefix, id)
    }

    /// The socket a socket id names, if it is one of ours.
    pub(crate) fn conn_id_of(&self, socket_id: &SocketId) -> Option<ConnId> {
        let (prefix, id) = socket_id.as_str().split_once('.')?;
        (prefix.parse::<u64>().ok()? == self.socket_prefix)
            .then(|| id.parse().ok())
            .flatten()
    }

    pub(crate) fn connection_count(&self) -> usize {
        self.lock().connections.len()
    }

    /// Socket `id`, when it is subscribed to `channel`.
    pub(crate) fn subscriber(&self, channel: &str, id: ConnId) -> Option<Arc<Conn>> {
        self.lock()
            .channels
            .get(channel)
            .and_then(|c| c.subscribers.get(&id).cloned())
    }

    pub(crate) fn connections(&self) -> Vec<Arc<Conn>> {
        self.lock().connections.values().cloned().collect()
    }

    /// The sockets signed in as `user`.
    pub(crate) fn connections_of(&self, user: &str) -> Vec<Arc<Conn>> {
        self.lock()
            .connections
            .values()
            .filter(|c| c.user.lock().unwrap_or_else(|e| e.into_inner()).as_deref() == Some(user))
            .cloned()
            .collect()
    }

    /// Subscribes a socket and queues its `subscription_succeeded` in the
    /// same critical section, so no channel event can overtake it. A new
    /// presence user is announced to the others first.
    pub(crate) fn subscribe(
        &self,
        conn: &Arc<Conn>,
        channel: &ChannelName,
        member: Option<NewMember>,
    ) -> Result<(), SubscribeError> {
        let mut inner = self.lock();
        let name = channel.as_str();
        let entry = inner.channels.entry(name.to_owned()).or_default();
        if entry.subscribers.contains_key(&conn.id) {
            // Subscribing twice changes nothing; say so again, as a client
            // that asks twice is waiting for an answer.
            let presence = member.map(|_| entry.presence_data());
            let _ = conn.outbox.push(
                server::subscription_succeeded(name, presence)
                    .encode()
                    .into(),
            );
            return Ok(());
        }
        let presence = match member {
            None => None,
            Some(member) => {
                entry.presence = true;
                let known = entry.members.contains_key(&member.user_id);
                if !known && entry.members.len() >= MAX_PRESENCE_MEMBERS {
                    if entry.subscribers.is_empty() {
                        inner.channels.remove(name);
                    }
                    return Err(SubscribeError::PresenceFull {
                        channel: name.to_owned(),
                        max: MAX_PRESENCE_MEMBERS,
                    });
                }
                if known {
                    if let Some(m) = entry.members.get_mut(&member.user_id) {
                        m.sockets += 1;
                    }
                } else {
                    let added = Message::MemberAdded {
                        channel: name.to_owned(),
                        user_id: member.user_id.clone(),
                        user_info: member.user_info.clone(),
                    };
                    entry.broadcast(&added.encode().into(), None);
                    entry.members.insert(
                        member.user_id,
                        Member {
                            info: member.user_info,
                            sockets: 1,
                        },
                    );
                }
                Some(entry.presence_data())
            }
        };
        entry.subscribers.insert(conn.id, Arc::clone(conn));
        let _ = conn.outbox.push(
            server::subscription_succeeded(name, presence)
                .encode()
                .into(),
        );
        Ok(())
    }

    pub(crate) fn unsubscribe(&self, id: ConnId, channel: &str, user_id: Option<&str>) {
        unsubscribe_locked(&mut self.lock(), id, channel, user_id);
    }

    /// Queues one encoded frame for every subscriber of `channel` except
    /// `except`; returns how many sockets it reached.
    pub(crate) fn broadcast(
        &self,
        channel: &str,
        frame: &Utf8Bytes,
        except: Option<ConnId>,
    ) -> usize {
        self.lock()
            .channels
            .get(channel)
            .map_or(0, |c| c.broadcast(frame, except))
    }

    /// A channel's counts; `None` when nobody is subscribed.
    pub(crate) fn channel_stats(&self, channel: &str) -> Option<ChannelStats> {
        self.lock().channels.get(channel).map(Channel::stats)
    }

    /// Occupied channels whose name starts with `prefix`, sorted by name.
    pub(crate) fn channels(&self, prefix: &str) -> Vec<(String, ChannelStats)> {
        let inner = self.lock();
        let mut list: Vec<_> = inner
            .channels
            .iter()
            .filter(|(name, _)| name.starts_with(prefix))
            .map(|(name, c)| (name.clone(), c.stats()))
            .collect();
        list.sort_by(|a, b| a.0.cmp(&b.0));
        list
    }

    /// The user ids on a presence channel.
    pub(crate) fn users(&self, channel: &str) -> Vec<String> {
        self.lock()
            .channels
            .get(channel)
            .map(|c| c.members.keys().cloned().collect())
            .unwrap_or_default()
    }
}

fn unsubscribe_locked(inner: &mut Inner, id: ConnId, channel: &str, user_id: Option<&str>) {
    let Some(entry) = inner.channels.get_mut(channel) else {
        return;
    };
    if entry.subscribers.remove(&id).is_none() {
        return;
    }
    if let Some(user_id) = user_id
        && let Some(member) = entry.members.get_mut(user_id)
    {
        member.sockets -= 1;
        if member.sockets == 0 {
            entry.members.remove(user_id);
            let removed = Message::MemberRemoved {
                channel: channel.to_owned(),
                user_id: user_id.to_owned(),
            };
            entry.broadcast(&removed.encode().into(), None);
        }
    }
    if entry.subscribers.is_empty() {
        inner.channels.remove(channel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outbox::Next;

    fn drain(conn: &Conn) -> Vec<String> {
        let mut frames = Vec::new();
        loop {
            let next = futures_util::FutureExt::now_or_never(conn.outbox.next());
            match next {
                Some(Next::Frame(f)) => frames.push(f.to_string()),
                _ => return frames,
            }
        }
    }

    fn member(id: &str) -> Option<NewMember> {
        Some(NewMember {
            user_id: id.into(),
            user_info: Some(serde_json::json!({ "name": id })),
        })
    }

    #[test]
    fn socket_ids_round_trip() {
        let registry = Registry::new();
        let sid = registry.socket_id(42);
        assert_eq!(registry.conn_id_of(&sid), Some(42));
        assert_eq!(registry.conn_id_of(&SocketId::parse("1.42").unwrap()), None);
    }

    #[test]
    fn presence_announces_users_once_not_per_socket() {
        let registry = Registry::new();
        let channel = ChannelName::parse("presence-room").unwrap();
        let watcher = registry.register(16, 10).unwrap();
        let ada1 = registry.register(16, 10).unwrap();
        let ada2 = registry.register(16, 10).unwrap();
        registry
            .subscribe(&watcher, &channel, member("bob"))
            .unwrap();
        drain(&watcher);
        registry.subscribe(&ada1, &channel, member("ada")).unwrap();
        registry.subscribe(&ada2, &channel, member("ada")).unwrap();
        let added = drain(&watcher);
        assert_eq!(added.len(), 1, "{added:?}");
        assert!(added[0].contains("member_added"));
        assert_eq!(
            registry.channel_stats("presence-room").unwrap().user_count,
            Some(2)
        );

        registry.unsubscribe(ada1.id, "presence-room", Some("ada"));
        assert!(drain(&watcher).is_empty());
        registry.deregister(ada2.id, [("presence-room", Some("ada"))]);
        let removed = drain(&watcher);
        assert_eq!(removed.len(), 1);
        assert!(removed[0].contains("member_removed"));
        assert_eq!(registry.users("presence-room"), ["bob"]);
    }

    #[test]
    fn empty_channels_disappear() {
        let registry = Registry::new();
        let conn = registry.register(16, 10).unwrap();
        let channel = ChannelName::parse("news").unwrap();
        registry.subscribe(&conn, &channel, None).unwrap();
        assert_eq!(registry.channels("").len(), 1);
        registry.unsubscribe(conn.id, "news", None);
        assert!(registry.channels("").is_empty());
        assert!(registry.channel_stats("news").is_none());
    }

    #[test]
    fn the_connection_limit_holds() {
        let registry = Registry::new();
        let _a = registry.register(16, 1).unwrap();
        assert!(registry.register(16, 1).is_none());
    }
}
