package issuer

import (
	"context"
	"time"

	"github.com/tohu-nz/tohu/errs"
)

// NZQACompletions returns the completions the actor's provider reports to
// NZQA: its issued (or suspended) awards with a completion date in [from,
// to], by date. Revoked awards are left out. withNSN selects the rows that
// carry a National Student Number (ready to report) or, when false, those
// lacking one (for staff to fix). Any role; Invalid (field /from or /to)
// when to is before from or the range is over 5 years.
func (s *Service) NZQACompletions(ctx context.Context, actor Actor, from, to time.Time, withNSN bool) (rows []Completion, other int, err error) {
	if err := actor.require(RoleViewer, actor.ProviderID); err != nil {
		return nil, 0, err
	}
	if actor.ProviderID == "" {
		return nil, 0, errs.E(errs.Invalid, "reports are made with a provider's API key")
	}
	if to.Before(from) {
		return nil, 0, errs.F(errs.Invalid, "/to", "to is before from")
	}
	if to.Sub(from) > 5*366*24*time.Hour {
		return nil, 0, errs.F(errs.Invalid, "/from", "ask for at most five years at a time")
	}
	all, err := s.store.Completions(ctx, actor.ProviderID, from, to)
	if err != nil {
		return nil, 0, err
	}
	for _, c := range all {
		if (c.NSN != "") == withNSN {
			rows = append(rows, c)
		} else {
			other++
		}
	}
	return rows, other, nil
}
