// Package web is Samspill's web application for coordinators and
// analysts: server-rendered pages (html/template, with the CSS and
// JavaScript embedded) under /app/, working without JavaScript (forms
// post and redirect back) and better with it (search as you type, live
// updates over Server-Sent Events, a timeline slider).
//
// The application talks to the other services only over NATS (client.go):
// commands at samspill.cmd.<name> with the user's pseudonymous principal in
// the Samspill-Principal header, queries at samspill.query.<name>, pictures
// at samspill.render.<kind>; a map page's live updates follow the core NATS
// subjects samspill.map.<mapId>.> and samspill.gap.*.<mapId>.>. Export
// links point at the HTTP API (/v1/…) of the same origin, or of
// Options.APIBase.
//
// Who is signed in is package session's business; this package reads the
// session, checks every form's CSRF token and chooses the pages a role
// may see (analysts see no citizen maps). Every text is in the catalogue
// of messages (English and Norwegian bokmål), chosen by a cookie the
// language switch sets, with Accept-Language as the default.
package web
