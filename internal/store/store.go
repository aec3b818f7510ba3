// Package store defines vpcvpn's storage: a small, context-first interface that
// the sqlite and postgres backends implement and the storetest conformance
// suite exercises.
//
// Values above the store are plaintext; backends seal secrets (pre-shared
// keys, access-key secrets) with the Sealer they are opened with, binding each
// to its record's id, and never write them in the clear.
//
// Every method that writes does so in one transaction: a crash leaves either
// all of a write or none of it (a connection is never stored without its
// tunnels). Rules that span rows (an address handed out once, a gateway with
// connections cannot be deleted, one connection per gateway/customer-gateway
// pair, one VPN gateway per VPC, ClientToken idempotency) are enforced inside
// those transactions, so several servers on one database cannot break them.
package store

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/vpcvpn/vpcvpn/internal/iam"
	"github.com/vpcvpn/vpcvpn/internal/vpn"
)

// Errors. Backends wrap them with detail; test with errors.Is / errors.As.
var (
	// ErrNotFound: the record does not exist (in that account and region).
	ErrNotFound = errors.New("store: not found")
	// ErrInUse: the record is still referenced and cannot be deleted.
	ErrInUse = errors.New("store: in use")
	// ErrDuplicate: a uniqueness rule would be broken.
	ErrDuplicate = errors.New("store: duplicate")
	// ErrPoolExhausted: no free address is left in the gateway address pool.
	ErrPoolExhausted = errors.New("store: address pool exhausted")
	// ErrTokenMismatch: a ClientToken was reused with different parameters.
	ErrTokenMismatch = errors.New("store: client token reused with different parameters")
	// ErrConflict: the record changed since it was read (optimistic update).
	ErrConflict = errors.New("store: concurrent modification")
	// ErrQuota: a per-account quota would be exceeded.
	ErrQuota = errors.New("store: quota exceeded")
	// ErrBusy: the database kept refusing a write because of concurrent
	// writes (serialization failures, deadlocks, a busy database file)
	// until the store gave up. Nothing was written; the same call may
	// succeed later. Errors wrapping it are *BusyError.
	ErrBusy = errors.New("store: busy")
	// ErrUnavailable: the database could not be reached, or did not answer
	// in time. Errors wrapping it are *UnavailableError.
	ErrUnavailable = errors.New("store: database unavailable")
)

// UnavailableError is a call that failed because the database could not be
// reached or did not answer in time (a shared database: PostgreSQL), and
// that changed nothing the request asked for: a nonce claim, which comes
// before the request is acted on. Cause is what the driver said (for logs,
// never for clients). (Other calls return the driver's error, which the api
// layer recognises through api.Config.Unavailable: a write's commit may have
// gone unanswered.)
type UnavailableError struct {
	Cause error
}

func (e *UnavailableError) Error() string {
	return fmt.Sprintf("store: database unavailable: %v", e.Cause)
}
func (e *UnavailableError) Unwrap() error { return ErrUnavailable }

// RetryLater marks the error as one the api layer answers with
// ServiceUnavailable (503, Retry-After) rather than InternalError.
func (e *UnavailableError) RetryLater() bool { return true }

// DatabaseUnavailable tells the api layer (which logs it as an error) what
// the ServiceUnavailable answer is about.
func (e *UnavailableError) DatabaseUnavailable() bool { return true }

// ChangedNothing: the answer says the request was not carried out
// (apierror.As).
func (e *UnavailableError) ChangedNothing() bool { return true }

// BusyError is a write given up after Attempts transient failures; Cause
// is the last (for logs, never for clients).
type BusyError struct {
	Attempts int
	Cause    error
}

func (e *BusyError) Error() string {
	return fmt.Sprintf("store: busy: write given up after %d attempts: %v", e.Attempts, e.Cause)
}
func (e *BusyError) Unwrap() error { return ErrBusy }

