package pages_test

import (
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/tohu-nz/tohu/api/pages"
)

func TestStatic(t *testing.T) {
	srv := httptest.NewServer(http.StripPrefix("/static/", http.FileServer(http.FS(pages.Static()))))
	defer srv.Close()
	hashed := regexp.MustCompile(`^[a-z]+\.[0-9a-f]{8}\.(css|js|svg)$`)
	tests := map[string]struct {
		plain, contentType, has string
	}{
		"ok/css":     {"tohu.css", "text/css", "prefers-reduced-motion"},
		"ok/js":      {"tohu.js", "javascript", "data-copy-target"},
		"ok/favicon": {"favicon.svg", "image/svg+xml", "<svg"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			h := pages.AssetName(tc.plain)
			if !hashed.MatchString(h) {
				t.Fatalf("AssetName(%q) = %q, want a content-hashed name", tc.plain, h)
			}
			res, err := http.Get(srv.URL + "/static/" + h)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != 200 || !strings.Contains(res.Header.Get("Content-Type"), tc.contentType) || !strings.Contains(string(body), tc.has) {
				t.Errorf("GET %s: %d %q, body has %q: %v", h, res.StatusCode, res.Header.Get("Content-Type"), tc.has, strings.Contains(string(body), tc.has))
			}
			if _, err := fs.Stat(pages.Static(), tc.plain); err == nil {
				t.Errorf("the unhashed name %q should not be served", tc.plain)
			}
		})
	}
	if len(pages.AssetNames()) != len(tests) {
		t.Errorf("AssetNames = %v", pages.AssetNames())
	}
}
