package seal_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/samspill/samspill/pkg/event"
	"github.com/samspill/samspill/pkg/jsserver/jsservertest"
	"github.com/samspill/samspill/pkg/seal"
)

func TestSealOpenBindsToMap(t *testing.T) {
	raw := bytes.Repeat([]byte{7}, seal.KeySize)
	a, _ := seal.NewKey(uuid.NewString(), raw)
	b, _ := seal.NewKey(uuid.NewString(), raw)
	s, err := a.Seal("Kari Nordmann")
	if err != nil {
		t.Fatal(err)
	}
	if !s.Valid() || strings.Contains(string(s), "Kari") {
		t.Fatalf("sealed value %q is not opaque", s)
	}
	if s2, _ := a.Seal("Kari Nordmann"); s2 == s {
		t.Fatal("sealing twice gives the same ciphertext: nonces are reused")
	}
	if got, err := a.Open(s); err != nil || got != "Kari Nordmann" {
		t.Fatalf("Open = %q, %v", got, err)
	}
	if _, err := b.Open(s); !errors.Is(err, seal.ErrTampered) {
		t.Fatalf("a value sealed for one map opened with another map's id: %v", err)
	}
	tampered := []byte(s)
	tampered[len(tampered)-3] ^= 1
	if _, err := a.Open(event.Sealed(tampered)); !errors.Is(err, seal.ErrTampered) {
		t.Fatalf("tampered value: %v", err)
	}
	if e, _ := a.Seal(""); e != "" {
		t.Fatal("empty plaintext should seal to the empty value")
	}
}

func TestKeyringEraseShredsEverywhere(t *testing.T) {
	ctx := context.Background()
	srv := jsservertest.Start(t)
	master, _ := seal.NewMasterKey()
	ring, err := seal.OpenKeyring(ctx, srv.JetStream(), seal.KeyringConfig{MasterKey: master})
	if err != nil {
		t.Fatal(err)
	}
	mapID := uuid.NewString()
	if _, err := ring.Get(ctx, mapID); !errors.Is(err, seal.ErrNoKey) {
		t.Fatalf("Get before Create: %v", err)
	}
	k, err := ring.Create(ctx, mapID)
	if err != nil {
		t.Fatal(err)
	}
	sealed, _ := k.Seal("Ola Nordmann")
	if _, err := ring.Create(ctx, mapID); err == nil {
		t.Fatal("second Create for the same map succeeded")
	}

	// Another instance with the same master key reads the same key.
	other, err := seal.OpenKeyring(ctx, srv.JetStream(), seal.KeyringConfig{MasterKey: master})
	if err != nil {
		t.Fatal(err)
	}
	k2, err := other.Get(ctx, mapID)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := k2.Open(sealed); got != "Ola Nordmann" {
		t.Fatalf("other instance opened %q", got)
	}
	// A wrong master key cannot unwrap it.
	wrong, _ := seal.NewMasterKey()
	intruder, _ := seal.OpenKeyring(ctx, srv.JetStream(), seal.KeyringConfig{MasterKey: wrong})
	if _, err := intruder.Get(ctx, mapID); err == nil {
		t.Fatal("key unwrapped with the wrong master key")
	}

	kv, err := srv.JetStream().KeyValue(ctx, "SAMSPILL_MAP_KEYS")
	if err != nil {
		t.Fatal(err)
	}
	entry, err := kv.Get(ctx, mapID)
	if err != nil {
		t.Fatal(err)
	}
	wrapped := entry.Value()

	if err := ring.Erase(ctx, mapID); err != nil {
		t.Fatal(err)
	}
	if err := ring.Erase(ctx, mapID); err != nil {
		t.Fatalf("second erase: %v", err)
	}
	other.Forget(mapID)
	for _, r := range []*seal.Keyring{ring, other} {
		if _, err := r.Get(ctx, mapID); !errors.Is(err, seal.ErrErased) {
			t.Fatalf("Get after erase: %v", err)
		}
	}
	if _, err := ring.Create(ctx, mapID); !errors.Is(err, seal.ErrErased) {
		t.Fatalf("re-creating an erased map's key: %v", err)
	}
	// The wrapped key bytes are gone from every file of the store.
	srv.Shutdown()
	err = filepath.Walk(srv.Dir, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if bytes.Contains(b, wrapped) {
			t.Errorf("erased key material still on disk in %s", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestMasterKeyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys", "master.key")
	k1, err := seal.LoadOrCreateMasterKey(path)
	if err != nil {
		t.Fatal(err)
	}
	k2, err := seal.LoadOrCreateMasterKey(path)
	if err != nil || !bytes.Equal(k1, k2) {
		t.Fatalf("second load: %v", err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := seal.LoadMasterKey(path); err == nil {
		t.Fatal("a world-readable master key was accepted")
	}
}
