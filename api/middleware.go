package api

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
)

// HeaderRequestID carries the request id in both directions.
const HeaderRequestID = "X-Request-ID"

const localRequestID = "tohu.requestID"

// requestID returns the id of the request, set by withRequestID. Requests the
// server rejected before any middleware ran (a body over the limit) get the
// client's id if it is sane, or a fresh one, so every problem has an instance.
func requestID(c *fiber.Ctx) string {
	if id, ok := c.Locals(localRequestID).(string); ok {
		return id
	}
	id := incomingRequestID(c)
	c.Locals(localRequestID, id)
	c.Set(HeaderRequestID, id)
	return id
}

// incomingRequestID honours the client's X-Request-ID when it is short and
// made of safe characters (it goes into logs and responses verbatim);
// otherwise it generates one.
func incomingRequestID(c *fiber.Ctx) string {
	if id := c.Get(HeaderRequestID); saneRequestID(id) {
		// c.Get aliases fiber's reused header buffer: keep a copy.
		return strings.Clone(id)
	}
	return newRequestID()
}

func saneRequestID(id string) bool {
	if len(id) == 0 || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		b := id[i]
		switch {
		case b >= 'a' && b <= 'z', b >= 'A' && b <= 'Z', b >= '0' && b <= '9', b == '-', b == '_', b == '.', b == ':':
		default:
			return false
		}
	}
	return true
}

func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b[:])
}

// withRequestID stores the request id and echoes it in the response.
func withRequestID(c *fiber.Ctx) error {
	id := incomingRequestID(c)
	c.Locals(localRequestID, id)
	c.Set(HeaderRequestID, id)
	return c.Next()
}

// accessLog writes one structured line per request. It renders the chain's
// error itself (as fiber's logger middleware does) so the logged status is
// the one sent. It logs no headers at all: Authorization must never be
// written down, and an allow-list of "safe" headers is easy to get wrong.
func accessLog(log *slog.Logger, handle fiber.ErrorHandler) fiber.Handler {
	return func(c *fiber.Ctx) error {
		start := time.Now()
		if err := c.Next(); err != nil {
			if herr := handle(c, err); herr != nil {
				_ = c.SendStatus(fiber.StatusInternalServerError)
			}
		}
		status := c.Response().StatusCode()
		level := slog.LevelInfo
		if status >= 500 {
			level = slog.LevelError
		}
		log.LogAttrs(c.UserContext(), level, "request",
			slog.String("request_id", requestID(c)),
			slog.String("method", c.Method()),
			slog.String("route", routeOf(c)),
			slog.Int("status", status),
			slog.Duration("duration", time.Since(start)),
			slog.Int("bytes_in", len(c.Request().Body())),
			slog.Int("bytes_out", len(c.Response().Body())),
		)
		return nil
	}
}

// routeOf is the route pattern that handled the request ("/credentials/:id",
// not the concrete path, which may hold identifiers), or "" when none did.
// Routes from the table record their pattern (see register); for others
// the last matched fiber route is used unless it is the middleware's "/".
func routeOf(c *fiber.Ctx) string {
	if p, ok := c.Locals(localRoute).(string); ok {
		return p
	}
	if r := c.Route(); r != nil && r.Path != "/" {
		return r.Path
	}
	return ""
}

const localRoute = "tohu.route"

// recoverPanic turns a panic in a handler into a 500 problem and logs the
// stack; the client sees only the generic detail.
func recoverPanic(log *slog.Logger) fiber.Handler {
	return func(c *fiber.Ctx) (err error) {
		defer func() {
			if r := recover(); r != nil {
				log.LogAttrs(c.UserContext(), slog.LevelError, "panic",
					slog.String("request_id", requestID(c)),
					slog.String("panic", fmt.Sprint(r)),
					slog.String("stack", string(debug.Stack())))
				err = fiber.ErrInternalServerError
			}
		}()
		return c.Next()
	}
}

// vetRequest refuses a request whose path or query parameters hold NUL
// characters or bytes that are not UTF-8 (after percent-decoding): no id,
// slug, filter or date has them, PostgreSQL cannot compare text with them
// (it fails the query), and SQLite would silently match nothing. A 400
// naming the parameter ("/state" for ?state=), as report.go names /from.
func vetRequest(c *fiber.Ctx) error {
	if p := c.Request().URI().Path(); bytes.IndexByte(p, 0) >= 0 || !utf8.Valid(p) {
		return malformedf("", "The path holds a NUL character or bytes that are not UTF-8.")
	}
	var bad []byte
	c.Request().URI().QueryArgs().VisitAll(func(k, v []byte) {
		if bad == nil && (bytes.IndexByte(k, 0) >= 0 || bytes.IndexByte(v, 0) >= 0 || !utf8.Valid(k) || !utf8.Valid(v)) {
			bad = bytes.Clone(k)
		}
	})
	if bad != nil {
		name := strings.ToValidUTF8(strings.ReplaceAll(string(bad), "\x00", ""), "")
		ptr := "/" + escapePointer(name)
		return malformedf(ptr, "The query parameter %s holds a NUL character or bytes that are not UTF-8.", strconv.Quote(name))
	}
	return c.Next()
}
