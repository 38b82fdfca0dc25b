package main

import (
	"context"
	"crypto/tls"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/tohu-nz/tohu/errs"
)

const usageHealthcheck = "healthcheck [--url URL] [--timeout 3s]"

// cmdHealthcheck asks a running tohu whether it is ready: exit 0 when
// GET URL answers 200, 1 otherwise. The container image has no shell and no
// curl, so compose's healthcheck runs `tohu healthcheck`.
//
// Without --url it probes /readyz on this process's own configuration
// (TOHU_ADDR, with a wildcard host replaced by loopback, https when TLS is
// configured). Over TLS to loopback the certificate is not checked: the
// question is whether the local process answers, not whom to trust.
func cmdHealthcheck(ctx context.Context, env *Env, args []string) error {
	fs := flag.NewFlagSet("healthcheck", flag.ContinueOnError)
	target := fs.String("url", "", "URL to probe (default: /readyz on TOHU_ADDR)")
	timeout := fs.Duration("timeout", 3*time.Second, "give up after this long")
	rest, err := parseFlags(fs, usageHealthcheck, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usagef(usageHealthcheck, "healthcheck takes no arguments")
	}
	if *timeout <= 0 {
		return usagef(usageHealthcheck, "--timeout must be positive")
	}
	insecure := false
	if *target == "" {
		cfg, err := loadConfig(env.Getenv)
		if err != nil {
			return usagef(usageHealthcheck, "%v", err)
		}
		*target = readyURL(cfg)
		insecure = cfg.TLS()
	}
	u, err := url.Parse(*target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return usagef(usageHealthcheck, "--url: want an absolute http(s) URL")
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return usagef(usageHealthcheck, "--url: %v", err)
	}
	tr := &http.Transport{Proxy: nil}
	if insecure {
		tr.TLSClientConfig = &tls.Config{InsecureSkipVerify: true} //nolint:gosec // loopback liveness probe, see above
	}
	client := &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
	resp, err := client.Do(req)
	if err != nil {
		return errs.Wrap(err, errs.Unavailable, "%s: not answering: %v", u.Redacted(), err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode != http.StatusOK {
		return errs.E(errs.Unavailable, "%s: %s", u.Redacted(), resp.Status)
	}
	fmt.Fprintf(env.Stdout, "%s: ok\n", u.Redacted())
	return nil
}

// readyURL is the /readyz URL of the configured listener, reached over
// loopback when it listens on every interface.
func readyURL(cfg *Config) string {
	host, port, _ := net.SplitHostPort(cfg.Addr)
	switch host {
	case "", "0.0.0.0":
		host = "127.0.0.1"
	case "::":
		host = "::1"
	}
	scheme := "http"
	if cfg.TLS() {
		scheme = "https"
	}
	return scheme + "://" + net.JoinHostPort(host, port) + "/readyz"
}
