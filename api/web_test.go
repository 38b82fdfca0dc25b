package api_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"image/png"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/tohu-nz/tohu/api"
	"github.com/tohu-nz/tohu/api/pages"
	"github.com/tohu-nz/tohu/credential/bake"
	"github.com/tohu-nz/tohu/fetch"
	"github.com/tohu-nz/tohu/issuer"
	"github.com/tohu-nz/tohu/keys"
	"github.com/tohu-nz/tohu/store"
	"github.com/tohu-nz/tohu/verifier"
)

// These tests run the real app on a real listener (the verifier fetches
// the provider's did:web document and status list from it over HTTP), with
// the real issuer and store, real keys and signatures.

const chromeAccept = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7"

type webEnv struct {
	t        *testing.T
	base     string
	svc      *issuer.Service
	admin    issuer.Actor
	slug     string
	achID    string
	verifier *verifier.RecordsVerifier
}

// newWebEnv serves the app on 127.0.0.1 with a provider (did:web) and one
// approved micro-credential. dsn "" is SQLite in a temp dir.
func newWebEnv(t *testing.T, dsn string) *webEnv {
	t.Helper()
	ctx := context.Background()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	db, err := store.Open(ctx, dsn, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	mk, err := keys.NewMasterKey()
	if err != nil {
		t.Fatal(err)
	}
	svc, err := issuer.New(db, issuer.Config{BaseURL: base, MasterKey: mk})
	if err != nil {
		t.Fatal(err)
	}
	f := fetch.New(fetch.WithTrusted(base))
	ver := verifier.New(
		verifier.WithResolver(keys.NewResolver(keys.WithFetcher(f), keys.WithLoopbackHTTP())),
		verifier.WithStatusFetcher(f),
		verifier.WithExtractor(bake.Extract),
	).WithIssuerRecords(svc.CredentialState)
	app := api.New(api.Deps{BaseURL: base, Issuer: svc, Auth: svc, Pinger: db, Verifier: ver, Pages: svc, Fetcher: f})
	go app.Listener(api.LingeringListener(ln))
	t.Cleanup(func() {
		app.ShutdownWithTimeout(5 * time.Second)
		db.Close()
	})

	pc, err := svc.CreateProvider(ctx, issuer.OperatorActor("test"), issuer.NewProvider{
		Slug: "te-kura", Name: "Te Kura Tohu o Ōtautahi", URL: "https://tekura.example.nz", NZQAProviderNumber: "8123",
	})
	if err != nil {
		t.Fatal(err)
	}
	admin, err := svc.Authenticate(ctx, pc.Token)
	if err != nil {
		t.Fatal(err)
	}
	listed := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	review := time.Now().AddDate(2, 0, 0)
	ach, err := svc.CreateAchievement(ctx, admin, issuer.Achievement{
		Title: "Kaitiakitanga o te Taiao", TitleMi: "Te Tiaki i te Taiao", NZQARef: "4321", NZQAVersion: "1",
		Level: 4, Credits: 10, Aim: "Learners care for the local environment as kaitiaki.",
		Outcomes:   []string{"Describe tikanga for environmental guardianship.", "Plan a local restoration project."},
		NZSCEDCode: "050999", NZSCEDName: "Environmental Studies", Developer: "Toitū te Waiora",
		QARoute: issuer.QARouteNZQA, ApprovalStatus: issuer.ApprovalApproved, ListedOn: &listed, NextReviewOn: &review,
	})
	if err != nil {
		t.Fatal(err)
	}
	return &webEnv{t: t, base: base, svc: svc, admin: admin, slug: "te-kura", achID: ach.ID, verifier: ver}
}

// issue issues an award to learner and returns its id and stored JSON-LD.
func (e *webEnv) issue(learner string) (string, []byte) {
	e.t.Helper()
	ctx := context.Background()
	a, err := e.svc.CreateAward(ctx, e.admin, issuer.NewAward{
		AchievementID: e.achID, LearnerName: learner, LearnerEmail: strings.ToLower(strings.Fields(learner)[0]) + "@example.nz",
		NSN: "123456789", CompletedOn: time.Date(2026, 3, 14, 0, 0, 0, 0, time.UTC),
	}, "")
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.svc.ApproveAward(ctx, e.admin, a.ID); err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.svc.IssueAward(ctx, e.admin, a.ID); err != nil {
		e.t.Fatal(err)
	}
	stored, err := e.svc.GetCredential(ctx, a.ID, issuer.FormatDI)
	if err != nil {
		e.t.Fatal(err)
	}
	return a.ID, stored
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) String() string { return string(r.body) }

// do sends a request; hdr is name/value pairs.
func (e *webEnv) do(method, path string, body io.Reader, hdr ...string) response {
	e.t.Helper()
	req, err := http.NewRequest(method, e.base+path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{resp.StatusCode, resp.Header, b}
}

func (e *webEnv) get(path string, hdr ...string) response {
	e.t.Helper()
	return e.do(http.MethodGet, path, nil, hdr...)
}

var resultRE = regexp.MustCompile(`class="banner tone-[a-z]+"[^>]*data-result="([a-z_]+)"`)

func bannerResult(body []byte) string {
	m := resultRE.FindSubmatch(body)
	if m == nil {
		return ""
	}
	return string(m[1])
}

// TestCredentialPage: the page verifies live and shows the state the
// provider's records and status list give, in both databases.
func TestCredentialPage(t *testing.T) {
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			dsn := ""
			if db == "postgres" {
				dsn = postgresDSN(t)
			}
			e := newWebEnv(t, dsn)
			ctx := context.Background()
			tests := map[string]struct {
				change     func(id string) error
				wantResult string
				wantText   []string
			}{
				"ok/verified": {
					wantResult: "verified",
					wantText:   []string{"Verified", "This credential is genuine", "Aroha Ngata"},
				},
				"ok/suspended": {
					change:     func(id string) error { _, err := e.svc.Suspend(ctx, e.admin, id, "under review"); return err },
					wantResult: "suspended",
					wantText:   []string{"Suspended", "has suspended this credential", "records show the credential is suspended"},
				},
				"ok/revoked": {
					change:     func(id string) error { _, err := e.svc.Revoke(ctx, e.admin, id, "issued in error"); return err },
					wantResult: "revoked",
					wantText:   []string{"Revoked", "has revoked this credential", "It is no longer valid"},
				},
			}
			for name, tc := range tests {
				t.Run(name, func(t *testing.T) {
					id, _ := e.issue("Aroha Ngata")
					if tc.change != nil {
						if err := tc.change(id); err != nil {
							t.Fatal(err)
						}
					}
					r := e.get("/c/"+id, "Accept", chromeAccept)
					if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
						t.Fatalf("GET /c/%s = %d %s: %s", id, r.status, r.header.Get("Content-Type"), r)
					}
					if got := bannerResult(r.body); got != tc.wantResult {
						t.Fatalf("banner result %q, want %q:\n%s", got, tc.wantResult, r)
					}
					for _, want := range append(tc.wantText, "Kaitiakitanga o te Taiao", "Te Tiaki i te Taiao", "Te Kura Tohu o Ōtautahi",
						`href="/issuers/te-kura"`, `href="/achievements/`+e.achID+`/v1"`, "about 100 hours") {
						if !strings.Contains(r.String(), want) {
							t.Errorf("page lacks %q", want)
						}
					}
					if strings.Contains(r.String(), "123456789") || strings.Contains(r.String(), "aroha@example.nz") {
						t.Errorf("the page shows the NSN or the email")
					}
					checkPageHeaders(t, r)
					og := regexp.MustCompile(`<meta property="og:image" content="([^"]+)"`).FindStringSubmatch(r.String())
					if og == nil || og[1] != e.base+"/c/"+id+"/badge.png" {
						t.Fatalf("og:image = %v, want the absolute badge PNG URL", og)
					}
				})
			}
			t.Run("error/unknown id is a 404 page", func(t *testing.T) {
				r := e.get("/c/nonesuch", "Accept", chromeAccept)
				if r.status != 404 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") || !strings.Contains(r.String(), "<html") {
					t.Fatalf("= %d %s: %s", r.status, r.header.Get("Content-Type"), r)
				}
				r = e.get("/credentials/nonesuch")
				if r.status != 404 || r.header.Get("Content-Type") != "application/problem+json" {
					t.Fatalf("machine 404 = %d %s", r.status, r.header.Get("Content-Type"))
				}
			})
		})
	}
}

