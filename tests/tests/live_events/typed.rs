//! Whether the events of the live server keep, typed, everything the server wrote: each frame
//! of a raw socket is decoded as the client decodes it, serialized back, and compared with the
//! frame by the live API test's comparison (`tests/live/compare.rs`).

use std::collections::{BTreeMap, BTreeSet};

use mattermost_client::events::{Event, EventMeta};
use mattermost_client::models::EventBroadcast;
use serde_json::Value;

use crate::compare::lost_keys;

/// The typed data of an event, serialized back; `None` for an event whose data is not typed
/// (a `Value`), a connection notice or `Unknown`.
macro_rules! typed_data {
    ($event:expr; $($variant:ident)*) => {
        match $event {
            $(Event::$variant { data, .. } => Some(serde_json::to_value(data).expect("typed data serializes")),)*
            _ => None,
        }
    };
}

pub fn typed_json(event: &Event) -> Option<Value> {
    typed_data!(event;
        AddedToTeam ChannelBookmarkCreated ChannelBookmarkDeleted ChannelBookmarkSorted ChannelBookmarkUpdated
        ChannelConverted ChannelCreated ChannelDeleted ChannelMemberUpdated ChannelRestored ChannelUpdated
        ChannelViewed ConfigChanged CustomProfileAttributesFieldCreated CustomProfileAttributesFieldDeleted
        CustomProfileAttributesFieldUpdated CustomProfileAttributesValuesUpdated DeleteTeam DirectAdded
        DraftCreated DraftDeleted EmojiAdded EphemeralMessage FirstAdminVisitMarketplaceStatusReceived GroupAdded
        GroupMemberAdd GroupMemberDeleted Hello HostedCustomerSignupProgressUpdated LeaveTeam LicenseChanged
        MemberroleUpdated MultipleChannelsViewed NewUser OpenDialog PersistentNotificationTriggered PluginDisabled
        PluginEnabled PluginStatusesChanged PostAcknowledgementAdded PostAcknowledgementRemoved PostDeleted
        PostEdited PostUnread Posted PreferenceChanged PreferencesChanged PreferencesDeleted ReactionAdded
        ReactionRemoved ReceivedGroup ReceivedGroupAssociatedToChannel ReceivedGroupAssociatedToTeam
        ReceivedGroupNotAssociatedToChannel ReceivedGroupNotAssociatedToTeam RestoreTeam RoleUpdated
        ScheduledPostCreated ScheduledPostDeleted ScheduledPostUpdated SidebarCategoryCreated SidebarCategoryDeleted
        SidebarCategoryOrderUpdated SidebarCategoryUpdated StatusChange ThreadFollowChanged ThreadReadChanged
        ThreadUpdated Typing UpdateTeam UpdateTeamScheme UserAdded UserRemoved UserRoleUpdated UserUpdated)
}

/// What the frames of a raw socket say about the typed events.
#[derive(Debug, Default)]
pub struct FrameCheck {
    /// The events' names.
    pub kinds: BTreeSet<String>,
    /// Events whose data the client keeps as untyped JSON.
    pub untyped: BTreeSet<String>,
    /// Per event, what its typed form lost: `data/<path>` or `broadcast/<path>`, and `Unknown`.
    pub lost: BTreeMap<String, Vec<String>>,
}

impl FrameCheck {
    /// Decodes every event frame of `frames` and records what its typed form lost.
    pub fn of(frames: &[Value]) -> FrameCheck {
        let mut check = FrameCheck::default();
        for frame in frames {
            let Some(name) = frame.get("event").and_then(Value::as_str) else { continue };
            let data = frame.get("data").cloned().unwrap_or(Value::Null);
            let broadcast = frame.get("broadcast").cloned().unwrap_or(Value::Null);
            let meta = EventMeta {
                broadcast: serde_json::from_value::<EventBroadcast>(broadcast.clone()).unwrap_or_default(),
                seq: frame.get("seq").and_then(Value::as_i64),
            };
            let event = Event::decode(name.to_owned(), data.clone(), meta);
            check.kinds.insert(name.to_owned());
            let mut lost = Vec::new();
            if let Some(meta) = event.meta() {
                let typed = serde_json::to_value(&meta.broadcast).expect("a broadcast serializes");
                lost.extend(lost_keys(&broadcast, &typed).into_iter().map(|l| format!("broadcast{l}")));
            }
            match (&event, typed_json(&event)) {
                (Event::Unknown { .. }, _) => lost.push(format!("Unknown: {data}")),
                (_, Some(typed)) => {
                    let sent = decode_json_members(&data, &typed);
                    lost.extend(lost_keys(&sent, &typed).into_iter().map(|l| format!("data{l}")));
                }
                (_, None) => {
                    check.untyped.insert(name.to_owned());
                }
            }
            if !lost.is_empty() {
                check.lost.entry(name.to_owned()).or_default().extend(lost);
            }
        }
        check
    }

    /// Every key lost, one line each (`<event> <path>: <what differs>`).
    pub fn losses(&self) -> Vec<String> {
        self.lost.iter().flat_map(|(event, losses)| losses.iter().map(move |loss| format!("{event} {loss}"))).collect()
    }
}

/// `data` with each member that the server sent as a string holding JSON (`posted`'s `post`),
/// and that the typed data holds as an object or a list, replaced by the JSON it holds: as the
/// client decodes it (`runtime::decode_event_data`, members of the data only).
fn decode_json_members(data: &Value, typed: &Value) -> Value {
    let (Value::Object(members), Value::Object(typed)) = (data, typed) else { return data.clone() };
    let decoded = members.iter().map(|(key, value)| {
        let held = match (value, typed.get(key)) {
            (Value::String(text), Some(Value::Object(_) | Value::Array(_))) => serde_json::from_str(text).ok(),
            _ => None,
        };
        (key.clone(), held.unwrap_or_else(|| value.clone()))
    });
    Value::Object(decoded.collect())
}
