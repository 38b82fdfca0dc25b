package issuer

import (
	"slices"

	"github.com/tohu-nz/tohu/errs"
)

// Role is what an API key may do within its provider.
type Role string

// The roles. Admin implies every other role; every role implies viewer.
const (
	RoleAdmin    Role = "admin"    // manage API keys, signing keys, achievements
	RoleAssessor Role = "assessor" // record awards (learner results)
	RoleApprover Role = "approver" // approve, issue, revoke, suspend, reinstate
	RoleViewer   Role = "viewer"   // read only
)

// AllRoles lists the roles in a stable order.
var AllRoles = []Role{RoleAdmin, RoleAssessor, RoleApprover, RoleViewer}

// Valid reports whether r is one of the known roles.
func (r Role) Valid() bool { return slices.Contains(AllRoles, r) }

// Actor is who performs a Service call: normally an authenticated API key
// (see Service.Authenticate), or the operator of the process (the CLI, or the
// bootstrap of a new provider), who is not bound to any provider.
type Actor struct {
	APIKeyID   string // the authenticated API key; "" for the operator
	ProviderID string // the provider the key belongs to; "" for the operator
	Roles      []Role
	RequestID  string // recorded in audit events
	Operator   bool   // the process operator: may create providers, acts for any provider
}

// OperatorActor returns the actor for the process operator (CLI commands,
// bootstrap), with the given request id for the audit log.
func OperatorActor(requestID string) Actor {
	return Actor{Operator: true, RequestID: requestID}
}

// Has reports whether the actor holds role r. Admin and the operator hold
// every role, and any role may read (holds viewer).
func (a Actor) Has(r Role) bool {
	if a.Operator {
		return true
	}
	if r == RoleViewer && len(a.Roles) > 0 {
		return true
	}
	return slices.Contains(a.Roles, r) || slices.Contains(a.Roles, RoleAdmin)
}

// name is how the actor appears in audit events.
func (a Actor) name() string {
	if a.Operator {
		return "operator"
	}
	return a.APIKeyID
}

// require returns Forbidden unless the actor holds role r, and NotFound when
// the actor belongs to a provider other than providerID (so that one
// provider cannot learn what another has). providerID "" skips the scope
// check.
func (a Actor) require(r Role, providerID string) error {
	if !a.Operator && a.APIKeyID == "" {
		return errs.E(errs.Unauthorized, "an API key is required")
	}
	if providerID != "" && !a.Operator && a.ProviderID != providerID {
		return errs.E(errs.NotFound, "not found")
	}
	if !a.Has(r) {
		return errs.E(errs.Forbidden, "this action needs the %s role", r)
	}
	return nil
}

// requireEither is require for an action either role may take: the first
// role's error when the actor has neither.
func (a Actor) requireEither(r1, r2 Role, providerID string) error {
	err := a.require(r1, providerID)
	if err != nil && a.require(r2, providerID) == nil {
		return nil
	}
	return err
}
