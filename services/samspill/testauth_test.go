package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/samspill/samspill/pkg/access"
)

// The tests sign in as `samspill up` lets anyone: with the first
// administrator's API token from <data>/admin.token, which makes the other
// roles' tokens through POST /v1/tokens.

// adminToken reads the administrator's token `up` wrote to data.
func adminToken(data string) (string, error) {
	b, err := os.ReadFile(filepath.Join(data, "admin.token"))
	if err != nil {
		return "", fmt.Errorf("admin token: %w", err)
	}
	return strings.TrimSpace(string(b)), nil
}

// tokenSpec is what createToken makes: POST /v1/tokens's body.
type tokenSpec struct {
	Name         string   `json:"name"`
	Role         string   `json:"role"`
	Municipality string   `json:"municipality,omitempty"`
	Grants       []string `json:"grants,omitempty"`
}

// createToken makes an API token with the administrator's token and
// returns its credential and its principal's subject (token:<id>).
func createToken(base, admin string, spec tokenSpec) (credential, subject string, err error) {
	body, _ := json.Marshal(spec)
	req, err := http.NewRequest(http.MethodPost, base+"/v1/tokens", bytes.NewReader(body))
	if err != nil {
		return "", "", err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+admin)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusCreated {
		return "", "", fmt.Errorf("POST /v1/tokens %s: %d %s", spec.Name, resp.StatusCode, b)
	}
	var out struct{ Token, Subject string }
	if err := json.Unmarshal(b, &out); err != nil {
		return "", "", fmt.Errorf("POST /v1/tokens: %w", err)
	}
	return out.Token, out.Subject, nil
}

// authClient is an HTTP client that sends token as a bearer token (and
// purpose as Samspill-Purpose when not empty) with every request.
func authClient(token, purpose string) *http.Client {
	return &http.Client{Timeout: 2 * time.Minute, Transport: bearer{token: token, purpose: purpose}}
}

type bearer struct{ token, purpose string }

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	if b.purpose != "" {
		r.Header.Set("Samspill-Purpose", b.purpose)
	}
	return http.DefaultTransport.RoundTrip(r)
}

// mustAdminToken is adminToken that fails the test.
func mustAdminToken(t testing.TB, data string) string {
	t.Helper()
	tok, err := adminToken(data)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// mustToken is createToken that fails the test.
func mustToken(t testing.TB, base, admin string, spec tokenSpec) (credential, subject string) {
	t.Helper()
	credential, subject, err := createToken(base, admin, spec)
	if err != nil {
		t.Fatal(err)
	}
	return credential, subject
}

// postAs posts a command to a running samspill up with token as the
// bearer token and returns the status and the decoded answer.
func postAs(t testing.TB, base, token, name, body string) (int, map[string]any) {
	t.Helper()
	resp, err := authClient(token, "").Post(base+"/v1/commands/"+name, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("%s: undecodable reply: %v", name, err)
	}
	return resp.StatusCode, out
}

// getAs GETs path with token as the bearer token and returns the status
// and the body.
func getAs(t testing.TB, base, token, path string) (int, []byte) {
	t.Helper()
	resp, err := authClient(token, "").Get(base + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return resp.StatusCode, b
}

// Over NATS the tests sign in as the CLI does: an anonymous loopback
// client (the samspill-cli user) exchanges its API token for an assertion
// at samspill.auth.exchange and sends it in Samspill-Assertion.

// exchange returns an assertion for token, or the status the exchange
// was refused with.
func exchange(nc *nats.Conn, token string) (string, int, error) {
	body, _ := json.Marshal(map[string]string{"credential": token})
	status, data, err := natsAsk(nc, "", "", "samspill.auth.exchange", body)
	if err != nil || status != 0 {
		return "", status, err
	}
	var ex struct {
		Assertion string    `json:"assertion"`
		ExpiresAt time.Time `json:"expiresAt"`
	}
	if err := json.Unmarshal(data, &ex); err != nil || ex.Assertion == "" {
		return "", 0, fmt.Errorf("exchange: %v: %.200s", err, data)
	}
	return ex.Assertion, 0, nil
}

// mustExchange is exchange that fails the test.
func mustExchange(t testing.TB, nc *nats.Conn, token string) string {
	t.Helper()
	a, status, err := exchange(nc, token)
	if err != nil || status != 0 {
		t.Fatalf("exchange: %d %v", status, err)
	}
	return a
}

// natsAsk sends a request with the assertion and purpose (either may be
// empty) and returns the service error's status (0 when it answered) and
// the reply's data.
func natsAsk(nc *nats.Conn, assertion, purpose, subject string, body []byte) (int, []byte, error) {
	msg := nats.NewMsg(subject)
	msg.Data = body
	if assertion != "" {
		msg.Header.Set(access.HeaderAssertion, assertion)
	}
	if purpose != "" {
		msg.Header.Set(access.HeaderPurpose, purpose)
	}
	reply, err := nc.RequestMsg(msg, 30*time.Second)
	if err != nil {
		return 0, nil, fmt.Errorf("%s: %w", subject, err)
	}
	if code := reply.Header.Get("Nats-Service-Error-Code"); code != "" {
		status, err := strconv.Atoi(code)
		if err != nil {
			return 0, nil, fmt.Errorf("%s: Nats-Service-Error-Code %q", subject, code)
		}
		return status, reply.Data, nil
	}
	return 0, reply.Data, nil
}
