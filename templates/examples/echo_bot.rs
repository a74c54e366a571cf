// example-operations: get_user, create_post
// example-features: websocket
//! A bot that listens to the server's events and answers, in the thread, every message that
//! mentions it, echoing the message back.
//!
//! ```sh
//! MM_URL=https://mattermost.example.com MM_TOKEN=bot-access-token \
//!     cargo run --example echo_bot --features websocket
//! ```
//!
//! The stream reconnects by itself when the connection drops and asks the server to replay
//! what was missed; when it cannot, a `Gap` notice says that events were lost. The bot stops on
//! an error that ends the stream (a refused token, or reconnection given up).

use futures_util::StreamExt;
use mattermost_client::events::{ConnectionNotice, Event};
use mattermost_client::models::{CreatePostRequest, Post};
use mattermost_client::Client;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = Client::builder(&std::env::var("MM_URL")?).token(std::env::var("MM_TOKEN")?).build()?;
    let me = client.get_user("me").await?;
    let mention = format!("@{}", me.username);
    println!("listening as {mention}");

    let mut events = client.events().await?;
    while let Some(item) = events.next().await {
        match item? {
            Event::Posted { data, .. } => {
                let post = data.post;
                // The server lists the mentioned user ids only on the copy sent to them; the
                // text is checked too, for servers that do not.
                let mentioned = data.mentions.is_some_and(|ids| ids.contains(&me.id)) || post.message.contains(&mention);
                if post.user_id == me.id || !mentioned {
                    continue;
                }
                match client.create_post(&echo(&post)).await {
                    Ok(reply) => println!("answered {} with {}", post.id, reply.id),
                    // One failed reply (no permission in that channel...) does not stop the bot.
                    Err(error) => eprintln!("could not answer {}: {error}", post.id),
                }
            }
            Event::Connection(ConnectionNotice::Gap { .. }) => eprintln!("events were lost while disconnected"),
            Event::Connection(notice) => println!("connection: {notice:?}"),
            _ => {}
        }
    }
    Ok(())
}

/// The reply to `post`: its text, in its thread (or starting one).
fn echo(post: &Post) -> CreatePostRequest {
    let root_id = if post.root_id.is_empty() { &post.id } else { &post.root_id };
    CreatePostRequest {
        channel_id: post.channel_id.clone(),
        root_id: Some(root_id.clone()),
        message: format!("echo: {}", post.message),
        ..Default::default()
    }
}
