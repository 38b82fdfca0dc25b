package main

import (
	"bytes"
	"crypto/tls"
	"net/http"
	"strings"
	"testing"
)

// TestServeTLSBodyTooLarge: over HTTPS too, an upload over the body limit
// gets its 413 page, not a connection reset: the lingering close runs
// beneath TLS (api/linger.go unwraps the *tls.Conn).
func TestServeTLSBodyTooLarge(t *testing.T) {
	dir := t.TempDir()
	certPath, keyPath, pool := selfSigned(t, dir)
	base, _, _ := startServe(t, map[string]string{
		"TOHU_ADDR": "127.0.0.1:0", "TOHU_DATA_DIR": dir, "TOHU_TLS_CERT": certPath, "TOHU_TLS_KEY": keyPath,
	})
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	body := bytes.Repeat([]byte("x"), 6<<20) // over the 1 MiB limit, within what api drains (8 MiB)
	for i := range 5 {
		req, _ := http.NewRequest(http.MethodPost, base+"/verify", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/octet-stream")
		req.Header.Set("Accept", "text/html")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("attempt %d: no answer to an oversized upload: %v", i, err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
			t.Fatalf("attempt %d: = %d %s, want the 413 page", i, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
	}
}
