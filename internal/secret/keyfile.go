package secret

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// FileCheckInterval is how often, at most, a keyring loaded by
// LoadKeyringFile looks at its file again before sealing. A server therefore
// seals under a new primary key at most this long after `vpcvpn
// rotate-master-key` replaced the file.
const FileCheckInterval = time.Second

// A keyring file holds one master key per line as 64 hex characters: the
// first is the primary key (new values are sealed under it), the others are
// older keys that still open values sealed before a rotation. Empty lines and
// lines starting with '#' are ignored. A file of one line is the classic
// master.key.

// ParseKeyring parses the content of a keyring file. It fails when there is no
// key, when a line is not a 32-byte hex key, or when a key appears twice.
func ParseKeyring(b []byte) (primary []byte, older [][]byte, err error) {
	seen := map[uint32]bool{}
	for n, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, err := hex.DecodeString(line)
		if err != nil || len(key) != KeySize {
			return nil, nil, fmt.Errorf("line %d must hold %d hex characters (a 32-byte key)", n+1, 2*KeySize)
		}
		id := KeyID(key)
		if seen[id] {
			return nil, nil, fmt.Errorf("line %d repeats key %08x", n+1, id)
		}
		seen[id] = true
		if primary == nil {
			primary = key
		} else {
			older = append(older, key)
		}
	}
	if primary == nil {
		return nil, nil, errors.New("no key in the file")
	}
	return primary, older, nil
}

// ReadKeyringFile reads and parses a keyring file. A missing file gives an
// error that errors.Is(err, os.ErrNotExist).
func ReadKeyringFile(path string) (primary []byte, older [][]byte, err error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("read master key: %w", err)
	}
	primary, older, err = ParseKeyring(b)
	if err != nil {
		return nil, nil, fmt.Errorf("master key file %s: %v; create one with `vpcvpn server` on an empty data dir or `openssl rand -hex 32`", path, err)
	}
	return primary, older, nil
}

// LoadKeyringFile returns a keyring holding the keys of the keyring file at
// path that follows later changes of the file: before sealing it looks at the
// file again when FileCheckInterval has passed since it last did, and when it
// is asked to open a value sealed under a key it does not hold it looks at
// once. A changed file that parses sets the primary key and adds its keys;
// keys the file no longer holds stay in the keyring until the process
// restarts, so retiring old keys or a wrongly edited file never locks a
// running server out of values it could open before. A file that does not
// parse or cannot be read is ignored (the keys stay as they are).
func LoadKeyringFile(path string) (*Keyring, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("read master key: %w", err)
	}
	primary, older, err := ReadKeyringFile(path)
	if err != nil {
		return nil, err
	}
	k, err := NewKeyring(primary, older...)
	if err != nil {
		return nil, err
	}
	k.src = &keySource{path: path, loaded: st}
	k.src.checked.Store(time.Now().UnixNano())
	return k, nil
}

// keySource is the file a keyring follows.
type keySource struct {
	path    string
	mu      sync.Mutex  // serialises reloads
	loaded  os.FileInfo // the file as last loaded (or rejected)
	checked atomic.Int64
}

// KeyIDs returns the ids of the keys the keyring holds, the primary first and
// the others in ascending order.
func (k *Keyring) KeyIDs() []uint32 {
	k.mu.RLock()
	defer k.mu.RUnlock()
	ids := []uint32{k.primary}
	var rest []uint32
	for id := range k.aeads {
		if id != k.primary {
			rest = append(rest, id)
		}
	}
	slices.Sort(rest)
	return append(ids, rest...)
}

// Reload reads the keyring file again now (see LoadKeyringFile) and reports
// whether the primary key changed or keys were added. It fails for a keyring
// not loaded from a file and when the file cannot be read or does not parse;
// the keys are then unchanged.
func (k *Keyring) Reload() (bool, error) {
	if k.src == nil {
		return false, errors.New("secret: keyring not loaded from a file")
	}
	return k.refresh(true)
}

// maybeRefresh reloads the file when FileCheckInterval has passed since the
// last look. Errors keep the current keys.
func (k *Keyring) maybeRefresh() {
	if k.src == nil {
		return
	}
	now := time.Now().UnixNano()
	last := k.src.checked.Load()
	if now-last < int64(FileCheckInterval) || !k.src.checked.CompareAndSwap(last, now) {
		return
	}
	_, _ = k.refresh(false)
}

// refresh loads the file if it differs from the one last loaded (or always,
// with force).
func (k *Keyring) refresh(force bool) (bool, error) {
	s := k.src
	if s == nil {
		return false, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.checked.Store(time.Now().UnixNano())
	st, err := os.Stat(s.path)
	if err != nil {
		return false, fmt.Errorf("read master key: %w", err)
	}
	if !force && s.loaded != nil && os.SameFile(st, s.loaded) && st.ModTime().Equal(s.loaded.ModTime()) && st.Size() == s.loaded.Size() {
		return false, nil
	}
	s.loaded = st
	primary, older, err := ReadKeyringFile(s.path)
	if err != nil {
		return false, err
	}
	next, err := NewKeyring(primary, older...)
	if err != nil {
		return false, err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	changed := next.primary != k.primary
	for id, aead := range next.aeads {
		if k.aeads[id] == nil {
			changed = true
		}
		k.aeads[id] = aead
	}
	k.primary = next.primary
	return changed, nil
}

// WriteKeyringFile replaces the keyring file at path, atomically, with primary
// followed by older: the keys go to a temporary file (mode 0600) in the same
// directory, which is synced and renamed over path; a crash leaves either the
// old file or the new one.
func WriteKeyringFile(path string, primary []byte, older ...[]byte) error {
	var buf bytes.Buffer
	for _, key := range append([][]byte{primary}, older...) {
		if len(key) != KeySize {
			return fmt.Errorf("secret: master key must be %d bytes, got %d", KeySize, len(key))
		}
		buf.WriteString(hex.EncodeToString(key))
		buf.WriteByte('\n')
	}
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // fails harmlessly after the rename
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(buf.Bytes()); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}
