package access

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/samspill/samspill/pkg/problem"
)

// Headers is what both nats.Header and micro.Headers are.
type Headers interface {
	Get(key string) string
}

// FromHeaders returns ctx with the principal of a NATS request's headers:
// the assertion verified, the purpose of use applied. A request without an
// assertion gets ctx unchanged (a guard refuses it with
// ErrUnauthenticated); one with a bad assertion or purpose, an error.
func (v *Verifier) FromHeaders(ctx context.Context, h Headers) (context.Context, error) {
	if h == nil || h.Get(HeaderAssertion) == "" {
		return ctx, nil
	}
	p, err := v.Verify(h.Get(HeaderAssertion))
	if err != nil {
		return ctx, err
	}
	if p, err = p.WithPurpose(h.Get(HeaderPurpose)); err != nil {
		return ctx, fmt.Errorf("%w: %v", ErrUnauthenticated, err)
	}
	return WithPrincipal(ctx, p), nil
}

// Authenticator turns the bearer credential of an HTTP request (an API
// token, an OpenID Connect token, an assertion) into a principal.
type Authenticator interface {
	Authenticate(ctx context.Context, credential string) (Principal, error)
}

// Authenticate makes a Verifier an Authenticator of assertions.
func (v *Verifier) Authenticate(_ context.Context, credential string) (Principal, error) {
	return v.Verify(credential)
}

// HTTP authenticates every request that carries an Authorization: Bearer
// credential and passes its principal, with the purpose of use of the
// Samspill-Purpose header, to next in the request's context. A request
// without one goes on without a principal (public routes serve it; a
// guard refuses the rest with 401); a credential that does not
// authenticate, or an unknown purpose, is answered 401 here. The route
// pattern the inner mux matched is copied back to the outer request, so
// that outer middleware (telemetry.HTTP) can label by it.
func HTTP(auth Authenticator, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := r.Header.Get("Authorization")
		if h == "" {
			next.ServeHTTP(w, r)
			return
		}
		scheme, cred, _ := strings.Cut(h, " ")
		if !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(cred) == "" {
			unauthorized(w, r, "Authorization must be Bearer <token>")
			return
		}
		p, err := auth.Authenticate(r.Context(), strings.TrimSpace(cred))
		if err != nil {
			unauthorized(w, r, "the bearer token is not valid: "+err.Error())
			return
		}
		if p, err = p.WithPurpose(r.Header.Get(HeaderPurpose)); err != nil {
			problem.Write(w, r, problem.New(http.StatusBadRequest, "invalid", HeaderPurpose, err.Error()))
			return
		}
		inner := r.WithContext(WithPrincipal(r.Context(), p))
		next.ServeHTTP(w, inner)
		// The mux sets the route pattern on the copy; hand it back, so
		// that middleware outside this one (telemetry labels requests by
		// pattern) sees which route served the request.
		r.Pattern = inner.Pattern
	})
}

func unauthorized(w http.ResponseWriter, r *http.Request, msg string) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="samspill"`)
	problem.Write(w, r, problem.New(http.StatusUnauthorized, "unauthenticated", "Authorization", msg))
}
