package pages

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

var verbRE = regexp.MustCompile(`%[sdvq]`)

func checkTexts(t *testing.T, name string, m map[string]text) {
	t.Helper()
	for key, e := range m {
		if strings.TrimSpace(e.en) == "" {
			t.Errorf("%s %q: English missing", name, key)
		}
		if strings.TrimSpace(e.mi) == "" {
			t.Errorf("%s %q: te reo Māori missing", name, key)
		}
		if got, want := verbRE.FindAllString(e.mi, -1), verbRE.FindAllString(e.en, -1); strings.Join(got, "") != strings.Join(want, "") {
			t.Errorf("%s %q: verbs differ: en %v, mi %v", name, key, want, got)
		}
		// Macrons must be precomposed (NFC): a combining macron U+0304 after
		// a plain vowel looks right in some fonts and breaks search and
		// matching.
		if strings.ContainsRune(e.mi, '\u0304') || strings.ContainsRune(e.en, '\u0304') {
			t.Errorf("%s %q: combining macron; use the precomposed letter", name, key)
		}
	}
}

func TestCatalogueComplete(t *testing.T) {
	checkTexts(t, "catalogue", catalogue)
	checkTexts(t, "checkText", checkText)
}

// TestRequiredMaoriLabels pins the te reo Māori labels the team agreed for
// results and key facts.
func TestRequiredMaoriLabels(t *testing.T) {
	tests := map[string]struct{ key, mi string }{
		"ok/verified":        {"result.verified", "Kua manatokona"},
		"ok/revoked":         {"result.revoked", "Kua whakakorea"},
		"ok/suspended":       {"result.suspended", "Kua whakatārewatia"},
		"ok/expired":         {"result.expired", "Kua pau te wā"},
		"ok/not yet valid":   {"result.not_yet_valid", "Kāore anō kia whai mana"},
		"ok/not verified":    {"result.not_verified", "Kāore i manatokona"},
		"ok/could not check": {"result.could_not_check", "Kāore i taea te tirotiro"},
		"ok/credits":         {"label.credits", "Whiwhinga"},
		"ok/outcomes":        {"label.outcomes", "Ngā hua ako"},
		"ok/issued":          {"label.issued", "I tukuna"},
		"ok/provider":        {"label.provider", "Kaiwhakarato"},
		"ok/download":        {"label.download", "Tikiake"},
		"ok/verify":          {"label.verify", "Manatoko"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := T(Mi, tc.key); got != tc.mi {
				t.Errorf("T(mi, %q) = %q, want %q", tc.key, got, tc.mi)
			}
			if !catalogue[tc.key].gloss {
				t.Errorf("%q should show its English alongside", tc.key)
			}
		})
	}
	if got := T(Mi, "label.level"); !strings.HasPrefix(got, "Taumata") {
		t.Errorf("level label = %q, want it to start with Taumata", got)
	}
}

func TestLabelGloss(t *testing.T) {
	tests := map[string]struct {
		lang      Lang
		key, want string
	}{
		"ok/english plain":      {En, "label.credits", "Credits"},
		"ok/maori with english": {Mi, "label.credits", `Whiwhinga <span class="gloss" lang="en-NZ">(Credits)</span>`},
		"ok/maori no gloss":     {Mi, "cred.share", "Tiritiri, tikiake hoki"},
		"ok/unknown key shown":  {En, "no.such<key>", "no.such&lt;key&gt;"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := string(Label(tc.lang, tc.key)); got != tc.want {
				t.Errorf("Label = %q, want %q", got, tc.want)
			}
		})
	}
}

// codeRE matches the check codes the verifier writes: "<check id>.<finding>".
var codeRE = regexp.MustCompile(`"((?:format|contexts|terms|schema|required_fields|proof|issuer_key|valid_from|valid_until|date|status|presentation_proof|challenge|credentials|issuer_records|refresh|recipient|endorsements|endorsement_type)\.[a-z_]+)"`)

// TestCheckCodesTranslated reads the verifier's source, so a code added
// there without a sentence here fails this test.
func TestCheckCodesTranslated(t *testing.T) {
	files, err := filepath.Glob("../../verifier/*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("verifier sources not found: %v", err)
	}
	seen := map[string]bool{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range codeRE.FindAllStringSubmatch(string(b), -1) {
			seen[m[1]] = true
		}
	}
	if len(seen) < 50 {
		t.Fatalf("found only %d codes in the verifier; the pattern is stale", len(seen))
	}
	var missing []string
	for code := range seen {
		if _, ok := checkText[code]; !ok {
			missing = append(missing, code)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("check codes with no sentence in checkText: %v", missing)
	}
}

func TestCheckSentenceFallback(t *testing.T) {
	tests := map[string]struct {
		lang          Lang
		code, message string
		want          string
	}{
		"ok/known english":        {En, "status.revoked", "x", "The provider has revoked the credential."},
		"ok/known maori":          {Mi, "status.revoked", "x", "Kua whakakorea te tohu e te kaiwhakarato."},
		"ok/unknown uses message": {Mi, "status.brand_new", "The list moved.", "The list moved."},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := CheckSentence(tc.lang, tc.code, tc.message); got != tc.want {
				t.Errorf("CheckSentence = %q, want %q", got, tc.want)
			}
		})
	}
}

var keyRE = regexp.MustCompile(`\{\{-?\s*(?:t|label)\s+"([^"]+)"`)

// TestTemplatesUseKnownKeys fails when a template names a key the catalogue
// does not have (T would otherwise show the raw key on the page).
func TestTemplatesUseKnownKeys(t *testing.T) {
	files, err := templateFiles.ReadDir("templates")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range files {
		b, err := templateFiles.ReadFile("templates/" + f.Name())
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range keyRE.FindAllStringSubmatch(string(b), -1) {
			n++
			if _, ok := catalogue[m[1]]; !ok {
				t.Errorf("%s uses unknown key %q", f.Name(), m[1])
			}
		}
	}
	if n < 50 {
		t.Errorf("found only %d keys in the templates; the pattern is stale", n)
	}
	for _, k := range []string{"empty", "invalid", "fetch", "unsupported", "tooLarge"} {
		if _, ok := catalogue["verify.err."+k]; !ok {
			t.Errorf("verify error %q has no message", k)
		}
	}
}
