package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/chromedp"

	"github.com/tohu-nz/tohu/credential/bake"
)

// screenshotDir is where the browser test leaves its screenshots (git-ignored).
const screenshotDir = "../../testout/screenshots"

// chromiumPath finds Chromium. Without it the browser test skips on a
// developer's machine but fails in CI, where .ci/run installs it
// (apt-get install -y chromium).
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{os.Getenv("TOHU_CHROMIUM"), "chromium", "chromium-browser", "google-chrome"} {
		if name == "" {
			continue
		}
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" || os.Getenv("TOHU_TEST_REQUIRE_BROWSER") != "" {
		t.Fatalf("Chromium is required for the browser test (apt-get install -y chromium, or set TOHU_CHROMIUM)")
	}
	t.Skip("Chromium not found (apt-get install -y chromium); the browser test is skipped")
	return ""
}

// axeViolation is the part of an axe-core result the test reports.
type axeViolation struct {
	ID     string   `json:"id"`
	Impact string   `json:"impact"`
	Help   string   `json:"help"`
	Nodes  []string `json:"nodes"`
}

// pageWatch records what the browser reports while a page runs: CSP
// violations and uncaught script errors.
type pageWatch struct {
	mu       sync.Mutex
	problems []string
}

func (w *pageWatch) add(s string) {
	w.mu.Lock()
	w.problems = append(w.problems, s)
	w.mu.Unlock()
}

func (w *pageWatch) take() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	p := w.problems
	w.problems = nil
	return p
}

