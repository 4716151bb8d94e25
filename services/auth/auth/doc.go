// Package auth is Samspill's access service, samspill-auth: it turns the
// credentials people and systems sign in with into the short-lived
// assertions every other service verifies (package access), manages API
// tokens, and reads the audit trail for administrators.
//
// A credential is one of three kinds:
//
//   - an API token, ssp_<id>_<secret>, issued by an administrator (or at
//     start by the process owner, Bootstrap) to a role, a municipality
//     and, for an integration, grants. The service keeps only the SHA-256
//     of the secret, in the key-value bucket SAMSPILL_TOKENS, and watches
//     the bucket, so a revoked token is refused at once by every instance;
//   - an OpenID Connect token of the one configured issuer (signature,
//     issuer, audience and expiry verified by go-oidc against the issuer's
//     JWKS), whose claims name the role and municipality;
//   - a Samspill assertion the service signed itself.
//
// Service.Authenticate accepts all three (it is the access.Authenticator
// of the HTTP edge); the exchange (samspill.auth.exchange) turns an API
// token or OpenID Connect token, never an assertion, into a fresh
// assertion, so that a revoked token cannot be renewed through the
// assertions it was exchanged for.
//
// Creating, listing and revoking tokens and reading the audit trail are
// for administrators only; each is decided and audited by an access.Guard
// before the service answers.
package auth
