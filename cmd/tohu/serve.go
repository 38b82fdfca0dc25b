package main

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"io/fs"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/tohu-nz/tohu/api"
	"github.com/tohu-nz/tohu/credential"
	"github.com/tohu-nz/tohu/credential/bake"
	"github.com/tohu-nz/tohu/errs"
	"github.com/tohu-nz/tohu/fetch"
	"github.com/tohu-nz/tohu/issuer"
	"github.com/tohu-nz/tohu/keys"
	"github.com/tohu-nz/tohu/store"
	"github.com/tohu-nz/tohu/verifier"
)

// shutdownGrace is how long in-flight requests get to finish after the
// context is cancelled (SIGINT/SIGTERM); then connections are closed.
const shutdownGrace = 10 * time.Second

const serveUsage = "serve   (configured by TOHU_* environment variables; see tohu config)"

// cmdServe runs the HTTP service until ctx is cancelled: load and validate
// the configuration, open and migrate the store, build the verifier and the
// API, listen, and on cancellation stop accepting, finish in-flight requests
// (at most shutdownGrace) and close the store.
//
// The log goes to env.Stderr as JSON lines. The first line after binding is
// msg="listening" with the bound address, so a port of 0 can be discovered.
func cmdServe(ctx context.Context, env *Env, args []string) error {
	if len(args) > 0 {
		return usagef(serveUsage, "serve takes no arguments (configuration is by environment)")
	}
	cfg, err := loadConfig(env.Getenv)
	if err != nil {
		return usagef(serveUsage, "%v", err)
	}
	log := slog.New(slog.NewJSONHandler(env.Stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))

	if err := resolveMasterKey(cfg, log); err != nil {
		return err
	}

	mk, err := keys.ParseMasterKey(cfg.MasterKey)
	if err != nil {
		return errs.Wrap(err, errs.Invalid, "%s: %s", masterKeySource(cfg), errs.ErrorMessage(err))
	}

	db, err := store.Open(ctx, cfg.DatabaseURL, cfg.DataDir)
	if err != nil {
		return err
	}
	defer db.Close()

	// Bind before building URLs: with port 0 the default base URL must name
	// the port actually bound.
	ln, err := listen(cfg)
	if err != nil {
		return err
	}
	defer ln.Close()
	if !cfg.set["TOHU_BASE_URL"] {
		scheme := "http"
		if cfg.TLS() {
			scheme = "https"
		}
		cfg.BaseURL = scheme + "://" + ln.Addr().String()
	}
	log.Info("starting", "config", cfg, "database", db.Dialect())
	metrics, err := newMetrics(db)
	if err != nil {
		return err
	}

	mail, err := mailConfig(cfg) // issue 6 (bulk_serve.go)
	if err != nil {
		return err
	}
	svc, err := issuer.New(db, issuer.Config{
		BaseURL:   cfg.BaseURL,
		Bounds:    credential.Bounds{MinLevel: 1, MaxLevel: 10, MinCredits: cfg.CreditsMin, MaxCredits: cfg.CreditsMax},
		MasterKey: api.MeteredSealer(mk, metrics),
		Clock:     env.Now,
		Mail:      mail, // issue 6 (bulk_serve.go)
	})
	if err != nil {
		return err
	}
	// A wrong master key would make every signing key unreadable, or (on an
	// empty database) seal keys the other replicas cannot open; refuse to
	// start rather than fail at the first issuance (issuer/masterkey.go).
	if err := svc.CheckMasterKey(ctx); err != nil {
		if errs.ErrorCode(err) == errs.Forbidden {
			return errs.Wrap(err, errs.Forbidden, "%s is not this database's master key (%s): wrong master key, refusing to start", masterKeySource(cfg), errs.ErrorMessage(err))
		}
		return err
	}

	app := api.New(api.Deps{
		Logger:        log,
		BaseURL:       cfg.BaseURL,
		BodyLimit:     cfg.BodyLimit,
		Pinger:        db,
		Auth:          svc,
		Issuer:        svc,
		OperatorToken: cfg.OperatorToken,
		DefaultIssuer: cfg.DefaultIssuer,
		// tohu's own verification also asks its records about credentials it
		// issued, so a suspension shows even where the credential carries
		// only its revocation entry (issuer.StatusModeRevocation).
		Verifier:      newVerifier(cfg.BaseURL, svc).WithIssuerRecords(svc.CredentialState),
		Presentations: presentationVerifier(cfg.BaseURL, svc, svc.CredentialState),
		Metrics:       metrics,
		MetricsRoute:  cfg.MetricsAddr == "",
		// Public pages (issue 5): /c/{id}, /verify, achievement and provider pages.
		Pages:   svc,
		Fetcher: fetch.New(fetch.WithTrusted(cfg.BaseURL)),
	})
	stopMetrics, err := serveMetrics(cfg.MetricsAddr, metrics, log)
	if err != nil {
		return err
	}
	defer stopMetrics()

	stopBackground := startBackground(ctx, svc, cfg, log, metrics) // issue 6: bulk workers, notifier (bulk_serve.go)

	served := make(chan error, 1)
	go func() { served <- app.Listener(ln) }()
	log.Info("listening", "addr", ln.Addr().String(), "base_url", cfg.BaseURL, "tls", cfg.TLS())

	select {
	case err := <-served:
		// The listener failed on its own (not a shutdown we asked for).
		return errs.Wrap(err, errs.Unavailable, "the HTTP server stopped: %v", err)
	case <-ctx.Done():
	}
	log.Info("shutting down", "grace", shutdownGrace.String())
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := app.ShutdownWithContext(sctx); err != nil {
		log.Warn("shutdown did not finish cleanly", "error", err.Error())
	}
	if err := <-served; err != nil && !errors.Is(err, net.ErrClosed) {
		log.Warn("server stopped with an error", "error", err.Error())
	}
	stopBackground(shutdownGrace) // issue 6: after HTTP has drained, at most shutdownGrace
	log.Info("stopped")
	return nil
}

