package api

import (
	"crypto/sha256"
	"encoding/base64"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/tohu-nz/tohu/errs"
)

// Media types of the public documents.
const (
	typeVCLD  = "application/vc+ld+json" // VCDM 2.0 §6.3
	typeVCJWT = "application/vc+jwt"     // VC-JOSE-COSE §6.1
	typeDID   = "application/did+json"   // DID Core §6.2 (did:web serves JSON)
	typeJSON  = "application/json"
)

// Cache lifetimes. Status lists change when a credential is revoked or
// suspended; a short max-age bounds how long a verifier may act on a stale
// list while keeping load down. DID documents change on key rotation only.
const (
	cacheStatusList = "public, max-age=60"
	cacheDID        = "public, max-age=300"
	cacheCredential = "public, max-age=300"
)

// getCredential is GET /credentials/:id: the stored credential exactly as
// signed. Accept: application/vc+jwt (or application/jwt) selects the
// VC-JWT form; anything else gets the JSON-LD form.
func (s *server) getCredential(c *fiber.Ctx) error {
	id := strings.Clone(c.Params("id"))
	format, ctype := "di", typeVCLD
	if accept := c.Get(fiber.HeaderAccept); strings.Contains(accept, typeVCJWT) || strings.Contains(accept, "application/jwt") {
		format, ctype = "jwt", typeVCJWT
	}
	body, err := s.Issuer.GetCredential(c.UserContext(), id, format)
	if err != nil {
		return err
	}
	c.Vary(fiber.HeaderAccept)
	return sendCached(c, body, ctype, cacheCredential)
}

// didDocument is GET /issuers/:slug/did.json (did:web, DIDWEB "Read").
func (s *server) didDocument(c *fiber.Ctx) error {
	doc, err := s.Issuer.DIDDocument(c.UserContext(), strings.Clone(c.Params("slug")))
	if err != nil {
		return err
	}
	body, err := marshal(doc)
	if err != nil {
		return err
	}
	return sendCached(c, body, typeDID, cacheDID)
}

// hostDIDDocument is GET /.well-known/did.json: the did:web:<host> document
// (DIDWEB §3.2), made from the default issuer's keys (Deps.DefaultIssuer).
// 404 when no default issuer is configured.
func (s *server) hostDIDDocument(c *fiber.Ctx) error {
	if s.DefaultIssuer == "" {
		return errs.E(errs.NotFound, "This server publishes no host-level DID document; see /issuers/{slug}/did.json.")
	}
	doc, err := s.Issuer.HostDIDDocument(c.UserContext(), s.DefaultIssuer)
	if err != nil {
		return err
	}
	body, err := marshal(doc)
	if err != nil {
		return err
	}
	return sendCached(c, body, typeDID, cacheDID)
}

// profile is GET /issuers/:slug: the issuer Profile (OB 3.0) as JSON.
func (s *server) profile(c *fiber.Ctx) error {
	p, err := s.Issuer.Profile(c.UserContext(), strings.Clone(c.Params("slug")))
	if err != nil {
		return err
	}
	body, err := marshal(p)
	if err != nil {
		return err
	}
	return sendCached(c, body, typeJSON, cacheDID)
}

// statusList is GET /issuers/:slug/status/:purpose (the URL the issuer
// writes into credentials) and its alias /status/:slug/:purpose: the signed
// Bitstring Status List credential.
func (s *server) statusList(c *fiber.Ctx) error {
	purpose := c.Params("purpose")
	if purpose != "revocation" && purpose != "suspension" {
		return errs.F(errs.NotFound, "", "There is no %q status list; use revocation or suspension.", purpose)
	}
	body, err := s.Issuer.StatusListCredential(c.UserContext(), strings.Clone(c.Params("slug")), strings.Clone(purpose))
	if err != nil {
		return err
	}
	return sendCached(c, body, typeVCLD, cacheStatusList)
}

// sendCached sends body with a strong ETag (SHA-256 of the bytes) and
// answers 304 to a matching If-None-Match (RFC 9110 §13.1.2).
func sendCached(c *fiber.Ctx, body []byte, ctype, cacheControl string) error {
	sum := sha256.Sum256(body)
	etag := `"` + base64.RawURLEncoding.EncodeToString(sum[:]) + `"`
	c.Set(fiber.HeaderETag, etag)
	c.Set(fiber.HeaderCacheControl, cacheControl)
	if inm := c.Get(fiber.HeaderIfNoneMatch); inm != "" {
		for _, t := range strings.Split(inm, ",") {
			if t = strings.TrimSpace(t); t == etag || t == "*" || t == "W/"+etag {
				return c.SendStatus(fiber.StatusNotModified)
			}
		}
	}
	c.Set(fiber.HeaderContentType, ctype)
	return c.Send(body)
}