func checkPageHeaders(t *testing.T, r response) {
	t.Helper()
	csp := r.header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'self'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "object-src 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP allows inline code: %q", csp)
	}
	if r.header.Get("X-Content-Type-Options") != "nosniff" || r.header.Get("Referrer-Policy") == "" {
		t.Errorf("missing nosniff / Referrer-Policy: %v", r.header)
	}
	if regexp.MustCompile(`<script>|<style|\sstyle="|\son[a-z]+="`).Match(r.body) {
		t.Errorf("the page has inline script or style")
	}
}

// TestPageLanguage: ?lang= wins over Accept-Language; labels and the html
// lang attribute follow.
func TestPageLanguage(t *testing.T) {
	e := newWebEnv(t, "")
	id, _ := e.issue("Aroha Ngata")
	tests := map[string]struct {
		path, acceptLang string
		wantLang         string
		want             []string
	}{
		"ok/default english":        {path: "/c/" + id, wantLang: "en-NZ", want: []string{"Awarded to", "Verified"}},
		"ok/query mi":               {path: "/c/" + id + "?lang=mi", wantLang: "mi", want: []string{"I whakawhiwhia ki a", "Kua manatokona", "Kaiwhakarato", "Taumata NZQCF"}},
		"ok/accept-language mi":     {path: "/c/" + id, acceptLang: "mi-NZ, en;q=0.5", wantLang: "mi", want: []string{"I whakawhiwhia ki a"}},
		"ok/query beats header":     {path: "/c/" + id + "?lang=en", acceptLang: "mi", wantLang: "en-NZ", want: []string{"Awarded to"}},
		"ok/verify page mi":         {path: "/verify?lang=mi", wantLang: "mi", want: []string{"Manatoko i tētahi tohu"}},
		"ok/achievement page mi":    {path: "/achievements/" + e.achID + "?lang=mi", wantLang: "mi", want: []string{"Te Tiaki i te Taiao"}},
		"ok/issuer page by browser": {path: "/issuers/te-kura", acceptLang: "mi", wantLang: "mi", want: []string{"Kaitiakitanga o te Taiao"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			r := e.get(tc.path, "Accept", chromeAccept, "Accept-Language", tc.acceptLang)
			if r.status != 200 {
				t.Fatalf("= %d: %s", r.status, r)
			}
			if !strings.Contains(r.String(), `<html lang="`+tc.wantLang+`">`) {
				t.Errorf("html lang is not %q", tc.wantLang)
			}
			for _, w := range tc.want {
				if !strings.Contains(r.String(), w) {
					t.Errorf("page lacks %q", w)
				}
			}
		})
	}
}

