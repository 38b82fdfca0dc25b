package api

import (
	"bytes"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/tohu-nz/tohu/api/pages"
	"github.com/tohu-nz/tohu/errs"
	"github.com/tohu-nz/tohu/issuer"
)

// achievementOffers: /achievements/{id}/v{n} is the achievement id written
// into credentials. A client asking for JSON (a verifier or wallet
// dereferencing the id) gets the OB 3.0 Achievement; everyone else,
// including clients that say nothing, the page.
var achievementOffers = []string{mimeHTML, mimeXHTML, typeLD, typeJSON}

// achievementPage is GET /achievements/:id (the latest version) and
// GET /achievements/:id/:version ("v3", the URL written into credentials):
// the public description of a micro-credential, NZQA-style, or its OB 3.0
// Achievement JSON-LD by content negotiation.
func (s *server) achievementPage(c *fiber.Ctx) error {
	id := strings.Clone(c.Params("id"))
	version := 0
	if v := c.Params("version"); v != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(v, "v"))
		if err != nil || n < 1 || !strings.HasPrefix(v, "v") {
			return errs.E(errs.NotFound, "There is no version %q of this micro-credential.", v)
		}
		version = n
	}
	ctx := c.UserContext()
	a, err := s.web.iss.GetAchievement(ctx, id, version)
	if err != nil {
		return err
	}
	if a.ApprovalStatus == issuer.ApprovalDraft {
		// A draft is the provider's work in progress, not a public listing.
		return errs.E(errs.NotFound, "There is no micro-credential %s.", id)
	}
	c.Vary(fiber.HeaderAccept)
	if m := preferred(c.Get(fiber.HeaderAccept), achievementOffers...); m == typeLD || m == typeJSON {
		body, err := s.web.iss.PublicAchievementJSON(ctx, a)
		if err != nil {
			return err
		}
		c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
		return sendCached(c, body, m, cacheCredential)
	}
	providers, err := s.web.iss.AchievementProviders(ctx, a)
	if err != nil {
		return err
	}
	l := pageLang(c)
	v := pages.AchievementView{
		Lang: l, ID: a.ID, Title: a.Title, TitleMi: a.TitleMi, Aim: a.Aim, Level: a.Level, Credits: a.Credits,
		Reference: a.NZQARef, Version: a.NZQAVersion, QualityAssurance: a.QARoute, Developer: a.Developer,
		Outcomes: a.Outcomes, Assessment: a.AssessmentNarrative, EquityTags: a.EquityTags,
		ListedOn: dateOrZero(a.ListedOn), NextReviewOn: dateOrZero(a.NextReviewOn), ImageURL: a.ImageURL,
		PageURL: s.BaseURL + "/achievements/" + a.ID + "/v" + strconv.Itoa(a.Version),
	}
	switch {
	case a.NZSCEDName != "" && a.NZSCEDCode != "":
		v.FieldOfStudy = a.NZSCEDName + " (" + a.NZSCEDCode + ")"
	default:
		v.FieldOfStudy = a.NZSCEDName + a.NZSCEDCode
	}
	for _, p := range providers {
		v.Providers = append(v.Providers, pages.ProviderLink{Name: p.Name, URL: "/issuers/" + p.Slug})
	}
	return sendPage(c, fiber.StatusOK, func(b *bytes.Buffer) error { return s.web.r.Achievement(b, v) })
}

// issuerDocument is GET /issuers/:slug: the OB 3.0 issuer Profile (JSON)
// for machines and clients that say nothing, the provider's page with its
// micro-credentials for browsers.
func (s *server) issuerDocument(c *fiber.Ctx) error {
	c.Vary(fiber.HeaderAccept)
	if m := preferred(c.Get(fiber.HeaderAccept), typeJSON, typeLD, mimeHTML, mimeXHTML); s.web == nil || (m != mimeHTML && m != mimeXHTML) {
		return s.profile(c)
	}
	p, achs, err := s.web.iss.PublicAchievements(c.UserContext(), strings.Clone(c.Params("slug")))
	if err != nil {
		return err
	}
	l := pageLang(c)
	v := pages.IssuerView{
		Lang: l, Name: p.Name, Website: p.URL, Email: p.Email, NZQANumber: p.NZQAProviderNumber,
		DID: p.DID, ImageURL: p.ImageURL, PageURL: s.BaseURL + "/issuers/" + p.Slug,
	}
	for _, a := range achs {
		v.Achievements = append(v.Achievements, pages.AchievementLink{
			Title: a.Title, TitleMi: a.TitleMi, URL: "/achievements/" + a.ID + "/v" + strconv.Itoa(a.Version),
			Level: a.Level, Credits: a.Credits, Ref: a.NZQARef,
		})
	}
	return sendPage(c, fiber.StatusOK, func(b *bytes.Buffer) error { return s.web.r.Issuer(b, v) })
}

func dateOrZero(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}
