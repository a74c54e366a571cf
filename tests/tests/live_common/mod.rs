//! What the live event and runtime tests share: a server of the harness (`tests/live/`) and its
//! admin, users made for one scenario, scenarios run side by side on one server, and a proxy
//! that can cut connections.
//!
//! A server takes seconds to start, so each test binary starts one (`harness::LiveServer`) and
//! runs its scenarios on it at once, each with users, teams and channels of its own; a failing
//! scenario does not stop the others, and the test fails naming every one that failed.

#![allow(dead_code)]

pub mod proxy;

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::time::{Duration, Instant};

use mattermost_client::models::{AddTeamMemberRequest, CreateTeamRequest, CreateUserRequest, Team, User};
use mattermost_client::Client;

use crate::harness::LiveServer;

/// Longest wait for one thing to happen on the live server.
pub const WAIT: Duration = Duration::from_secs(30);

/// The password of every user these tests create.
pub const PASSWORD: &str = "Live-test-passw0rd!";

/// A running server of the harness and its system admin.
#[derive(Clone)]
pub struct Live {
    /// The server's root URL (`http://127.0.0.1:<port>`).
    pub url: String,
    /// Its address, for the proxy and raw sockets.
    pub addr: SocketAddr,
    /// A client logged in as the system admin.
    pub admin: Client,
}

impl Live {
    /// Starts a server with these extra `MM_*` settings (see `harness::LiveServer::start_with`)
    /// and logs its admin in.
    pub async fn start(settings: &[(&str, &str)]) -> (LiveServer, Live) {
        let started = Instant::now();
        let server = LiveServer::start_with(settings).unwrap_or_else(|e| panic!("the live server did not start: {e}"));
        println!(
            "live server ready in {:.1} s (ping after {:.1} s)",
            started.elapsed().as_secs_f64(),
            server.server_start.as_secs_f64()
        );
        let url = server.base_url.clone();
        let addr = SocketAddr::from(([127, 0, 0, 1], server.port()));
        let admin = Client::new(&url).expect("admin client");
        let _: User = admin.login(server.admin_login, server.admin_password).await.expect("admin login");
        (server, Live { url, addr, admin })
    }
}

/// One scenario: a name and what it does.
pub type Scenario = (&'static str, Pin<Box<dyn Future<Output = ()> + Send>>);

/// Runs the scenarios side by side, each in a task of its own, prints how long each took, and
/// fails naming every scenario that failed (with the end of the server's log).
pub async fn run(server: &LiveServer, scenarios: Vec<Scenario>) {
    let started = Instant::now();
    let count = scenarios.len();
    let tasks: Vec<_> = scenarios
        .into_iter()
        .map(|(name, scenario)| {
            (
                name,
                tokio::spawn(async move {
                    let started = Instant::now();
                    scenario.await;
                    started.elapsed()
                }),
            )
        })
        .collect();
    let mut failed = Vec::new();
    for (name, task) in tasks {
        match task.await {
            Ok(took) => println!("scenario {name}: passed in {:.2} s", took.as_secs_f64()),
            Err(error) => {
                println!("scenario {name}: FAILED");
                failed.push(format!("{name}: {}", panic_message(error)));
            }
        }
    }
    println!("{count} scenarios in {:.2} s", started.elapsed().as_secs_f64());
    assert!(failed.is_empty(), "failed scenarios:\n{}\n\n{}", failed.join("\n"), server.server_log_tail());
}

/// What a scenario's task panicked with.
fn panic_message(error: tokio::task::JoinError) -> String {
    match error.try_into_panic() {
        Ok(payload) => payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .unwrap_or_else(|| "a panic without a message".into()),
        Err(error) => error.to_string(),
    }
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
