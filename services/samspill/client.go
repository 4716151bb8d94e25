package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/samspill/samspill/pkg/access"
	"github.com/samspill/samspill/services/command/command"
)

// defaultServer is the server the server commands talk to when neither
// --server nor $SAMSPILL_SERVER names one: `samspill up`'s default.
const defaultServer = "http://127.0.0.1:8080"

// serverOptions are the flags every server command has.
type serverOptions struct {
	server string
	// token is the API token (or OpenID Connect access token) sent as
	// Authorization: Bearer over HTTP and exchanged for an assertion over
	// NATS; purpose is the purpose of use sent with each request.
	token   string
	purpose string
	output  string
}

// addServerFlags defines --server, --token, --purpose and --output on cmd
// and its subcommands.
func addServerFlags(cmd *cobra.Command, o *serverOptions) {
	fs := cmd.PersistentFlags()
	addConnFlags(cmd, fs, o)
	choiceFlag(cmd, fs, &o.output, "output", "text", []string{"text", "json"}, "what to print: text for people, json for programs")
}

// addConnFlags defines --server, --token and --purpose on fs.
func addConnFlags(cmd *cobra.Command, fs *pflag.FlagSet, o *serverOptions) {
	server := os.Getenv("SAMSPILL_SERVER")
	if server == "" {
		server = defaultServer
	}
	fs.StringVar(&o.server, "server", server, "base `URL` of a running Samspill ($SAMSPILL_SERVER, else "+defaultServer+")")
	fs.StringVar(&o.token, "token", "", "API `TOKEN` to sign in with (default $SAMSPILL_TOKEN; `samspill token create` makes one)")
	choiceFlag(cmd, fs, &o.purpose, "purpose", os.Getenv("SAMSPILL_PURPOSE"), purposeNames(),
		"purpose of use recorded in the audit trail with each request (default $SAMSPILL_PURPOSE, else your role's)")
	_ = cmd.RegisterFlagCompletionFunc("server", cobra.NoFileCompletions)
	_ = cmd.RegisterFlagCompletionFunc("token", cobra.NoFileCompletions)
}

// client talks HTTP to a running Samspill.
type client struct {
	base    *url.URL
	token   string
	purpose string
	hc      *http.Client
}

