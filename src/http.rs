//! The HTTP client every integration uses: reqwest over rustls, with one process-wide TLS
//! provider.

use std::time::Duration;

/// A client whose exchanges time out after `timeout`.
pub fn client(timeout: Duration) -> Result<reqwest::Client, String> {
    // One process-wide TLS provider; a second install is refused and harmless.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .timeout(timeout)
        .build()
        .map_err(|e| e.to_string())
}
