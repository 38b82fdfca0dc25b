package api

import (
	"bytes"
	"cmp"
	"context"
	"io/fs"
	"mime"
	"path"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/tohu-nz/tohu/api/pages"
	"github.com/tohu-nz/tohu/errs"
	"github.com/tohu-nz/tohu/issuer"
)

// The public web pages (issue 5): the credential page /c/{id}, the verify
// page, achievement and provider pages, the downloads and the static
// assets. Pages are rendered by api/pages; this file holds what they share:
// the dependency they need, language and content negotiation, and the
// security headers.

// URLFetcher fetches a document by URL with tohu's safety rules (timeouts,
// size cap, no private addresses except the service's own origin);
// implemented by *fetch.Fetcher. POST /verify uses it for pasted links and
// the badge routes for achievement images.
type URLFetcher interface {
	Fetch(ctx context.Context, url string) ([]byte, error)
}

// WebIssuer is the public part of the issuer the pages read, beyond
// PublicIssuer; implemented by *issuer.Service (Deps.Pages).
type WebIssuer interface {
	PublicIssuer
	GetAchievement(ctx context.Context, id string, version int) (*issuer.Achievement, error)
	PublicAward(ctx context.Context, id string) (*issuer.PublicAward, error)
	PublicAchievements(ctx context.Context, slug string) (*issuer.Provider, []issuer.Achievement, error)
	AchievementProviders(ctx context.Context, a *issuer.Achievement) ([]issuer.Provider, error)
	PublicAchievementJSON(ctx context.Context, a *issuer.Achievement) ([]byte, error)
}

// web is what the page handlers share; nil when the pages are not wired.
type web struct {
	r     *pages.Renderer
	iss   WebIssuer
	bakes *bakeCache
}

// newWeb builds the page renderer. The templates are embedded and tested,
// so an error here is a build defect: it is logged and the pages answer 501.
func (s *server) newWeb() *web {
	if s.Pages == nil {
		return nil
	}
	r, err := pages.New(pages.Options{StaticPrefix: staticPrefix})
	if err != nil {
		s.Logger.Error("the page templates do not parse; pages are off", "error", err.Error())
		return nil
	}
	return &web{r: r, iss: s.Pages, bakes: newBakeCache(bakeCacheEntries)}
}

const staticPrefix = "/static/"

// Security headers of every page. The CSP allows no inline script or style
// (the templates have none; api/pages tests enforce it); images may come
// from https (an achievement's or provider's own image) and data: URIs.
const pageCSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; " +
	"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// pageHeaders sets the headers every HTML page carries.
func pageHeaders(c *fiber.Ctx) {
	c.Set(fiber.HeaderContentSecurityPolicy, pageCSP)
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	c.Set(fiber.HeaderReferrerPolicy, "strict-origin-when-cross-origin")
	c.Set(fiber.HeaderXFrameOptions, "DENY")
	c.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()")
	c.Vary(fiber.HeaderAccept, fiber.HeaderAcceptLanguage)
}

// pageLang picks the page language: ?lang= (or the form's hidden lang),
// then Accept-Language.
func pageLang(c *fiber.Ctx) pages.Lang {
	q := c.Query("lang")
	if q == "" && c.Method() == fiber.MethodPost {
		q = c.FormValue("lang")
	}
	return pages.Negotiate(q, c.Get(fiber.HeaderAcceptLanguage))
}

// sendPage renders a page with status and the page headers. Rendering is
// buffered by api/pages, so a failure sends nothing and becomes a 500.
func sendPage(c *fiber.Ctx, status int, render func(*bytes.Buffer) error) error {
	var buf bytes.Buffer
	if err := render(&buf); err != nil {
		return err
	}
	pageHeaders(c)
	c.Set(fiber.HeaderCacheControl, "no-cache")
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return c.Status(status).Send(buf.Bytes())
}

