package service

import (
	"context"
	"errors"

	"github.com/vpcvpn/vpcvpn/internal/authz"
)

// EventTrail reads the audit trail for ActionTrail's LookupEvents
// (internal/audit's *Trail). The service authorises the call like every
// other action; the trail parses the parameters and answers.
type EventTrail interface {
	// LookupEvents answers the events of account selected by params.
	LookupEvents(ctx context.Context, account string, params map[string]string) (any, error)
}

// LookupEvents is ActionTrail's LookupEvents: the caller's account's
// events, authorised as the request's RAM action (actiontrail:LookupEvents)
// on acs:actiontrail:*:<account>:* before its parameters are read.
func (s *Service) LookupEvents(ctx context.Context, r *Request) (any, error) {
	acct := r.Principal.AccountID
	r.Resource = authz.ARN("actiontrail", "*", acct, "", "*")
	if err := s.authorize(ctx, r, r.Meta.RAM, r.Resource, acct); err != nil {
		return nil, err
	}
	if s.trail == nil {
		return nil, errors.New("service: LookupEvents without an audit trail (Config.Trail)")
	}
	return s.trail.LookupEvents(ctx, acct, r.Params)
}
