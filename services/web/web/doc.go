// Package web is Samspill's web application for coordinators and
// analysts: server-rendered pages (html/template, with the CSS and
// JavaScript embedded) under /app/, working without JavaScript (forms
// post and redirect back) and better with it (search as you type, live
// updates over Server-Sent Events, a timeline slider).
//
// Users sign in with OpenID Connect (signin.go: authorization code flow
// with PKCE, state and nonce), and the ID token is exchanged over NATS
// (samspill.auth.exchange) for a Samspill assertion. The application talks
// to the other services only over NATS (client.go), every request carrying
// the assertion (Samspill-Assertion) and the role's purpose of use
// (Samspill-Purpose): commands at samspill.cmd.<name>, queries at
// samspill.query.<name>, pictures at samspill.render.<kind>; a map page's
// live updates follow the core NATS subjects samspill.map.<mapId>.> and
// samspill.gap.*.<mapId>.>. Downloads (exports, pictures, CSV) come
// through the application the same way, so the browser never needs a
// credential for the HTTP API.
//
// Sessions are package session's business; this package reads the
// session, checks every form's CSRF token and chooses the pages a role
// may see (coordinators their maps, analysts their municipality's region,
// administrators neither); the services decide again, and their 401 and
// 403 answers are shown as pages. Every text is in the catalogue
// of messages (English and Norwegian bokmål), chosen by a cookie the
// language switch sets, with Accept-Language as the default.
package web
