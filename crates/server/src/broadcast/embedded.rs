//! The default broadcaster: straight into the relay embedded in this
//! process, with no HTTP in between.

use kinboard_relay::{PublishEvent, Relay};
use pusher_protocol::ChannelName;

use super::{BoxFuture, BroadcastError, Broadcaster, OutgoingEvent};

pub struct EmbeddedBroadcaster {
    relay: Relay,
}

impl EmbeddedBroadcaster {
    pub fn new(relay: Relay) -> Self {
        Self { relay }
    }
}

impl Broadcaster for EmbeddedBroadcaster {
    fn publish<'a>(
        &'a self,
        event: &'a OutgoingEvent,
    ) -> BoxFuture<'a, Result<(), BroadcastError>> {
        let result = ChannelName::parse(event.channel())
            .map_err(BroadcastError::from)
            .and_then(|channel| {
                self.relay
                    .publish(PublishEvent {
                        channels: vec![channel],
                        name: event.name.to_owned(),
                        data: event.data.clone(),
                        socket_id: None,
                    })
                    .map_err(|e| BroadcastError::Relay(e.to_string()))
            });
        Box::pin(std::future::ready(result))
    }

    fn close_sockets(&self, family_id: &str, socket_ids: &[String]) {
        let channel = super::family_channel(family_id);
        for socket in socket_ids {
            self.relay.terminate(socket, &channel);
        }
    }
}
