package sqlite

import "github.com/vpcvpn/vpcvpn/internal/store"

// The RAM part of the store (users, policies, roles, attachments) is
// implemented by the shared engine (sqlcore, ram.go) over the tables of
// migrations/0003_ram.sql.
var _ store.IAMStore = (*DB)(nil)