// TestContentNegotiation: one URL, every representation, chosen by Accept.
func TestContentNegotiation(t *testing.T) {
	e := newWebEnv(t, "")
	id, stored := e.issue("Aroha Ngata")
	jwt, err := e.svc.GetCredential(context.Background(), id, issuer.FormatJWT)
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string]struct {
		path, accept string
		wantType     string
		wantBody     []byte // exact, when set
	}{
		"credentials/no accept":      {"/credentials/" + id, "", "application/vc+ld+json", stored},
		"credentials/any":            {"/credentials/" + id, "*/*", "application/vc+ld+json", stored},
		"credentials/vc+ld+json":     {"/credentials/" + id, "application/vc+ld+json", "application/vc+ld+json", stored},
		"credentials/json":           {"/credentials/" + id, "application/json", "application/json", stored},
		"credentials/ld+json":        {"/credentials/" + id, "application/ld+json", "application/ld+json", stored},
		"credentials/vc+jwt":         {"/credentials/" + id, "application/vc+jwt", "application/vc+jwt", jwt},
		"credentials/jwt preferred":  {"/credentials/" + id, "application/vc+ld+json;q=0.5, application/vc+jwt", "application/vc+jwt", jwt},
		"credentials/json preferred": {"/credentials/" + id, "application/vc+ld+json, application/vc+jwt;q=0.5", "application/vc+ld+json", stored},
		"credentials/browser":        {"/credentials/" + id, chromeAccept, "text/html; charset=utf-8", nil},
		"credentials/png":            {"/credentials/" + id, "image/png", "image/png", nil},
		"credentials/svg":            {"/credentials/" + id, "image/svg+xml", "image/svg+xml", nil},
		"c/no accept":                {"/c/" + id, "", "text/html; charset=utf-8", nil},
		"c/vc+ld+json":               {"/c/" + id, "application/vc+ld+json", "application/vc+ld+json", stored},
		"c/vc+jwt":                   {"/c/" + id, "application/vc+jwt", "application/vc+jwt", jwt},
		"c/png":                      {"/c/" + id, "image/png", "image/png", nil},
		"issuers/no accept":          {"/issuers/te-kura", "", "application/json", nil},
		"issuers/json":               {"/issuers/te-kura", "application/json", "application/json", nil},
		"issuers/browser":            {"/issuers/te-kura", chromeAccept, "text/html; charset=utf-8", nil},
		"achievements/browser":       {"/achievements/" + e.achID + "/v1", chromeAccept, "text/html; charset=utf-8", nil},
		"static/css":                 {"/static/" + pages.AssetName("tohu.css"), "text/css,*/*;q=0.1", "text/css; charset=utf-8", nil},
		"download/credential.json":   {"/c/" + id + "/credential.json", chromeAccept, "application/vc+ld+json", stored},
		"download/credential.jwt":    {"/c/" + id + "/credential.jwt", chromeAccept, "application/vc+jwt", jwt},
		"download/badge.png":         {"/c/" + id + "/badge.png", chromeAccept, "image/png", nil},
		"download/badge.svg":         {"/c/" + id + "/badge.svg", chromeAccept, "image/svg+xml", nil},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			r := e.get(tc.path, "Accept", tc.accept)
			if r.status != 200 || r.header.Get("Content-Type") != tc.wantType {
				t.Fatalf("Accept %q: %d %q, want 200 %q: %.300s", tc.accept, r.status, r.header.Get("Content-Type"), tc.wantType, r)
			}
			if tc.wantBody != nil && !bytes.Equal(r.body, tc.wantBody) {
				t.Fatalf("body is not the stored credential byte for byte:\n%.300s", r)
			}
			if strings.HasPrefix(tc.path, "/static/") {
				if cc := r.header.Get("Cache-Control"); !strings.Contains(cc, "max-age=31536000") || !strings.Contains(cc, "immutable") {
					t.Errorf("static Cache-Control %q", cc)
				}
			} else if !strings.Contains(r.header.Get("Vary"), "Accept") && !strings.HasPrefix(tc.path, "/c/"+id+"/") {
				t.Errorf("Vary %q lacks Accept", r.header.Get("Vary"))
			}
		})
	}
	if r := e.get("/static/tohu.00000000.css"); r.status != 404 {
		t.Errorf("unknown static file = %d", r.status)
	}
}

