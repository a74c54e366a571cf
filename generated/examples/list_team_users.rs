// Copied by `cargo xtask regen` from templates/examples/list_team_users.rs. Edit it there.

// example-operations: get_users
//! List every user of a team, fetching pages of 200 lazily as the stream is read.
//!
//! ```sh
//! MM_URL=https://mattermost.example.com MM_TOKEN=personal-access-token MM_TEAM_ID=team-id \
//!     cargo run --example list_team_users
//! ```

use futures_util::StreamExt;
use mattermost_client::Client;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = Client::builder(&std::env::var("MM_URL")?).token(std::env::var("MM_TOKEN")?).build()?;
    let team_id = std::env::var("MM_TEAM_ID")?;

    let mut users = client.get_users().in_team(&team_id).stream();
    let mut count = 0;
    while let Some(user) = users.next().await {
        let user = user?;
        count += 1;
        println!("{}\t{}", user.id, user.username);
    }
    println!("{count} users");
    Ok(())
}
