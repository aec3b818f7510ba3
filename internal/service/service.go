// Package service holds vpcvpn's use cases: one method per API action, the
// single place where requests are validated against the store's state and
// authorized. The HTTP layer (internal/api) calls it, and the web console
// (internal/web) through the same dispatch table.
package service

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"strings"
	"sync"
	"time"

	"github.com/vpcvpn/vpcvpn/internal/apierror"
	"github.com/vpcvpn/vpcvpn/internal/iam"
	"github.com/vpcvpn/vpcvpn/internal/store"
)

// Service is the set of use cases over one store. Build it with New; its
// dependencies are fixed for its lifetime.
type Service struct {
	store  store.Store
	pool   store.AddressPool
	log    *slog.Logger
	clock  func() time.Time
	authz  Authorizer
	sealer iam.Sealer
	trail  EventTrail

	cache *downloadCache

	// deviceTypes is DescribeVpnConnectionDeviceTypes' list, built once
	// (deviceTypeItems) and shared read-only by every answer.
	deviceTypes []DeviceTypeItem

	hubOnce sync.Once
	agents  *agentHub // gateway agents' live status and long-polls (agent.go)
}

// Config is what a Service is built from. Store is required; every other
// field has a default, given with it.
type Config struct {
	// Store holds the state (required).
	Store store.Store
	// Pool is the operator's set of VPN gateway public addresses; empty:
	// CreateVpnGateway finds no free address.
	Pool store.AddressPool
	// Logger logs what a caller is not told (background work's
	// failures); nil discards.
	Logger *slog.Logger
	// Now is the clock; nil is time.Now.
	Now func() time.Time
	// Authz decides RAM authorization; nil allows only the owning
	// account's root identity.
	Authz Authorizer
	// Sealer seals and opens STS SecurityTokens (the master keyring); nil
	// disables AssumeRole and refuses STS credentials.
	Sealer iam.Sealer
	// Trail reads the audit trail for LookupEvents; nil when the audit
	// trail is off (the action is then not in the dispatch table).
	Trail EventTrail
	// DownloadCache is the DownloadVpnConnectionConfig answer cache's
	// mode (download.go); the zero value is off.
	DownloadCache DownloadCacheConfig
}

// New returns the Service of cfg, or an error naming the first required
// dependency cfg lacks.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil {
		return nil, errors.New("service: Config.Store is required")
	}
	s := &Service{store: cfg.Store, pool: cfg.Pool, log: cfg.Logger, clock: cfg.Now,
		authz: cfg.Authz, sealer: cfg.Sealer, trail: cfg.Trail, deviceTypes: deviceTypeItems()}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.clock == nil {
		s.clock = time.Now
	}
	if err := s.enableDownloadCache(cfg.DownloadCache); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Service) now() time.Time { return s.clock() }

// Resolve implements api.Credentials for long-term access keys and, with a
// SecurityToken or an "STS." AccessKeyId, for STS sessions (see
// resolveSession in sts.go).
func (s *Service) Resolve(ctx context.Context, accessKeyID, securityToken string) (iam.Principal, string, error) {
	if securityToken != "" || strings.HasPrefix(accessKeyID, "STS.") {
		return s.resolveSession(ctx, accessKeyID, securityToken)
	}
	if len(accessKeyID) > 128 {
		return iam.Principal{}, "", apierror.Newf("InvalidAccessKeyId.NotFound", "Specified access key is not found.")
	}
	k, err := s.store.GetAccessKey(ctx, accessKeyID)
	if errors.Is(err, store.ErrNotFound) {
		return iam.Principal{}, "", apierror.Newf("InvalidAccessKeyId.NotFound", "Specified access key is not found: %s.", accessKeyID)
	}
	if err != nil {
		return iam.Principal{}, "", err
	}
	if k.Status != iam.KeyActive {
		return iam.Principal{}, "", apierror.Newf("InvalidAccessKeyId.Inactive", "Specified access key %s is disabled; activate it or use another key.", accessKeyID)
	}
	p := iam.Principal{Kind: iam.PrincipalRoot, AccountID: k.AccountID, AccessKeyID: k.AccessKeyID}
	if k.UserName != "" {
		p.Kind, p.UserName = iam.PrincipalUser, k.UserName
	}
	return p, k.Secret, nil
}

