package event

import "strings"

// SealedPrefix starts every sealed value; the digit is the format version.
const SealedPrefix = "s1."

// Sealed is personal data (a name, free text, a document's local id)
// encrypted with the key of the map it belongs to: "s1." followed by the
// base64url (unpadded) nonce and AES-256-GCM ciphertext. Package seal makes
// and opens them; this package only checks their form.
type Sealed string

// Valid reports whether s has the form of a sealed value: what
// base64.RawURLEncoding decodes, to at least a nonce (12 bytes) and a
// GCM tag (16). It counts rather than decodes (every follower checks every
// sealed value it reads): unpadded base64url of n characters is valid
// unless n%4 == 1 and holds 3n/4 bytes, rounded down.
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
	return len(rest)%4 != 1 && len(rest)*3/4 >= 12+16
}
