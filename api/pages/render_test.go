package pages_test

import (
	"bytes"
	"flag"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/tohu-nz/tohu/api/pages"
	"github.com/tohu-nz/tohu/api/pages/internal/sample"
	"github.com/tohu-nz/tohu/verifier"
)

var update = flag.Bool("update", false, "rewrite the golden HTML files in testdata/")

func newRenderer(t *testing.T) *pages.Renderer {
	t.Helper()
	r, err := pages.New(pages.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func credentialView(t *testing.T, res verifier.Result, l pages.Lang) pages.CredentialView {
	t.Helper()
	v, err := pages.NewCredentialView(sample.CredentialJSON(), sample.Report(res), sample.URLs(), l)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

type page struct {
	golden string
	render func(*pages.Renderer, io.Writer) error
	has    []string // content the page must contain
	lacks  []string // content it must not
}

func allPages(t *testing.T) map[string]page {
	return map[string]page{
		"ok/credential verified en": {"credential-verified-en", func(r *pages.Renderer, w io.Writer) error {
			return r.Credential(w, credentialView(t, verifier.Verified, pages.En))
		}, []string{
			`<html lang="en-NZ">`,
			`<h1 lang="en-NZ">Sustainable Horticulture Practice</h1>`,
			`<p class="title-mi" lang="mi">Te Ahuwhenua Toitū</p>`,
			`data-result="verified"`, `<h2 id="result-heading">Verified</h2>`,
			`role="img" aria-label="Tick"`,
			`Show the 10 checks we ran`,
			`<dd>Aroha Ngata-Wilson</dd>`,
			`<a href="/issuers/waitemata-trades">Waitematā Trades Academy</a>`,
			`<dd>Level 4</dd>`, `15 credits<small>about 150 hours of learning</small>`,
			`<time datetime="2025-01-15">15 January 2025</time>`,
			`<dd>MC4321</dd>`,
			`<li>Describe kaitiakitanga and how it guides decisions on the whenua.</li>`,
			`href="/c/7f1c2a8e-4b3d-4c55-9e21-0d6f3a9b1c42.json" download`,
			`href="/c/7f1c2a8e-4b3d-4c55-9e21-0d6f3a9b1c42.png" download`,
			`href="/c/7f1c2a8e-4b3d-4c55-9e21-0d6f3a9b1c42.svg" download`,
			`href="https://www.linkedin.com/profile/add?certId=urn%3Auuid%3A7f1c2a8e-4b3d-4c55-9e21-0d6f3a9b1c42&amp;certUrl=https%3A%2F%2Ftohu.example.nz%2Fc%2F7f1c2a8e-4b3d-4c55-9e21-0d6f3a9b1c42&amp;issueMonth=1&amp;issueYear=2025&amp;name=Sustainable&#43;Horticulture&#43;Practice&amp;organizationName=Waitemat%C4%81&#43;Trades&#43;Academy&amp;startTask=CERTIFICATION_NAME"`,
			`<input id="share-link" type="text" readonly value="https://tohu.example.nz/c/7f1c2a8e-4b3d-4c55-9e21-0d6f3a9b1c42"`,
			`<svg xmlns="http://www.w3.org/2000/svg" class="qr"`,
			`<meta property="og:title" content="Sustainable Horticulture Practice">`,
			`<meta property="og:description" content="Sustainable Horticulture Practice, awarded to Aroha Ngata-Wilson by Waitematā Trades Academy. Level 4 · 15 credits — about 150 hours of learning.">`,
			`<meta property="og:url" content="https://tohu.example.nz/c/7f1c2a8e-4b3d-4c55-9e21-0d6f3a9b1c42">`,
			`<meta property="og:image" content="https://tohu.example.nz/c/7f1c2a8e-4b3d-4c55-9e21-0d6f3a9b1c42/badge.svg">`,
			`<meta name="twitter:card" content="summary">`,
			`<h2>Digital wallets</h2>`,
		}, nil},
		"ok/credential verified mi": {"credential-verified-mi", func(r *pages.Renderer, w io.Writer) error {
			return r.Credential(w, credentialView(t, verifier.Verified, pages.Mi))
		}, []string{
			`<html lang="mi">`,
			`Kua manatokona <span class="gloss" lang="en-NZ">(Verified)</span>`,
			`Whiwhinga <span class="gloss" lang="en-NZ">(Credits)</span>`,
			`15 whiwhinga<small>tata ki te 150 haora ako</small>`,
			`<time datetime="2025-01-15">15 Kohitātea 2025</time>`,
			`Ngā hua ako <span class="gloss" lang="en-NZ">(Learning outcomes)</span>`,
			`<ul class="outcomes" lang="en-NZ">`,
			`<a href="?lang=en" lang="en-NZ" hreflang="en-NZ">English</a>`,
			`<meta property="og:locale" content="mi_NZ">`,
			`Tāpiri ki tō kōtaha LinkedIn`,
		}, nil},
		"ok/credential revoked en": {"credential-revoked-en", func(r *pages.Renderer, w io.Writer) error {
			return r.Credential(w, credentialView(t, verifier.Revoked, pages.En))
		}, []string{`banner tone-bad`, `<h2 id="result-heading">Revoked</h2>`, `aria-label="Cross"`, `Waitematā Trades Academy has revoked this credential.`, `— Failed`, `The provider has revoked the credential.`},
			// A revoked credential is not offered for a LinkedIn profile.
			[]string{`linkedin.com`, `Add to LinkedIn profile`}},
		"ok/credential not verified en": {"credential-not_verified-en", func(r *pages.Renderer, w io.Writer) error {
			return r.Credential(w, credentialView(t, verifier.NotVerified, pages.En))
		}, []string{`<h2 id="result-heading">Not verified</h2>`, `<p class="caution">Do not rely on the details below.`, `<span class="check-name">Digital signature</span> <span class="status tone-bad">— Failed</span>`}, []string{`linkedin.com`}},
		"ok/credential could not check mi": {"credential-could_not_check-mi", func(r *pages.Renderer, w io.Writer) error {
			return r.Credential(w, credentialView(t, verifier.CouldNotCheck, pages.Mi))
		}, []string{`banner tone-info`, `aria-label="Pārongo"`, `Kāore i taea te toro i te rārangi tūnga`, `<p class="check-detail" lang="en-NZ">The status list at https://tohu.example.nz/status/1 could not be fetched: timeout.</p>`}, []string{`linkedin.com`}},
		"ok/verify empty en": {"verify-empty-en", func(r *pages.Renderer, w io.Writer) error {
			return r.Verify(w, pages.NewVerifyView(nil, "", pages.En))
		}, []string{
			`<form class="verify-form" method="post" action="/verify" enctype="multipart/form-data">`,
			`<label for="verify-url">Link to the credential</label>`, `name="url" type="url"`,
			`<label for="verify-file">Credential file or badge image</label>`, `name="file" type="file"`,
			`<button class="button" type="submit">Check credential</button>`,
		}, nil},
		"ok/verify revoked mi": {"verify-revoked-mi", func(r *pages.Renderer, w io.Writer) error {
			return r.Verify(w, pages.NewVerifyView(sample.Report(verifier.Revoked), "https://tohu.example.nz/c/1", pages.Mi))
		}, []string{`<h2 id="result-heading">Kua whakakorea`, `Tā te tohu e kī ana`, `<dd lang="en-NZ">Sustainable Horticulture Practice</dd>`, `value="https://tohu.example.nz/c/1"`, `<input type="hidden" name="lang" value="mi">`, `<time datetime="2025-01-15">15 Kohitātea 2025</time>`},
			// Revoked, but genuinely the provider's: no warning not to rely on the details.
			[]string{`class="caution"`}},
		"ok/verify error en": {"verify-error-en", func(r *pages.Renderer, w io.Writer) error {
			return r.Verify(w, pages.VerifyView{Lang: pages.En, URL: "https://example.com/x", Error: "fetch"})
		}, []string{`<div class="error-summary" role="alert">`, `We could not open that link.`, `aria-invalid="true"`}, nil},
		"ok/achievement en": {"achievement-en", func(r *pages.Renderer, w io.Writer) error {
			return r.Achievement(w, sample.AchievementView(pages.En))
		}, []string{`<h1 lang="en-NZ">Sustainable Horticulture Practice</h1>`, `<h2>Aim</h2>`, `<h2>Assessment</h2>`, `<a href="/issuers/waitemata-trades">Waitematā Trades Academy</a>`, `<li>Kaupapa Māori</li>`, `Muka Tangata`, `<time datetime="2027-03-01">1 March 2027</time>`}, nil},
		"ok/issuer mi": {"issuer-mi", func(r *pages.Renderer, w io.Writer) error {
			return r.Issuer(w, sample.IssuerView(pages.Mi))
		}, []string{`<h1>Waitematā Trades Academy</h1>`, `Ngā tohu mātauranga iti kua whakaaetia`, `Taumata 4 · 15 whiwhinga · <span class="nowrap">Tohutoro NZQA MC4321</span>`, `<p class="muted" lang="mi">Te Ahuwhenua Toitū</p>`, `<a href="https://waitemata-trades.example.nz" rel="noopener">waitemata-trades.example.nz</a>`}, nil},
		"ok/error not found mi": {"error-not-found-mi", func(r *pages.Renderer, w io.Writer) error {
			return r.Error(w, pages.ErrorView{Lang: pages.Mi, Kind: "not_found"})
		}, []string{`<h1>Kāore i kitea te whārangi</h1>`}, nil},
	}
}

func TestPages(t *testing.T) {
	r := newRenderer(t)
	for name, p := range allPages(t) {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := p.render(r, &buf); err != nil {
				t.Fatal(err)
			}
			got := buf.String()
			for _, s := range p.has {
				if !strings.Contains(got, s) {
					t.Errorf("page lacks %s", s)
				}
			}
			for _, s := range p.lacks {
				if strings.Contains(got, s) {
					t.Errorf("page has %s", s)
				}
			}
			checkAccessibleAndStrict(t, got)
			golden := filepath.Join("testdata", p.golden+".html")
			if *update {
				if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./api/pages -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("page differs from %s; look at the diff and run with -update if the change is meant", golden)
			}
		})
	}
}

var (
	tagRE      = regexp.MustCompile(`<(script|input|img|label|h1)\b[^>]*>`)
	attrRE     = regexp.MustCompile(`\s(id|for|type|alt|src)="([^"]*)"`)
	handlerRE  = regexp.MustCompile(`\son[a-z]+=`)
	styleAttRE = regexp.MustCompile(`\sstyle=`)
)

func attrs(tag string) map[string]string {
	m := map[string]string{}
	for _, a := range attrRE.FindAllStringSubmatch(tag, -1) {
		m[a[1]] = a[2]
	}
	if strings.Contains(tag, " alt=") {
		if _, ok := m["alt"]; !ok {
			m["alt"] = ""
		}
	}
	return m
}

// checkAccessibleAndStrict asserts what WCAG and a strict CSP need from
// every page: one h1, a skip link to main, labelled inputs, alt text, no
// inline script, style or event handlers, and no value html/template had to
// neutralise.
func checkAccessibleAndStrict(t *testing.T, page string) {
	t.Helper()
	labels := map[string]bool{}
	var inputs []map[string]string
	h1 := 0
	for _, tag := range tagRE.FindAllStringSubmatch(page, -1) {
		a := attrs(tag[0])
		switch tag[1] {
		case "script":
			if a["src"] == "" {
				t.Errorf("inline script: %s", tag[0])
			}
		case "label":
			labels[a["for"]] = true
		case "input":
			inputs = append(inputs, a)
		case "img":
			if _, ok := a["alt"]; !ok {
				t.Errorf("image without alt: %s", tag[0])
			}
		case "h1":
			h1++
		}
	}
	for _, in := range inputs {
		if in["type"] != "hidden" && !labels[in["id"]] {
			t.Errorf("input %q has no label", in["id"])
		}
	}
	if h1 != 1 {
		t.Errorf("%d h1 elements, want 1", h1)
	}
	if !strings.Contains(page, `<a class="skip-link" href="#main">`) || !strings.Contains(page, `<main id="main"`) {
		t.Error("no skip link to main")
	}
	if strings.Contains(page, "<style") || styleAttRE.MatchString(page) {
		t.Error("inline style breaks a strict CSP")
	}
	if handlerRE.MatchString(page) {
		t.Error("inline event handler breaks a strict CSP")
	}
	if strings.Contains(page, "ZgotmplZ") {
		t.Error("html/template rejected a value on the page")
	}
	if !strings.Contains(page, `<header class="site-header">`) || !strings.Contains(page, `<footer class="site-footer">`) {
		t.Error("missing header or footer landmark")
	}
}

func TestPagesEscapeHostileCredential(t *testing.T) {
	r := newRenderer(t)
	v := credentialView(t, verifier.NotVerified, pages.En)
	v.Title = `<script>alert(1)</script>`
	v.Learner = `"><img src=x onerror=alert(2)>`
	v.ProviderURL = "javascript:alert(3)"
	v.ImageURL = "data:text/html;base64,PHNjcmlwdD4="
	v.Outcomes = []string{"<b>bold</b>"}
	var buf bytes.Buffer
	if err := r.Credential(&buf, v); err != nil {
		t.Fatal(err)
	}
	got := buf.String()
	for _, bad := range []string{"<script>alert", "<img src=x", `href="javascript:`, `src="data:text/html`, "<b>bold</b>"} {
		if strings.Contains(got, bad) {
			t.Errorf("hostile value reached the page unescaped: %s", bad)
		}
	}
	for _, want := range []string{"&lt;script&gt;alert(1)&lt;/script&gt;", `<img src="#"`, "&lt;b&gt;bold&lt;/b&gt;"} {
		if !strings.Contains(got, want) {
			t.Errorf("page lacks escaped %s", want)
		}
	}
}

func TestRendererStaticPrefix(t *testing.T) {
	r, err := pages.New(pages.Options{StaticPrefix: "/assets"})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := r.Error(&buf, pages.ErrorView{Lang: pages.En}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"tohu.css", "tohu.js", "favicon.svg"} {
		want := `"/assets/` + pages.AssetName(name) + `"`
		if !strings.Contains(buf.String(), want) {
			t.Errorf("page does not link %s", want)
		}
	}
	if !strings.Contains(buf.String(), "<h1>Something went wrong</h1>") {
		t.Error("generic error page title missing")
	}
}