// TestDownloads: the JSON download is the stored credential; the baked
// PNG and SVG carry exactly those bytes, and they verify.
func TestDownloads(t *testing.T) {
	e := newWebEnv(t, "")
	id, stored := e.issue("Aroha Ngata")

	r := e.get("/c/" + id + "/credential.json")
	if cd := r.header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") || !strings.Contains(cd, ".json") {
		t.Errorf("credential.json Content-Disposition %q", cd)
	}
	for _, kind := range []string{"png", "svg"} {
		t.Run("ok/baked "+kind, func(t *testing.T) {
			r := e.get("/c/" + id + "/badge." + kind)
			if r.status != 200 {
				t.Fatalf("= %d: %s", r.status, r)
			}
			inner, gotKind, err := bake.Unbake(r.body)
			if err != nil || gotKind != kind {
				t.Fatalf("Unbake: %v (kind %q)", err, gotKind)
			}
			if !bytes.Equal(inner, stored) {
				t.Fatalf("baked credential differs from the stored bytes:\n%s\nvs\n%s", inner, stored)
			}
			if rep := e.verifier.Verify(context.Background(), r.body); rep.Result != verifier.Verified {
				t.Fatalf("the baked %s does not verify: %s %+v", kind, rep.Result, rep.Checks)
			}
			if kind == "png" {
				img, err := png.Decode(bytes.NewReader(r.body))
				if err != nil || img.Bounds().Dx() != 600 {
					t.Fatalf("PNG: %v %v", err, img)
				}
			} else if csp := r.header.Get("Content-Security-Policy"); !strings.Contains(csp, "sandbox") || !strings.Contains(csp, "default-src 'none'") {
				t.Errorf("SVG CSP %q", csp)
			}
			again := e.get("/c/" + id + "/badge." + kind)
			if !bytes.Equal(again.body, r.body) || again.header.Get("ETag") == "" {
				t.Errorf("a second request bakes a different image")
			}
		})
	}
	if r := e.get("/c/nonesuch/badge.png"); r.status != 404 {
		t.Errorf("badge of an unknown credential = %d", r.status)
	}
}

