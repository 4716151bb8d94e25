package web

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/samspill/samspill/pkg/access"
	"github.com/samspill/samspill/pkg/query"
	"github.com/samspill/samspill/services/graph/graph"
	"github.com/samspill/samspill/services/web/session"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

// Options configure a Server.
type Options struct {
	Logger *slog.Logger
	// OIDC is how users sign in (required).
	OIDC OIDC
	// Timeout bounds one NATS query or command (default 5 s); pictures get
	// six times as long.
	Timeout time.Duration
	// Now is the clock (default time.Now); the ID tokens' expiry is
	// checked against it too.
	Now func() time.Time
}

// Server is the web application.
type Server struct {
	ctx      context.Context
	log      *slog.Logger
	sessions *session.Store
	logins   *session.Logins
	oidc     OIDC
	rp       relyingParty
	secure   bool // cookies are Secure even without TLS here (behind a proxy)
	client   *client
	cat      *catalogue
	pages    map[string]*template.Template
	static   fs.FS
	now      func() time.Time
}

// pageNames lists the pages, each a template file beside layout.html.
func pageNames() []string { return []string{"signin", "home", "admin", "map", "area", "error"} }

// New returns the web application using nc for every request to the
// other services. ctx ends its live connections (cancel it before
// shutting the HTTP server down). The identity provider is not asked
// anything yet: its discovery document is read at the first sign-in (so
// that it may be served by the same process, and start after this).
func New(ctx context.Context, nc *nats.Conn, opts Options) (*Server, error) {
	if nc == nil {
		return nil, errors.New("web: no NATS connection")
	}
	if err := opts.OIDC.validate(); err != nil {
		return nil, err
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 5 * time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	static, err := fs.Sub(staticFiles, "static")
	if err != nil {
		return nil, fmt.Errorf("web: static files: %w", err)
	}
	s := &Server{ctx: ctx, log: opts.Logger, sessions: session.NewStore(opts.Now), logins: session.NewLogins(opts.Now),
		oidc: opts.OIDC, secure: strings.HasPrefix(opts.OIDC.RedirectURL, "https://"),
		client: &client{nc: nc, timeout: opts.Timeout},
		cat:    newCatalogue(), pages: map[string]*template.Template{}, static: static,
		now: opts.Now}
	for _, name := range pageNames() {
		t, err := template.New("layout.html").Funcs(templateFuncs()).ParseFS(templateFiles, "templates/layout.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("web: template %s: %w", name, err)
		}
		s.pages[name] = t
	}
	return s, nil
}

// Routes returns the application's routes, all under /app/.
//
//	GET  /app/                          my maps (coordinator), my region (analyst), or the administrator's page
//	GET  /app/signin                    the signed-out page (why, and a sign-in button)
//	GET  /app/login?next=               sign in at the identity provider (OpenID Connect)
//	GET  /app/callback                  back from the identity provider
//	POST /app/logout
//	GET  /app/lang?to=en|nb&back=       the language switch
//	POST /app/maps                      open a citizen map
//	GET  /app/maps/{mapId}?at=          a citizen map
//	POST /app/maps/{mapId}/<form>       the map page's forms (see mapForms)
//	GET  /app/maps/{mapId}/picture.svg  the map's picture (samspill.render.map)
//	GET  /app/maps/{mapId}/live         Server-Sent Events on each change
//	GET  /app/maps/{mapId}/{export.json,export.csv,export.graphml,export.gexf,careteam.json,picture.png,picture.pdf}?at=
//	                                    the map's downloads (samspill.query.export, samspill.render.map)
//	GET  /app/directory?q=              directory search (JSON, for the page's script)
//	GET  /app/areas?municipality=, GET /app/areas/{municipality}
//	GET  /app/areas/{municipality}/picture.svg
//	GET  /app/areas/{municipality}/{matrix.csv,prevalence.csv,export.graphml,export.gexf,picture.pdf}
//	                                    the region's downloads
//	GET  /app/static/…                  CSS and JavaScript
//
// Map pages are for coordinators, region pages for analysts (of their own
// municipality); the services check the same again.
func (s *Server) Routes() *query.Routes {
	rt := query.NewRoutes()
	rt.HandleFunc("GET /app/{$}", s.signedIn(s.home))
	rt.HandleFunc("GET /app/signin", s.signinPage)
	rt.HandleFunc("GET /app/login", s.login)
	rt.HandleFunc("GET /app/callback", s.callback)
	rt.HandleFunc("POST /app/logout", s.logout)
	rt.HandleFunc("GET /app/lang", s.switchLang)
	rt.HandleFunc("POST /app/maps", s.signedIn(s.openMap, access.Coordinator))
	rt.HandleFunc("GET /app/maps/{mapId}", s.signedIn(s.mapPage, access.Coordinator))
	for _, f := range mapForms() {
		rt.HandleFunc("POST /app/maps/{mapId}/"+f.path, s.signedIn(s.mapForm(f), access.Coordinator))
	}
	rt.HandleFunc("GET /app/maps/{mapId}/picture.svg", s.signedIn(s.mapPicture, access.Coordinator))
	rt.HandleFunc("GET /app/maps/{mapId}/live", s.signedIn(s.live, access.Coordinator))
	for _, d := range mapDownloads() {
		rt.HandleFunc("GET /app/maps/{mapId}/"+d.name, s.signedIn(s.mapExport(d), access.Coordinator))
	}
	for _, f := range []string{"png", "pdf"} {
		rt.HandleFunc("GET /app/maps/{mapId}/picture."+f, s.signedIn(s.mapPictureFile(f), access.Coordinator))
	}
	rt.HandleFunc("GET /app/directory", s.signedIn(s.directoryJSON, access.Coordinator))
	rt.HandleFunc("GET /app/areas", s.signedIn(s.areaPick, access.Analyst))
	rt.HandleFunc("GET /app/areas/{municipality}", s.signedIn(s.areaPage, access.Analyst))
	rt.HandleFunc("GET /app/areas/{municipality}/picture.svg", s.signedIn(s.areaPicture, access.Analyst))
	rt.HandleFunc("GET /app/areas/{municipality}/picture.pdf", s.signedIn(s.areaPictureFile("pdf"), access.Analyst))
	rt.HandleFunc("GET /app/areas/{municipality}/matrix.csv", s.signedIn(s.matrixCSV, access.Analyst))
	rt.HandleFunc("GET /app/areas/{municipality}/prevalence.csv", s.signedIn(s.prevalenceCSV, access.Analyst))
	for _, f := range []string{graph.FormatGraphML, graph.FormatGEXF} {
		rt.HandleFunc("GET /app/areas/{municipality}/export."+f, s.signedIn(s.areaExport(f), access.Analyst))
	}
	rt.Handle("GET /app/static/", http.StripPrefix("/app/static/", s.staticHandler()))
	return rt
}

func (s *Server) staticHandler() http.Handler {
	files := http.FileServerFS(s.static)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-cache")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		files.ServeHTTP(w, r)
	})
}

