package issuer

import (
	"context"
	"strings"

	"github.com/tohu-nz/tohu/errs"
)

// CredentialState answers, from tohu's own records, what state a
// credential it issued is in: "issued", "suspended" or "revoked". It is the
// lookup behind the verifier's "issuer_records" check, which lets tohu's own
// verification see a suspension even when the credential carries only its
// revocation entry (StatusModeRevocation).
//
// known is false — and the verifier adds no check — unless credentialID is
// an award credential URL under this service's base URL
// (BaseURL/credentials/{id}) of an issued award whose provider's DID is
// issuerID: a credential that merely claims one of our ids is not ours.
// Public (no actor). Errors only when the database cannot answer.
func (s *Service) CredentialState(ctx context.Context, credentialID, issuerID string) (state string, known bool, err error) {
	id, ok := strings.CutPrefix(credentialID, s.cfg.BaseURL+"/credentials/")
	if !ok || id == "" || strings.ContainsAny(id, "/?#") {
		return "", false, nil
	}
	a, err := s.store.Award(ctx, id)
	if errs.Is(err, errs.NotFound) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	switch a.State {
	case AwardIssued, AwardSuspended, AwardRevoked:
	default:
		return "", false, nil
	}
	p, err := s.store.Provider(ctx, a.ProviderID)
	if err != nil {
		return "", false, err
	}
	if p.DID != issuerID {
		return "", false, nil
	}
	return string(a.State), true, nil
}

// UpdateCredentialStatus sets (set=true) or clears one status of a
// credential the actor's provider issued (VC-API POST /credentials/status):
// revocation (permanent: clearing it is Invalid at /credentialStatus/0/status),
// or suspension (set suspends, clear reinstates). credentialID is an award's
// credential URL (BaseURL/credentials/{id}, or the bare award id) — then it
// is Revoke, Suspend or Reinstate — or the id of a credential signed through
// IssueRaw, whose status list entry for purpose must exist (Conflict at
// /credentialStatus/0/statusPurpose if it was issued without one). Needs the
// approver role and a reason. Returns the new state. NotFound when no such
// credential of the provider exists.
func (s *Service) UpdateCredentialStatus(ctx context.Context, actor Actor, credentialID, purpose string, set bool, reason string) (AwardState, error) {
	if purpose != StatusRevocation && purpose != StatusSuspension {
		return "", errs.F(errs.Invalid, "/credentialStatus/0/statusPurpose", "statusPurpose must be revocation or suspension")
	}
	if purpose == StatusRevocation && !set {
		return "", errs.F(errs.Invalid, "/credentialStatus/0/status", "revocation is permanent; it cannot be cleared")
	}
	credentialID = strings.TrimSpace(credentialID)
	if credentialID == "" {
		return "", errs.F(errs.Invalid, "/credentialId", "credentialId is required")
	}
	if err := actor.require(RoleApprover, actor.ProviderID); err != nil {
		return "", err
	}
	if awardID, ok := s.awardIDOf(credentialID); ok {
		var a *Award
		var err error
		switch {
		case purpose == StatusRevocation:
			a, err = s.Revoke(ctx, actor, awardID, reason)
		case set:
			a, err = s.Suspend(ctx, actor, awardID, reason)
		default:
			a, err = s.Reinstate(ctx, actor, awardID, reason)
		}
		if err != nil {
			return "", err
		}
		return a.State, nil
	}
	c, err := s.store.IssuedCredential(ctx, actor.ProviderID, credentialID)
	if err != nil {
		if errs.Is(err, errs.NotFound) {
			return "", errs.F(errs.NotFound, "/credentialId", "this provider issued no credential with id %q", credentialID)
		}
		return "", err
	}
	if _, ok := c.StatusIndex[purpose]; !ok {
		return "", errs.F(errs.Conflict, "/credentialStatus/0/statusPurpose", "the credential was issued without a %s status entry", purpose)
	}
	if len(reason) == 0 || len(reason) > 1000 {
		return "", errs.F(errs.Invalid, "/reason", "a reason of 1–1000 characters is required")
	}
	var (
		to     AwardState
		from   []AwardState
		action string
	)
	switch {
	case purpose == StatusRevocation:
		to, from, action = AwardRevoked, []AwardState{AwardIssued, AwardSuspended}, "credential.revoke"
	case set:
		to, from, action = AwardSuspended, []AwardState{AwardIssued}, "credential.suspend"
	default:
		to, from, action = AwardIssued, []AwardState{AwardSuspended}, "credential.reinstate"
	}
	ok := false
	for _, f := range from {
		ok = ok || c.State == f
	}
	if !ok {
		return "", errs.F(errs.Conflict, "/state", "a %s credential cannot be %s", c.State, to)
	}
	p, err := s.store.Provider(ctx, c.ProviderID)
	if err != nil {
		return "", err
	}
	if _, err := s.activeSigner(ctx, s.store, p, PurposeDI); err != nil {
		return "", err
	}
	prev := c.State
	c.State, c.Reason, c.UpdatedAt = to, reason, s.now()
	err = s.store.WithTx(ctx, func(tx Store) error {
		if err := tx.UpdateIssuedCredential(ctx, c, prev); err != nil {
			return err
		}
		if err := tx.SetStatus(ctx, c.ID, purpose, set); err != nil {
			return err
		}
		if err := s.regenerateStatusList(ctx, tx, p, purpose); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, p.ID, action, "credential:"+c.ID,
			map[string]string{"reason": reason, "from": string(prev), "credentialId": c.CredentialID})
	})
	if err != nil {
		return "", err
	}
	return to, nil
}

// awardIDOf maps an award's credential URL (or a bare award id) to the
// award id; ok is false for any other id (a VC-API credential's).
func (s *Service) awardIDOf(credentialID string) (string, bool) {
	if rest, ok := strings.CutPrefix(credentialID, s.cfg.BaseURL+"/credentials/"); ok {
		return rest, rest != "" && !strings.ContainsAny(rest, "/?#: ")
	}
	// A bare award id: 26 base32 characters, no scheme.
	if len(credentialID) == 26 && !strings.ContainsAny(credentialID, "/?#: ") {
		return credentialID, true
	}
	return "", false
}
