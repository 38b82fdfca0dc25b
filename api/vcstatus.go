package api

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/tohu-nz/tohu/errs"
)

// updateStatusRequest is the body of POST /credentials/status (VC-API
// "Updating Status"): which credential, and the status to set per purpose.
type updateStatusRequest struct {
	CredentialID     string         `json:"credentialId"`
	CredentialStatus []statusChange `json:"credentialStatus"`
	// Reason is tohu's extension, recorded in the audit log.
	Reason string `json:"reason,omitempty"`
}

// statusChange sets one status bit. Type names the entry type
// (BitstringStatusListEntry); StatusPurpose is revocation or suspension;
// Status true sets the bit, false clears it.
type statusChange struct {
	Type          string `json:"type,omitempty"`
	StatusPurpose string `json:"statusPurpose"`
	Status        bool   `json:"status"`
}

// updateStatus is POST /credentials/status (approver): revoke, suspend or
// reinstate a credential the caller's provider issued — an award's
// (BaseURL/credentials/{id}) or one signed through POST /credentials/issue
// (by its id). 200 with the new state. Revocation is permanent, so clearing
// it is a 400, like every rule the request breaks (VC-API endpoints answer
// 400, not 422; see vcapiError).
func (s *server) updateStatus(c *fiber.Ctx) error {
	return vcapiError(c, s.setStatus(c))
}

func (s *server) setStatus(c *fiber.Ctx) error {
	var req updateStatusRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if len(req.CredentialStatus) != 1 {
		return errs.F(errs.Invalid, "/credentialStatus", "Send exactly one status change.")
	}
	ch := req.CredentialStatus[0]
	if ch.Type != "" && ch.Type != "BitstringStatusListEntry" {
		return errs.F(errs.Unsupported, "/credentialStatus/0/type", "Only BitstringStatusListEntry status is supported.")
	}
	reason := req.Reason
	if reason == "" {
		reason = "VC-API status update"
	}
	state, err := s.Issuer.UpdateCredentialStatus(c.UserContext(), actor(c), strings.TrimSpace(req.CredentialID), ch.StatusPurpose, ch.Status, reason)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"credentialId": req.CredentialID, "state": string(state)})
}