// form builds a multipart body with a file (when name != "") and fields.
func form(t *testing.T, filename string, file []byte, fields ...string) (io.Reader, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	if filename != "" {
		fw, err := w.CreateFormFile("file", filename)
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(file)
	}
	for i := 0; i+1 < len(fields); i += 2 {
		w.WriteField(fields[i], fields[i+1])
	}
	w.Close()
	return &buf, w.FormDataContentType()
}

// TestVerifyPost: each kind of input, for a browser (HTML) and for a JSON
// client (the report or a problem).
func TestVerifyPost(t *testing.T) {
	e := newWebEnv(t, "")
	id, stored := e.issue("Aroha Ngata")
	ctx := context.Background()
	jwt, _ := e.svc.GetCredential(ctx, id, issuer.FormatJWT)
	bakedPNG := e.get("/c/" + id + "/badge.png").body
	bakedSVG := e.get("/c/" + id + "/badge.svg").body
	tampered := bytes.Replace(stored, []byte("Aroha Ngata"), []byte("Aroha Ngati"), 1)
	if bytes.Equal(tampered, stored) {
		t.Fatal("the tamper did not change the credential")
	}
	tests := map[string]struct {
		filename string
		file     []byte
		url      string
		// browser: status and banner result (or error text); JSON: status and report result (or problem type).
		wantHTMLStatus int
		wantHTML       string
		wantJSONStatus int
		wantJSON       string
	}{
		"ok/json":                 {filename: "c.json", file: stored, wantHTMLStatus: 200, wantHTML: "verified", wantJSONStatus: 200, wantJSON: "verified"},
		"ok/jwt":                  {filename: "c.jwt", file: jwt, wantHTMLStatus: 200, wantHTML: "verified", wantJSONStatus: 200, wantJSON: "verified"},
		"ok/baked png":            {filename: "badge.png", file: bakedPNG, wantHTMLStatus: 200, wantHTML: "verified", wantJSONStatus: 200, wantJSON: "verified"},
		"ok/baked svg":            {filename: "badge.svg", file: bakedSVG, wantHTMLStatus: 200, wantHTML: "verified", wantJSONStatus: 200, wantJSON: "verified"},
		"ok/url of /c page":       {url: e.base + "/c/" + id, wantHTMLStatus: 200, wantHTML: "verified", wantJSONStatus: 200, wantJSON: "verified"},
		"ok/url of credential id": {url: e.base + "/credentials/" + id, wantHTMLStatus: 200, wantHTML: "verified", wantJSONStatus: 200, wantJSON: "verified"},
		"ok/tampered json":        {filename: "c.json", file: tampered, wantHTMLStatus: 200, wantHTML: "not_verified", wantJSONStatus: 200, wantJSON: "not_verified"},
		"error/garbage file":      {filename: "cat.txt", file: []byte("this is not a credential"), wantHTMLStatus: 422, wantHTML: "That is not a credential we can read", wantJSONStatus: 400, wantJSON: "https://tohu.nz/problems/malformed-request"},
		"error/unbaked png":       {filename: "plain.png", file: mustPNG(t), wantHTMLStatus: 422, wantHTML: "That is not a credential we can read", wantJSONStatus: 400, wantJSON: "https://tohu.nz/problems/malformed-request"},
		"error/nothing":           {wantHTMLStatus: 422, wantHTML: "Paste a link or choose a file", wantJSONStatus: 400, wantJSON: "https://tohu.nz/problems/malformed-request"},
		"error/private address":   {url: "http://10.1.2.3/credentials/x", wantHTMLStatus: 422, wantHTML: "We could not open that link", wantJSONStatus: 422, wantJSON: "https://tohu.nz/problems/invalid"},
		"error/unknown own id":    {url: e.base + "/credentials/nonesuch", wantHTMLStatus: 422, wantHTML: "We could not open that link", wantJSONStatus: 422, wantJSON: "https://tohu.nz/problems/invalid"},
		"error/too large":         {filename: "big.json", file: bytes.Repeat([]byte(" "), 2<<20), wantHTMLStatus: 413, wantHTML: "too large", wantJSONStatus: 413, wantJSON: "https://tohu.nz/problems/"},
		"error/over upload cap":   {filename: "big.json", file: bytes.Repeat([]byte(" "), api.MaxVerifyUpload+1), wantHTMLStatus: 413, wantHTML: "too large", wantJSONStatus: 413, wantJSON: "https://tohu.nz/problems/"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			fields := []string{"lang", "en"}
			if tc.url != "" {
				fields = append(fields, "url", tc.url)
			}
			body, ctype := form(t, tc.filename, tc.file, fields...)
			r := e.do(http.MethodPost, "/verify", body, "Content-Type", ctype, "Accept", chromeAccept)
			if r.status != tc.wantHTMLStatus || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
				t.Fatalf("browser: %d %s, want %d HTML: %.400s", r.status, r.header.Get("Content-Type"), tc.wantHTMLStatus, r)
			}
			if tc.wantHTMLStatus == 200 {
				if got := bannerResult(r.body); got != tc.wantHTML {
					t.Fatalf("browser: banner %q, want %q", got, tc.wantHTML)
				}
				if !strings.Contains(r.String(), "Aroha Ngat") {
					t.Errorf("the result does not say whose credential it is")
				}
			} else {
				if !strings.Contains(r.String(), tc.wantHTML) || !strings.Contains(r.String(), `role="alert"`) {
					t.Fatalf("browser: the page lacks the error %q: %.2000s", tc.wantHTML, r)
				}
				if bannerResult(r.body) != "" {
					t.Fatalf("an error page shows a verification banner")
				}
			}

			body, ctype = form(t, tc.filename, tc.file, fields...)
			r = e.do(http.MethodPost, "/verify", body, "Content-Type", ctype, "Accept", "application/json")
			if r.status != tc.wantJSONStatus {
				t.Fatalf("json: %d, want %d: %.400s", r.status, tc.wantJSONStatus, r)
			}
			var m map[string]any
			if err := json.Unmarshal(r.body, &m); err != nil {
				t.Fatalf("json: %v: %.300s", err, r)
			}
			if tc.wantJSONStatus == 200 {
				if m["result"] != tc.wantJSON || r.header.Get("Content-Type") != "application/json" {
					t.Fatalf("json: result %v (%s), want %s", m["result"], r.header.Get("Content-Type"), tc.wantJSON)
				}
			} else if typ, _ := m["type"].(string); !strings.HasPrefix(typ, tc.wantJSON) || r.header.Get("Content-Type") != "application/problem+json" {
				t.Fatalf("json: problem %v (%s), want type %s", m, r.header.Get("Content-Type"), tc.wantJSON)
			}
		})
	}
	t.Run("ok/revoked by url", func(t *testing.T) {
		rid, _ := e.issue("Mere Tane")
		if _, err := e.svc.Revoke(ctx, e.admin, rid, "issued in error"); err != nil {
			t.Fatal(err)
		}
		body, ctype := form(t, "", nil, "url", e.base+"/c/"+rid)
		r := e.do(http.MethodPost, "/verify", body, "Content-Type", ctype, "Accept", chromeAccept)
		if got := bannerResult(r.body); r.status != 200 || got != "revoked" {
			t.Fatalf("= %d %q", r.status, got)
		}
	})
	t.Run("ok/form page", func(t *testing.T) {
		r := e.get("/verify", "Accept", chromeAccept)
		if r.status != 200 || !strings.Contains(r.String(), `enctype="multipart/form-data"`) || !strings.Contains(r.String(), `name="file"`) {
			t.Fatalf("= %d: %s", r.status, r)
		}
		checkPageHeaders(t, r)
	})
}

