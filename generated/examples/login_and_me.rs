// Copied by `cargo xtask regen` from templates/examples/login_and_me.rs. Edit it there.

// example-operations: get_user
//! Log in with a login id (username or email) and a password, fetch the logged-in user, and
//! log out.
//!
//! ```sh
//! MM_URL=https://mattermost.example.com MM_LOGIN=alice MM_PASSWORD=secret \
//!     cargo run --example login_and_me
//! ```

use mattermost_client::{models::User, Client};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = Client::new(&std::env::var("MM_URL")?)?;
    // The session token from the reply's `Token` header is kept and sent from now on.
    let user: User = client.login(&std::env::var("MM_LOGIN")?, &std::env::var("MM_PASSWORD")?).await?;
    println!("logged in as {}", user.username);

    let me = client.get_user("me").await?;
    println!("me: id {} email {}", me.id, me.email);

    client.logout().await?;
    Ok(())
}
