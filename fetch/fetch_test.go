package fetch_test

import (
	"context"
	"crypto/x509"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tohu-nz/tohu/errs"
	"github.com/tohu-nz/tohu/fetch"
)

const body = `{"id":"did:web:example"}`

// newServer starts a loopback server with a few routes for the tests.
func newServer(t *testing.T, tls bool) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(body)) })
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(strings.Repeat("a", 2<<20)))
	})
	mux.HandleFunc("/big-chunked", func(w http.ResponseWriter, r *http.Request) {
		chunk := []byte(strings.Repeat("a", 64<<10))
		for range 32 { // 2 MiB, no Content-Length
			w.Write(chunk)
			w.(http.Flusher).Flush()
		}
	})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(3 * time.Second):
		case <-r.Context().Done():
		}
		w.Write([]byte(body))
	})
	mux.HandleFunc("/missing", http.NotFound)
	mux.HandleFunc("/broken", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "boom", 500) })
	mux.HandleFunc("/redirect-same", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/ok", http.StatusFound) })
	mux.HandleFunc("/redirect-private", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "https://10.0.0.1/did.json", http.StatusFound)
	})
	mux.HandleFunc("/redirect-loop", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/redirect-loop", http.StatusFound)
	})
	var srv *httptest.Server
	if tls {
		srv = httptest.NewTLSServer(mux)
	} else {
		srv = httptest.NewServer(mux)
	}
	t.Cleanup(srv.Close)
	return srv
}

func pool(srv *httptest.Server) *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(srv.Certificate())
	return p
}

func TestFetch(t *testing.T) {
	tlsSrv := newServer(t, true)
	httpSrv := newServer(t, false)
	other := newServer(t, true) // another loopback origin
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(tlsSrv.URL, "https://"))
	ca := fetch.WithRootCAs(pool(tlsSrv))
	loop := fetch.WithAllowLoopback()
	tests := map[string]struct {
		opts     []fetch.Option
		url      string
		wantCode errs.Code // "" = success
	}{
		"ok/loopback allowed":               {[]fetch.Option{ca, loop}, tlsSrv.URL + "/ok", ""},
		"ok/trusted base url":               {[]fetch.Option{ca, fetch.WithTrusted(tlsSrv.URL + "/issuers/x")}, tlsSrv.URL + "/ok", ""},
		"ok/trusted http base url":          {[]fetch.Option{fetch.WithTrusted(httpSrv.URL)}, httpSrv.URL + "/ok", ""},
		"ok/http allowed":                   {[]fetch.Option{loop, fetch.WithAllowHTTP()}, httpSrv.URL + "/ok", ""},
		"ok/redirect on same host":          {[]fetch.Option{ca, loop}, tlsSrv.URL + "/redirect-same", ""},
		"ok/fragment dropped":               {[]fetch.Option{ca, loop}, tlsSrv.URL + "/ok#key-1", ""},
		"error/loopback refused":            {[]fetch.Option{ca}, tlsSrv.URL + "/ok", errs.Forbidden},
		"error/localhost name refused":      {[]fetch.Option{ca}, "https://localhost:" + port + "/ok", errs.Forbidden},
		"error/trust is per origin":         {[]fetch.Option{ca, fetch.WithTrusted(other.URL)}, tlsSrv.URL + "/ok", errs.Forbidden},
		"error/private address refused":     {nil, "https://10.1.2.3/did.json", errs.Forbidden},
		"error/cgnat refused":               {nil, "https://100.64.0.1/did.json", errs.Forbidden},
		"error/link-local metadata":         {nil, "https://169.254.169.254/latest/meta-data", errs.Forbidden},
		"error/ipv6 loopback refused":       {nil, "https://[::1]/did.json", errs.Forbidden},
		"error/unspecified refused":         {nil, "https://0.0.0.0/did.json", errs.Forbidden},
		"error/http refused":                {[]fetch.Option{loop}, httpSrv.URL + "/ok", errs.Forbidden},
		"error/other scheme":                {nil, "file:///etc/passwd", errs.Invalid},
		"error/ftp scheme":                  {nil, "ftp://example.com/did.json", errs.Forbidden},
		"error/not absolute":                {nil, "/did.json", errs.Invalid},
		"error/credentials in url":          {[]fetch.Option{ca, loop}, strings.Replace(tlsSrv.URL, "https://", "https://u:p@", 1) + "/ok", errs.Invalid},
		"error/too large":                   {[]fetch.Option{ca, loop}, tlsSrv.URL + "/big", errs.Invalid},
		"error/too large without length":    {[]fetch.Option{ca, loop}, tlsSrv.URL + "/big-chunked", errs.Invalid},
		"error/not found":                   {[]fetch.Option{ca, loop}, tlsSrv.URL + "/missing", errs.Unavailable},
		"error/server error":                {[]fetch.Option{ca, loop}, tlsSrv.URL + "/broken", errs.Unavailable},
		"error/redirect to private":         {[]fetch.Option{ca, loop}, tlsSrv.URL + "/redirect-private", errs.Forbidden},
		"error/redirect loop":               {[]fetch.Option{ca, loop}, tlsSrv.URL + "/redirect-loop", errs.Unavailable},
		"error/untrusted certificate":       {[]fetch.Option{loop}, tlsSrv.URL + "/ok", errs.Unavailable},
		"error/nothing listening":           {[]fetch.Option{loop}, "https://127.0.0.1:1/ok", errs.Unavailable},
		"error/trusted but over cap":        {[]fetch.Option{ca, fetch.WithTrusted(tlsSrv.URL)}, tlsSrv.URL + "/big", errs.Invalid},
		"error/small cap":                   {[]fetch.Option{ca, loop, fetch.WithMaxBytes(10)}, tlsSrv.URL + "/ok", errs.Invalid},
		"error/trusted https, http refused": {[]fetch.Option{fetch.WithTrusted("https://" + strings.TrimPrefix(httpSrv.URL, "http://"))}, httpSrv.URL + "/ok", errs.Forbidden},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := fetch.New(tc.opts...).Fetch(context.Background(), tc.url)
			if tc.wantCode == "" {
				if err != nil || string(got) != body {
					t.Fatalf("got %q, %v; want the body", got, err)
				}
				return
			}
			if errs.ErrorCode(err) != tc.wantCode {
				t.Fatalf("err = %v (code %s), want %s", err, errs.ErrorCode(err), tc.wantCode)
			}
			if got != nil {
				t.Fatalf("got a body with an error")
			}
		})
	}
}

