//! The OpenID Connect relying party: discovery, the authorisation address with PKCE, the
//! code exchange and the ID token's signature (RS256, PS256 or ES256 against the
//! provider's published keys). The claims' rules are in `domain::signin`; the sign-in's
//! state, sessions and requesters are in the service layer (`service::requesters`).
//!
//! Only the provider's public metadata and keys are cached in the process: every app
//! server may fetch its own copy, and nothing about a person lives here.

use crate::domain::signin::SignInRefusal;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::time::{Duration, Instant};

/// How long discovery and keys are kept before they are fetched again.
const METADATA_TTL: Duration = Duration::from_secs(60 * 60);

/// A provider as the institution configured it (`TAKA_OIDC_*`).
#[derive(Clone)]
pub struct OidcConfig {
    /// `TAKA_OIDC_ISSUER`: discovery is at `{issuer}/.well-known/openid-configuration`.
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    /// Where the provider sends people back: `{PUBLIC_URL}/signin/callback` unless
    /// `TAKA_OIDC_REDIRECT_URI` says otherwise.
    pub redirect_uri: String,
    /// `TAKA_OIDC_SCOPES`, default `openid profile email`.
    pub scopes: String,
    /// The claim that carries the personal identifier (`TAKA_OIDC_PERSON_CLAIM`,
    /// default `personal_code`); matched only as a keyed hash.
    pub person_claim: String,
    /// What the sign-in button names (`TAKA_OIDC_NAME`), e.g. "Latvija.lv".
    pub display_name: String,
}

impl std::fmt::Debug for OidcConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcConfig")
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("redirect_uri", &self.redirect_uri)
            .field("scopes", &self.scopes)
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize, Clone, Debug)]
struct Metadata {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
    jwks_uri: String,
}

#[derive(Deserialize, Clone, Debug)]
struct Jwk {
    #[serde(default)]
    kty: String,
    #[serde(default)]
    kid: Option<String>,
    #[serde(default, rename = "use")]
    usage: Option<String>,
    #[serde(default)]
    n: Option<String>,
    #[serde(default)]
    e: Option<String>,
    #[serde(default)]
    crv: Option<String>,
    #[serde(default)]
    x: Option<String>,
    #[serde(default)]
    y: Option<String>,
}

#[derive(Deserialize, Clone, Debug)]
struct Jwks {
    keys: Vec<Jwk>,
}

#[derive(Clone, Debug)]
struct Known {
    metadata: Metadata,
    keys: Vec<Jwk>,
    at: Instant,
}

/// A configured provider and what has been learnt of it.
#[derive(Debug)]
pub struct Oidc {
    pub config: OidcConfig,
    http: reqwest::Client,
    known: tokio::sync::Mutex<Option<Known>>,
}

/// What the provider's token endpoint answers.
#[derive(Deserialize)]
struct TokenAnswer {
    id_token: Option<String>,
}

