package api

import (
	"errors"
	"net/http"

	"github.com/gofiber/fiber/v2"

	"github.com/tohu-nz/tohu/errs"
)

// vcapiError renders the errors of the VC-API endpoints (/credentials/issue,
// /credentials/verify, /presentations/verify, /credentials/status).
//
// VC-API answers a request it will not act on with 400, and the W3C / CCG
// interoperability suites assert exactly that (vc-api-issuer-test-suite
// shouldThrowInvalidInput, vc-api-verifier-test-suite testBadRequestError).
// So here a rule violation (errs.Invalid) or an unsupported choice
// (errs.Unsupported) is a 400 problem, where /api/v1 answers 422. The
// problem keeps its type (…/problems/invalid or …/unsupported), title and
// errors member, so a client still tells the two apart. Every other error
// (401, 403, 404, 409, 5xx, and the api layer's own 400s) goes to the shared
// error handler unchanged.
func vcapiError(c *fiber.Ctx, err error) error {
	if err == nil {
		return nil
	}
	var br *badRequest
	if errors.As(err, &br) {
		return err
	}
	if code := errs.ErrorCode(err); code != errs.Invalid && code != errs.Unsupported {
		return err
	}
	p, _ := problemFor(err)
	p.Status = http.StatusBadRequest
	p.Instance = requestID(c)
	return writeProblem(c, p)
}