// TestBrowser drives the real `tohu serve` with headless Chromium: a
// learner opens the credential page (verified, in English and te reo
// Māori), downloads the baked PNG; an employer uploads it on /verify and
// sees it verified; after a revocation the page says revoked. axe-core runs
// in every page (zero serious or critical violations), and no page may
// trip its Content Security Policy. Screenshots go to testout/screenshots/.
func TestBrowser(t *testing.T) {
	chromium := chromiumPath(t)
	axeSrc, err := os.ReadFile("testdata/axe/axe.min.js")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(screenshotDir, 0o755); err != nil {
		t.Fatal(err)
	}

	// The service, a provider, an approved micro-credential and one award.
	base, _, _ := startServe(t, map[string]string{
		"TOHU_ADDR": "127.0.0.1:0", "TOHU_DATA_DIR": t.TempDir(), "TOHU_OPERATOR_TOKEN": testOperatorToken, "TOHU_LOG_LEVEL": "info",
	})
	c := client{t, base}
	created := c.must(201, "POST", "/api/v1/providers", testOperatorToken, map[string]any{
		"slug": "te-kura", "name": "Te Kura Tohu o Ōtautahi", "url": "https://tekura.example.nz", "nzqaProviderNumber": "8123",
	})
	adminTok := created["adminKey"].(map[string]any)["token"].(string)
	ach := c.must(201, "POST", "/api/v1/achievements", adminTok, map[string]any{
		"title": "Kaitiakitanga o te Taiao", "titleMi": "Te Tiaki i te Taiao", "nzqaRef": "4321", "nzqaVersion": "1",
		"level": 4, "credits": 10, "aim": "Learners care for the local environment as kaitiaki.",
		"outcomes":   []string{"Describe tikanga for environmental guardianship.", "Plan a local restoration project."},
		"nzscedCode": "050999", "nzscedName": "Environmental Studies", "developer": "Toitū te Waiora", "approvalStatus": "approved",
		"listedOn": "2025-01-01", "nextReviewOn": time.Now().AddDate(2, 0, 0).Format(time.DateOnly),
	})
	achID := ach["id"].(string)
	award := c.must(201, "POST", "/api/v1/awards", adminTok, map[string]any{
		"achievementId": achID, "learner": map[string]any{"name": "Aroha Ngata", "email": "aroha@example.nz"},
		"completedOn": "2026-03-14", "issue": true,
	})
	awardID := award["id"].(string)
	_, _, _, stored := c.call("GET", "/credentials/"+awardID, "", nil)

	// Chromium, with the flags it needs on a closed network.
	downloads := t.TempDir()
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromium),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	defer cancelAlloc()
	ctx, cancelCtx := chromedp.NewContext(actx)
	defer cancelCtx()
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	defer cancelTimeout()

	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	events := true
	if _, err := chromedp.Call(ctx, cdplog.Enable, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.CallBrowser(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: downloads, EventsEnabled: &events,
	}); err != nil {
		t.Fatal(err)
	}
	// Every console error, uncaught exception and CSP report of the pages.
	watch := &pageWatch{}
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleException || strings.Contains(m.Text, "Content Security Policy") {
				watch.add(string(m.Type) + ": " + m.Text)
			}
		}
	}()

	// open loads a page and waits for its heading.
	open := func(t *testing.T, path string) {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.Navigate(base+path), chromedp.WaitReady(chromedp.CSS("main h1"))); err != nil {
			t.Fatalf("open %s: %v", path, err)
		}
	}
	text := func(t *testing.T, sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel), chromedp.NodeVisible))
		if err != nil {
			t.Fatalf("read %s: %v", sel, err)
		}
		return strings.TrimSpace(s)
	}
	shot := func(t *testing.T, name string) {
		t.Helper()
		buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(screenshotDir, name+".png"), buf, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// accessible runs axe-core in the page and fails on serious or critical
	// violations; it also fails on any CSP violation or script error the
	// page reported.
	accessible := func(t *testing.T, page string) {
		t.Helper()
		if p := watch.take(); len(p) > 0 {
			t.Errorf("%s: the browser reported: %q", page, p)
		}
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](string(axeSrc)+"\n;true")); err != nil {
			t.Fatalf("%s: load axe-core: %v", page, err)
		}
		vs, err := chromedp.Run(ctx, chromedp.Evaluate[[]axeViolation](`axe.run(document, {resultTypes: ["violations"]}).then(r => r.violations.map(v => ({
				id: v.id, impact: v.impact || "", help: v.help, nodes: v.nodes.slice(0, 5).map(n => n.target.join(" "))})))`,
			chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatalf("%s: axe-core: %v", page, err)
		}
		for _, v := range vs {
			if v.Impact == "serious" || v.Impact == "critical" {
				t.Errorf("%s: axe %s (%s): %s at %v", page, v.ID, v.Impact, v.Help, v.Nodes)
			} else {
				t.Logf("%s: axe %s (%s, not failing): %s at %v", page, v.ID, v.Impact, v.Help, v.Nodes)
			}
		}
	}

	var pngPath string
	steps := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"learner/credential page verified", func(t *testing.T) {
			open(t, "/c/"+awardID)
			if got := text(t, "#result-heading"); got != "Verified" {
				t.Fatalf("banner heading %q, want Verified", got)
			}
			if got := text(t, "main h1"); got != "Kaitiakitanga o te Taiao" {
				t.Fatalf("title %q", got)
			}
			shot(t, "e2e-credential-en")
			accessible(t, "/c/{id}")
		}},
		{"learner/credential page on a phone", func(t *testing.T) {
			if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2))); err != nil {
				t.Fatal(err)
			}
			open(t, "/c/"+awardID)
			shot(t, "e2e-credential-en-phone")
			accessible(t, "/c/{id} phone")
			if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900)); err != nil {
				t.Fatal(err)
			}
		}},
		{"learner/te reo Māori labels", func(t *testing.T) {
			open(t, "/c/"+awardID+"?lang=mi")
			if got := text(t, "#result-heading"); !strings.HasPrefix(got, "Kua manatokona") {
				t.Fatalf("banner heading %q, want Kua manatokona", got)
			}
			lang, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS("html"), "lang"))
			if err != nil || lang.Value != "mi" {
				t.Fatalf("html lang %q: %v", lang.Value, err)
			}
			if got := text(t, "dl.facts"); !strings.Contains(got, "I whakawhiwhia ki a") || !strings.Contains(got, "Kaiwhakarato") {
				t.Fatalf("facts not in te reo Māori: %q", got)
			}
			shot(t, "e2e-credential-mi")
			accessible(t, "/c/{id}?lang=mi")
		}},
		{"learner/download the baked PNG", func(t *testing.T) {
			open(t, "/c/"+awardID)
			dctx, cancel := context.WithTimeout(ctx, 20*time.Second)
			defer cancel()
			progress := chromedp.BrowserEvents(dctx, browser.DownloadProgress)
			if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`a[href$="/badge.png"]`))); err != nil {
				t.Fatal(err)
			}
			for p, err := range progress {
				if err != nil {
					t.Fatalf("the PNG download did not complete: %v", err)
				}
				if p.State == browser.DownloadProgressStateCompleted {
					pngPath = filepath.Join(downloads, p.GUID)
					break
				}
				if p.State == browser.DownloadProgressStateCanceled {
					t.Fatal("the PNG download was cancelled")
				}
			}
			b, err := os.ReadFile(pngPath)
			if err != nil {
				t.Fatal(err)
			}
			inner, kind, err := bake.Unbake(b)
			if err != nil || kind != bake.KindPNG || !bytes.Equal(inner, stored) {
				t.Fatalf("the downloaded PNG does not carry the stored credential (kind %q, err %v)", kind, err)
			}
			// A name the file chooser will accept.
			named := pngPath + ".png"
			if err := os.Rename(pngPath, named); err != nil {
				t.Fatal(err)
			}
			pngPath = named
		}},
		{"employer/verify form", func(t *testing.T) {
			open(t, "/verify")
			shot(t, "e2e-verify-form")
			accessible(t, "/verify")
		}},
		{"employer/upload the baked PNG", func(t *testing.T) {
			if pngPath == "" {
				t.Skip("no PNG was downloaded")
			}
			open(t, "/verify")
			err := chromedp.Do(ctx,
				chromedp.SetUploadFiles(chromedp.CSS("#verify-file"), []string{pngPath}),
				chromedp.Click(chromedp.CSS(`form.verify-form button[type=submit]`)),
				chromedp.WaitVisible(chromedp.CSS("#result-heading")),
			)
			if err != nil {
				t.Fatal(err)
			}
			if got := text(t, "#result-heading"); got != "Verified" {
				t.Fatalf("verify result %q, want Verified", got)
			}
			if got := text(t, "dl.facts"); !strings.Contains(got, "Aroha Ngata") || !strings.Contains(got, "Te Kura Tohu o Ōtautahi") {
				t.Fatalf("the result does not say who and by whom: %q", got)
			}
			shot(t, "e2e-verify-result")
			accessible(t, "POST /verify result")
		}},
		{"public/achievement page", func(t *testing.T) {
			open(t, "/achievements/"+achID+"/v1")
			shot(t, "e2e-achievement")
			accessible(t, "/achievements/{id}")
		}},
		{"public/provider page", func(t *testing.T) {
			open(t, "/issuers/te-kura")
			if got := text(t, "main"); !strings.Contains(got, "Kaitiakitanga o te Taiao") {
				t.Fatalf("the provider page does not list its micro-credential: %q", got)
			}
			shot(t, "e2e-issuer")
			accessible(t, "/issuers/{slug}")
		}},
		{"learner/revoked", func(t *testing.T) {
			c.must(200, "POST", "/api/v1/awards/"+awardID+"/revoke", adminTok, map[string]any{"reason": "issued in error"})
			open(t, "/c/"+awardID)
			if got := text(t, "#result-heading"); got != "Revoked" {
				t.Fatalf("banner heading %q, want Revoked", got)
			}
			shot(t, "e2e-credential-revoked")
			accessible(t, "/c/{id} revoked")
		}},
	}
	for _, s := range steps {
		if !t.Run(s.name, s.run) {
			// Later steps build on earlier ones; stop at the first failure.
			return
		}
	}
}
