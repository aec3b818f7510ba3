// Package secret seals small secrets (pre-shared keys, access-key secrets) with
// AES-256-GCM for storage.
//
// A sealed value is "v1:" + base64(keyID(4 bytes, big endian) || nonce(12) ||
// ciphertext+tag). The key id in front lets a keyring hold several keys so that
// a master key can be rotated while old values still open. The caller passes
// the identity of the record the secret belongs to (e.g. the connection or
// tunnel id) as additional data: a ciphertext copied onto another record fails
// to open.
package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
)

// KeySize is the size of a master key in bytes.
const KeySize = 32

const prefix = "v1:"

// ErrOpen is returned when a sealed value cannot be opened: wrong key, wrong
// additional data (a value moved to another record) or tampering.
var ErrOpen = errors.New("secret: cannot open sealed value (wrong master key, or value moved or altered)")

// Keyring seals under its primary key and opens under any key it holds.
// It is safe for concurrent use.
type Keyring struct {
	mu      sync.RWMutex
	primary uint32
	aeads   map[uint32]cipher.AEAD
	src     *keySource // set by LoadKeyringFile: the file the keys follow
}

// KeyID derives the 4-byte id of a key: the first bytes of its SHA-256. Ids
// are stable across restarts and need no bookkeeping.
func KeyID(key []byte) uint32 {
	h := sha256.Sum256(append([]byte("vpcvpn-key-id:"), key...))
	return binary.BigEndian.Uint32(h[:4])
}

// NewKeyring returns a keyring whose primary key is primary; older keys open
// values sealed before a rotation.
func NewKeyring(primary []byte, older ...[]byte) (*Keyring, error) {
	k := &Keyring{aeads: map[uint32]cipher.AEAD{}}
	for _, key := range append([][]byte{primary}, older...) {
		if err := k.add(key); err != nil {
			return nil, err
		}
	}
	k.primary = KeyID(primary)
	return k, nil
}

func (k *Keyring) add(key []byte) error {
	if len(key) != KeySize {
		return fmt.Errorf("secret: master key must be %d bytes, got %d", KeySize, len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return err
	}
	k.aeads[KeyID(key)] = aead
	return nil
}

// PrimaryID is the id of the key new values are sealed under.
func (k *Keyring) PrimaryID() uint32 {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return k.primary
}

// Seal encrypts plaintext under the primary key, bound to ad.
func (k *Keyring) Seal(plaintext, ad string) (string, error) {
	k.maybeRefresh()
	k.mu.RLock()
	id := k.primary
	aead := k.aeads[id]
	k.mu.RUnlock()
	buf := make([]byte, 4+aead.NonceSize(), 4+aead.NonceSize()+len(plaintext)+aead.Overhead())
	binary.BigEndian.PutUint32(buf, id)
	if _, err := rand.Read(buf[4:]); err != nil {
		return "", err
	}
	buf = aead.Seal(buf, buf[4:4+aead.NonceSize()], []byte(plaintext), []byte(ad))
	return prefix + base64.RawStdEncoding.EncodeToString(buf), nil
}

// Open decrypts a value made by Seal with the same ad.
func (k *Keyring) Open(sealed, ad string) (string, error) {
	raw, ok := strings.CutPrefix(sealed, prefix)
	if !ok {
		return "", ErrOpen
	}
	buf, err := base64.RawStdEncoding.DecodeString(raw)
	if err != nil || len(buf) < 4+12+16 {
		return "", ErrOpen
	}
	id := binary.BigEndian.Uint32(buf)
	k.mu.RLock()
	aead := k.aeads[id]
	k.mu.RUnlock()
	if aead == nil && k.src != nil {
		// Perhaps sealed by a rotation this keyring has not seen yet.
		_, _ = k.refresh(false)
		k.mu.RLock()
		aead = k.aeads[id]
		k.mu.RUnlock()
	}
	if aead == nil {
		return "", fmt.Errorf("%w: key %08x is not in the keyring", ErrOpen, id)
	}
	ns := aead.NonceSize()
	pt, err := aead.Open(nil, buf[4:4+ns], buf[4+ns:], []byte(ad))
	if err != nil {
		return "", ErrOpen
	}
	return string(pt), nil
}

// SealedKeyID returns the id of the key a sealed value was sealed under.
func SealedKeyID(sealed string) (uint32, bool) {
	raw, ok := strings.CutPrefix(sealed, prefix)
	if !ok || len(raw) < 8 {
		return 0, false
	}
	buf, err := base64.RawStdEncoding.DecodeString(raw[:8])
	if err != nil || len(buf) < 4 {
		return 0, false
	}
	return binary.BigEndian.Uint32(buf), true
}

// GenerateKey returns a new random master key.
func GenerateKey() ([]byte, error) {
	key := make([]byte, KeySize)
	_, err := rand.Read(key)
	return key, err
}

// LoadKeyFile reads a master key file: 64 hex characters (whitespace ignored).
func LoadKeyFile(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read master key: %w", err)
	}
	key, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(key) != KeySize {
		return nil, fmt.Errorf("master key file %s must hold %d hex characters (a 32-byte key); create one with `vpcvpn server` on an empty data dir or `openssl rand -hex 32`", path, 2*KeySize)
	}
	return key, nil
}

// WriteKeyFile writes key as hex to path with mode 0600, refusing to overwrite.
func WriteKeyFile(path string, key []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(hex.EncodeToString(key) + "\n"); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
