// Package fetch is tohu's one way to read a document from the network:
// did:web DID documents, https controller documents and status list
// credentials. Every fetch has a timeout and a size cap, follows at most a
// few redirects on the same host, and refuses to connect to private,
// loopback and other non-public addresses unless told otherwise, so a
// credential naming an internal URL cannot make tohu probe its own network
// (OWASP SSRF Prevention Cheat Sheet).
//
// The address check runs at dial time, on the IP address actually being
// connected to (net.Dialer.Control), so a DNS name that resolves to a public
// address when checked and a private one when used (DNS rebinding) gains
// nothing.
package fetch

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/tohu-nz/tohu/errs"
)

// Defaults.
const (
	DefaultTimeout   = 5 * time.Second
	DefaultMaxBytes  = 1 << 20 // 1 MiB
	maxRedirects     = 3
	maxURLLen        = 2048
	userAgent        = "tohu-fetch/1 (+https://github.com/tohu-nz/tohu)"
	acceptJSONOrJWT  = "application/did+json, application/json, application/ld+json, application/vc+jwt, application/vc+ld+json;q=0.9, */*;q=0.1"
	errRefusedPrefix = "refused to connect to"
)

// Option configures a Fetcher.
type Option func(*Fetcher)

// WithTimeout sets the limit for a whole fetch: connecting, redirects and
// reading the body (default 5 s).
func WithTimeout(d time.Duration) Option { return func(f *Fetcher) { f.timeout = d } }

// WithMaxBytes sets the largest body accepted (default 1 MiB).
func WithMaxBytes(n int64) Option { return func(f *Fetcher) { f.maxBytes = n } }

// WithAllowLoopback allows connections to loopback addresses (127.0.0.0/8,
// ::1). For tests and local development only; other private ranges stay
// refused.
func WithAllowLoopback() Option { return func(f *Fetcher) { f.allowLoopback = true } }

// WithAllowHTTP allows plain http URLs to any host (default: https only).
func WithAllowHTTP() Option { return func(f *Fetcher) { f.allowHTTP = true } }

// WithTrusted always allows the origin (scheme, host and port) of baseURL,
// even on a loopback or private address and even over http when baseURL is
// http: it is the service's own public base URL, so tohu can read its own
// DID documents and status lists wherever it is deployed. Malformed URLs are
// ignored; New does not fail.
func WithTrusted(baseURL string) Option {
	return func(f *Fetcher) {
		u, err := url.Parse(baseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return
		}
		f.trusted[origin{u.Scheme, hostPort(u)}] = true
	}
}

// WithRootCAs sets the certificate authorities trusted for https (default:
// the system pool). Tests pass an httptest.Server's certificate here.
func WithRootCAs(pool *x509.CertPool) Option { return func(f *Fetcher) { f.rootCAs = pool } }

type origin struct{ scheme, hostport string }

// Fetcher fetches documents safely. The zero value is not usable; call New.
// It is safe for concurrent use.
type Fetcher struct {
	timeout       time.Duration
	maxBytes      int64
	allowLoopback bool
	allowHTTP     bool
	trusted       map[origin]bool
	rootCAs       *x509.CertPool
	client        *http.Client
}

// New returns a Fetcher with secure defaults: https only, 5 s timeout, 1 MiB
// cap, at most 3 redirects and only to the same scheme and host, and no
// connections to non-public addresses (see Public).
func New(opts ...Option) *Fetcher {
	f := &Fetcher{timeout: DefaultTimeout, maxBytes: DefaultMaxBytes, trusted: map[origin]bool{}}
	for _, o := range opts {
		o(f)
	}
	guarded := &net.Dialer{Timeout: f.timeout, Control: f.control}
	open := &net.Dialer{Timeout: f.timeout}
	trustedHosts := map[string]bool{}
	for o := range f.trusted {
		trustedHosts[o.hostport] = true
	}
	transport := &http.Transport{
		Proxy: nil, // never send documents' URLs through an environment proxy
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			// addr is the URL's host:port, before DNS: the trusted origin is
			// matched by name, everything else is checked per resolved IP.
			if trustedHosts[strings.ToLower(addr)] {
				return open.DialContext(ctx, network, addr)
			}
			return guarded.DialContext(ctx, network, addr)
		},
		TLSClientConfig:       &tls.Config{RootCAs: f.rootCAs, MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout:   f.timeout,
		ResponseHeaderTimeout: f.timeout,
		MaxIdleConns:          32,
		IdleConnTimeout:       90 * time.Second,
		ForceAttemptHTTP2:     true,
	}
	f.client = &http.Client{
		Transport:     transport,
		Timeout:       f.timeout,
		CheckRedirect: f.checkRedirect,
	}
	return f
}