// TestAchievementAndIssuerPages: the public description and the provider's
// list of approved micro-credentials; drafts are not public.
func TestAchievementAndIssuerPages(t *testing.T) {
	e := newWebEnv(t, "")
	ctx := context.Background()
	draft, err := e.svc.CreateAchievement(ctx, e.admin, issuer.Achievement{
		Title: "Draft Course", NZQARef: "9999", NZQAVersion: "1", Level: 3, Credits: 5, Aim: "Not yet.",
		Outcomes: []string{"x"}, NZSCEDCode: "050999", Developer: "d", ApprovalStatus: issuer.ApprovalDraft,
	})
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string]struct {
		path       string
		wantStatus int
		want       []string
		notWant    []string
	}{
		"ok/latest":         {path: "/achievements/" + e.achID, wantStatus: 200, want: []string{"Kaitiakitanga o te Taiao", "Plan a local restoration project.", "Learners care for the local environment", "Toitū te Waiora", "4321", `href="/issuers/te-kura"`}},
		"ok/version":        {path: "/achievements/" + e.achID + "/v1", wantStatus: 200, want: []string{"Kaitiakitanga o te Taiao"}},
		"error/no version":  {path: "/achievements/" + e.achID + "/v9", wantStatus: 404},
		"error/bad version": {path: "/achievements/" + e.achID + "/latest", wantStatus: 404},
		"error/draft":       {path: "/achievements/" + draft.ID, wantStatus: 404},
		"error/unknown":     {path: "/achievements/nonesuch", wantStatus: 404},
		"ok/issuer":         {path: "/issuers/te-kura", wantStatus: 200, want: []string{"Te Kura Tohu o Ōtautahi", "Kaitiakitanga o te Taiao", `href="/achievements/` + e.achID + `/v1"`}, notWant: []string{"Draft Course"}},
		"error/no issuer":   {path: "/issuers/nobody", wantStatus: 404},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			r := e.get(tc.path, "Accept", chromeAccept)
			if r.status != tc.wantStatus || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
				t.Fatalf("= %d %s, want %d HTML: %.300s", r.status, r.header.Get("Content-Type"), tc.wantStatus, r)
			}
			for _, w := range tc.want {
				if !strings.Contains(r.String(), w) {
					t.Errorf("page lacks %q", w)
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(r.String(), w) {
					t.Errorf("page shows %q", w)
				}
			}
			if r.status == 200 {
				checkPageHeaders(t, r)
			}
		})
	}
	// Machines still get the issuer Profile.
	var prof map[string]any
	if r := e.get("/issuers/te-kura"); r.status != 200 || json.Unmarshal(r.body, &prof) != nil || prof["name"] != "Te Kura Tohu o Ōtautahi" {
		t.Fatalf("profile JSON = %d: %s", r.status, r)
	}
}

