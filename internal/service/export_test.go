package service

// Authorizer returns the Authorizer s was built with, for the external
// tests of this package (a test swaps the running server's policy store
// for a counting one).
func (s *Service) Authorizer() Authorizer { return s.authz }
