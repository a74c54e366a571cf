//! The TOTP code the server expects for a multi-factor secret.

/// The TOTP code of `secret` (base32, as the server generates it) for now: SHA-1, six digits,
/// thirty seconds (server/channels/app/users/mfa.go checks it with dgryski/dgoogauth).
pub fn totp_now(secret: &str) -> String {
    let secret = totp_rs::Secret::try_from_base32(secret).expect("a base32 secret");
    let totp = totp_rs::Builder::new()
        .with_algorithm(totp_rs::Algorithm::SHA1)
        .with_digits(6)
        .with_step_duration(30)
        .with_secret(secret)
        .build()
        .expect("a TOTP");
    totp.generate_current().to_string()
}