// RetryLater marks the error as one the api layer answers with
// ServiceUnavailable (503, Retry-After) rather than InternalError
// (apierror.As).
func (e *BusyError) RetryLater() bool { return true }

// Quotas bound what one account (a tenant) may hold; a zero field means no
// bound. A backend that implements QuotaSetter enforces them inside the
// create's transaction, so concurrent creates (on any number of servers)
// never exceed them; a create beyond one fails with *QuotaError. Records
// that exist when a quota is lowered are kept.
type Quotas struct {
	VpnGateways           int // VPN gateways of an account, all regions together
	ConnectionsPerGateway int // IPsec connections of one VPN gateway
	CustomerGateways      int // customer gateways of an account, all regions together
	RAMUsers              int // RAM users of an account
	AccessKeys            int // AccessKeys of an account (root identity and RAM users together)
	AccessKeysPerIdentity int // AccessKeys of one RAM user, or of the root identity
}

// QuotaError says which quota a create would exceed.
type QuotaError struct {
	// Kind is KindVpnGateway, KindVpnConnection (per gateway),
	// KindCustomerGateway, KindUser, KindAccessKey (per account) or
	// KindIdentityAccessKey.
	Kind  Kind
	Limit int
	ID    string // the gateway of a "VpnConnection" quota, the user of "IdentityAccessKey"
}

func (e *QuotaError) Error() string {
	return fmt.Sprintf("store: quota of %d %s reached", e.Limit, e.Kind)
}
func (e *QuotaError) Unwrap() error { return ErrQuota }

// QuotaSetter is implemented by stores that enforce Quotas. SetQuotas
// applies to the creates that start after it returns.
type QuotaSetter interface {
	SetQuotas(Quotas)
}

// NotFoundError says which record was missing.
type NotFoundError struct {
	Kind Kind
	ID   string
}

func (e *NotFoundError) Error() string { return fmt.Sprintf("store: %s %s not found", e.Kind, e.ID) }
func (e *NotFoundError) Unwrap() error { return ErrNotFound }

// InUseError says what still references the record.
type InUseError struct {
	Kind Kind   // the kind of the referencing records, e.g. KindVSwitch, KindVpnConnection
	ID   string // one referencing record
}

func (e *InUseError) Error() string { return fmt.Sprintf("store: in use by %s %s", e.Kind, e.ID) }
func (e *InUseError) Unwrap() error { return ErrInUse }

// DuplicateError says which uniqueness rule was hit.
type DuplicateError struct {
	Rule Rule
	ID   string // the existing record
}

func (e *DuplicateError) Error() string {
	return fmt.Sprintf("store: duplicate %s (existing %s)", e.Rule, e.ID)
}
func (e *DuplicateError) Unwrap() error { return ErrDuplicate }

// Scope selects the records of one account in one region. An empty AccountID
// selects every account: the service looks a resource up by id that way and
// then decides, by its owner, whether the caller may see it (a caller from
// another account gets 403, not 404). Lists are always called with an
// AccountID.
type Scope struct {
	AccountID string
	RegionID  string
}

// Page selects a page of a list; Number counts from 1.
type Page struct {
	Number int
	Size   int
}

// Idempotency carries a create's ClientToken. When Token is set and a create
// with the same (account, action, token) already succeeded, the create does
// nothing and returns the existing record's id with Replayed=true, or
// ErrTokenMismatch when RequestHash differs. Tokens are kept for 24 hours.
type Idempotency struct {
	Action      string
	Token       string
	RequestHash string
}

// Created is the result of a create.
type Created struct {
	ID       string
	Replayed bool
}

// Filters for lists; empty fields do not filter. IDs filters to any of them.
// ResourceGroupID filters by resource group (records stored before
// resource groups existed belong to the account's default group).
// Tags filters to records carrying every one of them (a tag with Value ""
// matches any value of its key).
type VpcFilter struct {
	IDs             []string
	VpcName         string
	VRouterID       string
	RouteTableID    string
	RouteTableName  string
	ResourceGroupID string
	Tags            []vpn.Tag
	// RouteTableTags filters by the tags of the VPC's route table.
	RouteTableTags []vpn.Tag
}