// htmlErrors wraps the problem error handler: a browser (its Accept rates
// text/html above JSON; a client that says nothing is not a browser) asking
// for a page gets the error page in its language with the same status;
// every other client gets the problem document. Only a page request
// (isPageRequest) can get a page: a POST to a VC-API route such as
// /credentials/issue shares the /credentials/ prefix with the credential
// page but is an API call, and always gets problem+json.
func (s *server) htmlErrors(next fiber.ErrorHandler) fiber.ErrorHandler {
	return func(c *fiber.Ctx, err error) error {
		if p, _ := problemFor(err); p.Status == fiber.StatusRequestEntityTooLarge {
			lingerAfter(c) // the body is unread: close gently (linger.go)
		}
		if s.web == nil || !isPageRequest(c.Method(), c.Path()) || preferred(c.Get(fiber.HeaderAccept), typeJSON, mimeHTML) != mimeHTML {
			return next(c, err)
		}
		p, _ := problemFor(err)
		if p.Status >= 500 {
			// Log it as the problem handler would, without sending its body.
			_ = next(c, err)
			c.Response().ResetBody()
		}
		kind := "internal"
		switch p.Status {
		case fiber.StatusNotFound:
			kind = "not_found"
		case fiber.StatusRequestEntityTooLarge:
			if c.Path() == "/verify" {
				l := pages.Negotiate(c.Query("lang"), c.Get(fiber.HeaderAcceptLanguage))
				return sendPage(c, p.Status, func(b *bytes.Buffer) error {
					return s.web.r.Verify(b, pages.VerifyView{Lang: l, Error: "tooLarge"})
				})
			}
		}
		l := pages.Negotiate(c.Query("lang"), c.Get(fiber.HeaderAcceptLanguage))
		return sendPage(c, cmp.Or(p.Status, fiber.StatusInternalServerError), func(b *bytes.Buffer) error {
			return s.web.r.Error(b, pages.ErrorView{Lang: l, Kind: kind})
		})
	}
}

// isPageRequest reports whether a request is for one of the HTML page
// routes of routes.go: GET or HEAD of a page (/, /verify, /c/:id,
// /credentials/:id, /issuers/:slug, /achievements/:id[/:version]), or the
// verify form's POST /verify. It matches the path, not the route the
// router picked, because some errors (a body over the limit) are raised
// before routing. Downloads (/c/:id/badge.png, ...), documents
// (/issuers/:slug/did.json) and every other POST are API requests.
func isPageRequest(method, p string) bool {
	switch method {
	case fiber.MethodGet, fiber.MethodHead:
	case fiber.MethodPost:
		return p == "/verify"
	default:
		return false
	}
	seg := strings.Split(strings.TrimPrefix(p, "/"), "/")
	switch {
	case p == "/" || p == "/verify":
		return true
	case len(seg) == 2 && seg[1] != "" && (seg[0] == "c" || seg[0] == "credentials" || seg[0] == "issuers" || seg[0] == "achievements"):
		return true
	case len(seg) == 3 && seg[0] == "achievements" && seg[1] != "" && seg[2] != "":
		return true
	}
	return false
}

// home is GET /: the one public page without an id is the verifier.
func (s *server) home(c *fiber.Ctx) error {
	target := "/verify"
	if l := c.Query("lang"); l != "" {
		target += "?lang=" + string(pages.Negotiate(l, ""))
	}
	return c.Redirect(target, fiber.StatusSeeOther)
}

// staticAsset is GET /static/:name: the CSS, JS and icon under
// content-hashed names, so they are cached for a year and never revalidated.
func (s *server) staticAsset(c *fiber.Ctx) error {
	name := c.Params("name")
	b, err := fs.ReadFile(pages.Static(), name)
	if err != nil {
		return errs.E(errs.NotFound, "There is no static file %q.", name)
	}
	ctype := mime.TypeByExtension(path.Ext(name))
	if ctype == "" {
		ctype = fiber.MIMEOctetStream
	}
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	c.Set(fiber.HeaderContentLength, strconv.Itoa(len(b)))
	return sendCached(c, b, ctype, "public, max-age=31536000, immutable")
}
