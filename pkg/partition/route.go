package partition

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/micro"

	"github.com/samspill/samspill/pkg/problem"
	"github.com/samspill/samspill/pkg/query"
	"github.com/samspill/samspill/pkg/telemetry"
)

// HeaderForwarded marks a request one instance forwarded to another, with
// the forwarder's name; the receiver answers it itself.
const HeaderForwarded = "Samspill-Forwarded"

// HeaderInstance names, in an HTTP answer, the instance that answered it.
const HeaderInstance = "Samspill-Instance"

// ErrUnserved is the cause of a request no instance took in time.
var ErrUnserved = errors.New("no instance serves the partition yet")

// forwards reports whether a question about partition key goes to another
// instance: it does when some map is in the partition and this instance
// does not serve it. A partition without maps is answered where asked: no
// map of it is anywhere.
func (in *Instance) forwards(key string) bool {
	return key != "" && in.index.Known(key) && !in.Serving(key)
}

// Micro returns the public handler of endpoint: the request is answered by
// local when this instance serves the partition key(data) finds, and is
// forwarded to an instance that does otherwise, the answer relayed as it
// comes. local also answers requests forwarded here. key returns "" when
// the request names no partition (answered here).
func (in *Instance) Micro(endpoint string, key func(data []byte) string, local micro.Handler) micro.Handler {
	in.subMu.Lock()
	in.endpoints[endpoint] = local
	in.subMu.Unlock()
	return micro.HandlerFunc(func(req micro.Request) {
		k := key(req.Data())
		if done, ok := in.enter(k); ok {
			defer done()
			local.Handle(req)
			return
		}
		reply, err := in.forward(in.ctx, SubjectPrefix+in.cfg.Group.Service+"."+k+"."+endpoint, req.Data(), nats.Header(req.Headers()))
		if err != nil {
			st, e := query.Status(err)
			body, _ := json.Marshal(e)
			_ = req.Error(strconv.Itoa(st), e.Error(), body)
			return
		}
		_ = req.Respond(reply.Data, micro.WithHeaders(micro.Headers(reply.Header)))
	})
}

