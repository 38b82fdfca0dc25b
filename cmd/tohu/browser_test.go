package main

import (
	"bytes"
	"context"
	"encoding/json"
	"image/png"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
	"golang.org/x/text/unicode/norm"

	"github.com/tohu-nz/tohu/credential/bake"
)

// screenshotDir is where the browser test leaves its screenshots (git-ignored).
const screenshotDir = "../../testout/screenshots"

// The two widths every page is checked at: a laptop and a 390 px phone.
const (
	desktopWidth, desktopHeight = 1280, 900
	phoneWidth, phoneHeight     = 390, 844
)

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

// session is one Chromium tab on the served tohu, with the checks every
// page gets.
type session struct {
	ctx       context.Context
	base      string
	axe       string
	watch     *pageWatch
	downloads string
}

// open loads a page and waits for its heading.
func (s *session) open(t *testing.T, path string) {
	t.Helper()
	if err := chromedp.Do(s.ctx, chromedp.Navigate(s.base+path), chromedp.WaitReady(chromedp.CSS("main h1"))); err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
}

func (s *session) text(t *testing.T, sel string) string {
	t.Helper()
	v, err := chromedp.Run(s.ctx, chromedp.Text(chromedp.CSS(sel), chromedp.NodeVisible))
	if err != nil {
		t.Fatalf("read %s: %v", sel, err)
	}
	return strings.TrimSpace(v)
}

func (s *session) attr(t *testing.T, sel, name string) string {
	t.Helper()
	v, err := chromedp.Run(s.ctx, chromedp.AttributeValue(chromedp.CSS(sel), name, chromedp.NodeReady))
	if err != nil || !v.Exists {
		t.Fatalf("%s[%s]: %v (present %v)", sel, name, err, v.Exists)
	}
	return v.Value
}

func eval[T any](t *testing.T, s *session, js string, opts ...chromedp.EvaluateOption) T {
	t.Helper()
	v, err := chromedp.Run(s.ctx, chromedp.Evaluate[T](js, opts...))
	if err != nil {
		t.Fatalf("evaluate %.80q: %v", js, err)
	}
	return v
}

func (s *session) shot(t *testing.T, name string) {
	t.Helper()
	buf, err := chromedp.Run(s.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(screenshotDir, name+".png"), buf, 0o644); err != nil {
		t.Fatal(err)
	}
}

func (s *session) viewport(t *testing.T, w, h int64) {
	t.Helper()
	opts := []chromedp.EmulateViewportOption{}
	if w < desktopWidth {
		opts = append(opts, chromedp.EmulateScale(2), chromedp.EmulateMobile)
	}
	if err := chromedp.Do(s.ctx, chromedp.EmulateViewport(w, h, opts...)); err != nil {
		t.Fatal(err)
	}
}

