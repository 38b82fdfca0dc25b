package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/tohu-nz/tohu/errs"
	"github.com/tohu-nz/tohu/issuer"
)

// ProblemTypeBase prefixes every problem type URI. The URIs are identifiers,
// not links a client must fetch: they are stable across deployments, so a
// client can switch on them whatever host it talks to (RFC 9457 §3.1.1).
const ProblemTypeBase = "https://tohu.nz/problems/"

// contentTypeProblem is the RFC 9457 media type.
const contentTypeProblem = "application/problem+json"

// Problem is an RFC 9457 problem document. Errors is tohu's extension member
// listing the offending input members as JSON pointers (RFC 6901).
type Problem struct {
	Type     string         `json:"type"`
	Title    string         `json:"title"`
	Status   int            `json:"status"`
	Detail   string         `json:"detail,omitempty"`
	Instance string         `json:"instance,omitempty"`
	Errors   []ProblemField `json:"errors,omitempty"`
}

// ProblemField names one offending member of the request.
type ProblemField struct {
	Pointer string `json:"pointer"`
	Detail  string `json:"detail"`
}

// problemKind is one row of the table below: the status, the slug that ends
// the type URI, and the title. Titles are fixed per type (RFC 9457 §3.1.3:
// the title should not change between occurrences).
type problemKind struct {
	status int
	slug   string
	title  string
}

// codeKinds maps the domain error codes to HTTP. This is the only place where
// errs codes meet HTTP statuses.
//
// invalid → 422: the request was well-formed JSON of the right shape but
// breaks a rule (level out of range, award not approved). Malformed syntax,
// unknown members and wrong JSON types are 400 (see malformed below): those
// are decided by the api layer before any domain code runs.
//
// unsupported → 422: a format, algorithm or option inside a well-formed body
// that tohu does not do. A Content-Type tohu cannot read is 415, produced by
// the api layer as a *fiber.Error.
var codeKinds = map[errs.Code]problemKind{
	errs.Invalid:      {http.StatusUnprocessableEntity, "invalid", "The request breaks a rule"},
	errs.NotFound:     {http.StatusNotFound, "not-found", "Not found"},
	errs.Conflict:     {http.StatusConflict, "conflict", "Conflict with the current state"},
	errs.Unauthorized: {http.StatusUnauthorized, "unauthorized", "Authentication required"},
	errs.Forbidden:    {http.StatusForbidden, "forbidden", "Not allowed"},
	errs.Unsupported:  {http.StatusUnprocessableEntity, "unsupported", "Not supported"},
	errs.Unavailable:  {http.StatusServiceUnavailable, "unavailable", "Service unavailable"},
	errs.Internal:     {http.StatusInternalServerError, "internal", "Internal error"},
}

// malformed is the kind of a request the api layer could not decode.
var malformed = problemKind{http.StatusBadRequest, "malformed-request", "Malformed request"}

// statusKinds maps the framework's own errors (*fiber.Error: no route, wrong
// method, body too large, ...) onto the same shapes. A status not listed
// falls back to a generic kind built from the status text.
var statusKinds = map[int]problemKind{
	http.StatusBadRequest:                  malformed,
	http.StatusNotFound:                    codeKinds[errs.NotFound],
	http.StatusMethodNotAllowed:            {http.StatusMethodNotAllowed, "method-not-allowed", "Method not allowed"},
	http.StatusNotAcceptable:               {http.StatusNotAcceptable, "not-acceptable", "Not acceptable"},
	http.StatusRequestTimeout:              {http.StatusRequestTimeout, "request-timeout", "Request timeout"},
	http.StatusRequestEntityTooLarge:       {http.StatusRequestEntityTooLarge, "payload-too-large", "Request body too large"},
	http.StatusUnsupportedMediaType:        {http.StatusUnsupportedMediaType, "unsupported-media-type", "Unsupported media type"},
	http.StatusRequestHeaderFieldsTooLarge: {http.StatusRequestHeaderFieldsTooLarge, "headers-too-large", "Request headers too large"},
	http.StatusNotImplemented:              {http.StatusNotImplemented, "not-implemented", "Not implemented"},
	http.StatusServiceUnavailable:          codeKinds[errs.Unavailable],
	http.StatusInternalServerError:         codeKinds[errs.Internal],
}

// statusDetails are the details sent for framework errors. fiber's own
// messages echo the request path; these do not.
var statusDetails = map[int]string{
	http.StatusNotFound:              "No resource at this path.",
	http.StatusMethodNotAllowed:      "This path does not accept that method.",
	http.StatusRequestEntityTooLarge: "The request body is larger than this server accepts.",
	http.StatusBadRequest:            "The request could not be read.",
	http.StatusRequestTimeout:        "The request took too long to arrive.",
	http.StatusInternalServerError:   "The server could not complete the request.",
	http.StatusNotImplemented:        "This endpoint is not available on this server.",
}

