//! The live harness itself: it starts a real server on a real PostgreSQL, and leaves nothing
//! running (no process, no folder) when the test using it panics.
//!
//! Built only with the `live` feature; `cargo xtask live` runs it (see tests/live/README.md).

#[path = "../live/harness.rs"]
mod harness;

use harness::{group_alive, LiveServer};

#[test]
fn starts_answers_and_stops_even_when_the_test_panics() {
    let mut seen = None;
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let server = LiveServer::start().unwrap_or_else(|e| panic!("the live server did not start: {e}"));
        assert!(server.admin_id.len() == 26, "the admin's id is a Mattermost id: {:?}", server.admin_id);
        assert!(server.pids().iter().all(|&pid| group_alive(pid)), "both process groups run");
        seen = Some((server.pids(), server.root().to_path_buf()));
        panic!("a failing live test");
    }));
    assert!(outcome.is_err(), "the closure panicked");
    let (pids, root) = seen.expect("the server started");
    for pid in pids {
        assert!(!group_alive(pid), "process group {pid} is still running after the panic");
    }
    assert!(!root.exists(), "{} was not removed", root.display());
}

#[tokio::test]
async fn the_admin_logs_in_through_the_generated_client() {
    let server = LiveServer::start().unwrap_or_else(|e| panic!("the live server did not start: {e}"));
    let client = mattermost_client::Client::new(&server.base_url).expect("client");
    let logged_in = client.login(server.admin_login, server.admin_password).await.expect("admin login");
    let me = client.get_user("me").await.expect("get me");
    assert_eq!(logged_in.id, me.id);
    assert_eq!(me.id, server.admin_id);
    assert!(me.roles.contains("system_admin"), "the first user is the system admin: {:?}", me.roles);
}
