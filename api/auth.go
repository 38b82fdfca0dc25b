package api

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/tohu-nz/tohu/errs"
	"github.com/tohu-nz/tohu/issuer"
)

const localActor = "tohu.actor"

// errNoKey is the one 401 for a missing or unusable Authorization header.
var errNoKey = errs.E(errs.Unauthorized, "Send an API key as \"Authorization: Bearer <key>\".")

// requireRole authenticates the bearer key and checks that its actor holds
// one of roles (any role when roles is empty; admin holds every role). 401
// when there is no valid key, 403 when the key lacks the role. The issuer
// checks roles again for every call; this early check keeps a request with
// the wrong key from being decoded at all and states the rule in the route
// table.
func (s *server) requireRole(roles ...issuer.Role) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if s.Auth == nil {
			return notWired(c)
		}
		token, ok := bearer(c.Get(fiber.HeaderAuthorization))
		if !ok {
			return errNoKey
		}
		a, err := s.Auth.Authenticate(c.UserContext(), token)
		if err != nil {
			if errs.ErrorCode(err) == errs.Unauthorized {
				return errs.E(errs.Unauthorized, "The API key is not valid.")
			}
			return err
		}
		if len(roles) > 0 && !hasAny(a, roles) {
			names := make([]string, len(roles))
			for i, r := range roles {
				names[i] = string(r)
			}
			return errs.E(errs.Forbidden, "This API key does not hold a role allowed here (%s).", strings.Join(names, ", "))
		}
		a.RequestID = requestID(c)
		c.Locals(localActor, a)
		return c.Next()
	}
}

func hasAny(a issuer.Actor, roles []issuer.Role) bool {
	for _, r := range roles {
		if a.Has(r) {
			return true
		}
	}
	return false
}

// bearer extracts the token of an RFC 6750 "Bearer" Authorization header.
// The returned string is a copy: fiber reuses header buffers.
func bearer(h string) (string, bool) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(h), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	if token == "" || len(token) > 512 {
		return "", false
	}
	return strings.Clone(token), true
}

// actor returns the authenticated actor of the request.
func actor(c *fiber.Ctx) issuer.Actor {
	a, _ := c.Locals(localActor).(issuer.Actor)
	return a
}