// accessible runs axe-core in the page and fails on serious or critical
// violations (WCAG 2.x A/AA rules and best practices). It also fails on any
// CSP violation or script error the page reported, and on a page wider than
// the screen (it must reflow, WCAG 1.4.10, not scroll sideways).
func (s *session) accessible(t *testing.T, page string) {
	t.Helper()
	if p := s.watch.take(); len(p) > 0 {
		t.Errorf("%s: the browser reported: %q", page, p)
	}
	if over := eval[string](t, s, `(() => {
			const w = document.documentElement.clientWidth;
			if (document.documentElement.scrollWidth <= w) return "";
			const wide = [...document.body.querySelectorAll("*")].filter(el => el.getBoundingClientRect().right > w + 1 && !el.classList.contains("skip-link"))
				.map(el => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + (el.className && typeof el.className === "string" ? "." + el.className.replace(/ /g, ".") : "") + " to " + Math.round(el.getBoundingClientRect().right) + "px");
			return "the page is " + document.documentElement.scrollWidth + "px wide on a " + w + "px screen: " + wide.slice(-3).join(", ");
		})()`); over != "" {
		t.Errorf("%s: %s", page, over)
	}
	if _, err := chromedp.Run(s.ctx, chromedp.Evaluate[bool](s.axe+"\n;true")); err != nil {
		t.Fatalf("%s: load axe-core: %v", page, err)
	}
	vs, err := chromedp.Run(s.ctx, chromedp.Evaluate[[]axeViolation](`axe.run(document, {resultTypes: ["violations"]}).then(r => r.violations.map(v => ({
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

// expectStatus takes the console's report of the page's own error status
// (Chromium logs one for every 4xx document), failing on anything else.
func (s *session) expectStatus(t *testing.T, code int) {
	t.Helper()
	want := "the server responded with a status of " + strconv.Itoa(code)
	for _, p := range s.watch.take() {
		if !strings.Contains(p, want) {
			t.Errorf("the browser reported: %q", p)
		}
	}
}

// notColourAlone checks that every coloured state on the page (the banner,
// each check) says what it means in words, and that its icon has a name or
// sits beside such words: someone who cannot tell green from red reads the
// same result.
func (s *session) notColourAlone(t *testing.T, page string) {
	t.Helper()
	bad := eval[[]string](t, s, `[...document.querySelectorAll(".banner, .checks li")].flatMap(el => {
			const out = [];
			const words = el.matches(".banner") ? el.querySelector("h2") : el.querySelector(".status");
			if (!words || words.textContent.trim().length < 3) out.push((el.className || el.tagName) + ": no words for its state");
			const icon = el.querySelector("svg.icon");
			if (!icon) out.push((el.className || el.tagName) + ": no icon");
			else if (icon.getAttribute("aria-hidden") !== "true" && !(icon.getAttribute("aria-label") || "").trim()) out.push("an icon with no name");
			return out;
		})`)
	if len(bad) > 0 {
		t.Errorf("%s: colour carries meaning alone: %v", page, bad)
	}
}

// tabOrder presses Tab through the page and checks that focus visits every
// focusable element in document order (no positive tabindex, no trap, no
// hidden stop), and that each shows a focus indicator. It returns the
// labels of the stops.
func (s *session) tabOrder(t *testing.T, page string) []string {
	t.Helper()
	want := eval[int](t, s, `(() => {
			const els = [...document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]')]
				.filter(el => el.tabIndex >= 0 && !el.disabled && !el.closest("[hidden]") && (el.getClientRects().length > 0 || el.classList.contains("skip-link")));
			els.forEach((el, i) => el.setAttribute("data-tab", i));
			if (document.activeElement && document.activeElement !== document.body) document.activeElement.blur();
			window.scrollTo(0, 0);
			return els.length;
		})()`)
	if want < 5 {
		t.Fatalf("%s: only %d focusable elements", page, want)
	}
	type stop struct {
		Tab     string `json:"tab"`
		Label   string `json:"label"`
		Visible bool   `json:"visible"`
		Ring    bool   `json:"ring"`
	}
	var labels []string
	for i := 0; i < want; i++ {
		if err := chromedp.Do(s.ctx, chromedp.KeyEvent(kb.Tab)); err != nil {
			t.Fatal(err)
		}
		st := eval[stop](t, s, `(() => {
				const el = document.activeElement, cs = getComputedStyle(el), r = el.getBoundingClientRect();
				return {tab: el.getAttribute("data-tab") || el.tagName, label: (el.innerText || el.value || el.getAttribute("aria-label") || el.name || "").trim().slice(0, 40),
					visible: r.width > 0 && r.height > 0 && r.bottom > 0 && r.top < innerHeight,
					ring: (cs.outlineStyle !== "none" && parseFloat(cs.outlineWidth) >= 2) || cs.boxShadow !== "none"};
			})()`)
		if st.Tab != strconv.Itoa(i) {
			t.Fatalf("%s: Tab stop %d is %s %q, want element %d in document order (stops so far %q)", page, i, st.Tab, st.Label, i, labels)
		}
		if !st.Visible || !st.Ring {
			t.Errorf("%s: Tab stop %d (%q) is not visibly focused (on screen %v, focus ring %v)", page, i, st.Label, st.Visible, st.Ring)
		}
		labels = append(labels, st.Label)
	}
	return labels
}

// download clicks a link and returns the path of the finished download.
func (s *session) download(t *testing.T, sel string) string {
	t.Helper()
	dctx, cancel := context.WithTimeout(s.ctx, 20*time.Second)
	defer cancel()
	progress := chromedp.BrowserEvents(dctx, browser.DownloadProgress)
	if err := chromedp.Do(s.ctx, chromedp.Click(chromedp.CSS(sel))); err != nil {
		t.Fatal(err)
	}
	for p, err := range progress {
		if err != nil {
			t.Fatalf("the download of %s did not complete: %v", sel, err)
		}
		switch p.State {
		case browser.DownloadProgressStateCompleted:
			return filepath.Join(s.downloads, p.GUID)
		case browser.DownloadProgressStateCanceled:
			t.Fatalf("the download of %s was cancelled", sel)
		}
	}
	t.Fatalf("no download for %s", sel)
	return ""
}

// submitFile chooses a file on /verify and sends the form.
func (s *session) submitFile(t *testing.T, path string) {
	t.Helper()
	s.open(t, "/verify")
	wctx, cancel := context.WithTimeout(s.ctx, 15*time.Second)
	defer cancel()
	if err := chromedp.Do(wctx,
		chromedp.SetUploadFiles(chromedp.CSS("#verify-file"), []string{path}),
		chromedp.Click(chromedp.CSS(`form.verify-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS("#result-heading, .error-summary")),
	); err != nil {
		s.shot(t, "e2e-failed-upload")
		t.Fatalf("upload %s: %v", filepath.Base(path), err)
	}
}

