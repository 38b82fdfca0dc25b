package pages

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/tohu-nz/tohu/errs"
)

//go:embed templates/*.html
var templateFiles embed.FS

// Options configure a Renderer.
type Options struct {
	// StaticPrefix is the URL path Static() is served under; default
	// "/static/".
	StaticPrefix string
}

// Renderer renders the pages. It is safe for concurrent use.
type Renderer struct {
	prefix string
	pages  map[string]map[Lang]*template.Template
}

// pageFiles are the page templates, each parsed with the layout and the
// partials, once per language.
var pageFiles = []string{"credential", "verify", "achievement", "issuer", "error"}

// New parses the templates.
func New(o Options) (*Renderer, error) {
	r := &Renderer{prefix: o.StaticPrefix, pages: map[string]map[Lang]*template.Template{}}
	if r.prefix == "" {
		r.prefix = "/static/"
	}
	if !strings.HasSuffix(r.prefix, "/") {
		r.prefix += "/"
	}
	for _, p := range pageFiles {
		r.pages[p] = map[Lang]*template.Template{}
		for _, l := range Langs {
			t, err := template.New(p).Funcs(r.funcs(l)).ParseFS(templateFiles,
				"templates/layout.html", "templates/partials.html", "templates/"+p+".html")
			if err != nil {
				return nil, errs.Wrap(err, errs.Internal, "page templates do not parse")
			}
			r.pages[p][l] = t
		}
	}
	return r, nil
}

// doc is what the layout renders: the head's data and the page's view.
type doc struct {
	Lang  Lang
	Title string
	Desc  string
	OG    *openGraph
	V     any
}

type openGraph struct {
	Title, Desc, URL, Image, ImageAlt string
}

// render executes into a buffer first, so a failing template never sends
// half a page.
func (r *Renderer) render(w io.Writer, page string, d doc) error {
	if d.Lang != Mi {
		d.Lang = En
	}
	var buf bytes.Buffer
	if err := r.pages[page][d.Lang].ExecuteTemplate(&buf, "layout", d); err != nil {
		return errs.Wrap(err, errs.Internal, "the %s page could not be rendered", page)
	}
	_, err := buf.WriteTo(w)
	return err
}

// Credential renders a credential page (/c/{id}).
func (r *Renderer) Credential(w io.Writer, v CredentialView) error {
	l := v.Lang
	desc := T(l, "cred.ogDesc", v.Title, firstNonEmpty(v.Learner, "—"), firstNonEmpty(v.Provider, "—"))
	if v.Level != "" && v.Credits != "" {
		desc += " " + T(l, "level.value", v.Level) + " · " + creditsText(l, v.Credits, v.Hours) + "."
	}
	return r.render(w, "credential", doc{
		Lang: l, Title: v.Title, Desc: desc, V: v,
		OG: &openGraph{Title: v.Title, Desc: desc, URL: v.URLs.Page, Image: absoluteOnly(v.ImageURL), ImageAlt: T(l, "cred.badgeAlt", v.Title)},
	})
}

// Verify renders the verify page (/verify): the form, with a result or an
// error when the view has one.
func (r *Renderer) Verify(w io.Writer, v VerifyView) error {
	if v.Error != "" {
		if _, ok := catalogue["verify.err."+v.Error]; !ok {
			v.Error = "invalid"
		}
	}
	return r.render(w, "verify", doc{Lang: v.Lang, Title: T(v.Lang, "verify.title"), Desc: T(v.Lang, "verify.intro"), V: v})
}

// Achievement renders a micro-credential's public description
// (/achievements/{id}).
func (r *Renderer) Achievement(w io.Writer, v AchievementView) error {
	desc := v.Aim
	if desc == "" {
		desc = v.Title
	}
	return r.render(w, "achievement", doc{
		Lang: v.Lang, Title: v.Title, Desc: desc, V: v,
		OG: &openGraph{Title: v.Title, Desc: desc, URL: v.PageURL, Image: absoluteOnly(v.ImageURL), ImageAlt: T(v.Lang, "cred.badgeAlt", v.Title)},
	})
}

// Issuer renders a provider's profile page (/issuers/{slug}).
func (r *Renderer) Issuer(w io.Writer, v IssuerView) error {
	return r.render(w, "issuer", doc{
		Lang: v.Lang, Title: v.Name, Desc: v.Description, V: v,
		OG: &openGraph{Title: v.Name, Desc: firstNonEmpty(v.Description, v.Name), URL: v.PageURL, Image: absoluteOnly(v.ImageURL), ImageAlt: T(v.Lang, "iss.logoAlt", v.Name)},
	})
}

// Error renders a plain error page; Kind "not_found" says so, anything else
// is the generic message. The route sets the status code.
func (r *Renderer) Error(w io.Writer, v ErrorView) error {
	title := T(v.Lang, "error.generic")
	if v.Kind == "not_found" {
		title = T(v.Lang, "error.notFound")
	}
	return r.render(w, "error", doc{Lang: v.Lang, Title: title, V: v})
}

