package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/micro"

	"github.com/samspill/samspill/pkg/access"
	"github.com/samspill/samspill/pkg/telemetry"
)

// This file is the web application's only door to the other services:
// the exchange of an ID token for an assertion (samspill.auth.exchange),
// commands (samspill.cmd.<name>), queries (samspill.query.<name>),
// pictures (samspill.render.<kind>) and the live subscriptions of a map
// page. Every NATS request goes through client.request; every request but
// the exchange carries the signed-in user's assertion and purpose of use
// (credentials, put in the request's context by Server.signedIn), and is
// not sent without them.

// The subjects the web uses.
const (
	exchangeSubject = "samspill.auth.exchange"
	commandPrefix   = "samspill.cmd."
	queryPrefix     = "samspill.query."
	renderPrefix    = "samspill.render."
)

// credentials are what a request to a service says about who asks: the
// assertion of the access service and the purpose of use.
type credentials struct {
	assertion string
	purpose   access.Purpose
}

type credentialsKey struct{}

// withCredentials returns ctx carrying c.
func withCredentials(ctx context.Context, c credentials) context.Context {
	return context.WithValue(ctx, credentialsKey{}, c)
}

// errNoCredentials is the error of a request made outside a signed-in
// user's request (a bug: nothing is sent).
var errNoCredentials = errors.New("web: no assertion for the request (not signed in)")

// header returns the headers of a request made with ctx's credentials.
func header(ctx context.Context) (nats.Header, error) {
	c, ok := ctx.Value(credentialsKey{}).(credentials)
	if !ok || c.assertion == "" {
		return nil, errNoCredentials
	}
	return nats.Header{access.HeaderAssertion: {c.assertion}, access.HeaderPurpose: {string(c.purpose)}}, nil
}

// client makes the NATS requests of the web application.
type client struct {
	nc      *nats.Conn
	timeout time.Duration
}