// newVerifier builds the service's verifier: status lists and did:web
// documents are fetched through one safe fetcher that also trusts the
// service's own base URL (so tohu can read its own lists on loopback or a
// private network). Its own providers' keys and status lists come from own,
// the records, uncached (ownkeys.go); own may be nil.
func newVerifier(baseURL string, own ownRecords, extra ...verifier.Option) *verifier.Verifier {
	f := fetch.New(fetch.WithTrusted(baseURL))
	ropts := []keys.ResolverOption{keys.WithFetcher(f)}
	if u, err := url.Parse(baseURL); err == nil && u.Scheme == "http" && isLoopback(u.Hostname()) {
		// did:web always means https; a local, plain-http deployment can
		// only resolve its own DIDs if loopback http is allowed.
		ropts = append(ropts, keys.WithLoopbackHTTP())
	}
	opts := append([]verifier.Option{
		verifier.WithResolver(newOwnKeys(baseURL, own, keys.NewResolver(ropts...))),
		verifier.WithStatusFetcher(newOwnStatus(baseURL, own, f)),
		verifier.WithExtractor(bake.Extract), // baked PNG/SVG badges
	}, extra...)
	return verifier.New(opts...)
}

// presentationVerifier returns verifiers bound to one request's challenge
// and domain (and, like the main one, consulting the issuer's records).
func presentationVerifier(baseURL string, own ownRecords, records verifier.IssuerRecords) func(challenge, domain string) api.Verifier {
	return func(challenge, domain string) api.Verifier {
		return newVerifier(baseURL, own, verifier.WithChallenge(challenge), verifier.WithDomain(domain)).WithIssuerRecords(records)
	}
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// listen binds the configured address, with TLS when a certificate and key
// are configured, closing refused uploads gently.
func listen(cfg *Config) (net.Listener, error) {
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, errs.Wrap(err, errs.Unavailable, "cannot listen on %s: %v", cfg.Addr, unwrapOp(err))
	}
	// Beneath any TLS: a client sending a body over the limit reads its 413
	// instead of a connection reset (api/linger.go).
	ln = api.LingeringListener(ln)
	if !cfg.TLS() {
		return ln, nil
	}
	cert, err := tls.LoadX509KeyPair(cfg.TLSCert, cfg.TLSKey)
	if err != nil {
		ln.Close()
		return nil, errs.Wrap(err, errs.Invalid, "TOHU_TLS_CERT/TOHU_TLS_KEY: cannot load the certificate and key: %v", err)
	}
	return tls.NewListener(ln, &tls.Config{
		Certificates: []tls.Certificate{cert},
		MinVersion:   tls.VersionTLS12,
	}), nil
}

