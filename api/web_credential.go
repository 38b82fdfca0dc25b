package api

import (
	"bytes"
	"context"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/tohu-nz/tohu/api/pages"
	"github.com/tohu-nz/tohu/errs"
	"github.com/tohu-nz/tohu/issuer"
	"github.com/tohu-nz/tohu/verifier"
)

// Representations of a credential, in the server's order of preference for
// each URL: /credentials/{id} is the credential's id, so machines (and
// clients that say nothing) get the JSON-LD; /c/{id} is the link people
// share, so a browser gets the page. Both answer every form.
var (
	credentialOffers = []string{typeVCLD, typeLD, typeJSON, typeVCJWT, typeJWT, mimeHTML, mimeXHTML, mimePNG, mimeSVG}
	pageOffers       = []string{mimeHTML, mimeXHTML, typeVCLD, typeLD, typeJSON, typeVCJWT, typeJWT, mimePNG, mimeSVG}
)

// credentialDocument is GET /credentials/:id, content-negotiated.
func (s *server) credentialDocument(c *fiber.Ctx) error {
	return s.credentialAs(c, preferred(c.Get(fiber.HeaderAccept), credentialOffers...))
}

// credentialPage is GET /c/:id, content-negotiated (a browser gets the page).
func (s *server) credentialPage(c *fiber.Ctx) error {
	return s.credentialAs(c, preferred(c.Get(fiber.HeaderAccept), pageOffers...))
}

// credentialAs answers with one representation of the credential.
func (s *server) credentialAs(c *fiber.Ctx, media string) error {
	id := strings.Clone(c.Params("id"))
	c.Vary(fiber.HeaderAccept)
	switch media {
	case mimeHTML, mimeXHTML:
		return s.renderCredentialPage(c, id)
	case mimePNG:
		return s.sendBadge(c, id, kindPNG)
	case mimeSVG:
		return s.sendBadge(c, id, kindSVG)
	case typeVCJWT, typeJWT:
		return s.sendCredential(c, id, issuer.FormatJWT, media, "")
	}
	return s.sendCredential(c, id, issuer.FormatDI, media, "")
}

// sendCredential sends a stored credential byte for byte, as media; with a
// non-empty filename, as a download (Content-Disposition: attachment).
func (s *server) sendCredential(c *fiber.Ctx, id, format, media, filename string) error {
	body, err := s.Issuer.GetCredential(c.UserContext(), id, format)
	if err != nil {
		return err
	}
	if filename != "" {
		c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+filename+`"`)
	}
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	return sendCached(c, body, media, cacheCredential)
}

// downloadJSON is GET /c/:id/credential.json.
func (s *server) downloadJSON(c *fiber.Ctx) error {
	id := strings.Clone(c.Params("id"))
	return s.sendCredential(c, id, issuer.FormatDI, typeVCLD, downloadName(id, "json"))
}

// downloadJWT is GET /c/:id/credential.jwt.
func (s *server) downloadJWT(c *fiber.Ctx) error {
	id := strings.Clone(c.Params("id"))
	return s.sendCredential(c, id, issuer.FormatJWT, typeVCJWT, downloadName(id, "jwt"))
}

// badgePNG is GET /c/:id/badge.png; badgeSVG GET /c/:id/badge.svg.
func (s *server) badgePNG(c *fiber.Ctx) error {
	return s.sendBadge(c, strings.Clone(c.Params("id")), kindPNG)
}

func (s *server) badgeSVG(c *fiber.Ctx) error {
	return s.sendBadge(c, strings.Clone(c.Params("id")), kindSVG)
}

// downloadName is the file name offered for a download. Award ids are
// URL-safe base32/64 text, but anything else is dropped to keep the header
// well-formed.
func downloadName(id, ext string) string {
	clean := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return -1
	}, id)
	return "tohu-credential-" + clean + "." + ext
}

