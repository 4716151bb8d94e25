package access_test

import (
	"strings"
	"testing"
)

// FuzzVerify: no input makes the verifier panic or accept something it did
// not sign.
func FuzzVerify(f *testing.F) {
	signer := newSigner(&testing.T{}, nil)
	tok, _, err := signer.Sign(coordinator)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(tok)
	f.Add(strings.Replace(tok, ".", "..", 1))
	f.Add("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.")
	f.Add("")
	v := signer.Verifier()
	f.Fuzz(func(t *testing.T, s string) {
		p, err := v.Verify(s)
		if err == nil && s != tok {
			// Only the signed token (or an equivalent encoding of it)
			// verifies, and then as the signed principal.
			if p.Subject != coordinator.Subject || p.Role != coordinator.Role {
				t.Fatalf("%q verified as %+v", s, p)
			}
		}
	})
}
