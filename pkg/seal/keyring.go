package seal

import (
	"context"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/samspill/samspill/pkg/event"
	"github.com/samspill/samspill/pkg/eventlog"
)

// KeyringConfig configures the key bucket.
type KeyringConfig struct {
	// Bucket is the key-value bucket name; default SAMSPILL_MAP_KEYS.
	Bucket string
	// Replicas is 1 on a single node and 3 in a cluster.
	Replicas int
	// MasterKey wraps every map key (32 bytes). Required.
	MasterKey []byte
	// Logger hears, now and then, that BindKeyring is still waiting for
	// the bucket; nil: silent.
	Logger *slog.Logger
}

func (c KeyringConfig) withDefaults() KeyringConfig {
	if c.Bucket == "" {
		c.Bucket = "SAMSPILL_MAP_KEYS"
	}
	if c.Replicas == 0 {
		c.Replicas = 1
	}
	return c
}

// StreamConfig is the configuration of the bucket's stream, KV_<Bucket>.
//
// The stream is made by OpenKeyring rather than by CreateKeyValue,
// because a key-value stream denies message deletes and that cannot be
// changed later; erasure needs the secure delete of the one message that
// holds a key. Everything else follows the key-value conventions, so the
// bucket binds as an ordinary one.
func (c KeyringConfig) StreamConfig() jetstream.StreamConfig {
	c = c.withDefaults()
	return jetstream.StreamConfig{
		Name:              "KV_" + c.Bucket,
		Description:       "Samspill map keys (wrapped); erasing one shreds the map's personal data",
		Subjects:          []string{"$KV." + c.Bucket + ".>"},
		MaxMsgsPerSubject: 1,
		MaxBytes:          -1,
		MaxMsgs:           -1,
		MaxMsgSize:        1024,
		Storage:           jetstream.FileStorage,
		Replicas:          c.Replicas,
		AllowRollup:       true,
		DenyDelete:        false,
		DenyPurge:         false,
		AllowDirect:       true,
		Discard:           jetstream.DiscardNew,
		Duplicates:        2 * time.Minute,
	}
}

// Keyring creates, finds and erases map keys.
type Keyring struct {
	kv     jetstream.KeyValue
	stream jetstream.Stream
	kek    cipher.AEAD

	mu    sync.Mutex
	cache map[string]*Key
}

// OpenKeyring is for the bucket's owner, the command service, which
// creates and erases keys: it creates the bucket's stream if it is
// missing, updates it if its configuration differs from
// cfg.StreamConfig() (eventlog.Drift), and binds the bucket. Its user
// needs STREAM.INFO, CREATE and UPDATE of KV_<Bucket>.
//
// A service that only reads keys calls BindKeyring instead.
func OpenKeyring(ctx context.Context, js jetstream.JetStream, cfg KeyringConfig) (*Keyring, error) {
	cfg = cfg.withDefaults()
	kek, err := newAEAD(cfg.MasterKey)
	if err != nil {
		return nil, fmt.Errorf("seal: master key: %w", err)
	}
	stream, err := eventlog.EnsureStream(ctx, js, cfg.StreamConfig())
	if err != nil {
		return nil, fmt.Errorf("seal: key bucket: %w", err)
	}
	return keyring(ctx, js, cfg, stream, kek)
}

// BindKeyring is for the services that only read keys (graph, picture):
// it looks the bucket's stream up, waiting with a backoff while it does
// not exist yet (the command service has not started), until ctx ends,
// and never creates or changes it, so their users need only STREAM.INFO
// and direct gets of KV_<Bucket>. Of cfg, Replicas does not count. When
// ctx ends first the error says so and wraps ctx's cause.
//
// A bound keyring reads keys (Get, Reveal); Create and Erase need the
// owner's rights and are refused by the server.
func BindKeyring(ctx context.Context, js jetstream.JetStream, cfg KeyringConfig) (*Keyring, error) {
	cfg = cfg.withDefaults()
	kek, err := newAEAD(cfg.MasterKey)
	if err != nil {
		return nil, fmt.Errorf("seal: master key: %w", err)
	}
	stream, err := eventlog.BindStream(ctx, js, "KV_"+cfg.Bucket, cfg.Logger)
	if err != nil {
		return nil, fmt.Errorf("seal: key bucket: %w", err)
	}
	return keyring(ctx, js, cfg, stream, kek)
}

func keyring(ctx context.Context, js jetstream.JetStream, cfg KeyringConfig, stream jetstream.Stream, kek cipher.AEAD) (*Keyring, error) {
	kv, err := js.KeyValue(ctx, cfg.Bucket)
	if err != nil {
		return nil, fmt.Errorf("seal: key bucket %s: %w", cfg.Bucket, err)
	}
	return &Keyring{kv: kv, stream: stream, kek: kek, cache: make(map[string]*Key)}, nil
}