// renderCredentialPage verifies the stored credential live with the
// service's verifier and renders the page. That verifier checks the proof,
// the issuer's key, dates and the revocation list, and (as cmd/tohu wires
// it, verifier.WithIssuerRecords) tohu's own records, which show a
// suspension the credential itself cannot carry.
func (s *server) renderCredentialPage(c *fiber.Ctx, id string) error {
	ctx := c.UserContext()
	pa, err := s.web.iss.PublicAward(ctx, id)
	if err != nil {
		return err
	}
	stored, err := s.web.iss.GetCredential(ctx, id, issuer.FormatDI)
	if err != nil {
		return err
	}
	var rep *verifier.Report
	if s.Verifier != nil {
		rep = s.Verifier.Verify(ctx, stored)
	}
	base := s.BaseURL
	urls := pages.URLs{
		Page:        base + "/c/" + id,
		JSON:        "/c/" + id + "/credential.json",
		PNG:         "/c/" + id + "/badge.png",
		SVG:         "/c/" + id + "/badge.svg",
		Image:       base + "/c/" + id + "/badge.png", // absolute: og:image
		Issuer:      "/issuers/" + pa.ProviderSlug,
		Achievement: "/achievements/" + pa.AchievementID + "/v" + strconv.Itoa(pa.AchievementVersion),
		Verify:      "/verify",
	}
	lang := pageLang(c)
	v, err := pages.NewCredentialView(stored, rep, urls, lang)
	if err != nil {
		return errs.Wrap(err, errs.Internal, "the stored credential %s cannot be shown", id)
	}
	return sendPage(c, fiber.StatusOK, func(b *bytes.Buffer) error { return s.web.r.Credential(b, v) })
}

// badgeFacts reads what the generated badge image shows from the stored
// credential.
func badgeFacts(stored []byte) (pages.CredentialView, error) {
	return pages.NewCredentialView(stored, nil, pages.URLs{}, pages.En)
}

// sendBadge sends the baked badge image of a credential: the achievement's
// own image when it is a PNG or SVG of the asked kind that tohu can fetch
// safely, else the generated badge, with the signed JSON-LD credential
// baked in (OB 3.0 §"Baked Badge"). Baked images are cached by credential.
func (s *server) sendBadge(c *fiber.Ctx, id, kind string) error {
	ctx := c.UserContext()
	stored, err := s.Issuer.GetCredential(ctx, id, issuer.FormatDI)
	if err != nil {
		return err
	}
	baked, err := s.web.bakes.get(id, kind, stored, func() ([]byte, error) {
		return s.bakeBadge(ctx, stored, kind)
	})
	if err != nil {
		return err
	}
	ctype := mimePNG
	if kind == kindSVG {
		ctype = mimeSVG
		// An SVG is a document that could script; ours has none, and an
		// achievement's own SVG is not trusted to have none either.
		c.Set(fiber.HeaderContentSecurityPolicy, "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox")
	}
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	c.Set(fiber.HeaderContentDisposition, `inline; filename="`+strings.TrimSuffix(downloadName(id, kind), "."+kind)+"-badge."+kind+`"`)
	return sendCached(c, baked, ctype, cacheCredential)
}

// bakeBadge picks the image and bakes the credential into it.
func (s *server) bakeBadge(ctx context.Context, stored []byte, kind string) ([]byte, error) {
	v, err := badgeFacts(stored)
	if err != nil {
		return nil, errs.Wrap(err, errs.Internal, "the stored credential cannot be read for its badge")
	}
	if img := s.achievementImage(ctx, v.ImageURL, kind); img != nil {
		if baked, err := bakeInto(img, stored, kind); err == nil {
			return baked, nil
		} else {
			s.Logger.Info("the achievement image cannot be baked; using the generated badge", "error", err.Error())
		}
	}
	img, err := generatedBadge(v, kind)
	if err != nil {
		return nil, err
	}
	return bakeInto(img, stored, kind)
}