func unwrapOp(err error) error {
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		return op.Err
	}
	return err
}

// masterKeyFile is the name of the generated master key in TOHU_DATA_DIR.
const masterKeyFile = "master.key"

// resolveMasterKey fills cfg.MasterKey when neither TOHU_MASTER_KEY nor
// TOHU_MASTER_KEY_FILE is set: it reads $TOHU_DATA_DIR/master.key, creating
// it (0600, 32 random bytes, base64) on first run. It logs the file's path,
// never the key. A key file readable by others is refused.
func resolveMasterKey(cfg *Config, log *slog.Logger) error {
	if cfg.MasterKey != "" {
		return nil
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return errs.Wrap(err, errs.Unavailable, "TOHU_DATA_DIR %s cannot be created: %v", cfg.DataDir, unwrapPath(err))
	}
	path := filepath.Join(cfg.DataDir, masterKeyFile)
	var raw [32]byte
	_, _ = rand.Read(raw[:])
	fresh := base64.StdEncoding.EncodeToString(raw[:])
	created, err := createKeyFile(path, fresh+"\n")
	switch {
	case err != nil:
		return errs.Wrap(err, errs.Unavailable, "cannot create the master key file %s: %v", path, unwrapPath(err))
	case created:
		log.Warn("created a new master key; back it up, signing keys cannot be recovered without it", "path", path)
	default:
		log.Info("using the master key file", "path", path)
	}
	st, err := os.Stat(path)
	if err != nil {
		return errs.Wrap(err, errs.Unavailable, "cannot read the master key file %s: %v", path, unwrapPath(err))
	}
	if st.Mode().Perm()&0o077 != 0 {
		return errs.E(errs.Forbidden, "the master key file %s is readable by others (mode %v); chmod 600 it", path, st.Mode().Perm())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return errs.Wrap(err, errs.Unavailable, "cannot read the master key file %s: %v", path, unwrapPath(err))
	}
	cfg.MasterKey = strings.TrimSpace(string(b))
	cfg.MasterKeyFile = path
	if cfg.MasterKey == "" {
		return errs.E(errs.Invalid, "the master key file %s is empty", path)
	}
	return nil
}

// createKeyFile creates path (0600) holding content unless it exists, and
// says whether it did. The file appears whole or not at all: content goes to
// a temporary file first, which is then hard-linked to path (link fails if
// path exists). So of two replicas starting together on one data directory,
// one creates the key and the other reads that same key, never a half-written
// or empty file (as an O_EXCL create followed by a write would allow).
func createKeyFile(path, content string) (bool, error) {
	if _, err := os.Stat(path); err == nil {
		return false, nil
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".master.key-*") // mode 0600
	if err != nil {
		return false, err
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.WriteString(content)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return false, err
	}
	switch err := os.Link(tmp.Name(), path); {
	case err == nil:
		return true, nil
	case errors.Is(err, fs.ErrExist):
		return false, nil
	default:
		return false, err
	}
}

// masterKeySource names where the master key came from, for errors.
func masterKeySource(cfg *Config) string {
	if cfg.MasterKeyFile != "" {
		return "the master key in " + cfg.MasterKeyFile
	}
	return "TOHU_MASTER_KEY"
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// cmdConfig prints the configuration table with secrets redacted
// (`tohu config`). It validates too: a bad value is reported, not printed.
func cmdConfig(_ context.Context, env *Env, args []string) error {
	if len(args) > 0 {
		return usagef("config", "config takes no arguments")
	}
	cfg, err := loadConfig(env.Getenv)
	if err != nil {
		return usagef("config", "%v", err)
	}
	return printConfig(env.Stdout, cfg)
}
