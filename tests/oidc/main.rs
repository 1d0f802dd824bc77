//! Lamplight's OIDC sign-in against a real OpenID provider (the npm `oidc-provider`, see provider.mjs).

mod attacks;
mod browser;
mod flow;
mod idp;