impl Oidc {
    pub fn new(config: OidcConfig) -> Result<Oidc, String> {
        crate::domain::signin::check_issuer(&config.issuer)?;
        if config.client_id.trim().is_empty() {
            return Err("the client id is empty".into());
        }
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Oidc {
            config,
            http,
            known: Default::default(),
        })
    }

    /// Discovery and keys, fetched when missing or an hour old (or `refresh`: a token named
    /// a key we do not know, so the provider may have rotated them).
    async fn known(&self, refresh: bool) -> Result<Known, SignInRefusal> {
        let mut known = self.known.lock().await;
        if let Some(k) = known.as_ref()
            && !refresh
            && k.at.elapsed() < METADATA_TTL
        {
            return Ok(k.clone());
        }
        let url = format!(
            "{}/.well-known/openid-configuration",
            self.config.issuer.trim_end_matches('/')
        );
        let metadata: Metadata = self.get_json(&url).await?;
        // Discovery 4.3: the document must name the issuer that was asked.
        if metadata.issuer != self.config.issuer {
            tracing::warn!(
                configured = %self.config.issuer, answered = %metadata.issuer,
                "sign-in refused: the provider names another issuer"
            );
            return Err(SignInRefusal::Issuer);
        }
        let jwks: Jwks = self.get_json(&metadata.jwks_uri).await?;
        let k = Known {
            metadata,
            keys: jwks.keys,
            at: Instant::now(),
        };
        *known = Some(k.clone());
        Ok(k)
    }

    async fn get_json<T: serde::de::DeserializeOwned>(
        &self,
        url: &str,
    ) -> Result<T, SignInRefusal> {
        let resp = self.http.get(url).send().await.map_err(|e| {
            tracing::warn!(%url, error = %e, "sign-in provider unreachable");
            SignInRefusal::Unavailable
        })?;
        if !resp.status().is_success() {
            tracing::warn!(%url, status = %resp.status(), "sign-in provider answered an error");
            return Err(SignInRefusal::Unavailable);
        }
        resp.json().await.map_err(|e| {
            tracing::warn!(%url, error = %e, "sign-in provider answered nonsense");
            SignInRefusal::Unavailable
        })
    }

    /// The provider's authorisation address for one sign-in.
    pub async fn authorisation_url(
        &self,
        state: &str,
        nonce: &str,
        verifier: &str,
        lang: &str,
    ) -> Result<String, SignInRefusal> {
        let known = self.known(false).await?;
        let mut url = url::Url::parse(&known.metadata.authorization_endpoint)
            .map_err(|_| SignInRefusal::Unavailable)?;
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", &self.config.client_id)
            .append_pair("redirect_uri", &self.config.redirect_uri)
            .append_pair("scope", &self.config.scopes)
            .append_pair("state", state)
            .append_pair("nonce", nonce)
            .append_pair("code_challenge", &pkce_challenge(verifier))
            .append_pair("code_challenge_method", "S256")
            .append_pair("ui_locales", lang);
        Ok(url.to_string())
    }

    /// Exchange the code (with this sign-in's PKCE verifier) and return the ID token's
    /// claims, its signature checked. The claims' rules are the caller's (`check_claims`).
    pub async fn exchange(
        &self,
        code: &str,
        verifier: &str,
    ) -> Result<crate::domain::signin::IdClaims, SignInRefusal> {
        let known = self.known(false).await?;
        let resp = self
            .http
            .post(&known.metadata.token_endpoint)
            .basic_auth(
                urlencoding::encode(&self.config.client_id),
                Some(urlencoding::encode(&self.config.client_secret)),
            )
            .header("accept", "application/json")
            .form(&[
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", &self.config.redirect_uri),
                ("code_verifier", verifier),
            ])
            .send()
            .await
            .map_err(|e| {
                tracing::warn!(error = %e, "sign-in provider unreachable for the code exchange");
                SignInRefusal::Unavailable
            })?;
        let status = resp.status();
        if status.is_client_error() {
            // invalid_grant and the like: a code used already, expired or not ours.
            let body = resp.text().await.unwrap_or_default();
            tracing::info!(%status, body = %body.chars().take(300).collect::<String>(), "sign-in code refused by the provider");
            return Err(SignInRefusal::Code);
        }
        if !status.is_success() {
            return Err(SignInRefusal::Unavailable);
        }
        let answer: TokenAnswer = resp.json().await.map_err(|_| SignInRefusal::Unavailable)?;
        let token = answer.id_token.ok_or(SignInRefusal::Token)?;
        let (header, claims) = match verify(&token, &known.keys) {
            Err(Verify::UnknownKey) => {
                let fresh = self.known(true).await?;
                verify(&token, &fresh.keys)
            }
            other => other,
        }
        .map_err(|e| {
            tracing::warn!(error = ?e, "sign-in refused: the ID token's signature");
            SignInRefusal::Token
        })?;
        let _ = header;
        serde_json::from_slice(&claims).map_err(|_| SignInRefusal::Token)
    }
}

/// RFC 7636: the S256 challenge of a verifier.
pub fn pkce_challenge(verifier: &str) -> String {
    B64.encode(Sha256::digest(verifier.as_bytes()))
}

#[derive(Debug, PartialEq, Eq)]
enum Verify {
    Malformed,
    Algorithm,
    UnknownKey,
    Signature,
}

#[derive(Deserialize)]
struct JoseHeader {
    alg: String,
    #[serde(default)]
    kid: Option<String>,
}

