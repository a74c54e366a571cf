// Copied by `cargo xtask regen` from templates/examples/channel_posts.rs. Edit it there.

// example-operations: get_posts_for_channel
//! Print every post of a channel, newest first: the stream fetches pages of posts lazily and
//! yields them in the order the server lists them, each once.
//!
//! ```sh
//! MM_URL=https://mattermost.example.com MM_TOKEN=personal-access-token MM_CHANNEL_ID=channel-id \
//!     cargo run --example channel_posts
//! ```

use futures_util::TryStreamExt;
use mattermost_client::Client;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = Client::builder(&std::env::var("MM_URL")?).token(std::env::var("MM_TOKEN")?).build()?;
    let channel_id = std::env::var("MM_CHANNEL_ID")?;

    let mut posts = client.get_posts_for_channel(&channel_id).stream();
    while let Some(post) = posts.try_next().await? {
        println!("{}\t{}", post.user_id, post.message);
    }
    Ok(())
}
