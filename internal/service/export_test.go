package service

import "context"

// Authorizer returns the Authorizer s was built with, for the external
// tests of this package (a test swaps the running server's policy store
// for a counting one).
func (s *Service) Authorizer() Authorizer { return s.authz }

// BatchAgentStatus makes the reports' heartbeats FlushAgentStatus's, as if
// it ran, for tests that flush with FlushAgentStatusNow.
func (s *Service) BatchAgentStatus() { s.hub().batched.Store(true) }

// FlushAgentStatusNow runs one flush of FlushAgentStatus (all: everything
// not written, as at shutdown).
func (s *Service) FlushAgentStatusNow(ctx context.Context, all bool) {
	s.flushAgents(ctx, all)
}
