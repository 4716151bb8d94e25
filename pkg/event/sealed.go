package event

import (
	"encoding/base64"
	"strings"
)

// SealedPrefix starts every sealed value; the digit is the format version.
const SealedPrefix = "s1."

// Sealed is personal data (a name, free text, a document's local id)
// encrypted with the key of the map it belongs to: "s1." followed by the
// base64url (unpadded) nonce and AES-256-GCM ciphertext. Package seal makes
// and opens them; this package only checks their form.
type Sealed string

// Valid reports whether s has the form of a sealed value.
func (s Sealed) Valid() bool {
	rest, ok := strings.CutPrefix(string(s), SealedPrefix)
	if !ok {
		return false
	}
	for i := 0; i < len(rest); i++ {
		c := rest[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	b, err := base64.RawURLEncoding.DecodeString(rest)
	return err == nil && len(b) >= 12+16
}