type VSwitchFilter struct {
	IDs             []string
	VpcID           string
	ZoneID          string
	VSwitchName     string
	ResourceGroupID string
	Tags            []vpn.Tag
}

type GatewayFilter struct {
	IDs             []string
	VpcID           string
	Status          string // DescribeVpnGateways' Status
	ResourceGroupID string
	Tags            []vpn.Tag
}

type CustomerGatewayFilter struct {
	IDs             []string
	ResourceGroupID string
	Tags            []vpn.Tag
}

type ConnectionFilter struct {
	IDs               []string
	VpnGatewayID      string
	CustomerGatewayID string
	ResourceGroupID   string
	Tags              []vpn.Tag
}

// AddressPool is the operator's set of gateway public addresses.
type AddressPool []netip.Prefix

// Store is the whole storage interface. Every method is safe for concurrent use.
// RAM's users, policies and roles (IAMStore) and the gateway agents' state
// (AgentStore) are part of it: every backend holds them, so the service
// resolves nothing per request.
type Store interface {
	// Close releases the store.
	Close() error

	IAMStore
	AgentStore

	// Accounts and access keys.
	CreateAccount(ctx context.Context, a iam.Account) error
	GetAccount(ctx context.Context, accountID string) (iam.Account, error)
	ListAccounts(ctx context.Context) ([]iam.Account, error)
	// CreateAccessKey stores k. NotFound Account, or User when k.UserName
	// names no RAM user of the account (checked in the create's
	// transaction); Duplicate AccessKeyId; QuotaError IdentityAccessKey /
	// AccessKey.
	CreateAccessKey(ctx context.Context, k iam.AccessKey) error
	// GetAccessKey returns the key with its secret opened.
	GetAccessKey(ctx context.Context, accessKeyID string) (iam.AccessKey, error)
	ListAccessKeys(ctx context.Context, accountID, userName string) ([]iam.AccessKey, error)
	SetAccessKeyStatus(ctx context.Context, accessKeyID, status string) error
	DeleteAccessKey(ctx context.Context, accessKeyID string) error

	// VPCs and vSwitches. DeleteVpc fails with *InUseError while the VPC has
	// vSwitches or a VPN gateway. UpdateVpc writes name, description,
	// CIDR block and the route table's name and description (found by id
	// in its account and region), failing with
	// *InUseError{Kind: KindVSwitch} when a vSwitch would fall outside the new
	// block; UpdateVSwitch writes name and description.
	CreateVpc(ctx context.Context, v vpn.Vpc, idem Idempotency) (Created, error)
	GetVpc(ctx context.Context, s Scope, vpcID string) (vpn.Vpc, error)
	ListVpcs(ctx context.Context, s Scope, f VpcFilter, p Page) ([]vpn.Vpc, int, error)
	UpdateVpc(ctx context.Context, v vpn.Vpc) error
	DeleteVpc(ctx context.Context, s Scope, vpcID string) error
	// CreateVSwitch fails with *NotFoundError when the VPC is gone.
	CreateVSwitch(ctx context.Context, v vpn.VSwitch, idem Idempotency) (Created, error)
	GetVSwitch(ctx context.Context, s Scope, vswitchID string) (vpn.VSwitch, error)
	ListVSwitches(ctx context.Context, s Scope, f VSwitchFilter, p Page) ([]vpn.VSwitch, int, error)
	UpdateVSwitch(ctx context.Context, v vpn.VSwitch) error
	DeleteVSwitch(ctx context.Context, s Scope, vswitchID string) error

	// VPN gateways. CreateGateway allocates InternetIP (and, for a gateway
	// with a DisasterRecoveryVSwitchID, DisasterRecoveryInternetIP) from pool,
	// never an address held by another gateway (ErrPoolExhausted when none is
	// free), fails with *DuplicateError{Rule: RuleVpcGateway} when the VPC has a
	// gateway and *NotFoundError when the VPC is gone. DeleteGateway fails
	// with *InUseError while the gateway has connections, and frees its
	// addresses.
	CreateGateway(ctx context.Context, g vpn.Gateway, pool AddressPool, idem Idempotency) (Created, error)
	GetGateway(ctx context.Context, s Scope, gatewayID string) (vpn.Gateway, error)
	ListGateways(ctx context.Context, s Scope, f GatewayFilter, p Page) ([]vpn.Gateway, int, error)
	// UpdateGateway writes name, description and AutoPropagate.
	UpdateGateway(ctx context.Context, g vpn.Gateway) error
	DeleteGateway(ctx context.Context, s Scope, gatewayID string) error

	// Customer gateways. Create fails with *DuplicateError{Rule:
	// RuleCustomerGatewayIP} when the account has one with that IP in the
	// region; Delete with *InUseError while a connection or tunnel uses it.
	CreateCustomerGateway(ctx context.Context, c vpn.CustomerGateway, idem Idempotency) (Created, error)
	GetCustomerGateway(ctx context.Context, s Scope, id string) (vpn.CustomerGateway, error)
	ListCustomerGateways(ctx context.Context, s Scope, f CustomerGatewayFilter, p Page) ([]vpn.CustomerGateway, int, error)
	UpdateCustomerGateway(ctx context.Context, c vpn.CustomerGateway) error
	DeleteCustomerGateway(ctx context.Context, s Scope, id string) error

	// IPsec connections with their tunnels, as one record. Create fails with
	// *NotFoundError when the gateway or a customer gateway is gone and with
	// *DuplicateError{Rule: RuleConnectionPair} when the (gateway, customer
	// gateway) pair already carries a connection; DeleteConnection fails
	// with *InUseError{Kind: KindVpnRouteEntry} while a route entry uses the
	// connection as its next hop. UpdateConnection writes the
	// whole connection if its Version is still the stored one (ErrConflict
	// otherwise) and increments Version.
	CreateConnection(ctx context.Context, c vpn.Connection, idem Idempotency) (Created, error)
	GetConnection(ctx context.Context, s Scope, id string) (vpn.Connection, error)
	ListConnections(ctx context.Context, s Scope, f ConnectionFilter, p Page) ([]vpn.Connection, int, error)
	UpdateConnection(ctx context.Context, c vpn.Connection) error
	DeleteConnection(ctx context.Context, s Scope, id string) error

	TagStore
	RouteStore

	// MoveResourceGroup puts the record id of kind (KindVpc, KindVSwitch,
	// KindVpnGateway, KindCustomerGateway, KindVpnConnection) in the scope
	// into resource group rg; a VPN gateway takes its connections along.
	// *NotFoundError{Kind: kind}.
	MoveResourceGroup(ctx context.Context, s Scope, kind Kind, id, rg string) error
}

// NonceStore remembers signature nonces for replay protection.
type NonceStore interface {
	// UseNonce records key until expires and reports whether it was fresh
	// (false: it was already used and has not expired).
	UseNonce(ctx context.Context, key string, expires time.Time) (bool, error)
}

// ErrSignedBeforeRestart is a nonce store's answer to a request signed
// before the store last lost recent nonces (a database crash, a failover):
// its nonce may have been used before, so it is refused, and the client
// signs it again.
//
// Packages that must not import store (internal/api) recognise it by its
// method: errors.As(err, &x) with x an interface{ SignedBeforeRestart() bool }.
var ErrSignedBeforeRestart error = signedBeforeRestart{}

type signedBeforeRestart struct{}

func (signedBeforeRestart) Error() string {
	return "store: request signed before the nonce store restarted"
}

// SignedBeforeRestart reports true: the error is ErrSignedBeforeRestart.
func (signedBeforeRestart) SignedBeforeRestart() bool { return true }