// client returns a client for the options; a malformed URL is wrong usage.
func (o *serverOptions) client() (*client, error) {
	u, err := url.Parse(strings.TrimRight(o.server, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, usageError{fmt.Sprintf("--server %q: want an http:// or https:// URL", o.server)}
	}
	token, err := o.credential()
	if err != nil {
		return nil, err
	}
	return &client{base: u, token: token, purpose: o.purpose, hc: &http.Client{Timeout: 2 * time.Minute}}, nil
}

// credential is the token to sign in with: --token, else $SAMSPILL_TOKEN.
// Without one the server refuses everything but its public routes.
func (o *serverOptions) credential() (string, error) {
	t := o.token
	if t == "" {
		t = os.Getenv("SAMSPILL_TOKEN")
	}
	t = strings.TrimSpace(t)
	if strings.ContainsAny(t, " \t\r\n") || len(t) > 8<<10 {
		return "", usageError{"--token: a token is one word of at most 8 KiB"}
	}
	return t, nil
}

// purposeNames are the purposes of use --purpose accepts.
func purposeNames() []string {
	var out []string
	for _, p := range access.Purposes() {
		out = append(out, string(p))
	}
	return out
}

// problemError is a refusal from the server: an RFC 9457 problem (HTTP)
// or a NATS micro error, with its status.
type problemError struct {
	Status int    `json:"status"`
	Code   string `json:"code"`
	Detail string `json:"detail"`
	Field  string `json:"field,omitempty"`
}

func (e *problemError) Error() string { return e.message() }

// message is what samspill prints: the detail, and the field at fault.
func (e *problemError) message() string {
	msg := e.Detail
	if msg == "" {
		msg = fmt.Sprintf("the server answered %d %s", e.Status, http.StatusText(e.Status))
	}
	if e.Field != "" {
		msg += " (field " + e.Field + ")"
	}
	if e.Status == http.StatusUnauthorized {
		msg += " — sign in with --token or $SAMSPILL_TOKEN (an administrator makes tokens with `samspill token create`)"
	}
	return msg
}

// exitCode maps the status: invalid input 2, not found or gone 3,
// conflict 4, not signed in or not allowed 5, anything else (the server
// failed) 1.
func (e *problemError) exitCode() int {
	switch {
	case e.Status == http.StatusUnauthorized || e.Status == http.StatusForbidden:
		return exitDenied
	case e.Status == http.StatusNotFound || e.Status == http.StatusGone:
		return exitNotFound
	case e.Status == http.StatusConflict:
		return exitConflict
	case e.Status >= 400 && e.Status < 500:
		return exitUsage
	default:
		return exitFailure
	}
}

// problemOf reads a refusal: problem JSON when the server sent it, or the
// status alone.
func problemOf(status int, body []byte) *problemError {
	p := &problemError{}
	if err := json.Unmarshal(body, p); err != nil || p.Detail == "" {
		p = &problemError{Detail: strings.TrimSpace(string(body))}
		if len(p.Detail) > 200 || !json.Valid(body) && strings.ContainsAny(p.Detail, "<\n") {
			p.Detail = ""
		}
	}
	p.Status = status
	return p
}

// do sends a request and returns the answer's body and content type; a
// status of 400 or above is a *problemError.
func (c *client) do(ctx context.Context, method, path string, q url.Values, body []byte) ([]byte, string, error) {
	u := c.base.JoinPath(path)
	if len(q) > 0 {
		u.RawQuery = q.Encode()
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return nil, "", fmt.Errorf("%s %s: %w", method, path, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if c.purpose != "" {
		req.Header.Set(access.HeaderPurpose, c.purpose)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		if ctx.Err() != nil {
			return nil, "", fmt.Errorf("%s %s: %w", method, path, err)
		}
		return nil, "", fmt.Errorf("cannot reach %s: %w (is `samspill up` running there? set --server or $SAMSPILL_SERVER)", c.base, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, "", fmt.Errorf("%s %s: %w", method, path, err)
	}
	if resp.StatusCode >= 400 {
		return nil, "", problemOf(resp.StatusCode, b)
	}
	ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	return b, ct, nil
}

// get answers a GET.
func (c *client) get(ctx context.Context, path string, q url.Values) ([]byte, error) {
	b, _, err := c.do(ctx, http.MethodGet, path, q, nil)
	return b, err
}

// getJSON decodes a GET's JSON answer into v.
func (c *client) getJSON(ctx context.Context, path string, q url.Values, v any) error {
	b, err := c.get(ctx, path, q)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("GET %s: the answer is not what samspill expects: %w", path, err)
	}
	return nil
}

// read GETs path for a command that prints an answer. With --output json
// it prints the answer as the server wrote it and returns false; otherwise
// it decodes the answer into v and returns true, for the caller to print
// as text.
func (o *serverOptions) read(ctx context.Context, stdout io.Writer, path string, q url.Values, v any) (bool, error) {
	c, err := o.client()
	if err != nil {
		return false, err
	}
	b, err := c.get(ctx, path, q)
	if err != nil {
		return false, err
	}
	if o.output == "json" {
		return false, printJSON(stdout, b, nil)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return false, fmt.Errorf("GET %s: the answer is not what samspill expects: %w", path, err)
	}
	return true, nil
}

// command sends a command (a JSON object) to POST /v1/commands/{name}.
func (c *client) command(ctx context.Context, name string, body []byte) (command.Result, []byte, error) {
	var res command.Result
	b, _, err := c.do(ctx, http.MethodPost, "/v1/commands/"+url.PathEscape(name), nil, body)
	if err != nil {
		return res, nil, err
	}
	if err := json.Unmarshal(b, &res); err != nil {
		return res, nil, fmt.Errorf("%s: the answer is not a command result: %w", name, err)
	}
	return res, b, nil
}

// printJSON writes raw JSON indented, or v as indented JSON when raw is nil.
func printJSON(w io.Writer, raw []byte, v any) error {
	if raw != nil {
		var buf bytes.Buffer
		if err := json.Indent(&buf, raw, "", "  "); err == nil {
			buf.WriteByte('\n')
			_, err := w.Write(buf.Bytes())
			return err
		}
		_, err := w.Write(raw)
		return err
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
