// example-operations: set_profile_image, get_profile_image
//! Set the logged-in user's profile image from bytes in memory (no file on disk needed).
//!
//! ```sh
//! MM_URL=https://mattermost.example.com MM_TOKEN=personal-access-token \
//!     cargo run --example upload_profile_image
//! ```

use mattermost_client::{Client, FilePart};

/// A 1x1 transparent PNG.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00, 0x01,
    0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4, 0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41,
    0x54, 0x78, 0x9c, 0x63, 0x00, 0x01, 0x00, 0x00, 0x05, 0x00, 0x01, 0x0d, 0x0a, 0x2d, 0xb4, 0x00, 0x00, 0x00, 0x00, 0x49,
    0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = Client::builder(&std::env::var("MM_URL")?).token(std::env::var("MM_TOKEN")?).build()?;
    let image = FilePart::from_bytes(PNG.to_vec(), "avatar.png").mime_type("image/png");
    let status = client.set_profile_image("me", image).await?;
    println!("status: {}", status.status.unwrap_or_default());

    // Read it back: the overlay declares the download binary, so the bytes are returned.
    let bytes = client.get_profile_image("me").await?;
    println!("profile image is {} bytes", bytes.len());
    Ok(())
}