// TestBrowser drives the real `tohu serve` with headless Chromium, as a
// learner and as an employer would:
//
//   - the credential page, verified, in English and te reo Māori (by ?lang=mi
//     and by Accept-Language), its Open Graph tags, the LinkedIn link, the QR
//     code (decoded from the rendered pixels), Copy link, keyboard use;
//   - the downloads (JSON, baked PNG and SVG), each checked on /verify by
//     upload, one by drag and drop; the JWT and a pasted link; a file over
//     the size limit and a file that is no credential;
//   - the achievement and provider pages;
//   - suspended, reinstated and revoked states.
//
// axe-core runs in every page kind at desktop and phone widths (zero serious
// or critical violations), no page may trip its CSP, overflow the screen or
// show a state by colour alone. Screenshots go to testout/screenshots/.
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
	pageURL := base + "/c/" + awardID
	_, _, _, stored := c.call("GET", "/credentials/"+awardID, "", nil)
	_, _, _, jwt := c.call("GET", "/c/"+awardID+"/credential.jwt", "", nil)
	var cred struct {
		ID        string `json:"id"`
		ValidFrom string `json:"validFrom"`
	}
	if err := json.Unmarshal(stored, &cred); err != nil || cred.ID == "" {
		t.Fatalf("stored credential: %v: %s", err, stored)
	}

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
		chromedp.WindowSize(desktopWidth, desktopHeight),
	)
	defer cancelAlloc()
	ctx, cancelCtx := chromedp.NewContext(actx)
	defer cancelCtx()
	ctx, cancelTimeout := context.WithTimeout(ctx, 120*time.Second)
	defer cancelTimeout()

	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	events := true
	if _, err := chromedp.Call(ctx, cdplog.Enable, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.CallBrowser(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: downloads, EventsEnabled: &events,
	}); err != nil {
		t.Fatal(err)
	}
	// Copy link writes to the clipboard, which the test reads back.
	for _, perm := range []string{"clipboard-read", "clipboard-write"} {
		if _, err := chromedp.CallBrowser(ctx, browser.SetPermission, browser.SetPermissionParams{
			Permission: &browser.PermissionDescriptor{Name: perm}, Setting: browser.PermissionSettingGranted, Origin: base,
		}); err != nil {
			t.Fatalf("grant %s: %v", perm, err)
		}
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
	s := &session{ctx: ctx, base: base, axe: string(axeSrc), watch: watch, downloads: downloads}

	// bothWidths checks the open page kind at desktop and phone widths,
	// saving a screenshot of each when name is set.
	bothWidths := func(t *testing.T, path, page, name string) {
		t.Helper()
		for _, w := range []struct {
			w, h   int64
			suffix string
		}{{desktopWidth, desktopHeight, ""}, {phoneWidth, phoneHeight, "-phone"}} {
			s.viewport(t, w.w, w.h)
			s.open(t, path)
			s.notColourAlone(t, page+w.suffix)
			s.accessible(t, page+w.suffix)
			if name != "" {
				s.shot(t, name+w.suffix)
			}
		}
		s.viewport(t, desktopWidth, desktopHeight)
	}
	// verified checks the banner and who and by whom on a result page.
	verified := func(t *testing.T, how string) {
		t.Helper()
		if got := s.text(t, "#result-heading"); got != "Verified" {
			t.Fatalf("%s: result %q, want Verified", how, got)
		}
		if got := s.text(t, "dl.facts"); !strings.Contains(got, "Aroha Ngata") || !strings.Contains(got, "Te Kura Tohu o Ōtautahi") || !strings.Contains(got, "Issued") {
			t.Fatalf("%s: the result does not say who, by whom and when: %q", how, got)
		}
	}
	// noLinkedIn: a credential that does not check out is not offered for a profile.
	noLinkedIn := func(t *testing.T, state string) {
		t.Helper()
		if eval[bool](t, s, `document.querySelector('a[href*="linkedin.com"]') !== null`) {
			t.Errorf("a %s credential offers \"Add to LinkedIn profile\"", state)
		}
	}
	scratch := t.TempDir() // outlives the steps, which share files
	writeFile := func(t *testing.T, name string, b []byte) string {
		t.Helper()
		p := filepath.Join(scratch, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}

	files := map[string]string{} // kind → a downloaded file, named for the file chooser
	steps := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"learner/credential page verified", func(t *testing.T) {
			s.open(t, "/c/"+awardID)
			if got := s.text(t, "#result-heading"); got != "Verified" {
				t.Fatalf("banner heading %q, want Verified", got)
			}
			if got := s.text(t, "main h1"); got != "Kaitiakitanga o te Taiao" {
				t.Fatalf("title %q", got)
			}
			if got := s.text(t, ".title-mi"); got != "Te Tiaki i te Taiao" {
				t.Fatalf("te reo Māori title %q", got)
			}
			facts := s.text(t, "dl.facts")
			for _, want := range []string{"Aroha Ngata", "Te Kura Tohu o Ōtautahi", "Level 4", "10 credits", "about 100 hours", "4321"} {
				if !strings.Contains(facts, want) {
					t.Errorf("the facts lack %q: %q", want, facts)
				}
			}
			if got := s.attr(t, "dl.facts a", "href"); got != "/issuers/te-kura" {
				t.Errorf("provider link %q", got)
			}
			if got := s.text(t, "ul.outcomes"); !strings.Contains(got, "Plan a local restoration project.") {
				t.Errorf("outcomes %q", got)
			}
			// The badge image shows, with a text alternative.
			if ok := eval[bool](t, s, `(() => { const i = document.querySelector(".badge-figure img"); return i.complete && i.naturalWidth === 600 && i.alt.includes("Kaitiakitanga o te Taiao"); })()`); !ok {
				t.Error("the badge image did not load at 600 px, or has no alt text")
			}
			// The checks are behind a disclosure a keyboard can open.
			if err := chromedp.Do(ctx, chromedp.Focus(chromedp.CSS(".banner summary")), chromedp.KeyEvent(kb.Enter)); err != nil {
				t.Fatal(err)
			}
			if open := eval[bool](t, s, `document.querySelector(".banner details").open`); !open {
				t.Error("Enter on the checks summary does not open them")
			}
			if got := s.text(t, ".banner .checks"); !strings.Contains(got, "Passed") {
				t.Errorf("the checks do not say they passed: %q", got)
			}
			s.shot(t, "e2e-credential-checks-open")
			s.notColourAlone(t, "/c/{id}")
			s.accessible(t, "/c/{id} checks open")
		}},
		{"learner/open graph preview", func(t *testing.T) {
			s.open(t, "/c/"+awardID)
			og := eval[map[string]string](t, s, `Object.fromEntries([...document.querySelectorAll('meta[property^="og:"], meta[name^="twitter:"]')].map(m => [m.getAttribute("property") || m.getAttribute("name"), m.content]))`)
			for k, want := range map[string]string{
				"og:url": pageURL, "og:image": pageURL + "/badge.png", "og:type": "website", "og:site_name": "tohu", "twitter:card": "summary",
			} {
				if og[k] != want {
					t.Errorf("%s = %q, want %q", k, og[k], want)
				}
			}
			for _, k := range []string{"og:title", "og:description", "og:image:alt"} {
				if !strings.Contains(og[k], "Kaitiakitanga o te Taiao") && !strings.Contains(og[k], "Te Kura Tohu o Ōtautahi") {
					t.Errorf("%s = %q says neither what nor who", k, og[k])
				}
			}
			// A link preview fetches og:image without cookies or Accept: it must be the PNG.
			code, hdr, _, img := c.call("GET", strings.TrimPrefix(og["og:image"], base), "", nil)
			if _, err := png.DecodeConfig(bytes.NewReader(img)); code != 200 || hdr.Get("Content-Type") != "image/png" || err != nil {
				t.Errorf("og:image = %d %s: %v", code, hdr.Get("Content-Type"), err)
			}
		}},
		{"learner/add to LinkedIn profile", func(t *testing.T) {
			href := s.attr(t, `a[href^="https://www.linkedin.com/profile/add"]`, "href")
			if got := s.text(t, `a[href^="https://www.linkedin.com/profile/add"]`); got != "Add to LinkedIn profile" {
				t.Errorf("LinkedIn button says %q", got)
			}
			u, err := url.Parse(href)
			if err != nil {
				t.Fatal(err)
			}
			issued, err := time.Parse(time.RFC3339, cred.ValidFrom)
			if err != nil {
				t.Fatal(err)
			}
			nz, _ := time.LoadLocation("Pacific/Auckland")
			issued = issued.In(nz)
			q := u.Query()
			for k, want := range map[string]string{
				"startTask": "CERTIFICATION_NAME", "name": "Kaitiakitanga o te Taiao", "organizationName": "Te Kura Tohu o Ōtautahi",
				"issueYear": strconv.Itoa(issued.Year()), "issueMonth": strconv.Itoa(int(issued.Month())),
				"certId": cred.ID, "certUrl": pageURL,
			} {
				if q.Get(k) != want {
					t.Errorf("LinkedIn %s = %q, want %q (%s)", k, q.Get(k), want, href)
				}
			}
		}},
		{"learner/QR code of the link", func(t *testing.T) {
			// Decode what the browser drew, as a phone camera would.
			buf, err := chromedp.Run(ctx, chromedp.Screenshot(chromedp.CSS("svg.qr"), chromedp.NodeVisible))
			if err != nil {
				t.Fatal(err)
			}
			img, err := png.Decode(bytes.NewReader(buf))
			if err != nil {
				t.Fatal(err)
			}
			bmp, err := gozxing.NewBinaryBitmapFromImage(img)
			if err != nil {
				t.Fatal(err)
			}
			res, err := qrcode.NewQRCodeReader().Decode(bmp, nil)
			if err != nil {
				t.Fatalf("the QR code on the page does not scan: %v", err)
			}
			if res.GetText() != pageURL {
				t.Fatalf("the QR code says %q, want %q", res.GetText(), pageURL)
			}
			if got := s.attr(t, "svg.qr", "aria-label"); !strings.Contains(got, "QR code") {
				t.Errorf("QR code label %q", got)
			}
		}},
		{"learner/copy link", func(t *testing.T) {
			if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("button[data-copy-target]"), chromedp.NodeVisible)); err != nil {
				t.Fatalf("the Copy link button is not there to press: %v", err)
			}
			if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.getElementById("copy-status").textContent === "Link copied"`, chromedp.WithPollingTimeout(5*time.Second))); err != nil {
				t.Fatalf("no \"Link copied\" status: %v", err)
			}
			got := eval[string](t, s, `navigator.clipboard.readText()`, chromedp.EvalAwaitPromise)
			if got != pageURL {
				t.Fatalf("the clipboard holds %q, want %q", got, pageURL)
			}
		}},
		{"learner/keyboard", func(t *testing.T) {
			s.open(t, "/c/"+awardID)
			stops := s.tabOrder(t, "/c/{id}")
			// The skip link comes first, and the share actions are reachable.
			if stops[0] != "Skip to main content" {
				t.Errorf("first Tab stop %q, want the skip link", stops[0])
			}
			joined := strings.Join(stops, "|")
			for _, want := range []string{"Credential (JSON)", "Badge image (PNG)", "Add to LinkedIn profile", "Copy link", "Te reo Māori"} {
				if !strings.Contains(joined, want) {
					t.Errorf("no Tab stop for %q in %q", want, stops)
				}
			}
			// Enter on the skip link moves focus to the main content.
			s.open(t, "/c/"+awardID)
			if err := chromedp.Do(ctx, chromedp.KeyEvent(kb.Tab), chromedp.KeyEvent(kb.Enter)); err != nil {
				t.Fatal(err)
			}
			if id := eval[string](t, s, `document.activeElement.id`); id != "main" {
				t.Errorf("after the skip link, focus is on %q, want main", id)
			}
		}},
		{"learner/te reo Māori labels", func(t *testing.T) {
			s.open(t, "/c/"+awardID+"?lang=mi")
			if got := s.text(t, "#result-heading"); !strings.HasPrefix(got, "Kua manatokona") {
				t.Fatalf("banner heading %q, want Kua manatokona", got)
			}
			if got := s.attr(t, "html", "lang"); got != "mi" {
				t.Fatalf("html lang %q", got)
			}
			if got := s.text(t, "dl.facts"); !strings.Contains(got, "I whakawhiwhia ki a") || !strings.Contains(got, "Kaiwhakarato") {
				t.Fatalf("facts not in te reo Māori: %q", got)
			}
			// Labels with macrons, as the browser shows them, in NFC (one
			// code point per long vowel, so search and screen readers agree).
			body := s.text(t, "body")
			for _, want := range []string{"Tohu mātauranga iti kua whakawhiwhia", "Tāpiri ki tō kōtaha LinkedIn", "Tāruatia te hono", "Ngā hua ako", "Manatoko i tētahi tohu"} {
				if !strings.Contains(body, want) {
					t.Errorf("the te reo Māori page lacks %q", want)
				}
			}
			if !norm.NFC.IsNormalString(body) {
				t.Error("the page text is not NFC")
			}
			// The achievement's own words stay marked as English for screen readers.
			if got := s.attr(t, "main h1", "lang"); got != "en-NZ" {
				t.Errorf("English title marked lang=%q", got)
			}
			s.shot(t, "e2e-credential-mi")
			s.notColourAlone(t, "/c/{id}?lang=mi")
			s.accessible(t, "/c/{id}?lang=mi")
			// The switch goes back to English.
			if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`.site-nav a[hreflang="en-NZ"]`)), chromedp.WaitReady(chromedp.CSS(`html[lang="en-NZ"]`))); err != nil {
				t.Fatalf("the language switch: %v", err)
			}
		}},
		{"learner/Accept-Language mi", func(t *testing.T) {
			if _, err := chromedp.Call(ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{
				Headers: network.Headers{"Accept-Language": "mi-NZ,mi;q=0.9,en-NZ;q=0.5"},
			}); err != nil {
				t.Fatal(err)
			}
			defer chromedp.Call(ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{Headers: network.Headers{}})
			for _, p := range []string{"/c/" + awardID, "/verify", "/achievements/" + achID + "/v1", "/issuers/te-kura"} {
				s.open(t, p)
				if got := s.attr(t, "html", "lang"); got != "mi" {
					t.Errorf("%s with Accept-Language mi: html lang %q", p, got)
				}
			}
			if got := s.text(t, "main"); !strings.Contains(got, "Kaitiakitanga o te Taiao") {
				t.Errorf("the provider page in te reo Māori lacks its micro-credential")
			}
		}},
		{"learner/downloads", func(t *testing.T) {
			s.open(t, "/c/"+awardID)
			for _, d := range []struct{ kind, sel string }{
				{"json", `a[href$="/credential.json"]`}, {"png", `a[href$="/badge.png"]`}, {"svg", `a[href$="/badge.svg"]`},
			} {
				p := s.download(t, d.sel)
				b, err := os.ReadFile(p)
				if err != nil {
					t.Fatal(err)
				}
				inner := b
				if d.kind != "json" {
					var kind string
					if inner, kind, err = bake.Unbake(b); err != nil || kind != d.kind {
						t.Fatalf("the %s download is not a baked %s: kind %q, %v", d.kind, d.kind, kind, err)
					}
				}
				if !bytes.Equal(inner, stored) {
					t.Fatalf("the %s download does not carry the stored credential", d.kind)
				}
				files[d.kind] = p + "." + d.kind
				if err := os.Rename(p, files[d.kind]); err != nil {
					t.Fatal(err)
				}
			}
			files["jwt"] = writeFile(t, "credential.jwt", jwt)
		}},
		{"employer/verify form", func(t *testing.T) {
			bothWidths(t, "/verify", "/verify", "e2e-verify-form")
			s.open(t, "/verify")
			s.tabOrder(t, "/verify")
		}},
		{"employer/upload each kind of file", func(t *testing.T) {
			for _, kind := range []string{"json", "jwt", "svg", "png"} { // png last: its page is the screenshot
				if files[kind] == "" {
					t.Fatalf("no %s file was downloaded", kind)
				}
				s.submitFile(t, files[kind])
				verified(t, "upload "+kind)
			}
		}},
		{"employer/drop a file", func(t *testing.T) {
			s.open(t, "/verify")
			// A real drag from the desktop: Chromium drops the file on the zone.
			pt := eval[[]float64](t, s, `(() => { const z = document.querySelector("[data-dropzone]"); z.scrollIntoView({block: "center"}); const r = z.getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; })()`)
			data := &input.DragData{Items: []*input.DragDataItem{}, Files: []string{files["png"]}, DragOperationsMask: 1}
			for _, typ := range []input.DispatchDragEventType{input.DispatchDragEventTypeDragEnter, input.DispatchDragEventTypeDragOver, input.DispatchDragEventTypeDrop} {
				if _, err := chromedp.Call(ctx, input.DispatchDragEvent, input.DispatchDragEventParams{Type: typ, X: pt[0], Y: pt[1], Data: data}); err != nil {
					t.Fatalf("drag %s: %v", typ, err)
				}
			}
			if got := eval[string](t, s, `(document.getElementById("verify-file").files[0] || {}).name || ""`); got != filepath.Base(files["png"]) {
				t.Fatalf("after the drop the file input holds %q", got)
			}
			if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`form.verify-form button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS("#result-heading"))); err != nil {
				t.Fatal(err)
			}
			verified(t, "drop png")
		}},
		{"employer/upload the baked PNG", func(t *testing.T) {
			s.submitFile(t, files["png"])
			verified(t, "upload png")
			s.shot(t, "e2e-verify-result")
			s.notColourAlone(t, "POST /verify result")
			s.accessible(t, "POST /verify result")
			s.viewport(t, phoneWidth, phoneHeight)
			s.submitFile(t, files["png"])
			verified(t, "upload png on a phone")
			s.shot(t, "e2e-verify-result-phone")
			s.accessible(t, "POST /verify result phone")
			s.viewport(t, desktopWidth, desktopHeight)
		}},
		{"employer/paste a link", func(t *testing.T) {
			s.open(t, "/verify")
			if err := chromedp.Do(ctx,
				chromedp.SendKeys(chromedp.CSS("#verify-url"), pageURL),
				chromedp.KeyEvent(kb.Enter), // the form submits from the field
				chromedp.WaitVisible(chromedp.CSS("#result-heading")),
			); err != nil {
				t.Fatal(err)
			}
			verified(t, "pasted link")
			if got := eval[string](t, s, `document.getElementById("verify-url").value`); got != pageURL {
				t.Errorf("the result page does not keep the pasted link: %q", got)
			}
		}},
		{"employer/a changed credential", func(t *testing.T) {
			tampered := bytes.Replace(stored, []byte("Aroha Ngata"), []byte("Aroha Ngati"), 1)
			if bytes.Equal(tampered, stored) {
				t.Fatal("the tamper did not change the credential")
			}
			s.submitFile(t, writeFile(t, "changed.json", tampered))
			if got := s.text(t, "#result-heading"); got != "Not verified" {
				t.Fatalf("a changed credential: result %q, want Not verified", got)
			}
			// The failed checks show without a click, and the details carry a warning.
			if open := eval[bool](t, s, `document.querySelector(".banner details").open`); !open {
				t.Error("the checks of a credential that failed are not shown")
			}
			if got := s.text(t, ".banner .checks"); !strings.Contains(got, "Failed") {
				t.Errorf("no failed check: %q", got)
			}
			if got := s.text(t, "p.caution"); !strings.Contains(got, "Do not rely on the details below") {
				t.Errorf("caution %q", got)
			}
			s.shot(t, "e2e-verify-not-verified")
			s.notColourAlone(t, "POST /verify not verified")
			s.accessible(t, "POST /verify not verified")
		}},
		{"employer/expired, not yet valid, could not check", func(t *testing.T) {
			// Credentials tohu serve cannot issue (its awards start now and end
			// later), signed with a did:key by tohu sign, as another issuer would.
			key := filepath.Join(scratch, "other-issuer.json")
			if r := runCLI(t, "", "keys", "new", "--out", key); r.code != 0 {
				t.Fatalf("keys new: %+v", r)
			}
			day := 24 * time.Hour
			// A status list the safe fetcher will not fetch (a private address).
			unreachable := `, "credentialStatus": {"id": "http://10.255.255.1/status/1#7", "type": "BitstringStatusListEntry", "statusPurpose": "revocation", "statusListIndex": "7", "statusListCredential": "http://10.255.255.1/status/1"}`
			for _, tc := range []struct {
				name, from, until, extra, want string
				caution                        bool
			}{
				{"expired", time.Now().Add(-400 * day).UTC().Format(time.RFC3339), time.Now().Add(-day).UTC().Format(time.RFC3339), "", "Expired", false},
				{"not-yet-valid", time.Now().Add(30 * day).UTC().Format(time.RFC3339), "", "", "Not yet valid", false},
				{"could-not-check", "2025-03-01T00:00:00Z", "", unreachable, "Could not check", false},
			} {
				dates := `"validFrom": "` + tc.from + `"`
				if tc.until != "" {
					dates += `, "validUntil": "` + tc.until + `"`
				}
				dates += tc.extra
				signed := runCLI(t, strings.Replace(unsignedOB, `"validFrom": "2025-03-01T00:00:00Z"`, dates, 1), "sign", "--key", key, "-")
				if signed.code != 0 {
					t.Fatalf("sign %s: %+v", tc.name, signed)
				}
				s.submitFile(t, writeFile(t, tc.name+".json", []byte(signed.stdout)))
				if got := s.text(t, "#result-heading"); got != tc.want {
					t.Fatalf("%s credential: result %q, want %q", tc.name, got, tc.want)
				}
				if got := s.text(t, "dl.facts"); !strings.Contains(got, "Te Reo Māori mō te Wāhi Mahi") || !strings.Contains(got, "Kura Test") {
					t.Errorf("%s: facts %q", tc.name, got)
				}
				// Signed by its issuer, only out of date: the details are not in doubt.
				if got := eval[bool](t, s, `document.querySelector("p.caution") !== null`); got != tc.caution {
					t.Errorf("%s: caution shown %v, want %v", tc.name, got, tc.caution)
				}
				s.shot(t, "e2e-verify-"+tc.name)
				s.notColourAlone(t, "POST /verify "+tc.name)
				s.accessible(t, "POST /verify "+tc.name)
			}
		}},
		{"employer/not a credential", func(t *testing.T) {
			s.submitFile(t, writeFile(t, "notes.txt", []byte("this is not a credential")))
			if got := s.text(t, ".error-summary"); !strings.Contains(got, "That is not a credential we can read") {
				t.Fatalf("error %q", got)
			}
			s.shot(t, "e2e-verify-error")
			s.expectStatus(t, 422)
			s.accessible(t, "POST /verify error")
		}},
		{"employer/file over the size limit", func(t *testing.T) {
			// 6 MiB: over the body limit, so the server answers before reading
			// the upload; the browser must still show the page, not a reset.
			s.submitFile(t, writeFile(t, "big.json", bytes.Repeat([]byte(" "), 6<<20)))
			if got := s.text(t, ".error-summary"); !strings.Contains(got, "too large") {
				t.Fatalf("error %q", got)
			}
			s.expectStatus(t, 413)
			s.accessible(t, "POST /verify too large")
		}},
		{"public/achievement page", func(t *testing.T) {
			bothWidths(t, "/achievements/"+achID+"/v1", "/achievements/{id}", "e2e-achievement")
			s.open(t, "/achievements/"+achID+"/v1")
			got := s.text(t, "main")
			for _, want := range []string{"Kaitiakitanga o te Taiao", "Learners care for the local environment as kaitiaki.", "Plan a local restoration project.", "Toitū te Waiora", "Te Kura Tohu o Ōtautahi", "4321"} {
				if !strings.Contains(got, want) {
					t.Errorf("the achievement page lacks %q", want)
				}
			}
		}},
		{"public/provider page", func(t *testing.T) {
			bothWidths(t, "/issuers/te-kura", "/issuers/{slug}", "e2e-issuer")
			if got := s.text(t, "main"); !strings.Contains(got, "Kaitiakitanga o te Taiao") || !strings.Contains(got, "Level 4 · 10 credits · NZQA reference 4321") {
				t.Fatalf("the provider page does not list its micro-credential: %q", got)
			}
			if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(".card h3 a")), chromedp.WaitReady(chromedp.CSS(".l-side, main h1"))); err != nil {
				t.Fatal(err)
			}
			if got := s.text(t, "main h1"); got != "Kaitiakitanga o te Taiao" {
				t.Errorf("the provider's card leads to %q", got)
			}
		}},
		{"learner/credential page at both widths", func(t *testing.T) {
			bothWidths(t, "/c/"+awardID, "/c/{id}", "e2e-credential-en")
		}},
		{"learner/suspended then reinstated", func(t *testing.T) {
			c.must(200, "POST", "/api/v1/awards/"+awardID+"/suspend", adminTok, map[string]any{"reason": "under review"})
			s.open(t, "/c/"+awardID)
			if got := s.text(t, "#result-heading"); got != "Suspended" {
				t.Fatalf("banner heading %q, want Suspended", got)
			}
			if got := s.text(t, ".banner p"); !strings.Contains(got, "Te Kura Tohu o Ōtautahi has suspended this credential") {
				t.Errorf("banner %q", got)
			}
			noLinkedIn(t, "suspended")
			bothWidths(t, "/c/"+awardID, "/c/{id} suspended", "e2e-credential-suspended")
			c.must(200, "POST", "/api/v1/awards/"+awardID+"/reinstate", adminTok, map[string]any{"reason": "review done"})
			s.open(t, "/c/"+awardID)
			if got := s.text(t, "#result-heading"); got != "Verified" {
				t.Fatalf("after reinstatement the banner says %q", got)
			}
		}},
		{"learner/revoked", func(t *testing.T) {
			c.must(200, "POST", "/api/v1/awards/"+awardID+"/revoke", adminTok, map[string]any{"reason": "issued in error"})
			s.open(t, "/c/"+awardID)
			if got := s.text(t, "#result-heading"); got != "Revoked" {
				t.Fatalf("banner heading %q, want Revoked", got)
			}
			noLinkedIn(t, "revoked")
			bothWidths(t, "/c/"+awardID, "/c/{id} revoked", "e2e-credential-revoked")
			// The employer's check of the same badge now says revoked too.
			s.submitFile(t, files["png"])
			if got := s.text(t, "#result-heading"); got != "Revoked" {
				t.Fatalf("/verify of the revoked badge says %q", got)
			}
			s.shot(t, "e2e-verify-revoked")
			s.accessible(t, "POST /verify revoked")
		}},
	}
	for _, st := range steps {
		if !t.Run(st.name, st.run) {
			// Later steps build on earlier ones; stop at the first failure.
			return
		}
	}
}
