package api

import (
	"crypto/sha256"
	"crypto/subtle"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/tohu-nz/tohu/errs"
	"github.com/tohu-nz/tohu/issuer"
)

// providerRequest is the body of POST /api/v1/providers.
type providerRequest struct {
	Slug                     string `json:"slug"`
	Name                     string `json:"name"`
	URL                      string `json:"url,omitempty"`
	Email                    string `json:"email,omitempty"`
	NZQAProviderNumber       string `json:"nzqaProviderNumber,omitempty"`
	ImageURL                 string `json:"imageUrl,omitempty"`
	DIDMethod                string `json:"didMethod,omitempty"`
	JWTAlgorithm             string `json:"jwtAlgorithm,omitempty"`
	RequireTwoPersonApproval bool   `json:"requireTwoPersonApproval,omitempty"`
	// StatusMode is "revocation" (default: one credentialStatus entry,
	// OB 3.0 schema-valid) or "revocation+suspension" (the VC 2.0 array of
	// both; the 1EdTech validator's schema check rejects arrays).
	StatusMode string `json:"statusMode,omitempty"`
}

type providerResponse struct {
	ID                       string    `json:"id"`
	Slug                     string    `json:"slug"`
	Name                     string    `json:"name"`
	URL                      string    `json:"url,omitempty"`
	Email                    string    `json:"email,omitempty"`
	NZQAProviderNumber       string    `json:"nzqaProviderNumber,omitempty"`
	ImageURL                 string    `json:"imageUrl,omitempty"`
	DIDMethod                string    `json:"didMethod"`
	DID                      string    `json:"did"`
	JWTAlgorithm             string    `json:"jwtAlgorithm"`
	RequireTwoPersonApproval bool      `json:"requireTwoPersonApproval"`
	StatusMode               string    `json:"statusMode"`
	ProfileURL               string    `json:"profileUrl"`
	CreatedAt                time.Time `json:"createdAt"`
}

// providerCreatedResponse carries the first admin key's token: shown in
// this response only, stored by the issuer as a hash.
type providerCreatedResponse struct {
	Provider providerResponse `json:"provider"`
	AdminKey apiKeyResponse   `json:"adminKey"`
}

func (s *server) providerDTO(p *issuer.Provider) providerResponse {
	return providerResponse{
		ID: p.ID, Slug: p.Slug, Name: p.Name, URL: p.URL, Email: p.Email, NZQAProviderNumber: p.NZQAProviderNumber,
		ImageURL: p.ImageURL, DIDMethod: p.DIDMethod, DID: p.DID, JWTAlgorithm: p.JWTAlgorithm,
		RequireTwoPersonApproval: p.RequireTwoPersonApproval, StatusMode: p.StatusMode, ProfileURL: s.BaseURL + "/issuers/" + p.Slug,
		CreatedAt: p.CreatedAt,
	}
}

// requireOperator admits the operator token (Deps.OperatorToken), compared
// in constant time over SHA-256 digests so neither the length nor a prefix
// leaks. With no operator token configured, operator routes answer 501.
func (s *server) requireOperator(c *fiber.Ctx) error {
	if s.OperatorToken == "" {
		return notWired(c)
	}
	token, ok := bearer(c.Get(fiber.HeaderAuthorization))
	if !ok {
		return errNoKey
	}
	got, want := sha256.Sum256([]byte(token)), sha256.Sum256([]byte(s.OperatorToken))
	if subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
		return errs.E(errs.Unauthorized, "The operator token is not valid.")
	}
	c.Locals(localActor, issuer.OperatorActor(requestID(c)))
	return c.Next()
}

// createProvider is POST /api/v1/providers (operator): registers a provider
// with its signing keys and returns its first admin API key, once.
func (s *server) createProvider(c *fiber.Ctx) error {
	var req providerRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	out, err := s.Issuer.CreateProvider(c.UserContext(), actor(c), issuer.NewProvider{
		Slug: strings.TrimSpace(req.Slug), Name: req.Name, URL: req.URL, Email: req.Email,
		NZQAProviderNumber: req.NZQAProviderNumber, ImageURL: req.ImageURL, DIDMethod: req.DIDMethod,
		JWTAlgorithm: req.JWTAlgorithm, RequireTwoPersonApproval: req.RequireTwoPersonApproval,
		StatusMode: req.StatusMode,
	})
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store") // the body holds a secret
	c.Location(s.BaseURL + "/issuers/" + out.Provider.Slug)
	return c.Status(fiber.StatusCreated).JSON(providerCreatedResponse{
		Provider: s.providerDTO(out.Provider),
		AdminKey: apiKeyDTO(out.AdminKey, out.Token),
	})
}