// forward sends a request on subject, trying again while no instance
// listens (a partition being handed over), for up to RouteTimeout; an
// instance that takes it has AnswerTimeout to answer.
func (in *Instance) forward(ctx context.Context, subject string, data []byte, header nats.Header) (*nats.Msg, error) {
	wait, cancel := context.WithTimeout(ctx, in.cfg.RouteTimeout)
	defer cancel()
	h := nats.Header{}
	for k, vs := range header {
		h[k] = vs
	}
	h.Set(HeaderForwarded, in.group.Instance())
	for {
		actx, acancel := context.WithTimeout(ctx, in.cfg.AnswerTimeout)
		reply, err := telemetry.Request(actx, in.nc, subject, data, h)
		acancel()
		if err == nil && reply.Header.Get(micro.ErrorCodeHeader) != "421" {
			return reply, nil
		}
		if err != nil && !errors.Is(err, nats.ErrNoResponders) {
			return nil, fmt.Errorf("partition: forward to %s: %w", subject, unavailable(err))
		}
		select {
		case <-wait.Done():
			return nil, fmt.Errorf("partition: forward to %s: %w", subject, unavailable(ErrUnserved))
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// unavailable makes err answer 503, naming its cause.
func unavailable(err error) error { return unavailableError{err} }

type unavailableError struct{ err error }

func (e unavailableError) Error() string { return e.err.Error() }
func (e unavailableError) Unwrap() []error {
	return []error{e.err, query.Unavailable("%v", e.err)}
}

// Gather asks every other member's endpoint the same question, with the
// caller's headers (its assertion), and returns their answers. An error
// answer from any is returned as the error, with its status.
func (in *Instance) Gather(ctx context.Context, endpoint string, data []byte, header nats.Header) ([][]byte, error) {
	var out [][]byte
	for _, m := range in.group.Members() {
		if m.Instance == in.group.Instance() {
			continue
		}
		reply, err := in.forward(ctx, SubjectPrefix+in.cfg.Group.Service+".member."+m.Instance+"."+endpoint, data, header)
		if err != nil {
			if errors.Is(err, ErrUnserved) {
				in.logger.Warn("a member did not answer a gathered question; answering without it", "member", m.Instance, "endpoint", endpoint)
				continue
			}
			return nil, err
		}
		if code := reply.Header.Get(micro.ErrorCodeHeader); code != "" {
			return nil, remoteError(code, reply.Data)
		}
		out = append(out, reply.Data)
	}
	return out, nil
}

// remoteError rebuilds another instance's refusal.
func remoteError(code string, body []byte) error {
	st, _ := strconv.Atoi(code)
	var e query.Error
	if json.Unmarshal(body, &e) != nil || e.Code == "" {
		e = query.Error{Code: "internal", Message: "another instance could not answer"}
	}
	return &query.Remote{Status: st, Err: &e}
}

// HTTP returns h, routed: a request whose partition (key(r)) this
// instance does not serve goes to an instance that does, at the address
// it announced, with the caller's headers (its bearer assertion) as they
// are; that instance answers and audits it. An instance asked for a
// partition it no longer serves (the asker's view of the members is a
// heartbeat old) answers 421, and the asker tries again. A request
// waiting for a partition nobody serves (its owner has left or crashed)
// is answered here when this instance is the one that takes it over.
func (in *Instance) HTTP(key func(*http.Request) string, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		k := key(r)
		if in.answerHere(w, r, k, h) {
			return
		}
		if r.Header.Get(HeaderForwarded) != "" {
			problem.Write(w, r, problem.New(http.StatusMisdirectedRequest, "misdirected", "",
				"this instance does not serve partition "+k+" (any more)"))
			return
		}
		res, err := in.proxy(r, k)
		if errors.Is(err, errServedHere) {
			if in.answerHere(w, r, k, h) {
				return
			}
			err = unavailable(ErrUnserved) // and lost again at once
		}
		if err != nil {
			query.WriteError(w, r, err)
			return
		}
		defer res.Body.Close()
		for name, vs := range res.Header {
			w.Header()[name] = vs
		}
		w.WriteHeader(res.StatusCode)
		_, _ = io.Copy(w, res.Body)
	}
}

// answerHere answers r with h when this instance serves partition k, and
// reports whether it did.
func (in *Instance) answerHere(w http.ResponseWriter, r *http.Request, k string, h http.HandlerFunc) bool {
	done, ok := in.enter(k)
	if !ok {
		return false
	}
	defer done()
	w.Header().Set(HeaderInstance, in.group.Instance())
	h(w, r)
	return true
}

// errServedHere ends a forwarding: this instance took the partition over
// while the request waited for one that serves it.
var errServedHere = errors.New("partition: the partition is served here now")

// proxy sends r to an instance serving key, trying again (another, or the
// same once it serves) while the one asked answers 421, for up to
// RouteTimeout (an instance that takes it has AnswerTimeout to answer);
// errServedHere, with r's body as it was, once this
// instance serves key itself.
func (in *Instance) proxy(r *http.Request, key string) (*http.Response, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("partition: read the request to forward: %w", err)
	}
	ctx, cancel := context.WithTimeout(r.Context(), in.cfg.RouteTimeout)
	defer cancel()
	for {
		if !in.forwards(key) {
			r.Body = io.NopCloser(bytes.NewReader(body))
			return nil, errServedHere
		}
		if base := in.httpServer(key); base != nil {
			u := *base
			u.Path, u.RawPath, u.RawQuery = strings.TrimSuffix(base.Path, "/")+r.URL.Path, "", r.URL.RawQuery
			out, err := http.NewRequestWithContext(r.Context(), r.Method, u.String(), bytes.NewReader(body))
			if err != nil {
				return nil, fmt.Errorf("partition: forward %s: %w", r.URL.Path, err)
			}
			out.Header = r.Header.Clone()
			out.Header.Set(HeaderForwarded, in.group.Instance())
			res, err := in.client.Do(out)
			if err == nil && res.StatusCode != http.StatusMisdirectedRequest {
				return res, nil
			}
			if errors.Is(err, context.DeadlineExceeded) || os.IsTimeout(err) {
				// Taken, and not answered in AnswerTimeout.
				return nil, unavailable(fmt.Errorf("partition: forward %s: %w", r.URL.Path, err))
			}
			if err == nil {
				_ = res.Body.Close()
			}
		}
		select {
		case <-ctx.Done():
			return nil, unavailable(ErrUnserved)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// httpServer returns the base URL of an instance that announces it serves
// key, or nil.
func (in *Instance) httpServer(key string) *url.URL {
	for _, m := range in.group.Members() {
		if m.Instance != in.group.Instance() && m.HTTP != "" && slices.Contains(m.Serves, key) {
			if u, err := url.Parse(m.HTTP); err == nil {
				return u
			}
		}
	}
	return nil
}