// RootKey is the outcome of EnsureRoot.
type RootKey struct {
	Created   bool // false: the store already had a root account
	AccountID string
	Key       iam.AccessKey // set only when Created
}

// EnsureRoot creates the root account and its first AccessKey on an empty
// store. accessKeyID/secret come from the operator (environment) when set;
// otherwise they are generated. With the operator's key the root account id
// is derived from accessKeyID, so servers sharing one database that start at
// once create one root account (generated keys give each its own account:
// start one server first, or give the key in the environment).
func (s *Service) EnsureRoot(ctx context.Context, accessKeyID, secret string) (RootKey, error) {
	accounts, err := s.store.ListAccounts(ctx)
	if err != nil {
		return RootKey{}, err
	}
	if len(accounts) > 0 {
		return RootKey{AccountID: accounts[0].AccountID}, nil
	}
	if (accessKeyID == "") != (secret == "") {
		return RootKey{}, fmt.Errorf("set both VPCVPN_ROOT_ACCESS_KEY_ID and VPCVPN_ROOT_ACCESS_KEY_SECRET, or neither")
	}
	var acct iam.Account
	if accessKeyID != "" {
		// Servers sharing a database that start at once all find it
		// empty. With the operator's key they all derive the same account
		// id, so the database keeps one root account and one key, and the
		// servers that lose the race use it.
		acct = iam.Account{AccountID: rootAccountID(accessKeyID), Name: "root", CreatedAt: s.now().UTC()}
		if err := s.store.CreateAccount(ctx, acct); errors.Is(err, store.ErrDuplicate) {
			return RootKey{AccountID: acct.AccountID}, nil
		} else if err != nil {
			return RootKey{}, err
		}
	} else if acct, err = NewAccount(ctx, s.store, "root", s.now()); err != nil {
		return RootKey{}, err
	}
	key, err := NewAccessKey(acct.AccountID, "", accessKeyID, secret, s.now())
	if err != nil {
		return RootKey{}, err
	}
	if err := s.store.CreateAccessKey(ctx, key); err != nil {
		return RootKey{}, err
	}
	return RootKey{Created: true, AccountID: acct.AccountID, Key: key}, nil
}

// rootAccountID derives the 16-digit root account id from the operator's
// root AccessKeyId.
func rootAccountID(accessKeyID string) string {
	sum := sha256.Sum256([]byte("vpcvpn root account\x00" + accessKeyID))
	return fmt.Sprintf("%016d", binary.BigEndian.Uint64(sum[:8])%9e15+1e15)
}

// NewAccount creates an account with a fresh random 16-digit id.
func NewAccount(ctx context.Context, st store.Store, name string, now time.Time) (iam.Account, error) {
	for range 5 {
		n, err := rand.Int(rand.Reader, big.NewInt(9e15))
		if err != nil {
			return iam.Account{}, err
		}
		a := iam.Account{AccountID: fmt.Sprintf("%016d", n.Int64()+1e15), Name: name, CreatedAt: now.UTC()}
		err = st.CreateAccount(ctx, a)
		if errors.Is(err, store.ErrDuplicate) {
			continue
		}
		return a, err
	}
	return iam.Account{}, errors.New("could not find a free account id")
}

const keyAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

func randomString(n int, alphabet string) (string, error) {
	b := make([]byte, n)
	max := big.NewInt(int64(len(alphabet)))
	for i := range b {
		v, err := rand.Int(rand.Reader, max)
		if err != nil {
			return "", err
		}
		b[i] = alphabet[v.Int64()]
	}
	return string(b), nil
}

// NewAccessKey returns an active key for the account (userName "" = the root
// identity), with the given id and secret or generated ones (LTAI + 20
// characters, a 30-character secret, like Alibaba's).
func NewAccessKey(accountID, userName, id, secret string, now time.Time) (iam.AccessKey, error) {
	var err error
	if id == "" {
		if id, err = randomString(20, keyAlphabet); err != nil {
			return iam.AccessKey{}, err
		}
		id = "LTAI" + id
	}
	if secret == "" {
		if secret, err = randomString(30, keyAlphabet); err != nil {
			return iam.AccessKey{}, err
		}
	}
	return iam.AccessKey{AccessKeyID: id, Secret: secret, AccountID: accountID, UserName: userName, Status: iam.KeyActive, CreatedAt: now.UTC()}, nil
}