// badRequest marks an error found while decoding a request (syntax, unknown
// member, wrong type): it renders as 400, whatever code the inner error has.
type badRequest struct{ err *errs.Error }

func (b *badRequest) Error() string { return b.err.Error() }
func (b *badRequest) Unwrap() error { return b.err }

// malformedf returns a 400 error about the member at pointer.
func malformedf(pointer, format string, args ...any) error {
	return &badRequest{errs.F(errs.Invalid, pointer, format, args...)}
}

// problemFor builds the problem document for err. The second result is true
// when the error is a server fault whose cause must be logged.
func problemFor(err error) (Problem, bool) {
	var (
		br *badRequest
		fe *fiber.Error
		de *errs.Error
	)
	switch {
	case errors.As(err, &br):
		return withFields(newProblem(malformed, errs.ErrorMessage(br.err)), br.err), false
	case errors.As(err, &de):
		kind, ok := codeKinds[de.Code]
		if !ok {
			kind = codeKinds[errs.Internal]
		}
		if kind.status >= 500 {
			// smallstep's rule: a 5xx never carries its cause to the client.
			// Unavailable keeps its safe message (it says what is down).
			detail := "The server could not complete the request."
			if de.Code == errs.Unavailable {
				detail = errs.ErrorMessage(err)
			}
			return newProblem(kind, detail), true
		}
		return withFields(newProblem(kind, errs.ErrorMessage(err)), err), false
	case errors.As(err, &fe):
		kind, ok := statusKinds[fe.Code]
		if !ok {
			kind = problemKind{fe.Code, "http-" + strconv.Itoa(fe.Code), http.StatusText(fe.Code)}
			if fe.Code < 400 || fe.Code > 599 || http.StatusText(fe.Code) == "" {
				kind = codeKinds[errs.Internal]
			}
		}
		detail, ok := statusDetails[fe.Code]
		if !ok && kind.status < 500 {
			detail = fe.Message
		}
		return newProblem(kind, detail), kind.status >= 500
	default:
		return newProblem(codeKinds[errs.Internal], "The server could not complete the request."), true
	}
}

func newProblem(k problemKind, detail string) Problem {
	return Problem{Type: ProblemTypeBase + k.slug, Title: k.title, Status: k.status, Detail: detail}
}

// withFields adds the errors member when err names a field.
func withFields(p Problem, err error) Problem {
	if f := errs.ErrorField(err); f != "" {
		p.Errors = []ProblemField{{Pointer: f, Detail: errs.ErrorMessage(err)}}
	}
	return p
}

// errorHandler returns the one fiber ErrorHandler: every error a handler,
// middleware or the server itself produces is rendered here.
func errorHandler(log *slog.Logger, bodyLimit int) fiber.ErrorHandler {
	return func(c *fiber.Ctx, err error) error {
		p, fault := problemFor(err)
		if p.Status == http.StatusRequestEntityTooLarge {
			lingerAfter(c) // the body is unread: close gently (linger.go)
			if strings.TrimSuffix(c.Path(), "/") == bulkPath {
				// A cohort file is the upload most likely to meet the limit:
				// say how to get it in.
				p.Detail = fmt.Sprintf("The cohort file is larger than this server accepts (%d bytes, about %d rows of a "+
					"typical cohort). Split it into smaller files, or have the server's operator raise its body limit.",
					bodyLimit, min(bodyLimit/bulkRowBytes, issuer.MaxBulkRows))
			}
		}
		p.Instance = requestID(c)
		if fault {
			log.LogAttrs(c.UserContext(), slog.LevelError, "request failed",
				slog.String("request_id", p.Instance),
				slog.String("method", c.Method()),
				slog.String("path", c.Path()),
				slog.Int("status", p.Status),
				slog.String("error", err.Error()))
		}
		return writeProblem(c, p)
	}
}

// writeProblem sends p with the problem media type.
func writeProblem(c *fiber.Ctx, p Problem) error {
	if p.Status == http.StatusUnauthorized {
		// RFC 6750 §3: a 401 names the scheme; error="invalid_token" when a
		// token was presented and refused.
		v := `Bearer realm="tohu"`
		if len(c.Get(fiber.HeaderAuthorization)) > 0 {
			v += `, error="invalid_token"`
		}
		c.Set(fiber.HeaderWWWAuthenticate, v)
	}
	b, err := json.Marshal(p)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, contentTypeProblem)
	return c.Status(p.Status).Send(b)
}
