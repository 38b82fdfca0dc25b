// Package pages renders tohu's public HTML pages: the credential page a
// learner shares (/c/{id}), the verify page an employer uses (/verify), the
// public achievement page (/achievements/{id}) and a provider's profile
// (/issuers/{slug}), in English and te reo Māori.
//
// It is transport-free on purpose: it knows html/template and io.Writer, not
// fiber or net/http servers, so the api package wires a page with a few
// lines (see .team/NOTES-pages.md):
//
//	r, _ := pages.New(pages.Options{StaticPrefix: "/static/"})
//	lang := pages.Negotiate(c.Query("lang"), c.Get("Accept-Language"))
//	v, err := pages.NewCredentialView(stored, report, urls, lang)
//	c.Type("html")
//	return r.Credential(c, v)
//
// Every UI string lives in one catalogue (catalogue.go). Pages use no inline
// script or style, so a strict Content-Security-Policy
// (default-src 'self'; img-src 'self' data:; object-src 'none') holds; CSS and
// JS are served from Static() under content-hashed names. Everything works
// without JavaScript; tohu.js only adds a copy button and drag-and-drop.
package pages
