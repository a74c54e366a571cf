//! What the live event and runtime tests share: the running server, users made for one test,
//! a proxy that can cut connections, and the check that a typed value lost nothing.

#![allow(dead_code)]

pub mod keys;
pub mod proxy;

use std::net::SocketAddr;
use std::time::Duration;

use mattermost_client::models::{AddTeamMemberRequest, CreateTeamRequest, CreateUserRequest, Team, User};
use mattermost_client::Client;

/// Longest wait for one thing to happen on the live server.
pub const WAIT: Duration = Duration::from_secs(30);

/// The password of every user these tests create.
pub const PASSWORD: &str = "Live-test-passw0rd!";

/// The running server and its system admin.
pub struct Live {
    /// The server's root URL (`http://127.0.0.1:<port>`).
    pub url: String,
    /// Its address, for the proxy.
    pub addr: SocketAddr,
    /// A client logged in as the system admin.
    pub admin: Client,
}

/// The live server: `MM_LIVE_URL`, its admin `MM_LIVE_ADMIN` with `MM_LIVE_PASSWORD`.
pub async fn live() -> Live {
    let url = std::env::var("MM_LIVE_URL").expect("MM_LIVE_URL: the live server's URL");
    let login = std::env::var("MM_LIVE_ADMIN").expect("MM_LIVE_ADMIN: the live server's admin");
    let password = std::env::var("MM_LIVE_PASSWORD").expect("MM_LIVE_PASSWORD");
    let addr = url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .parse()
        .expect("MM_LIVE_URL is http://<ip>:<port>");
    let admin = Client::new(&url).expect("admin client");
    let _: User = admin.login(&login, &password).await.expect("admin login");
    Live { url, addr, admin }
}

/// A name no other test or run uses: `prefix` and eight random letters.
pub fn unique(prefix: &str) -> String {
    let tail: String = (0..8).map(|_| fastrand::lowercase()).collect();
    format!("{prefix}{tail}")
}

impl Live {
    /// A new user (made by the admin) and a client logged in as them with a password.
    pub async fn user(&self, prefix: &str) -> (User, Client) {
        let username = unique(prefix);
        let request = CreateUserRequest {
            email: format!("{username}@example.com"),
            username: username.clone(),
            password: Some(PASSWORD.into()),
            ..Default::default()
        };
        let user = self.admin.create_user(&request).await.expect("create a user");
        let client = Client::new(&self.url).expect("user client");
        let _: User = client.login(&username, PASSWORD).await.expect("user login");
        (user, client)
    }

    /// A new open team (made by the admin) with these users as members.
    pub async fn team(&self, members: &[&User]) -> Team {
        let name = unique("team");
        let request = CreateTeamRequest {
            name: name.clone(),
            display_name: name,
            r#type: "O".into(),
        };
        let team = self.admin.create_team(&request).await.expect("create a team");
        for user in members {
            let member = AddTeamMemberRequest {
                team_id: Some(team.id.clone()),
                user_id: Some(user.id.clone()),
            };
            self.admin.add_team_member(&team.id, &member).await.expect("add a team member");
        }
        team
    }

    /// A client of `url` (the server, or a proxy in front of it) logged in as `user`: a
    /// session of its own.
    pub async fn login_at(url: &str, user: &User) -> Client {
        let client = Client::new(url).expect("client");
        let _: User = client.login(&user.username, PASSWORD).await.expect("login");
        client
    }

    /// A session token of `user`, from a login made without the client under test (for a raw
    /// WebSocket that records what the server sends).
    pub async fn raw_token(&self, user: &User) -> String {
        let body = serde_json::json!({"login_id": user.username, "password": PASSWORD});
        let reply = reqwest::Client::new()
            .post(format!("{}/api/v4/users/login", self.url))
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .expect("raw login");
        assert!(reply.status().is_success(), "raw login: {}", reply.status());
        let token = reply.headers().get("token").and_then(|v| v.to_str().ok()).expect("a Token header");
        token.to_owned()
    }
}