// req is one request of a signed-in (or anonymous) user.
type req struct {
	w    http.ResponseWriter
	r    *http.Request
	sess session.Session
	lang string
}

// handler is a page handler of a signed-in user.
type handler func(q *req)

// signedIn wraps h: the session must hold (otherwise to the sign-in), be
// of one of roles when any are named (otherwise 403), a POST must carry
// the session's CSRF token (otherwise 403), and the session's assertion is
// renewed when it is about to run out. h's request context carries the
// assertion and the role's purpose of use, which every NATS request sends.
func (s *Server) signedIn(h handler, roles ...access.Role) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		secureHeaders(w)
		q := &req{w: w, r: r, lang: s.language(r)}
		sess, err := s.sessions.Read(r)
		if err != nil {
			s.signedOut(q, err)
			return
		}
		q.sess = sess
		if r.Method == http.MethodPost {
			if err := r.ParseForm(); err != nil || !session.CheckCSRF(sess, r.PostForm.Get("csrf")) {
				s.errorPage(q, http.StatusForbidden, "error.csrf")
				return
			}
		}
		if len(roles) > 0 && !slices.Contains(roles, sess.Role) {
			s.errorPage(q, http.StatusForbidden, roleRefusal(sess.Role))
			return
		}
		if sess, err = s.fresh(r.Context(), sess); err != nil {
			var se *serviceError
			if errors.As(err, &se) && (se.Status == http.StatusUnauthorized || se.Status == http.StatusForbidden) {
				// The access service no longer vouches for the user.
				s.sessions.End(sess.ID)
				s.clearSession(q)
				s.log.Warn("assertion renewal refused; session ended", "status", se.Status)
				http.Redirect(w, r, "/app/signin?refused=1", http.StatusSeeOther)
				return
			}
			s.errorPage(q, http.StatusServiceUnavailable, s.queryFailure("exchange", err))
			return
		}
		q.sess = sess
		q.r = r.WithContext(withCredentials(r.Context(), credentials{assertion: sess.Assertion, purpose: access.DefaultPurpose(sess.Role)}))
		h(q)
	}
}

