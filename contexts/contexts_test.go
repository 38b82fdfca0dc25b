package contexts_test

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tohu-nz/tohu/contexts"
	"github.com/tohu-nz/tohu/errs"
)

// TestPinnedHashes recomputes the digest of every embedded context and
// compares it with the table in manifest.go.
func TestPinnedHashes(t *testing.T) {
	for _, p := range contexts.Manifest() {
		t.Run(p.File, func(t *testing.T) {
			b, ok := contexts.Bytes(p.URL)
			if !ok {
				t.Fatalf("%s is not served", p.URL)
			}
			sum := sha256.Sum256(b)
			if got := hex.EncodeToString(sum[:]); got != p.SHA256 {
				t.Fatalf("sha256(%s) = %s, manifest says %s", p.File, got, p.SHA256)
			}
		})
	}
}

// TestSharedManifestAgrees checks our table against the project's shared
// MANIFEST.md, so a context cannot drift from what the spec folder pins.
func TestSharedManifestAgrees(t *testing.T) {
	f, err := os.Open(sharedManifest())
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("shared manifest missing in CI: %v", err)
		}
		t.Skipf("shared manifest not beside the repo: %v", err)
	}
	defer f.Close()
	shared := map[string]string{} // file -> sha256
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		cols := strings.Split(sc.Text(), "|")
		if len(cols) < 6 || !strings.HasPrefix(strings.TrimSpace(cols[1]), "contexts/") {
			continue
		}
		file := strings.TrimPrefix(strings.TrimSpace(cols[1]), "contexts/")
		shared[file] = strings.Trim(strings.TrimSpace(cols[4]), "`")
	}
	if len(shared) == 0 {
		t.Fatal("no context rows parsed from the shared manifest")
	}
	for _, p := range contexts.Manifest() {
		want, ok := shared[p.File]
		if !ok {
			t.Errorf("%s is not in the shared manifest", p.File)
			continue
		}
		if want != p.SHA256 {
			t.Errorf("%s: shared manifest says %s, ours %s", p.File, want, p.SHA256)
		}
	}
}

// sharedManifest finds shared/spec/MANIFEST.md beside the repository: next
// to the main checkout (/work/main → /work/shared) or, from a git worktree
// deeper down (/work/wt/NAME), in a directory further up.
func sharedManifest() string {
	rel := filepath.Join("shared", "spec", "MANIFEST.md")
	dir, err := filepath.Abs("..") // the repository root
	if err != nil {
		return rel
	}
	for {
		parent := filepath.Dir(dir)
		if parent == dir {
			return rel
		}
		dir = parent
		if p := filepath.Join(dir, rel); fileExists(p) {
			return p
		}
	}
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

func TestLoader(t *testing.T) {
	tests := map[string]struct {
		url      string
		opts     []contexts.Option
		wantCode errs.Code
	}{
		"ok/credentials v2":           {url: contexts.CredentialsV2},
		"ok/ob 3.0.3":                 {url: contexts.OBv3p0},
		"ok/ob 3.0.0 alias":           {url: "https://purl.imsglobal.org/spec/ob/v3p0/context/ob_v3p0.jsonld"},
		"ok/clr 2.0.1":                {url: "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json"},
		"ok/undefined terms opted in": {url: "https://www.w3.org/ns/credentials/undefined-terms/v2", opts: []contexts.Option{contexts.WithOptIn()}},
		"error/unknown url":           {url: "https://evil.example/context.json", wantCode: errs.Unsupported},
		"error/http variant":          {url: "http://www.w3.org/ns/credentials/v2", wantCode: errs.Unsupported},
		"error/undefined terms":       {url: "https://www.w3.org/ns/credentials/undefined-terms/v2", wantCode: errs.Unsupported},
		"error/file path":             {url: "files/credentials-v2.jsonld", wantCode: errs.Unsupported},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			l := contexts.NewLoader(tc.opts...)
			d, err := l.LoadDocument(tc.url)
			if tc.wantCode != "" {
				if errs.ErrorCode(err) != tc.wantCode {
					t.Fatalf("err = %v, want code %s", err, tc.wantCode)
				}
				if !strings.Contains(err.Error(), tc.url) {
					t.Fatalf("error %q does not name the URL", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			m, ok := d.Document.(map[string]any)
			if !ok || m["@context"] == nil {
				t.Fatalf("document for %s has no @context", tc.url)
			}
			again, _ := l.LoadDocument(tc.url)
			if again != d {
				t.Error("second load was not served from the cache")
			}
		})
	}
}
