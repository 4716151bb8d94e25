package web

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/micro"

	"github.com/samspill/samspill/pkg/access"
	"github.com/samspill/samspill/pkg/audit"
	"github.com/samspill/samspill/pkg/devidp"
	"github.com/samspill/samspill/pkg/jsserver/jsservertest"
	"github.com/samspill/samspill/pkg/natsperm"
	"github.com/samspill/samspill/pkg/query"
	"github.com/samspill/samspill/services/auth/auth"
	"github.com/samspill/samspill/services/command/command"
	"github.com/samspill/samspill/services/graph/graph"
	"github.com/samspill/samspill/services/web/session"
)

// clock is the test's clock, shared by the web application, the identity
// provider, the assertions and the services' verifiers.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

const clientID = "samspill-web"

// The people of the test's identity provider.
var testUsers = []devidp.User{
	{Subject: "dev-kari", Name: "Kari Nordmann", Role: access.Coordinator, Municipality: "3301"},
	{Subject: "dev-per", Name: "Per Hansen", Role: access.Coordinator, Municipality: "3301"},
	{Subject: "dev-arne", Name: "Arne Analytiker", Role: access.Analyst, Municipality: "3301"},
	{Subject: "dev-ada", Name: "Ada Admin", Role: access.Admin},
}

// system is the web application and the development identity provider on
// one HTTP server (as samspill up serves them), the real access service
// (services/auth) trusting that provider, on an embedded JetStream
// server, and, when asked, the real command and graph services verifying
// its assertions.
type system struct {
	t      *testing.T
	js     *jsservertest.Server
	http   *httptest.Server
	web    *Server
	idp    *devidp.Provider
	auth   *auth.Running
	clock  *clock
	signer *access.Signer
}