/// Check a compact JWS against the provider's keys and return its header and payload.
/// Only asymmetric algorithms are taken (never `none` or an HMAC keyed with something
/// public), and the key must be of the algorithm's kind.
fn verify(token: &str, keys: &[Jwk]) -> Result<(String, Vec<u8>), Verify> {
    use ring::signature;
    let mut parts = token.split('.');
    let (Some(h), Some(p), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(Verify::Malformed);
    };
    let header_bytes = B64.decode(h).map_err(|_| Verify::Malformed)?;
    let header: JoseHeader =
        serde_json::from_slice(&header_bytes).map_err(|_| Verify::Malformed)?;
    let payload = B64.decode(p).map_err(|_| Verify::Malformed)?;
    let sig = B64.decode(s).map_err(|_| Verify::Malformed)?;
    let message = &token.as_bytes()[..h.len() + 1 + p.len()];
    let kty = match header.alg.as_str() {
        "RS256" | "PS256" => "RSA",
        "ES256" => "EC",
        _ => return Err(Verify::Algorithm),
    };
    let candidates: Vec<&Jwk> = keys
        .iter()
        .filter(|k| k.kty == kty && k.usage.as_deref().is_none_or(|u| u == "sig"))
        .filter(|k| header.kid.is_none() || k.kid == header.kid)
        .collect();
    if candidates.is_empty() {
        return Err(Verify::UnknownKey);
    }
    let decode = |v: &Option<String>| v.as_deref().and_then(|v| B64.decode(v).ok());
    for key in candidates {
        let ok = match header.alg.as_str() {
            "RS256" | "PS256" => {
                let (Some(n), Some(e)) = (decode(&key.n), decode(&key.e)) else {
                    continue;
                };
                let params = if header.alg == "RS256" {
                    &signature::RSA_PKCS1_2048_8192_SHA256
                } else {
                    &signature::RSA_PSS_2048_8192_SHA256
                };
                signature::RsaPublicKeyComponents { n: &n, e: &e }
                    .verify(params, message, &sig)
                    .is_ok()
            }
            _ => {
                let (Some(x), Some(y)) = (decode(&key.x), decode(&key.y)) else {
                    continue;
                };
                if key.crv.as_deref() != Some("P-256") || x.len() != 32 || y.len() != 32 {
                    continue;
                }
                let mut point = vec![4u8];
                point.extend_from_slice(&x);
                point.extend_from_slice(&y);
                signature::UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, &point)
                    .verify(message, &sig)
                    .is_ok()
            }
        };
        if ok {
            return Ok((header.alg, payload));
        }
    }
    Err(Verify::Signature)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pkce_challenge_is_rfc_7636s_example() {
        // RFC 7636, Appendix B.
        assert_eq!(
            pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn an_es256_token_signed_by_the_providers_key_verifies_and_a_changed_one_does_not() {
        use ring::rand::SystemRandom;
        use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng)
            .unwrap();
        let point = pair.public_key().as_ref();
        let key = Jwk {
            kty: "EC".into(),
            kid: Some("ec1".into()),
            usage: None,
            n: None,
            e: None,
            crv: Some("P-256".into()),
            x: Some(B64.encode(&point[1..33])),
            y: Some(B64.encode(&point[33..65])),
        };
        let signed = |payload: &str| {
            let input = format!(
                "{}.{}",
                B64.encode(r#"{"alg":"ES256","kid":"ec1"}"#),
                B64.encode(payload)
            );
            let sig = pair.sign(&rng, input.as_bytes()).unwrap();
            format!("{input}.{}", B64.encode(sig.as_ref()))
        };
        let token = signed(r#"{"sub":"anna-sub"}"#);
        let (alg, payload) = verify(&token, std::slice::from_ref(&key)).unwrap();
        assert_eq!(alg, "ES256");
        assert_eq!(payload, br#"{"sub":"anna-sub"}"#);
        // Another payload under the same signature fails.
        let mut parts: Vec<&str> = token.split('.').collect();
        let forged = B64.encode(r#"{"sub":"janis-sub"}"#);
        parts[1] = &forged;
        assert_eq!(verify(&parts.join("."), &[key]), Err(Verify::Signature));
    }

    #[test]
    fn tokens_without_an_asymmetric_signature_by_a_known_key_are_refused() {
        let h = |alg: &str| B64.encode(format!(r#"{{"alg":"{alg}","kid":"k1"}}"#));
        let p = B64.encode(r#"{"sub":"x"}"#);
        let rsa = Jwk {
            kty: "RSA".into(),
            kid: Some("k1".into()),
            usage: Some("sig".into()),
            n: Some(B64.encode([0xC5u8; 256])),
            e: Some(B64.encode([1u8, 0, 1])),
            crv: None,
            x: None,
            y: None,
        };
        let keys = vec![rsa.clone()];
        assert_eq!(verify("a.b", &keys), Err(Verify::Malformed));
        assert_eq!(verify("a.b.c.d", &keys), Err(Verify::Malformed));
        assert_eq!(
            verify(&format!("{}.{p}.", h("none")), &keys),
            Err(Verify::Algorithm)
        );
        assert_eq!(
            verify(&format!("{}.{p}.AAAA", h("HS256")), &keys),
            Err(Verify::Algorithm)
        );
        assert_eq!(
            verify(&format!("{}.{p}.AAAA", h("ES256")), &keys),
            Err(Verify::UnknownKey)
        );
        assert_eq!(
            verify(
                &format!("{}.{p}.{}", h("RS256"), B64.encode([7u8; 256])),
                &keys
            ),
            Err(Verify::Signature)
        );
        let other = Jwk {
            kid: Some("k2".into()),
            ..rsa
        };
        assert_eq!(
            verify(&format!("{}.{p}.AAAA", h("RS256")), &[other]),
            Err(Verify::UnknownKey)
        );
    }
}
