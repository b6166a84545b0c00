//! The server secret: it keys the hashes of tracking codes and idempotency keys, derives
//! the tracking code of an idempotent submission, and seals message bodies waiting in the
//! outbox. A copy of the database alone reveals none of them.
//!
//! Every app server in front of one database needs the same secret: `TAKA_SECRET` (at least
//! 32 characters). Without it the server reads, or on first start writes, `secret` in its
//! data folder (`TAKA_DATA_DIR`, default `data/`), which serves a single server and the demo.

use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::path::Path;

/// Prefix of a sealed text (version 1: XChaCha20-Poly1305, hex).
const SEALED: &str = "sealed1:";

#[derive(Clone)]
pub struct Secret([u8; 32]);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(..)")
    }
}

impl Secret {
    /// A fresh random secret (tests; a server always loads its own).
    pub fn random() -> Secret {
        Secret(rand::random())
    }

    /// A secret from a configured text: its SHA-256 (any length of at least 32 characters).
    pub fn from_text(text: &str) -> Result<Secret, String> {
        let text = text.trim();
        if text.chars().count() < 32 {
            return Err("TAKA_SECRET must be at least 32 characters".into());
        }
        use sha2::Digest;
        Ok(Secret(Sha256::digest(text.as_bytes()).into()))
    }

    /// `TAKA_SECRET`, else the file `secret` in `data_dir`, created (mode 0600) when missing.
    pub fn load(env: Option<&str>, data_dir: &Path) -> Result<Secret, String> {
        if let Some(text) = env.filter(|t| !t.trim().is_empty()) {
            return Secret::from_text(text);
        }
        let path = data_dir.join("secret");
        match std::fs::read_to_string(&path) {
            Ok(text) => Secret::from_text(&text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                std::fs::create_dir_all(data_dir)
                    .map_err(|e| format!("{}: {e}", data_dir.display()))?;
                let text = hex::encode(rand::random::<[u8; 32]>());
                write_private(&path, &text).map_err(|e| format!("{}: {e}", path.display()))?;
                Secret::from_text(&text)
            }
            Err(e) => Err(format!("{}: {e}", path.display())),
        }
    }

    /// HMAC-SHA-256 of `data` for one `purpose` (so one use's digests mean nothing in another),
    /// hex.
    pub fn mac(&self, purpose: &str, data: &[u8]) -> String {
        hex::encode(self.mac_bytes(purpose, data))
    }

    pub fn mac_bytes(&self, purpose: &str, data: &[u8]) -> [u8; 32] {
        // HMAC takes a key of any length: this cannot fail.
        let mut m = <Hmac<Sha256> as Mac>::new_from_slice(&self.0)
            .unwrap_or_else(|_| unreachable!("HMAC accepts every key length"));
        m.update(purpose.as_bytes());
        m.update(&[0]);
        m.update(data);
        m.finalize().into_bytes().into()
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new(&self.mac_bytes("seal", b"").into())
    }

    /// Encrypt and authenticate `text` (a message body waiting to be sent).
    pub fn seal(&self, text: &str) -> String {
        let nonce: [u8; 24] = rand::random();
        match self
            .cipher()
            .encrypt(XNonce::from_slice(&nonce), text.as_bytes())
        {
            Ok(c) => format!("{SEALED}{}{}", hex::encode(nonce), hex::encode(c)),
            // Encryption of an in-memory buffer does not fail; keep nothing rather than the text.
            Err(_) => String::new(),
        }
    }

    /// The text `seal` made; a text that was never sealed is returned as it is (messages
    /// written before sealing existed); `None` when a sealed text does not open.
    pub fn open(&self, stored: &str) -> Option<String> {
        let Some(hexed) = stored.strip_prefix(SEALED) else {
            return Some(stored.to_string());
        };
        let bytes = hex::decode(hexed).ok()?;
        if bytes.len() < 24 {
            return None;
        }
        let (nonce, c) = bytes.split_at(24);
        let plain = self.cipher().decrypt(XNonce::from_slice(nonce), c).ok()?;
        String::from_utf8(plain).ok()
    }
}

#[cfg(unix)]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(text.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    std::fs::write(path, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn macs_depend_on_secret_and_purpose() {
        let a = Secret::from_text(&"a".repeat(32)).unwrap();
        let b = Secret::from_text(&"b".repeat(32)).unwrap();
        assert_eq!(a.mac("code", b"X"), a.mac("code", b"X"));
        assert_ne!(a.mac("code", b"X"), b.mac("code", b"X"));
        assert_ne!(a.mac("code", b"X"), a.mac("idem", b"X"));
        assert!(Secret::from_text("short").is_err());
    }

    #[test]
    fn sealed_text_opens_only_with_its_secret() {
        let a = Secret::random();
        let sealed = a.seal("Kods: ABCDE-FGHJK");
        assert!(!sealed.contains("ABCDE"));
        assert_eq!(a.open(&sealed).as_deref(), Some("Kods: ABCDE-FGHJK"));
        assert_eq!(Secret::random().open(&sealed), None);
        assert_eq!(a.open("plain").as_deref(), Some("plain"));
        assert_eq!(a.open("sealed1:zz"), None);
        let mut tampered = sealed.clone();
        tampered.pop();
        tampered.push('0');
        assert!(a.open(&tampered).is_none() || tampered == sealed);
    }

    #[test]
    fn secret_file_is_made_once() {
        let dir = std::env::temp_dir().join(format!("taka_secret_{}", rand::random::<u64>()));
        let first = Secret::load(None, &dir).unwrap();
        let again = Secret::load(None, &dir).unwrap();
        assert_eq!(first.mac("x", b"y"), again.mac("x", b"y"));
        let from_env = Secret::load(Some(&"e".repeat(40)), &dir).unwrap();
        assert_ne!(first.mac("x", b"y"), from_env.mac("x", b"y"));
        let _ = std::fs::remove_dir_all(dir);
    }
}