func start(t *testing.T, withServices bool) *system {
	t.Helper()
	js := jsservertest.Start(t)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	logger := slog.New(slog.DiscardHandler)
	s := &system{t: t, js: js, clock: &clock{t: time.Now()}}
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if s.signer, err = access.NewSigner(key, s.clock.Now); err != nil {
		t.Fatal(err)
	}

	var handler http.Handler
	s.http = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }))
	t.Cleanup(s.http.Close)
	redirect := s.http.URL + "/app/callback"
	s.idp, err = devidp.New(devidp.Config{Issuer: s.http.URL + "/idp", Users: testUsers, Now: s.clock.Now,
		Clients: []devidp.Client{{ID: clientID, RedirectURIs: []string{redirect}}}})
	if err != nil {
		t.Fatal(err)
	}
	// The access service, as its own NATS user, trusting the provider's
	// tokens for the web's client id.
	anc := js.ConnAs(natsperm.Auth)
	s.auth, err = auth.Boot(ctx, anc, auth.Options{Signer: s.signer, Now: s.clock.Now, Logger: logger,
		OIDC: &auth.OIDCConfig{Issuer: s.idp.Issuer(), JWKSURL: s.idp.JWKSURL(), Audiences: []string{clientID}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.auth.Stop)
	if err := anc.Flush(); err != nil {
		t.Fatal(err)
	}

	if withServices {
		if _, err := audit.EnsureStream(ctx, js.JetStream(), 1, 0); err != nil {
			t.Fatal(err)
		}
		mk := make([]byte, 32)
		cmds, err := command.Boot(ctx, js.Conn(), command.Options{MasterKey: mk, Replicas: 1, Logger: logger,
			Verifier: s.signer.Verifier(), Audit: audit.NewWriter(js.JetStream(), "command", nil)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(cmds.Stop)
		g, err := graph.Boot(ctx, js.Conn(), graph.Options{MasterKey: mk, Replicas: 1, Logger: logger,
			Verifier: s.signer.Verifier(), Audit: audit.NewWriter(js.JetStream(), "graph", nil)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = g.Stop(context.Background()) })
	}

	// The web application connects as its own NATS user, with only its
	// permissions (pkg/natsperm).
	s.web, err = New(ctx, js.ConnAs(natsperm.Web), Options{Logger: logger, Timeout: 5 * time.Second, Now: s.clock.Now,
		OIDC: OIDC{Issuer: s.idp.Issuer(), ClientID: clientID, RedirectURL: redirect}})
	if err != nil {
		t.Fatal(err)
	}
	routes := query.NewRoutes()
	routes.Mount(s.web.Routes())
	routes.Mount(s.idp.Routes())
	handler = BrowserHome(routes)
	return s
}

// refuseExchanges replaces the access service by one that refuses every
// credential (401), as the access service does for a user it no longer
// vouches for.
func (s *system) refuseExchanges() {
	s.auth.Stop()
	nc := s.js.Conn()
	svc, err := micro.AddService(nc, micro.Config{Name: "samspill-auth-refusing", Version: "0.0.1",
		Endpoint: &micro.EndpointConfig{Subject: exchangeSubject, Handler: micro.HandlerFunc(func(req micro.Request) {
			b, _ := json.Marshal(map[string]string{"code": "unauthenticated", "message": "not vouched for"})
			_ = req.Error("401", "not vouched for", b)
		})}})
	if err != nil {
		s.t.Fatal(err)
	}
	s.t.Cleanup(func() { _ = svc.Stop() })
	// The server knows the new endpoint before the next request.
	if err := nc.Flush(); err != nil {
		s.t.Fatal(err)
	}
}

// record answers samspill.query.<name> with answer and returns the
// headers of each request it got.
func (s *system) record(name string, answer any) <-chan nats.Header {
	ch := make(chan nats.Header, 100)
	nc := s.js.Conn()
	sub, err := nc.Subscribe(queryPrefix+name, func(m *nats.Msg) {
		ch <- m.Header
		b, _ := json.Marshal(answer)
		_ = m.Respond(b)
	})
	if err == nil {
		err = nc.Flush() // subscribed at the server before any request
	}
	if err != nil {
		s.t.Fatal(err)
	}
	s.t.Cleanup(func() { _ = sub.Unsubscribe() })
	return ch
}

// as returns ctx with the credentials of p, for a test's own commands.
func (s *system) as(p access.Principal) context.Context {
	tok, _, err := s.signer.Sign(p)
	if err != nil {
		s.t.Fatal(err)
	}
	return withCredentials(context.Background(), credentials{assertion: tok, purpose: access.DefaultPurpose(p.Role)})
}

// user is a browser without script: a cookie jar that does not follow
// redirects by itself.
type user struct {
	t    *testing.T
	s    *system
	c    *http.Client
	csrf string
}

func (s *system) user() *user {
	jar, _ := cookiejar.New(nil)
	return &user{t: s.t, s: s, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// abs makes a path of the test server absolute.
func (u *user) abs(path string) string {
	if strings.HasPrefix(path, "http") {
		return path
	}
	return u.s.http.URL + path
}

func (u *user) get(path string) (*http.Response, string) {
	u.t.Helper()
	req, _ := http.NewRequest("GET", u.abs(path), nil)
	req.Header.Set("Accept", "text/html")
	resp, err := u.c.Do(req)
	if err != nil {
		u.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if m := csrfField.FindStringSubmatch(string(b)); m != nil {
		u.csrf = m[1]
	}
	return resp, string(b)
}

func (u *user) post(path string, form url.Values) (*http.Response, string) {
	u.t.Helper()
	resp, err := u.c.PostForm(u.abs(path), form)
	if err != nil {
		u.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// sessionCookie returns the browser's session cookie value ("" if none).
func (u *user) sessionCookie() string {
	base, _ := url.Parse(u.s.http.URL + "/app/")
	for _, c := range u.c.Jar.Cookies(base) {
		if c.Name == session.CookieName {
			return c.Value
		}
	}
	return ""
}

var requestField = regexp.MustCompile(`name="request" value="([^"]+)"`)

// atProvider follows the web's redirect to the provider's sign-in page
// and returns the page's request id.
func (u *user) atProvider(resp *http.Response) string {
	u.t.Helper()
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, u.s.idp.Issuer()+"/authorize?") {
		u.t.Fatalf("not sent to the provider: %d %s", resp.StatusCode, loc)
	}
	resp, body := u.get(loc)
	m := requestField.FindStringSubmatch(body)
	if resp.StatusCode != http.StatusOK || m == nil {
		u.t.Fatalf("the provider's page: %d %.500s", resp.StatusCode, body)
	}
	return m[1]
}

// choose picks subject on the provider's page and returns the callback
// the provider sends the browser to.
func (u *user) choose(request, subject string) string {
	u.t.Helper()
	resp, _ := u.post(u.s.idp.Issuer()+"/authorize", url.Values{"request": {request}, "sub": {subject}})
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, u.s.http.URL+"/app/callback?") {
		u.t.Fatalf("the provider does not send the browser back: %d %s", resp.StatusCode, loc)
	}
	return loc
}

// signIn signs in as subject from path (which must send the browser to
// the sign-in) and returns where the web application sends the browser
// after the callback.
func (u *user) signInFrom(path, subject string) string {
	u.t.Helper()
	resp, _ := u.get(path)
	if resp.StatusCode == http.StatusSeeOther && strings.HasPrefix(resp.Header.Get("Location"), "/app/login") {
		resp, _ = u.get(resp.Header.Get("Location"))
	}
	resp, body := u.get(u.choose(u.atProvider(resp), subject))
	if resp.StatusCode != http.StatusSeeOther || u.sessionCookie() == "" {
		u.t.Fatalf("callback: %d %s %.300s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	return resp.Header.Get("Location")
}

func (u *user) signIn(subject string) {
	u.t.Helper()
	u.signInFrom("/app/login", subject)
	u.get("/app/") // for the CSRF token
}