// Fetch GETs url and returns the body of a 200 response.
//
// Errors: Invalid for a malformed URL or a body over the size cap;
// Forbidden for a URL or redirect tohu will not follow (scheme, another host,
// a refused address); Unavailable for network errors, timeouts and any
// status other than 200.
func (f *Fetcher) Fetch(ctx context.Context, rawURL string) ([]byte, error) {
	u, err := f.checkURL(rawURL)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, errs.Wrap(err, errs.Invalid, "cannot fetch %q", rawURL)
	}
	req.Header.Set("Accept", acceptJSONOrJWT)
	req.Header.Set("User-Agent", userAgent)
	resp, err := f.client.Do(req)
	if err != nil {
		return nil, f.classify(err, u)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, errs.E(errs.Unavailable, "%s answered %d %s", u.Host, resp.StatusCode, http.StatusText(resp.StatusCode))
	}
	if resp.ContentLength > f.maxBytes {
		return nil, errs.E(errs.Invalid, "the document at %s is larger than %d bytes", u.Host, f.maxBytes)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, f.maxBytes+1))
	if err != nil {
		return nil, f.classify(err, u)
	}
	if int64(len(body)) > f.maxBytes {
		return nil, errs.E(errs.Invalid, "the document at %s is larger than %d bytes", u.Host, f.maxBytes)
	}
	return body, nil
}

// checkURL parses and vets a URL before any connection.
func (f *Fetcher) checkURL(rawURL string) (*url.URL, error) {
	if len(rawURL) > maxURLLen {
		return nil, errs.E(errs.Invalid, "URL is too long")
	}
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" || u.Opaque != "" {
		return nil, errs.E(errs.Invalid, "%q is not an absolute URL", rawURL)
	}
	if u.User != nil {
		return nil, errs.E(errs.Invalid, "URLs with credentials are not fetched")
	}
	u.Fragment = ""
	switch u.Scheme {
	case "https":
	case "http":
		if !f.allowHTTP && !f.trusted[origin{"http", hostPort(u)}] {
			return nil, errs.E(errs.Forbidden, "only https URLs are fetched, not %s", rawURL)
		}
	default:
		return nil, errs.E(errs.Forbidden, "only https URLs are fetched, not %q", u.Scheme)
	}
	return u, nil
}

// checkRedirect follows at most maxRedirects redirects, to the same scheme
// and host only: a document's host answers for its own documents.
func (f *Fetcher) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) > maxRedirects {
		return errs.E(errs.Unavailable, "more than %d redirects", maxRedirects)
	}
	first := via[0].URL
	if req.URL.Scheme != first.Scheme || hostPort(req.URL) != hostPort(first) {
		return errs.E(errs.Forbidden, "redirect from %s to another host or scheme (%s) refused", first.Host, req.URL.Host)
	}
	return nil
}

// control runs after DNS resolution, once per address connected to.
func (f *Fetcher) control(network, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return errs.E(errs.Forbidden, "%s %s", errRefusedPrefix, address)
	}
	ip := net.ParseIP(host)
	if ip == nil {
		return errs.E(errs.Forbidden, "%s %s", errRefusedPrefix, address)
	}
	if ip.IsLoopback() && f.allowLoopback {
		return nil
	}
	if !Public(ip) {
		return errs.E(errs.Forbidden, "%s %s: not a public address", errRefusedPrefix, host)
	}
	return nil
}

// classify maps a transport error to an errs code, keeping our own
// (Forbidden, from control or checkRedirect) when it is in the chain.
func (f *Fetcher) classify(err error, u *url.URL) error {
	var e *errs.Error
	if errors.As(err, &e) {
		return e
	}
	if errors.Is(err, context.DeadlineExceeded) || isTimeout(err) {
		return errs.Wrap(err, errs.Unavailable, "%s did not answer within %s", u.Host, f.timeout)
	}
	if errors.Is(err, context.Canceled) {
		return errs.Wrap(err, errs.Unavailable, "fetching from %s was cancelled", u.Host)
	}
	return errs.Wrap(err, errs.Unavailable, "could not fetch from %s", u.Host)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// hostPort returns the lower-cased host:port of u, with the scheme's default
// port filled in, as http.Transport hands it to DialContext.
func hostPort(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = map[string]string{"https": "443", "http": "80"}[u.Scheme]
	}
	return strings.ToLower(net.JoinHostPort(u.Hostname(), port))
}

// String describes the Fetcher's policy for logs.
func (f *Fetcher) String() string {
	return fmt.Sprintf("fetch.Fetcher{timeout=%s maxBytes=%d allowLoopback=%t allowHTTP=%t trusted=%d}", f.timeout, f.maxBytes, f.allowLoopback, f.allowHTTP, len(f.trusted))
}