func mustPNG(t *testing.T) []byte {
	t.Helper()
	// A 1×1 PNG with no credential in it.
	b, err := hex.DecodeString("89504e470d0a1a0a0000000d4948445200000001000000010806000000" +
		"1f15c4890000000d49444154789c6360f8cfc0f01f0005000201ff8a6ce1d70000000049454e44ae426082")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// postgresDSN returns a DSN for a fresh schema on the test PostgreSQL
// (dropped at the end). It skips when PostgreSQL is unreachable, but fails
// when CI or TOHU_TEST_REQUIRE_POSTGRES is set.
func postgresDSN(t *testing.T) string {
	t.Helper()
	base := os.Getenv("TOHU_TEST_DATABASE_URL")
	if base == "" {
		base = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	}
	admin, err := sql.Open("pgx", base)
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err = admin.PingContext(ctx)
		cancel()
	}
	if err != nil {
		if os.Getenv("CI") != "" || os.Getenv("TOHU_TEST_REQUIRE_POSTGRES") != "" {
			t.Fatalf("PostgreSQL is required but unreachable: %v", err)
		}
		t.Skipf("PostgreSQL unreachable (set TOHU_TEST_DATABASE_URL): %v", err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "tohu_web_" + hex.EncodeToString(b[:])
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		admin.Exec("DROP SCHEMA " + schema + " CASCADE")
		admin.Close()
	})
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + "search_path=" + schema
}