// signedOut answers a request without a session: a page's GET goes to
// the sign-in (the identity provider, or the signed-out page saying why
// the session ended), the script's requests get 401.
func (s *Server) signedOut(q *req, err error) {
	r := q.r
	if _, cerr := r.Cookie(session.CookieName); cerr == nil {
		s.clearSession(q)
	}
	if strings.Contains(r.Header.Get("Accept"), "text/event-stream") || strings.HasPrefix(r.URL.Path, "/app/directory") {
		http.Error(q.w, "signed out", http.StatusUnauthorized)
		return
	}
	target := "/app/login"
	switch {
	case errors.Is(err, session.ErrExpired):
		target = "/app/signin?expired=1"
	case errors.Is(err, session.ErrIdle):
		target = "/app/signin?idle=1"
	case r.Method == http.MethodGet && r.URL.Path != "/app/" && !strings.HasSuffix(r.URL.Path, "/live"):
		target += "?next=" + url.QueryEscape(r.URL.RequestURI())
	}
	http.Redirect(q.w, r, target, http.StatusSeeOther)
}

// roleRefusal is the message of a page the role cannot open.
func roleRefusal(r access.Role) string {
	switch r {
	case access.Analyst:
		return "error.role"
	case access.Admin:
		return "error.role.admin"
	case access.Coordinator:
		return "error.role.coordinator"
	}
	return "error.role.other"
}

func secureHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Frame-Options", "DENY")
}

// view is what every page template gets.
type view struct {
	Lang    string
	Title   string
	Session session.Session
	CSRF    string
	Path    string
	Flash   string
	Nav     string
	Data    any
	cat     *catalogue
	forms   map[string]*form
	now     time.Time
}

// T returns the text of key in the page's language.
func (v *view) T(key string) string { return v.cat.text(v.Lang, key) }

// Tf formats the text of key with args.
func (v *view) Tf(key string, args ...any) string { return fmt.Sprintf(v.T(key), args...) }

// V returns the label of a vocabulary value ("sector", "primary-health").
func (v *view) V(kind string, value any) string {
	s := fmt.Sprint(value)
	if s == "" {
		return ""
	}
	return v.cat.textOr(v.Lang, kind+"."+s, s)
}

// Form returns the state of the form id (never nil).
func (v *view) Form(id string) *form {
	if f, ok := v.forms[id]; ok {
		return f
	}
	f := &form{id: id, values: url.Values{}, errs: map[string]string{}}
	v.forms[id] = f
	return f
}

// OtherLang is the language the switch offers.
func (v *view) OtherLang() string {
	if v.Lang == "nb" {
		return "en"
	}
	return "nb"
}

// LangURL is the switch's link.
func (v *view) LangURL() string {
	back := v.Path
	if u, err := url.Parse(back); err == nil && u.Query().Has("done") {
		// The message of a finished form is not shown again.
		qs := u.Query()
		qs.Del("done")
		u.RawQuery = qs.Encode()
		back = u.String()
	}
	return "/app/lang?to=" + v.OtherLang() + "&back=" + url.QueryEscape(back)
}

// Today is today's date.
func (v *view) Today() string { return v.now.Format(time.DateOnly) }

func (s *Server) newView(q *req, title string, data any) *view {
	v := &view{Lang: q.lang, Title: title, Session: q.sess, Path: q.r.URL.RequestURI(), Data: data, cat: s.cat,
		forms: map[string]*form{}, now: s.now()}
	v.CSRF = q.sess.CSRF
	if !strings.HasPrefix(v.Path, "/app/") || q.r.Method != http.MethodGet {
		v.Path = "/app/" // a form's page sets its own
	}
	if d := q.r.URL.Query().Get("done"); d != "" {
		v.Flash = s.cat.textOr(q.lang, "done."+d, "")
	}
	return v
}

// render writes the page name with status.
func (s *Server) render(q *req, status int, name string, v *view) {
	var buf bytes.Buffer
	if err := s.pages[name].ExecuteTemplate(&buf, "layout", v); err != nil {
		s.log.Error("render page", "page", name, "err", err)
		http.Error(q.w, "the page could not be shown", http.StatusInternalServerError)
		return
	}
	q.w.Header().Set("Content-Type", "text/html; charset=utf-8")
	q.w.Header().Set("Cache-Control", "no-store")
	q.w.Header().Set("Content-Language", v.Lang)
	q.w.WriteHeader(status)
	_, _ = q.w.Write(buf.Bytes())
}