// Create makes and stores the key of a new map. It fails if the map already
// has a key or had one that was erased.
func (r *Keyring) Create(ctx context.Context, mapID string) (*Key, error) {
	raw := make([]byte, KeySize)
	if _, err := rand.Read(raw); err != nil {
		return nil, fmt.Errorf("seal: new key: %w", err)
	}
	nonce := make([]byte, r.kek.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("seal: new key: %w", err)
	}
	wrapped := r.kek.Seal(nonce, nonce, raw, []byte(mapID))
	// Update at revision 0 succeeds only if the key never existed: unlike
	// Create, it refuses a key whose last entry is an erasure marker.
	if _, err := r.kv.Update(ctx, mapID, wrapped, 0); err != nil {
		if errors.Is(err, jetstream.ErrKeyExists) || isWrongLastSequence(err) {
			if _, gerr := r.Get(ctx, mapID); errors.Is(gerr, ErrErased) {
				return nil, fmt.Errorf("seal: map %s: %w; an erased map cannot be reopened", mapID, ErrErased)
			}
			return nil, fmt.Errorf("seal: map %s already has a key", mapID)
		}
		return nil, fmt.Errorf("seal: store key of %s: %w", mapID, err)
	}
	k, err := NewKey(mapID, raw)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	r.cache[mapID] = k
	r.mu.Unlock()
	return k, nil
}

// Get returns the key of a map: ErrErased after Erase, ErrNoKey if the map
// never had one.
func (r *Keyring) Get(ctx context.Context, mapID string) (*Key, error) {
	r.mu.Lock()
	k, ok := r.cache[mapID]
	r.mu.Unlock()
	if ok {
		return k, nil
	}
	e, err := r.kv.Get(ctx, mapID)
	switch {
	case errors.Is(err, jetstream.ErrKeyDeleted):
		return nil, fmt.Errorf("seal: map %s: %w", mapID, ErrErased)
	case errors.Is(err, jetstream.ErrKeyNotFound):
		// A purge leaves no entry behind in history-1 buckets on some
		// servers; ask the stream whether a purge marker exists.
		if r.erasedMarker(ctx, mapID) {
			return nil, fmt.Errorf("seal: map %s: %w", mapID, ErrErased)
		}
		return nil, fmt.Errorf("seal: map %s: %w", mapID, ErrNoKey)
	case err != nil:
		return nil, fmt.Errorf("seal: get key of %s: %w", mapID, err)
	}
	w := e.Value()
	n := r.kek.NonceSize()
	if len(w) < n {
		return nil, fmt.Errorf("seal: key of %s is corrupt", mapID)
	}
	raw, err := r.kek.Open(nil, w[:n], w[n:], []byte(mapID))
	if err != nil {
		return nil, fmt.Errorf("seal: key of %s does not unwrap with this master key", mapID)
	}
	k, err = NewKey(mapID, raw)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	r.cache[mapID] = k
	r.mu.Unlock()
	return k, nil
}

func (r *Keyring) erasedMarker(ctx context.Context, mapID string) bool {
	m, err := r.stream.GetLastMsgForSubject(ctx, "$KV."+r.kv.Bucket()+"."+mapID)
	return err == nil && m.Header.Get("KV-Operation") != ""
}

// Erase shreds the key of a map: it overwrites the stored key on disk and
// leaves a purge marker, so Get reports ErrErased from now on, here and on
// every other instance. Erasing an erased map is not an error.
func (r *Keyring) Erase(ctx context.Context, mapID string) error {
	r.mu.Lock()
	delete(r.cache, mapID)
	r.mu.Unlock()
	e, err := r.kv.Get(ctx, mapID)
	switch {
	case errors.Is(err, jetstream.ErrKeyDeleted), errors.Is(err, jetstream.ErrKeyNotFound) && r.erasedMarker(ctx, mapID):
		return nil
	case errors.Is(err, jetstream.ErrKeyNotFound):
		return fmt.Errorf("seal: erase %s: %w", mapID, ErrNoKey)
	case err != nil:
		return fmt.Errorf("seal: erase %s: %w", mapID, err)
	}
	if err := r.stream.SecureDeleteMsg(ctx, e.Revision()); err != nil {
		return fmt.Errorf("seal: erase %s: overwrite key: %w", mapID, err)
	}
	if err := r.kv.Purge(ctx, mapID); err != nil {
		return fmt.Errorf("seal: erase %s: purge marker: %w", mapID, err)
	}
	return nil
}

// Forget drops a cached key without erasing it (another instance erased
// the map and this one learned it from the log).
func (r *Keyring) Forget(mapID string) {
	r.mu.Lock()
	delete(r.cache, mapID)
	r.mu.Unlock()
}

func isWrongLastSequence(err error) bool {
	var apiErr *jetstream.APIError
	return errors.As(err, &apiErr) && apiErr.ErrorCode == 10071
}

// ErasedText is what a reader shows in place of personal data whose map
// was erased.
const ErasedText = "[erased]"

// Reveal opens a sealed field of a map for display: the plain text, or
// ErasedText once the map's key is erased. Other failures are errors.
func (r *Keyring) Reveal(ctx context.Context, mapID string, s event.Sealed) (string, error) {
	if s == "" {
		return "", nil
	}
	k, err := r.Get(ctx, mapID)
	if errors.Is(err, ErrErased) {
		return ErasedText, nil
	}
	if err != nil {
		return "", err
	}
	return k.Open(s)
}
