// Package action holds what the server knows of each API action apart from
// its handler: the RAM action name its authorisation decides, its class
// (which throttle bucket and which audit EventRW), and whether it can change
// what an AccessKey resolves to. The values live on the dispatch table
// (internal/api.Actions); everything else reads them from there.
package action

import "strconv"

// Class is what an action does with the state it touches.
type Class uint8

const (
	// Unknown is the zero Class: an action without metadata. The dispatch
	// table refuses it (a test walks every action).
	Unknown Class = iota
	// Read actions look at one resource (Describe*, Get*).
	Read
	// List actions look at many (Describe* lists, List*, LookupEvents).
	List
	// Write actions change state (Create*, Delete*, Modify*, AssumeRole,
	// agent reports, ...).
	Write
	// SecretRead actions return secrets (pre-shared keys) to the caller:
	// the downloads.
	SecretRead
)

// String returns "read", "list", "write" or "secret-read".
func (c Class) String() string {
	switch c {
	case Read:
		return "read"
	case List:
		return "list"
	case Write:
		return "write"
	case SecretRead:
		return "secret-read"
	}
	return "class(" + strconv.Itoa(int(c)) + ")"
}

// Reads reports whether the class only looks at state (Read, List and
// SecretRead): the audit trail's EventRW "Read".
func (c Class) Reads() bool { return c == Read || c == List || c == SecretRead }

// Meta is an action's metadata.
type Meta struct {
	// RAM is the action RAM policies name ("vpc:CreateVpc").
	RAM string
	// Class is what the action does.
	Class Class
	// ChangesCredentials is true for actions that may change what an
	// AccessKey resolves to (its status, its existence, its user's
	// policies): the API forgets its cached credentials after each.
	ChangesCredentials bool
}