// errorPage shows a page with a heading and one message.
func (s *Server) errorPage(q *req, status int, key string) {
	v := s.newView(q, s.cat.text(q.lang, "error.title"), map[string]any{"Message": s.cat.text(q.lang, key), "Status": status})
	s.render(q, status, "error", v)
}

// refused shows the page of a service's 401 or 403 answer and reports
// whether err was one: the services decide who may see what, and say so.
func (s *Server) refused(q *req, err error) bool {
	var se *serviceError
	if !errors.As(err, &se) {
		return false
	}
	switch se.Status {
	case http.StatusForbidden:
		s.log.Warn("refused by a service", "status", se.Status, "code", se.Code)
		s.errorPage(q, http.StatusForbidden, "error.forbidden")
		return true
	case http.StatusUnauthorized:
		s.log.Warn("refused by a service", "status", se.Status, "code", se.Code)
		s.errorPage(q, http.StatusUnauthorized, "error.unauthenticated")
		return true
	}
	return false
}

// unavailable reports whether err means the service asked is not running
// or did not answer in time.
func unavailable(err error) bool {
	return errors.Is(err, errUnavailable) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, nats.ErrTimeout)
}

// queryFailure logs a query's failure (ids only) and returns the message
// key the page shows in its place.
func (s *Server) queryFailure(what string, err error) string {
	var se *serviceError
	switch {
	case unavailable(err):
		s.log.Warn("query unavailable", "query", what, "err", err)
		return "state.unavailable"
	case errors.As(err, &se) && se.Status == http.StatusNotFound:
		return "state.none"
	case errors.As(err, &se) && (se.Status == http.StatusForbidden || se.Status == http.StatusUnauthorized):
		s.log.Warn("query refused", "query", what, "status", se.Status)
		return "state.forbidden"
	default:
		s.log.Error("query failed", "query", what, "err", err)
		return "state.failed"
	}
}

// language is the page language: the cookie the switch set, else the
// first of Accept-Language that Samspill speaks, else English.
func (s *Server) language(r *http.Request) string {
	if c, err := r.Cookie(langCookie); err == nil && (c.Value == "en" || c.Value == "nb") {
		return c.Value
	}
	return fromAcceptLanguage(r.Header.Get("Accept-Language"))
}

const langCookie = "samspill_lang"

// fromAcceptLanguage picks en or nb from an Accept-Language header, by
// quality and then order; Norwegian (no, nb, nn) reads as bokmål.
func fromAcceptLanguage(h string) string {
	best, bestQ := "en", -1.0
	for _, part := range strings.Split(h, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		qv := 1.0
		if p := strings.TrimSpace(params); strings.HasPrefix(p, "q=") {
			if _, err := fmt.Sscanf(p[2:], "%g", &qv); err != nil {
				qv = 0
			}
		}
		prim, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(tag)), "-")
		var lang string
		switch prim {
		case "nb", "nn", "no":
			lang = "nb"
		case "en":
			lang = "en"
		default:
			continue
		}
		if qv > bestQ {
			best, bestQ = lang, qv
		}
	}
	return best
}

func (s *Server) switchLang(w http.ResponseWriter, r *http.Request) {
	to := r.URL.Query().Get("to")
	if to != "en" && to != "nb" {
		to = "en"
	}
	http.SetCookie(w, &http.Cookie{Name: langCookie, Value: to, Path: "/app/", MaxAge: 365 * 24 * 3600,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil})
	http.Redirect(w, r, safeBack(r.URL.Query().Get("back")), http.StatusSeeOther)
}

// safeBack returns back when it is a path of this application, else /app/.
func safeBack(back string) string {
	if strings.HasPrefix(back, "/app/") && !strings.HasPrefix(back, "//") && !strings.ContainsAny(back, "\\\r\n") {
		return back
	}
	return "/app/"
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// BrowserHome wraps h so that a browser asking for "/" (a GET whose Accept
// names text/html) goes to the application at /app/, while API clients
// asking for "/" still get h's answer.
func BrowserHome(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/" && (r.Method == http.MethodGet || r.Method == http.MethodHead) && strings.Contains(r.Header.Get("Accept"), "text/html") {
			http.Redirect(w, r, "/app/", http.StatusSeeOther)
			return
		}
		h.ServeHTTP(w, r)
	})
}