func (r *Renderer) funcs(l Lang) template.FuncMap {
	return template.FuncMap{
		"t":     func(key string, args ...any) string { return T(l, key, args...) },
		"label": func(key string) template.HTML { return Label(l, key) },
		"date":  func(t time.Time) string { return FormatDate(t, l) },
		"isodate": func(t time.Time) string {
			return t.In(nzZone).Format("2006-01-02")
		},
		"credits": func(credits, hours string) string { return creditsText(l, credits, hours) },
		"creditCount": func(credits string) string {
			if credits == "1" {
				return T(l, "credits.countOne")
			}
			return T(l, "credits.count", credits)
		},
		"hours": func(credits int) string { return hoursFor(fmt.Sprint(credits)) },
		"asset": func(name string) string {
			h := AssetName(name)
			if h == "" {
				h = name
			}
			return r.prefix + h
		},
		"icon":   func(tone string, decorative bool) template.HTML { return icon(l, tone, decorative) },
		"image":  safeImage,
		"wallet": safeWallet,
		"hostof": hostOf,
	}
}

// safeImage lets an image URL through html/template's URL filter: http(s)
// and relative URLs as they are, and data: URLs only for raster and SVG
// images in base64 (an SVG in an img element runs no script). Anything else
// becomes "#", which shows no image rather than a dangerous one.
func safeImage(s string) template.URL {
	lower := strings.ToLower(strings.TrimSpace(s))
	if u, err := url.Parse(s); err == nil && u.Host == "" && u.Scheme == "" && !strings.HasPrefix(s, "//") {
		return template.URL(s) // a path on this site
	}
	if strings.HasPrefix(lower, "https://") || strings.HasPrefix(lower, "http://") {
		return template.URL(s)
	}
	for _, mt := range []string{"png", "jpeg", "gif", "webp", "svg+xml"} {
		if strings.HasPrefix(lower, "data:image/"+mt+";base64,") {
			return template.URL(s)
		}
	}
	return "#"
}

// safeWallet lets a wallet hand-off URL through: https links, and the
// openid-credential-offer scheme of OpenID for Verifiable Credential
// Issuance.
func safeWallet(s string) template.URL {
	lower := strings.ToLower(s)
	if strings.HasPrefix(lower, "https://") || strings.HasPrefix(lower, "openid-credential-offer://") {
		return template.URL(s)
	}
	return "#"
}

// absoluteOnly keeps an http(s) URL for Open Graph, which needs absolute
// image URLs; anything else (a relative path, a data: URL) is dropped.
func absoluteOnly(s string) string {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return ""
	}
	return s
}

func hostOf(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return s
	}
	return strings.TrimPrefix(u.Host, "www.") + strings.TrimSuffix(u.Path, "/")
}

// icon draws a status icon. A decorative icon sits next to words that say
// the same and is hidden from assistive technology; otherwise it has a text
// alternative.
func icon(l Lang, tone string, decorative bool) template.HTML {
	var body, key string
	switch tone {
	case "ok":
		key = "icon.ok"
		body = `<circle cx="12" cy="12" r="11" fill="currentColor"/><path d="M6.5 12.5l3.5 3.5 7.5-8" fill="none" stroke="#fff" stroke-width="2.4" stroke-linecap="round" stroke-linejoin="round"/>`
	case "bad":
		key = "icon.bad"
		body = `<circle cx="12" cy="12" r="11" fill="currentColor"/><path d="M8 8l8 8M16 8l-8 8" fill="none" stroke="#fff" stroke-width="2.4" stroke-linecap="round"/>`
	case "warn":
		key = "icon.warn"
		body = `<path d="M12 1.8L23 21.5H1z" fill="currentColor" stroke="currentColor" stroke-width="1.5" stroke-linejoin="round"/><path d="M12 9v5.5" stroke="#fff" stroke-width="2.4" stroke-linecap="round"/><circle cx="12" cy="18" r="1.4" fill="#fff"/>`
	case "download":
		body = `<path d="M12 3v12m0 0l-5-5m5 5l5-5M4 20h16" fill="none" stroke="currentColor" stroke-width="2.2" stroke-linecap="round" stroke-linejoin="round"/>`
		decorative = true
	default:
		key = "icon.info"
		body = `<circle cx="12" cy="12" r="11" fill="currentColor"/><path d="M12 10.5V17" stroke="#fff" stroke-width="2.4" stroke-linecap="round"/><circle cx="12" cy="7" r="1.4" fill="#fff"/>`
	}
	a11y := `aria-hidden="true"`
	if !decorative {
		a11y = `role="img" aria-label="` + template.HTMLEscapeString(T(l, key)) + `"`
	}
	return template.HTML(`<svg class="icon icon-` + template.HTMLEscapeString(tone) + `" viewBox="0 0 24 24" focusable="false" ` + a11y + `>` + body + `</svg>`)
}