func TestFetchTimeout(t *testing.T) {
	srv := newServer(t, true)
	f := fetch.New(fetch.WithRootCAs(pool(srv)), fetch.WithAllowLoopback(), fetch.WithTimeout(200*time.Millisecond))
	start := time.Now()
	_, err := f.Fetch(context.Background(), srv.URL+"/slow")
	if errs.ErrorCode(err) != errs.Unavailable {
		t.Fatalf("err = %v, want Unavailable", err)
	}
	if d := time.Since(start); d > 1500*time.Millisecond {
		t.Fatalf("took %s with a 200ms timeout", d)
	}
	// The caller's context is honoured too.
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	f = fetch.New(fetch.WithRootCAs(pool(srv)), fetch.WithAllowLoopback())
	start = time.Now()
	if _, err := f.Fetch(ctx, srv.URL+"/slow"); errs.ErrorCode(err) != errs.Unavailable || time.Since(start) > 1500*time.Millisecond {
		t.Fatalf("err = %v after %s, want Unavailable quickly", err, time.Since(start))
	}
}

func TestPublic(t *testing.T) {
	tests := map[string]struct {
		ip   string
		want bool
	}{
		"ok/public v4":             {"203.0.114.7", true},
		"ok/public v6":             {"2606:4700::1111", true},
		"ok/nat64 of public":       {"64:ff9b::808:808", true},
		"error/loopback":           {"127.0.0.2", false},
		"error/rfc1918 10":         {"10.0.0.1", false},
		"error/rfc1918 172":        {"172.16.5.4", false},
		"error/rfc1918 192":        {"192.168.1.1", false},
		"error/cgnat":              {"100.100.1.1", false},
		"error/link-local":         {"169.254.169.254", false},
		"error/multicast":          {"224.0.0.1", false},
		"error/broadcast":          {"255.255.255.255", false},
		"error/unspecified":        {"0.0.0.0", false},
		"error/this network":       {"0.1.2.3", false},
		"error/v6 loopback":        {"::1", false},
		"error/v6 unspecified":     {"::", false},
		"error/v6 ula":             {"fd12:3456::1", false},
		"error/v6 link-local":      {"fe80::1", false},
		"error/v6 multicast":       {"ff02::1", false},
		"error/v4-mapped private":  {"::ffff:10.0.0.1", false},
		"error/v4-mapped loopback": {"::ffff:127.0.0.1", false},
		"error/nat64 of private":   {"64:ff9b::a00:1", false},
		"error/documentation v6":   {"2001:db8::1", false},
		"error/benchmarking":       {"198.18.0.1", false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := fetch.Public(net.ParseIP(tc.ip)); got != tc.want {
				t.Fatalf("Public(%s) = %t, want %t", tc.ip, got, tc.want)
			}
		})
	}
}
