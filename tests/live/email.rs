//! Email in the live API test: the server sends its mail to a loopback SMTP sink (smtp.rs),
//! and the tokens it mails become the arguments of the operations that take them.
//!
//! What each handler needs (server v8.0.0-20240520151130-4bdd8bb18e47, the module
//! tests/live/server/go.mod pins):
//! - `TestEmail` (`server/channels/api4/system.go` `testEmail`, `app/admin.go` `TestEmail`):
//!   without a body it tests the saved config, and it always sends through the server's own
//!   mail settings (`MailServiceConfig`): a reachable SMTP server is all it needs.
//! - `SendPasswordResetEmail` (`api4/user.go` `sendPasswordReset`, `app/user.go`
//!   `SendPasswordReset`): mails a `reset_password_complete?token=…` link
//!   (`app/email/email.go` `SendPasswordResetEmail`) and fails with 500 when it cannot.
//! - `ResetPassword` (`api4/user.go` `resetPassword`, `app/user.go` `resetPasswordFromToken`):
//!   a 64-character password-recovery token that is not expired, of a user whose email has not
//!   changed since.
//! - `VerifyUserEmail` (`api4/user.go` `verifyUserEmail`, `app/user.go` `VerifyEmailFromToken`):
//!   a verify-email token, mailed by `sendVerificationEmail` (`app/user.go`
//!   `SendEmailVerification`, `app/email/email.go` `SendVerifyEmail`).
//!
//! Neither mail handler reads `SendEmailNotifications` (`app/email/email.go` `sendMail` sends
//! whenever an SMTP server is set), so it stays off: no notification or welcome mail.

use std::time::Duration;

use mattermost_client::Client;
use reqwest::Method;
use serde_json::json;

use crate::smtp::Sink;
use crate::world::{self, World};

/// How long a token may take to reach the sink (both handlers mail before they answer).
const MAIL_TIMEOUT: Duration = Duration::from_secs(10);

/// The settings that send the server's email to `sink`: plain SMTP on loopback, no
/// authentication (`server/public/model/config.go` `EmailSettings`; its defaults give
/// `ConnectionSecurity` none and `EnableSMTPAuth` false).
pub fn settings(sink: &Sink) -> Vec<(&'static str, String)> {
    vec![
        ("MM_EMAILSETTINGS_SMTPSERVER", "127.0.0.1".to_string()),
        ("MM_EMAILSETTINGS_SMTPPORT", sink.port().to_string()),
        ("MM_EMAILSETTINGS_FEEDBACKNAME", "Live test".to_string()),
        ("MM_EMAILSETTINGS_FEEDBACKEMAIL", "live@example.com".to_string()),
    ]
}

/// Mails a password reset and an email verification to two users of their own, and gives
/// `ResetPassword` and `VerifyUserEmail` the tokens read from the sink.
pub async fn cases(client: &Client, w: &mut World, sink: &Sink) {
    let resetting = world::person(client, "mailreset").await.expect("the user whose password is reset");
    world::api(client, Method::POST, "/api/v4/users/password/reset/send", &[], Some(json!({"email": resetting.email})))
        .await
        .expect("mail a password reset");
    let reset = sink.wait_token_for(&resetting.email, MAIL_TIMEOUT).await.expect("a password-reset token in the sink");
    w.overrides.insert(("ResetPassword", "body"), json!({"token": reset, "new_password": "Live-password-3"}));

    let verifying = world::person(client, "mailverify").await.expect("the user whose email is verified");
    world::api(client, Method::POST, "/api/v4/users/email/verify/send", &[], Some(json!({"email": verifying.email})))
        .await
        .expect("mail an email verification");
    let verify = sink.wait_token_for(&verifying.email, MAIL_TIMEOUT).await.expect("a verify-email token in the sink");
    w.overrides.insert(("VerifyUserEmail", "body"), json!({"token": verify}));
}
