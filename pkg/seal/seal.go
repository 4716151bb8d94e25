package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/samspill/samspill/pkg/event"
)

// KeySize is the size of map keys and of the master key: AES-256.
const KeySize = 32

// Errors.
var (
	// ErrErased means the map's key was erased: its personal data is gone.
	ErrErased = errors.New("erased")
	// ErrNoKey means the map has no key (it was never opened).
	ErrNoKey = errors.New("no key for map")
	// ErrTampered means a sealed value does not decrypt with the map's key:
	// it was altered or belongs to another map.
	ErrTampered = errors.New("sealed value does not open with this map's key")
)

// Key is one map's data key, bound to the map's id.
type Key struct {
	mapID string
	aead  cipher.AEAD
}

func newAEAD(k []byte) (cipher.AEAD, error) {
	if len(k) != KeySize {
		return nil, fmt.Errorf("seal: key has %d bytes, want %d", len(k), KeySize)
	}
	b, err := aes.NewCipher(k)
	if err != nil {
		return nil, fmt.Errorf("seal: %w", err)
	}
	return cipher.NewGCM(b)
}

// NewKey returns a key for mapID from raw key material.
func NewKey(mapID string, raw []byte) (*Key, error) {
	a, err := newAEAD(raw)
	if err != nil {
		return nil, err
	}
	return &Key{mapID: mapID, aead: a}, nil
}

// MapID returns the id of the map the key belongs to.
func (k *Key) MapID() string { return k.mapID }

// Seal encrypts plaintext; the empty string seals to the empty Sealed (an
// absent optional field). The map id is authenticated, so a sealed value
// cannot be moved to another map.
func (k *Key) Seal(plaintext string) (event.Sealed, error) {
	if plaintext == "" {
		return "", nil
	}
	nonce := make([]byte, k.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("seal: nonce: %w", err)
	}
	out := k.aead.Seal(nonce, nonce, []byte(plaintext), []byte(k.mapID))
	return event.Sealed(event.SealedPrefix + base64.RawURLEncoding.EncodeToString(out)), nil
}

// Open decrypts a sealed value; the empty Sealed opens to "".
func (k *Key) Open(s event.Sealed) (string, error) {
	if s == "" {
		return "", nil
	}
	rest, ok := strings.CutPrefix(string(s), event.SealedPrefix)
	if !ok {
		return "", fmt.Errorf("seal: %w: unknown format", ErrTampered)
	}
	b, err := base64.RawURLEncoding.DecodeString(rest)
	if err != nil || len(b) < k.aead.NonceSize()+k.aead.Overhead() {
		return "", fmt.Errorf("seal: %w: not base64url of nonce and ciphertext", ErrTampered)
	}
	n := k.aead.NonceSize()
	pt, err := k.aead.Open(nil, b[:n], b[n:], []byte(k.mapID))
	if err != nil {
		return "", fmt.Errorf("seal: %w", ErrTampered)
	}
	return string(pt), nil
}

// NewMasterKey returns fresh random master key material.
func NewMasterKey() ([]byte, error) {
	k := make([]byte, KeySize)
	if _, err := rand.Read(k); err != nil {
		return nil, fmt.Errorf("seal: master key: %w", err)
	}
	return k, nil
}
