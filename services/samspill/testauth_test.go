package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
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
