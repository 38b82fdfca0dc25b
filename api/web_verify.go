package api

import (
	"bytes"
	"io"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/tohu-nz/tohu/api/pages"
	"github.com/tohu-nz/tohu/errs"
	"github.com/tohu-nz/tohu/verifier"
)

// MaxVerifyUpload caps a file given to POST /verify. A signed credential is
// a few kilobytes and a baked 600 px badge tens of kilobytes; the request
// body limit (Deps.BodyLimit) applies as well.
const MaxVerifyUpload = 1 << 20

// verifyForm is GET /verify: the empty form.
func (s *server) verifyForm(c *fiber.Ctx) error {
	l := pageLang(c)
	return sendPage(c, fiber.StatusOK, func(b *bytes.Buffer) error {
		return s.web.r.Verify(b, pages.NewVerifyView(nil, "", l))
	})
}

// verifySubmit is POST /verify (multipart/form-data or urlencoded): a file
// in the field "file", or a link in the field "url" fetched through the
// safe fetcher. A baked PNG or SVG is unbaked by the verifier's extractor.
// Browsers get the page; a client whose Accept prefers application/json
// gets the verifier's report (200, whatever the result). An input that is
// not a credential at all is 422 with the form for browsers and a 400
// problem for JSON clients; a file over the cap is 413.
func (s *server) verifySubmit(c *fiber.Ctx) error {
	wantJSON := preferred(c.Get(fiber.HeaderAccept), mimeHTML, typeJSON) == typeJSON
	lang := pageLang(c)
	pasted := strings.TrimSpace(c.FormValue("url"))
	input, err := s.verifyInput(c, pasted)
	if err == nil {
		rep := s.Verifier.Verify(c.UserContext(), input)
		if unreadable(rep) {
			err = errs.F(errs.Invalid, fieldOf(pasted), "This is not a credential tohu can read: %s", formatMessage(rep))
		} else {
			if wantJSON {
				c.Vary(fiber.HeaderAccept)
				return c.JSON(rep)
			}
			return sendPage(c, fiber.StatusOK, func(b *bytes.Buffer) error {
				return s.web.r.Verify(b, pages.NewVerifyView(rep, pasted, lang))
			})
		}
	}
	key := verifyErrorKey(err)
	if wantJSON {
		c.Vary(fiber.HeaderAccept)
		switch key {
		case "tooLarge":
			return fiber.NewError(fiber.StatusRequestEntityTooLarge, errs.ErrorMessage(err))
		case "fetch":
			return errs.F(errs.Invalid, "/url", "%s", errs.ErrorMessage(err))
		}
		return malformedf(cmpField(errs.ErrorField(err), fieldOf(pasted)), "%s", errs.ErrorMessage(err))
	}
	status := fiber.StatusUnprocessableEntity
	if key == "tooLarge" {
		status = fiber.StatusRequestEntityTooLarge
	}
	return sendPage(c, status, func(b *bytes.Buffer) error {
		return s.web.r.Verify(b, pages.VerifyView{Lang: lang, URL: pasted, Error: key})
	})
}

// errTooLarge marks an upload over MaxVerifyUpload.
var errTooLarge = errs.F(errs.Invalid, "/file", "The file is larger than %d bytes; a credential or badge is much smaller.", MaxVerifyUpload)

// errEmpty is a form with neither a file nor a link.
var errEmpty = errs.F(errs.Invalid, "/file", "Send a credential file in the field \"file\", or a link in the field \"url\".")

// verifyInput reads the file (preferred when both are given) or fetches the
// link.
func (s *server) verifyInput(c *fiber.Ctx, pasted string) ([]byte, error) {
	if fh, err := c.FormFile("file"); err == nil && fh.Size > 0 {
		if fh.Size > MaxVerifyUpload {
			return nil, errTooLarge
		}
		f, err := fh.Open()
		if err != nil {
			return nil, errs.Wrap(err, errs.Invalid, "the uploaded file cannot be read")
		}
		defer f.Close()
		b, err := io.ReadAll(io.LimitReader(f, MaxVerifyUpload+1))
		if err != nil {
			return nil, errs.Wrap(err, errs.Invalid, "the uploaded file cannot be read")
		}
		if len(b) > MaxVerifyUpload {
			return nil, errTooLarge
		}
		return b, nil
	}
	if pasted == "" {
		return nil, errEmpty
	}
	if s.Fetcher == nil {
		return nil, errs.F(errs.Unavailable, "/url", "This server does not fetch links; download the credential and upload the file instead.")
	}
	b, err := s.Fetcher.Fetch(c.UserContext(), pasted)
	if err != nil {
		// Every fetch failure reads the same to the person: the link could
		// not be opened (the message says why, for API clients).
		return nil, errs.Wrap(err, errs.Unavailable, "The link cannot be fetched: %s", errs.ErrorMessage(err))
	}
	return b, nil
}

// verifyErrorKey names the verify page's message for an input error.
func verifyErrorKey(err error) string {
	switch {
	case err == errTooLarge:
		return "tooLarge"
	case err == errEmpty:
		return "empty"
	}
	return pages.VerifyErrorKey(err)
}

// unreadable reports whether the verifier could not even read the input as
// a credential (its format check failed): that is a bad request, not a
// credential that failed verification.
func unreadable(rep *verifier.Report) bool {
	c, ok := rep.Check(verifier.CheckFormat)
	return !ok || c.Status == verifier.Failed
}

func formatMessage(rep *verifier.Report) string {
	if c, ok := rep.Check(verifier.CheckFormat); ok && c.Message != "" {
		return c.Message
	}
	return rep.Summary
}

func fieldOf(pasted string) string {
	if pasted != "" {
		return "/url"
	}
	return "/file"
}

func cmpField(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