// serviceError is a refusal from a micro service: the HTTP status it
// carries as its code, and the *Error body (code, field, message) the
// command and query services send.
type serviceError struct {
	Status  int    `json:"-"`
	Code    string `json:"code"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
	Version uint64 `json:"version,omitempty"`
}

func (e *serviceError) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%d %s: %s: %s", e.Status, e.Code, e.Field, e.Message)
	}
	return fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Message)
}

// errUnavailable is returned when no service answers a subject.
var errUnavailable = errors.New("service not available")

// request sends data to subject with the headers h and returns the
// reply, or a *serviceError for a refusal, or errUnavailable when nobody
// serves the subject.
func (c *client) request(ctx context.Context, subject string, h nats.Header, data []byte) (*nats.Msg, error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel()
	}
	msg := nats.NewMsg(subject)
	msg.Data = data
	for k, vs := range h {
		for _, v := range vs {
			msg.Header.Add(k, v)
		}
	}
	// A client span of the request's trace, its context in the headers.
	reply, err := telemetry.Request(ctx, c.nc, subject, msg.Data, msg.Header)
	if errors.Is(err, nats.ErrNoResponders) {
		return nil, fmt.Errorf("%s: %w", subject, errUnavailable)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", subject, err)
	}
	if code := reply.Header.Get(micro.ErrorCodeHeader); code != "" {
		e := &serviceError{}
		if json.Unmarshal(reply.Data, e) != nil || e.Message == "" {
			e.Message = reply.Header.Get(micro.ErrorHeader)
		}
		e.Status, _ = strconv.Atoi(code)
		if e.Status == 0 {
			e.Status = 500
		}
		return nil, e
	}
	return reply, nil
}

// commandResult is a command service's answer.
type commandResult struct {
	CommandID string            `json:"commandId"`
	Aggregate string            `json:"aggregate"`
	Version   uint64            `json:"version"`
	Event     string            `json:"event"`
	IDs       map[string]string `json:"ids,omitempty"`
}

// command sends the command name with body (marshalled to JSON) with
// ctx's credentials.
func (c *client) command(ctx context.Context, name string, body any) (*commandResult, error) {
	data, err := json.Marshal(body)
	if err != nil {
		return nil, fmt.Errorf("command %s: encode: %w", name, err)
	}
	h, err := header(ctx)
	if err != nil {
		return nil, fmt.Errorf("command %s: %w", name, err)
	}
	reply, err := c.request(ctx, commandPrefix+name, h, data)
	if err != nil {
		return nil, err
	}
	var res commandResult
	if err := json.Unmarshal(reply.Data, &res); err != nil {
		return nil, fmt.Errorf("command %s: undecodable answer: %w", name, err)
	}
	return &res, nil
}

// exchangeAnswer is the access service's answer to an exchange: the
// assertion, when it runs out, and the principal it asserts.
type exchangeAnswer struct {
	Assertion string           `json:"assertion"`
	ExpiresAt time.Time        `json:"expiresAt"`
	Principal access.Principal `json:"principal"`
}

// exchange trades an ID token for a Samspill assertion.
func (c *client) exchange(ctx context.Context, idToken string) (*exchangeAnswer, error) {
	data, err := json.Marshal(map[string]string{"credential": idToken})
	if err != nil {
		return nil, fmt.Errorf("exchange: encode: %w", err)
	}
	reply, err := c.request(ctx, exchangeSubject, nil, data)
	if err != nil {
		return nil, err
	}
	var ans exchangeAnswer
	if err := json.Unmarshal(reply.Data, &ans); err != nil {
		return nil, fmt.Errorf("exchange: undecodable answer: %w", err)
	}
	if ans.Assertion == "" || ans.ExpiresAt.IsZero() {
		return nil, errors.New("exchange: an answer without an assertion or its expiry")
	}
	if err := ans.Principal.Validate(); err != nil {
		return nil, fmt.Errorf("exchange: %w", err)
	}
	return &ans, nil
}

// query asks samspill.query.<name> with q and decodes the answer into out.
func (c *client) query(ctx context.Context, name string, q, out any) error {
	data, err := json.Marshal(q)
	if err != nil {
		return fmt.Errorf("query %s: encode: %w", name, err)
	}
	h, err := header(ctx)
	if err != nil {
		return fmt.Errorf("query %s: %w", name, err)
	}
	reply, err := c.request(ctx, queryPrefix+name, h, data)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(reply.Data, out); err != nil {
		return fmt.Errorf("query %s: undecodable answer: %w", name, err)
	}
	return nil
}

// picture asks samspill.render.<kind> for a picture and returns its
// bytes and Content-Type.
func (c *client) picture(ctx context.Context, kind string, q any) ([]byte, string, error) {
	reply, err := c.file(ctx, renderPrefix+kind, q)
	if err != nil {
		return nil, "", err
	}
	return reply.Data, reply.Header.Get("Content-Type"), nil
}

// file asks subject for a file (a picture or an export) with q as JSON and
// returns the reply, whose headers name its Content-Type (and the
// export's Content-Disposition); drawing and exporting may take longer
// than a query.
func (c *client) file(ctx context.Context, subject string, q any) (*nats.Msg, error) {
	data, err := json.Marshal(q)
	if err != nil {
		return nil, fmt.Errorf("%s: encode: %w", subject, err)
	}
	h, err := header(ctx)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", subject, err)
	}
	ctx, cancel := context.WithTimeout(ctx, 6*c.timeout)
	defer cancel()
	return c.request(ctx, subject, h, data)
}

// subscribe delivers the messages of each subject to ch until the
// returned function is called; a full channel drops the message (the
// page re-reads everything on the next one anyway).
func (c *client) subscribe(subjects []string, ch chan<- *nats.Msg) (func(), error) {
	var subs []*nats.Subscription
	stop := func() {
		for _, s := range subs {
			_ = s.Unsubscribe()
		}
	}
	for _, subj := range subjects {
		s, err := c.nc.Subscribe(subj, func(m *nats.Msg) {
			select {
			case ch <- m:
			default:
			}
		})
		if err != nil {
			stop()
			return nil, fmt.Errorf("subscribe %s: %w", subj, err)
		}
		subs = append(subs, s)
	}
	return stop, nil
}
