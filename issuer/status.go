package issuer

import (
	"context"

	"github.com/tohu-nz/tohu/credential/dataintegrity"
	"github.com/tohu-nz/tohu/credential/statuslist"
	"github.com/tohu-nz/tohu/errs"
)

// Revoke revokes an issued or suspended award for good: it sets the
// credential's bit in the provider's revocation list and re-signs that list,
// in one transaction with the state change and its audit event. Needs the
// approver role and a reason (Invalid at /reason). Conflict when the award
// is not issued or suspended.
func (s *Service) Revoke(ctx context.Context, actor Actor, id, reason string) (*Award, error) {
	return s.changeStatus(ctx, actor, id, reason, "award.revoke", AwardRevoked, StatusRevocation, true, AwardIssued, AwardSuspended)
}

// Suspend suspends an issued award: its bit in the suspension list is set
// and the list re-signed. Approver role, a reason, Conflict unless issued.
func (s *Service) Suspend(ctx context.Context, actor Actor, id, reason string) (*Award, error) {
	return s.changeStatus(ctx, actor, id, reason, "award.suspend", AwardSuspended, StatusSuspension, true, AwardIssued)
}

// Reinstate lifts a suspension: its bit is cleared and the list re-signed.
// Approver role, a reason, Conflict unless suspended (a revoked award stays
// revoked).
func (s *Service) Reinstate(ctx context.Context, actor Actor, id, reason string) (*Award, error) {
	return s.changeStatus(ctx, actor, id, reason, "award.reinstate", AwardIssued, StatusSuspension, false, AwardSuspended)
}

func (s *Service) changeStatus(ctx context.Context, actor Actor, id, reason, action string, to AwardState, purpose string, set bool, from ...AwardState) (*Award, error) {
	a, err := s.store.Award(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := actor.require(RoleApprover, a.ProviderID); err != nil {
		return nil, err
	}
	if len(reason) == 0 || len(reason) > 1000 {
		return nil, errs.F(errs.Invalid, "/reason", "a reason of 1–1000 characters is required")
	}
	ok := false
	for _, f := range from {
		ok = ok || a.State == f
	}
	if !ok {
		return nil, errs.F(errs.Conflict, "/state", "a %s award cannot be %s", a.State, to)
	}
	p, err := s.store.Provider(ctx, a.ProviderID)
	if err != nil {
		return nil, err
	}
	// Fail before changing anything if the master key is wrong.
	if _, err := s.activeSigner(ctx, s.store, p, PurposeDI); err != nil {
		return nil, err
	}
	prev := a.State
	a.State, a.Reason, a.UpdatedAt = to, reason, s.now()
	err = s.store.WithTx(ctx, func(tx Store) error {
		if err := tx.UpdateAward(ctx, a, prev); err != nil {
			return err
		}
		if err := tx.SetStatus(ctx, a.ID, purpose, set); err != nil {
			return err
		}
		if err := s.regenerateStatusList(ctx, tx, p, purpose); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, a.ProviderID, action, "award:"+a.ID, map[string]string{"reason": reason, "from": string(prev)})
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// regenerateStatusList rebuilds and re-signs one of the provider's status
// list credentials from the set bits, inside tx. LockStatusList first, so
// two replicas changing the same list take turns and neither loses the
// other's bit.
func (s *Service) regenerateStatusList(ctx context.Context, tx Store, p *Provider, purpose string) error {
	if err := tx.LockStatusList(ctx, p.ID, purpose); err != nil {
		return err
	}
	set, err := tx.SetStatusIndexes(ctx, p.ID, purpose)
	if err != nil {
		return err
	}
	l, err := statuslist.New(s.cfg.StatusListBits)
	if err != nil {
		return err
	}
	for _, i := range set {
		if err := l.Set(i, true); err != nil {
			return err
		}
	}
	now := s.now()
	unsigned, err := statuslist.ListCredential(s.StatusListURL(p.Slug, purpose), p.DID, purpose, l, now)
	if err != nil {
		return err
	}
	signer, err := s.activeSigner(ctx, tx, p, PurposeDI)
	if err != nil {
		return err
	}
	signed, err := dataintegrity.Sign(ctx, unsigned, signer, dataintegrity.SignOptions{VerificationMethod: signer.KeyID(), Created: now})
	if err != nil {
		return err
	}
	return tx.SaveStatusList(ctx, &StatusList{ProviderID: p.ID, Purpose: purpose, Bits: s.cfg.StatusListBits, Body: signed, UpdatedAt: now})
}

// StatusListCredential returns the provider's signed Bitstring Status List
// credential for purpose ("revocation" or "suspension"), as stored when it
// last changed. Public. NotFound for an unknown provider or purpose.
func (s *Service) StatusListCredential(ctx context.Context, slug, purpose string) ([]byte, error) {
	if purpose != StatusRevocation && purpose != StatusSuspension {
		return nil, errs.E(errs.NotFound, "no %q status list", purpose)
	}
	p, err := s.store.ProviderBySlug(ctx, slug)
	if err != nil {
		return nil, err
	}
	l, err := s.store.StatusList(ctx, p.ID, purpose)
	if err == nil {
		return l.Body, nil
	}
	if !errs.Is(err, errs.NotFound) {
		return nil, err
	}
	// Not signed yet (a provider from before lists were made at creation):
	// make it now.
	err = s.store.WithTx(ctx, func(tx Store) error { return s.regenerateStatusList(ctx, tx, p, purpose) })
	if err != nil {
		return nil, err
	}
	l, err = s.store.StatusList(ctx, p.ID, purpose)
	if err != nil {
		return nil, err
	}
	return l.Body, nil
}
