package seal

import (
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// LoadMasterKey reads a master key file: 64 hex digits. The file must not
// be readable by group or others.
func LoadMasterKey(path string) ([]byte, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("seal: master key: %w", err)
	}
	if info.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("seal: master key %s is readable by others (mode %v); chmod 600 it", path, info.Mode().Perm())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("seal: master key: %w", err)
	}
	k, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(k) != KeySize {
		return nil, fmt.Errorf("seal: master key %s: want %d hex digits", path, 2*KeySize)
	}
	return k, nil
}

// LoadOrCreateMasterKey reads the master key at path, creating it (mode
// 0600, in a 0700 folder) on first use. For the single-node `samspill up`;
// production deployments provide the key from a secret store.
func LoadOrCreateMasterKey(path string) ([]byte, error) {
	k, err := LoadMasterKey(path)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return k, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("seal: master key folder: %w", err)
	}
	k, err = NewMasterKey()
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("seal: create master key: %w", err)
	}
	if _, err := f.WriteString(hex.EncodeToString(k) + "\n"); err != nil {
		f.Close()
		return nil, fmt.Errorf("seal: write master key: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("seal: write master key: %w", err)
	}
	return k, nil
}
