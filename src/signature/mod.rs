//! Webhook signatures: verify a captured delivery the way its provider signs
//! it, say precisely why it fails (by trying the usual mistakes and seeing
//! which one matches), and sign edited replays so receivers accept them.
//!
//! Pure: bytes, headers, secrets, URL and clock in; a [`Verdict`] out. No I/O,
//! so every scheme is tested from its published examples alone.

pub(crate) mod codec;
mod detect;
mod engine;
mod fuzz;
mod hmac_spec;
mod scheme;
mod types;
mod variants;

pub mod generic;

mod bitbucket;
mod calendly;
mod discord;
mod dropbox;
mod github;
mod gitlab;
mod hubspot;
mod intercom;
mod lemonsqueezy;
mod linear;
mod mailgun;
mod paddle;
mod paypal;
mod sentry;
mod shopify;
mod slack;
mod square;
mod standard_webhooks;
mod stripe;
mod svix;
mod twilio;
mod twitch;
mod typeform;
mod zoom;

#[cfg(test)]
mod tests;

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

pub use codec::{Algorithm, Encoding};
pub use detect::{detect, event_id};
#[doc(hidden)]
pub use fuzz::fuzz_parsers;
pub use hmac_spec::TimeUnit;
pub use scheme::{SignOptions, Signed};
pub use types::{
    Evidence, HeaderRead, Hint, HintCode, Secret, Secrets, SignParts, SignatureError, SignedBytes, SignedRequest,
    TimestampEvidence, Verdict, VerdictKind, VerifyOptions,
};

use scheme::Scheme;

/// The providers Hookscope knows, by their canonical ids.
///
/// Declared once: the ids, the list the UI offers (served at
/// `GET /api/providers`) and the generated TypeScript all come from here.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::VariantArray,
    strum::IntoStaticStr,
    ts_rs::TS,
    utoipa::ToSchema,
)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum Provider {
    Stripe,
    Github,
    Gitlab,
    Slack,
    Discord,
    Paypal,
    Shopify,
    StandardWebhooks,
    Svix,
    Twilio,
    Square,
    Paddle,
    Zoom,
    Twitch,
    Linear,
    Hubspot,
    Intercom,
    Bitbucket,
    Mailgun,
    Typeform,
    Calendly,
    Dropbox,
    Lemonsqueezy,
    Sentry,
    Generic,
}

impl Provider {
    pub const ALL: &'static [Provider] = <Provider as strum::VariantArray>::VARIANTS;

    pub fn id(self) -> &'static str {
        self.into()
    }
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

impl FromStr for Provider {
    type Err = SignatureError;

    fn from_str(s: &str) -> Result<Self, SignatureError> {
        let wanted = s.trim().to_ascii_lowercase().replace('_', "-");
        let alias = match wanted.as_str() {
            "standardwebhooks" | "standard" => "standard-webhooks",
            "lemon-squeezy" => "lemonsqueezy",
            other => other,
        };
        Provider::ALL
            .iter()
            .copied()
            .find(|p| p.id() == alias)
            .ok_or_else(|| SignatureError::UnknownProvider(s.to_owned()))
    }
}

fn scheme_for(provider: Provider, generic: Option<&generic::GenericConfig>) -> Result<Box<dyn Scheme>, SignatureError> {
    Ok(match provider {
        Provider::Stripe => Box::new(stripe::scheme()),
        Provider::Github => Box::new(github::GithubScheme),
        Provider::Gitlab => Box::new(gitlab::GitlabScheme),
        Provider::Slack => Box::new(slack::scheme()),
        Provider::Discord => Box::new(discord::DiscordScheme),
        Provider::Paypal => Box::new(paypal::PaypalScheme),
        Provider::Shopify => Box::new(shopify::scheme()),
        Provider::StandardWebhooks => Box::new(standard_webhooks::scheme()),
        Provider::Svix => Box::new(svix::scheme()),
        Provider::Twilio => Box::new(twilio::TwilioScheme),
        Provider::Square => Box::new(square::scheme()),
        Provider::Paddle => Box::new(paddle::scheme()),
        Provider::Zoom => Box::new(zoom::scheme()),
        Provider::Twitch => Box::new(twitch::scheme()),
        Provider::Linear => Box::new(linear::scheme()),
        Provider::Hubspot => Box::new(hubspot::HubspotScheme),
        Provider::Intercom => Box::new(intercom::scheme()),
        Provider::Bitbucket => Box::new(bitbucket::scheme()),
        Provider::Mailgun => Box::new(mailgun::MailgunScheme),
        Provider::Typeform => Box::new(typeform::scheme()),
        Provider::Calendly => Box::new(calendly::scheme()),
        Provider::Dropbox => Box::new(dropbox::scheme()),
        Provider::Lemonsqueezy => Box::new(lemonsqueezy::scheme()),
        Provider::Sentry => Box::new(sentry::scheme()),
        Provider::Generic => {
            let config = generic.ok_or_else(|| {
                SignatureError::BadGenericConfig("the generic scheme needs its header, template and encoding".into())
            })?;
            Box::new(config.spec()?)
        }
    })
}

/// Verifies `req` as `provider` signs it. `Err` is for usage errors only (an
/// unusable generic configuration, PayPal without a certificate); every
/// outcome about the request itself is a [`Verdict`].
pub fn verify(
    provider: Provider,
    req: &SignedRequest<'_>,
    secrets: &Secrets,
    opts: &VerifyOptions,
) -> Result<Verdict, SignatureError> {
    let scheme = scheme_for(provider, opts.generic.as_ref())?;
    engine::run(scheme.as_ref(), req, secrets, opts)
}

/// Signs a request as `provider` would, for re-signing edited replays. The
/// result holds the headers to set (replacing any of the same name) and, for
/// Mailgun only, which signs fields inside the body, the rewritten body.
///
/// Secrets: as for `verify`, except Discord takes the 32-byte Ed25519 private
/// key seed in hex, and PayPal takes the webhook id as the secret and the RSA
/// private key PEM in `opts.private_key_pem`.
pub fn sign(
    provider: Provider,
    secret: &Secret,
    parts: &SignParts<'_>,
    opts: &SignOptions,
) -> Result<Signed, SignatureError> {
    let scheme = scheme_for(provider, opts.generic.as_ref())?;
    scheme.sign(secret.expose(), parts, opts)
}

/// Whether `provider` signs the URL the sender addressed (Twilio, Square,
/// HubSpot v3…): a replay to another URL must be re-signed to verify.
pub fn signs_url(provider: Provider, generic: Option<&generic::GenericConfig>) -> bool {
    scheme_for(provider, generic).is_ok_and(|s| s.uses_url())
}
