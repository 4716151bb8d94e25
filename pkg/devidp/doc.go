// Package devidp is a small OpenID Connect provider for development, so
// that `samspill up` signs people in with the same OpenID Connect code flow
// a real identity provider (HelseID, ID-porten, Entra ID) uses, without
// anything external to install.
//
// It is not for production: there are no passwords. Its sign-in page lists
// the configured users (name, role, municipality) and whoever opens it
// chooses one. To keep it from being reached by mistake, New refuses an
// issuer whose host is not loopback unless Config.AllowNonLoopback is set.
//
// # What it serves
//
// All routes live under the issuer's path (issuer http://127.0.0.1:8080/idp
// gives /idp/…), as exact patterns on a *query.Routes:
//
//	GET  /idp/.well-known/openid-configuration   discovery
//	GET  /idp/jwks                               the public signing key (ES256)
//	GET  /idp/authorize                          the sign-in page
//	POST /idp/authorize                          a user chosen (or cancelled)
//	POST /idp/token                              the code exchanged for tokens
//	GET  /idp/userinfo                           the claims of an access token
//
// Only the authorization code flow is offered, for public clients (no
// client secret) with PKCE S256 required. Clients are known in advance
// (Config.Clients) with their exact redirect URIs. A code lives 60 seconds
// and is used once; the state and nonce of the request are given back.
//
// # Tokens
//
// The token endpoint answers an ID token and an access token, both JWTs
// signed with an ECDSA P-256 key made when the provider is constructed (so
// tokens end with the process). Both carry iss, sub, aud (the client id),
// iat and exp, and the Samspill claims name, samspill_role and
// samspill_municipality (ClaimRole, ClaimMunicipality); the ID token also
// carries the request's nonce and at_hash. Provider.Token mints an access
// token without the browser, for tests and the command line's development
// sign-in.
//
// # Concurrency
//
// A Provider is safe for concurrent use. Pending sign-ins and codes are
// kept in memory and forgotten when they expire.
package devidp
