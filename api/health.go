package api

import (
	"context"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/tohu-nz/tohu/errs"
)

// readyTimeout bounds the readiness probe, so a hung database answers 503
// rather than holding the probe open.
const readyTimeout = 2 * time.Second

// healthz answers 200 while the process runs (liveness: restart me only if
// this fails). It checks nothing else on purpose.
func (s *server) healthz(c *fiber.Ctx) error {
	return c.JSON(fiber.Map{"status": "ok"})
}

// readyz answers 200 when the dependencies answer (readiness: send me
// traffic), else a 503 problem.
func (s *server) readyz(c *fiber.Ctx) error {
	if s.Pinger != nil {
		ctx, cancel := context.WithTimeout(c.UserContext(), readyTimeout)
		defer cancel()
		if err := s.Pinger.Ping(ctx); err != nil {
			if errs.ErrorCode(err) != errs.Unavailable {
				err = errs.Wrap(err, errs.Unavailable, "The database is not reachable.")
			}
			return err
		}
	}
	return c.JSON(fiber.Map{"status": "ready"})
}
