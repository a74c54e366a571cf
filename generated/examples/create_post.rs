// Copied by `cargo xtask regen` from templates/examples/create_post.rs. Edit it there.

// example-operations: create_post
//! Create a post in a channel.
//!
//! ```sh
//! MM_URL=https://mattermost.example.com MM_TOKEN=personal-access-token MM_CHANNEL_ID=channel-id \
//!     cargo run --example create_post
//! ```

use mattermost_client::{models::CreatePostRequest, Client};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = Client::builder(&std::env::var("MM_URL")?).token(std::env::var("MM_TOKEN")?).build()?;
    let post = CreatePostRequest {
        channel_id: std::env::var("MM_CHANNEL_ID")?,
        message: "Hello from Rust :wave:".to_string(),
        ..Default::default()
    };
    let created = client.create_post(&post).await?;
    println!("created post {}", created.id);
    Ok(())
}
