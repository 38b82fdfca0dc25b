// Package api is tohu's HTTP surface: a fiber v2 app with one route table,
// API-key authentication, strict JSON decoding and one error handler that
// renders every failure as an RFC 9457 problem document.
//
// It holds no business rules. Handlers decode, call one method of a
// dependency declared in deps.go, and render. It imports no store and no
// gorm: cmd/tohu wires the real issuer, verifier and store into Deps.
package api

import (
	"cmp"
	"log/slog"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
)

// DefaultBodyLimit caps request bodies when Deps.BodyLimit is zero. Signed
// credentials with an embedded image stay well under it.
const DefaultBodyLimit = 1 << 20

// Deps is what the app needs. Logger and BaseURL are required; a nil
// dependency turns the routes that need it into 501 problems, so the app can
// run with only part of the service wired (tests, the verifier alone).
type Deps struct {
	Logger *slog.Logger
	// BaseURL is the public origin, e.g. "https://badges.example.ac.nz",
	// without a trailing slash.
	BaseURL string
	// BodyLimit caps request bodies in bytes (413 beyond it).
	BodyLimit int

	Pinger   Pinger
	Auth     Authenticator
	Verifier Verifier
	// Presentations returns a verifier that also checks a presentation's
	// challenge and domain (VC-API options); nil refuses such requests.
	Presentations func(challenge, domain string) Verifier
	Issuer        Issuer
	// OperatorToken admits POST /api/v1/providers (the process operator);
	// empty disables that route (501). Secret.
	OperatorToken string
	// DefaultIssuer is the slug of the provider whose keys are published as
	// the host's own did:web document at /.well-known/did.json; empty means
	// that document is 404.
	DefaultIssuer string

	// Metrics, when set, counts requests and issuer/verifier calls (see
	// metrics.go); MetricsRoute also serves GET /metrics on this app.
	Metrics      *Metrics
	MetricsRoute bool

	// Pages is what the public HTML pages read (web.go: /c/{id}, /verify,
	// achievement and provider pages); nil turns them into 501s.
	Pages WebIssuer
	// Fetcher fetches links pasted into /verify and achievement images for
	// baked badges, safely (*fetch.Fetcher); nil refuses links and always
	// bakes the generated badge image.
	Fetcher URLFetcher
}

// server carries the dependencies into handlers.
type server struct {
	Deps
	web *web // the public pages (web.go); nil when Deps.Pages is not wired
}

// New builds the app. It does not listen: cmd/tohu does, and tests drive it
// in-process with app.Test.
func New(deps Deps) *fiber.App {
	if deps.Logger == nil {
		deps.Logger = slog.New(slog.DiscardHandler)
	}
	deps.BaseURL = strings.TrimRight(deps.BaseURL, "/")
	deps.BodyLimit = cmp.Or(deps.BodyLimit, DefaultBodyLimit)
	instrument(&deps)
	s := &server{Deps: deps}
	s.web = s.newWeb()

	handle := s.htmlErrors(errorHandler(deps.Logger, deps.BodyLimit))
	app := fiber.New(fiber.Config{
		AppName:               "tohu",
		ErrorHandler:          handle,
		BodyLimit:             deps.BodyLimit,
		DisableStartupMessage: true,
		StrictRouting:         false,
		CaseSensitive:         true,
		ReadTimeout:           30 * time.Second,
		WriteTimeout:          30 * time.Second,
		IdleTimeout:           120 * time.Second,
		// Errors from the server itself (a body over the limit) reach the
		// ErrorHandler with no middleware run; requestID copes.
	})
	app.Use(withRequestID, s.observe, accessLog(deps.Logger, handle), recoverPanic(deps.Logger), vetRequest)
	s.register(app)
	return app
}
