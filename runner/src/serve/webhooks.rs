//! Webhooks: every notice the notifier delivers (`notifier.rs`) is also POSTed, as JSON, to each
//! webhook of the settings that wants its kind, for chat tools or the customer's own systems.
//! Queued, claimed, sent and retried as every delivery is (`deliveries.rs`); a delivery carries
//! the notice's key in `X-Junro-Delivery`, so one sent again after a crash is recognisably the
//! same, and `X-Junro-Signature-256`: `sha256=` and the hex HMAC-SHA256 of the body under the
//! webhook's secret.

use super::config::Webhook;
use super::deliveries::Claimed;
use super::state::AppState;
use hmac::{KeyInit, Mac};

/// The webhooks of `config` that want notices of `kind`.
pub(crate) fn wanting<'a>(webhooks: &'a [Webhook], kind: &str) -> impl Iterator<Item = &'a Webhook> {
    webhooks.iter().filter(move |w| w.kinds.is_empty() || w.kinds.iter().any(|k| k == kind))
}

/// `sha256=` and the hex HMAC-SHA256 of `body` under `secret`.
pub fn signature(secret: &str, body: &[u8]) -> String {
    let mut mac =
        hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes a key of any length");
    mac.update(body);
    let digest = mac.finalize().into_bytes();
    let mut hex = String::with_capacity(7 + digest.len() * 2);
    hex.push_str("sha256=");
    for byte in digest {
        hex.push_str(&format!("{byte:02x}"));
    }
    hex
}

/// POSTs one delivery; the error says why it did not arrive.
pub(crate) async fn send(state: &AppState, client: &reqwest::Client, delivery: &Claimed) -> Result<(), String> {
    let webhook = state
        .config
        .webhooks
        .iter()
        .find(|w| w.name == delivery.target)
        .ok_or_else(|| format!("the settings name no webhook `{}` any more", delivery.target))?;
    let response = client
        .post(&webhook.url)
        .header("content-type", "application/json")
        .header("x-junro-delivery", &delivery.notice)
        .header("x-junro-signature-256", signature(&webhook.secret, delivery.body.as_bytes()))
        .body(delivery.body.clone())
        .send()
        .await
        .map_err(|e| format!("POST {}: {e}", webhook.url))?;
    if response.status().is_success() {
        Ok(())
    } else {
        Err(format!("POST {} answered {}", webhook.url, response.status()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_the_hmac_sha256_of_the_body_in_hex() {
        // RFC 4231, test case 2.
        assert_eq!(
            signature("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
