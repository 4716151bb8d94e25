package auth

import (
	"testing"

	"github.com/samspill/samspill/pkg/access"
	"github.com/samspill/samspill/pkg/nationalid"
)

// TestTokenIDsNeverLookLikeNationalIDs: a token's subject holds its id, and
// a principal whose subject holds a national identity number is refused;
// ids are drawn so that none does (about one random id in a few thousand
// would).
func TestTokenIDsNeverLookLikeNationalIDs(t *testing.T) {
	for range 20000 {
		id, err := newID()
		if err != nil {
			t.Fatal(err)
		}
		if _, looks := nationalid.Contains(id); looks {
			t.Fatalf("token id %s looks like a national identity number", id)
		}
		if err := (access.Principal{Subject: TokenSubjectPrefix + id, Role: access.Analyst, Municipality: "3203"}).Validate(); err != nil {
			t.Fatalf("token id %s: %v", id, err)
		}
	}
}