// TestAchievementJSON: a client asking /achievements/{id}/v{n} for JSON gets
// the OB 3.0 Achievement, the very object credentials of that version carry,
// under their @context; browsers and clients that say nothing get the page.
func TestAchievementJSON(t *testing.T) {
	e := newWebEnv(t, "")
	_, stored := e.issue("Aroha Ngata")
	var cred map[string]any
	if err := json.Unmarshal(stored, &cred); err != nil {
		t.Fatal(err)
	}
	embedded := cred["credentialSubject"].(map[string]any)["achievement"].(map[string]any)
	path := "/achievements/" + e.achID + "/v1"
	if embedded["id"] != e.base+path {
		t.Fatalf("the credential's achievement id %v is not %s", embedded["id"], e.base+path)
	}
	tests := map[string]struct {
		accept, wantType string
	}{
		"ok/ld+json":         {"application/ld+json", "application/ld+json"},
		"ok/json":            {"application/json", "application/json"},
		"ok/json preferred":  {"text/html;q=0.5, application/ld+json", "application/ld+json"},
		"ok/browser":         {chromeAccept, "text/html; charset=utf-8"},
		"ok/says nothing":    {"", "text/html; charset=utf-8"},
		"ok/html preferred":  {"application/json;q=0.5, text/html", "text/html; charset=utf-8"},
		"ok/latest as json":  {"application/ld+json", "application/ld+json"},
		"error/draft is 404": {"application/ld+json", "application/problem+json"},
	}
	draft, err := e.svc.CreateAchievement(context.Background(), e.admin, issuer.Achievement{
		Title: "Draft Course", NZQARef: "9999", NZQAVersion: "1", Level: 3, Credits: 5, Aim: "Not yet.",
		Outcomes: []string{"x"}, NZSCEDCode: "050999", Developer: "d", ApprovalStatus: issuer.ApprovalDraft,
	})
	if err != nil {
		t.Fatal(err)
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			p := path
			switch name {
			case "ok/latest as json":
				p = "/achievements/" + e.achID
			case "error/draft is 404":
				p = "/achievements/" + draft.ID + "/v1"
			}
			r := e.get(p, "Accept", tc.accept)
			if r.header.Get("Content-Type") != tc.wantType {
				t.Fatalf("Accept %q: %d %q, want %q: %.300s", tc.accept, r.status, r.header.Get("Content-Type"), tc.wantType, r)
			}
			if strings.HasPrefix(name, "error/") {
				if r.status != 404 {
					t.Fatalf("= %d", r.status)
				}
				return
			}
			if r.status != 200 || !strings.Contains(r.header.Get("Vary"), "Accept") {
				t.Fatalf("= %d, Vary %q", r.status, r.header.Get("Vary"))
			}
			if strings.HasPrefix(tc.wantType, "text/html") {
				return
			}
			var got map[string]any
			if err := json.Unmarshal(r.body, &got); err != nil {
				t.Fatalf("not JSON: %v: %s", err, r)
			}
			if !reflect.DeepEqual(got["@context"], cred["@context"]) {
				t.Errorf("@context %v, want the credential's %v", got["@context"], cred["@context"])
			}
			delete(got, "@context")
			if !reflect.DeepEqual(got, embedded) {
				a, _ := json.Marshal(got)
				b, _ := json.Marshal(embedded)
				t.Errorf("the Achievement document differs from the one in the credential:\n%s\nvs\n%s", a, b)
			}
		})
	}
}
