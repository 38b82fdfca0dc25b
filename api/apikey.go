package api

import (
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/tohu-nz/tohu/issuer"
)

// apiKeyRequest is the body of POST /api/v1/api-keys.
type apiKeyRequest struct {
	Name  string   `json:"name"`
	Roles []string `json:"roles"`
}

// apiKeyResponse describes a key. Token is set only in the response that
// creates it; the hash is never sent.
type apiKeyResponse struct {
	ID        string     `json:"id"`
	Name      string     `json:"name"`
	Roles     []string   `json:"roles"`
	Prefix    string     `json:"prefix"`
	Token     string     `json:"token,omitempty"`
	CreatedAt time.Time  `json:"createdAt"`
	RevokedAt *time.Time `json:"revokedAt,omitempty"`
}

func apiKeyDTO(k *issuer.APIKey, token string) apiKeyResponse {
	roles := make([]string, len(k.Roles))
	for i, r := range k.Roles {
		roles[i] = string(r)
	}
	return apiKeyResponse{ID: k.ID, Name: k.Name, Roles: roles, Prefix: k.Prefix, Token: token,
		CreatedAt: k.CreatedAt, RevokedAt: k.RevokedAt}
}

// createAPIKey is POST /api/v1/api-keys (admin): a new key for the
// caller's provider, its token shown once.
func (s *server) createAPIKey(c *fiber.Ctx) error {
	var req apiKeyRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	roles := make([]issuer.Role, len(req.Roles))
	for i, r := range req.Roles {
		roles[i] = issuer.Role(strings.TrimSpace(r))
	}
	me := actor(c)
	k, token, err := s.Issuer.CreateAPIKey(c.UserContext(), me, me.ProviderID, req.Name, roles)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Status(fiber.StatusCreated).JSON(apiKeyDTO(k, token))
}

// revokeAPIKey is DELETE /api/v1/api-keys/:id (admin): the key stops
// working at once (Authenticate reads the revocation on every request).
// 204; 404 for an unknown, another provider's or an already revoked key.
func (s *server) revokeAPIKey(c *fiber.Ctx) error {
	if err := s.Issuer.RevokeAPIKey(c.UserContext(), actor(c), strings.Clone(c.Params("id"))); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// listAPIKeys is GET /api/v1/api-keys (admin).
func (s *server) listAPIKeys(c *fiber.Ctx) error {
	me := actor(c)
	list, err := s.Issuer.APIKeys(c.UserContext(), me, me.ProviderID)
	if err != nil {
		return err
	}
	out := make([]apiKeyResponse, len(list))
	for i := range list {
		out[i] = apiKeyDTO(&list[i], "")
	}
	return c.JSON(fiber.Map{"apiKeys": out})
}

// signingKeyResponse is a provider's public signing key (never the sealed
// private key).
type signingKeyResponse struct {
	ID                   string     `json:"id"`
	Kind                 string     `json:"kind"`
	Purpose              string     `json:"purpose"`
	VerificationMethodID string     `json:"verificationMethod"`
	PublicMultikey       string     `json:"publicKeyMultibase,omitempty"`
	Status               string     `json:"status"`
	CreatedAt            time.Time  `json:"createdAt"`
	RetiredAt            *time.Time `json:"retiredAt,omitempty"`
}

func signingKeysDTO(list []issuer.Key) fiber.Map {
	out := make([]signingKeyResponse, len(list))
	for i, k := range list {
		out[i] = signingKeyResponse{ID: k.ID, Kind: k.Kind, Purpose: k.Purpose, VerificationMethodID: k.VerificationMethodID,
			PublicMultikey: k.PublicMultikey, Status: k.Status, CreatedAt: k.CreatedAt, RetiredAt: k.RetiredAt}
	}
	return fiber.Map{"signingKeys": out}
}

// listSigningKeys is GET /api/v1/signing-keys (any role).
func (s *server) listSigningKeys(c *fiber.Ctx) error {
	me := actor(c)
	list, err := s.Issuer.Keys(c.UserContext(), me, me.ProviderID)
	if err != nil {
		return err
	}
	return c.JSON(signingKeysDTO(list))
}

// rotateSigningKeys is POST /api/v1/signing-keys/rotate (admin): new keys
// sign from now on; old ones stay published so issued credentials verify.
func (s *server) rotateSigningKeys(c *fiber.Ctx) error {
	me := actor(c)
	list, err := s.Issuer.RotateKeys(c.UserContext(), me, me.ProviderID)
	if err != nil {
		return err
	}
	return c.JSON(signingKeysDTO(list))
}

// auditEventResponse is one audit log entry.
type auditEventResponse struct {
	ID        int64             `json:"id"`
	Actor     string            `json:"actor"`
	Action    string            `json:"action"`
	Subject   string            `json:"subject"`
	RequestID string            `json:"requestId,omitempty"`
	At        time.Time         `json:"at"`
	Detail    map[string]string `json:"detail,omitempty"`
}

// listAuditEvents is GET /api/v1/audit-events[?limit=N] (admin).
func (s *server) listAuditEvents(c *fiber.Ctx) error {
	limit := c.QueryInt("limit", 100)
	if limit < 1 || limit > 1000 {
		return malformedf("", "limit must be a whole number from 1 to 1000.")
	}
	me := actor(c)
	list, err := s.Issuer.AuditEvents(c.UserContext(), me, me.ProviderID, limit)
	if err != nil {
		return err
	}
	out := make([]auditEventResponse, len(list))
	for i, e := range list {
		out[i] = auditEventResponse{ID: e.ID, Actor: e.Actor, Action: e.Action, Subject: e.Subject,
			RequestID: e.RequestID, At: e.At, Detail: e.Detail}
	}
	return c.JSON(fiber.Map{"auditEvents": out})
}
