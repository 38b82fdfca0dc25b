package api

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/tohu-nz/tohu/credential"
	"github.com/tohu-nz/tohu/errs"
	"github.com/tohu-nz/tohu/verifier"
)

// verifyCredentialRequest is the VC-API body of POST /credentials/verify
// (VC-API §"Verifying": VerifyCredentialRequest).
type verifyCredentialRequest struct {
	// VerifiableCredential is a JSON object, or a compact JWT as a JSON
	// string (VC-JOSE-COSE, OB 3.0 VC-JWT). Kept raw: the verifier checks
	// the bytes as presented.
	VerifiableCredential json.RawMessage `json:"verifiableCredential"`
	Options              json.RawMessage `json:"options,omitempty"`
}

// verifyPresentationRequest is the body of POST /presentations/verify.
type verifyPresentationRequest struct {
	VerifiablePresentation json.RawMessage `json:"verifiablePresentation"`
	Options                json.RawMessage `json:"options,omitempty"`
}

// verifyOptions are the VC-API options tohu acts on. Other members are
// ignored, not refused: VC-API lets verifiers skip options they do not know,
// and test suites send some (e.g. "checks").
type verifyOptions struct {
	Challenge string `json:"challenge"`
	Domain    string `json:"domain"`
	// Recipient, when set, is checked against the credential's subject id
	// and identifier IdentityObjects (OB30 Verification step 5); an email
	// address unless RecipientType names another identityType.
	Recipient     string `json:"recipient"`
	RecipientType string `json:"recipientType"`
}

// applyRecipient adds the recipient check options ask for.
func (o verifyOptions) applyRecipient(rep *verifier.Report) {
	if o.Recipient == "" {
		return
	}
	kind := o.RecipientType
	if kind == "" {
		kind = credential.IdentityTypeEmail
	}
	rep.ApplyRecipient(o.Recipient, kind)
}

// verifyResponse is the VC-API VerificationResult plus tohu's full report.
// Checks lists the ids of the checks that passed, Errors the ones that
// failed and Warnings the ones that could not run (never silently passed),
// each as a problem-details object as VC-API ≥0.3 describes.
type verifyResponse struct {
	Verified bool                 `json:"verified"`
	Checks   []string             `json:"checks"`
	Warnings []verificationDetail `json:"warnings"`
	Errors   []verificationDetail `json:"errors"`
	Result   verifier.Result      `json:"result"`
	Summary  string               `json:"summary"`
	Report   *verifier.Report     `json:"report"`
}

// verificationDetail is one failed or unchecked step.
type verificationDetail struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Detail string `json:"detail"`
	Check  string `json:"check"`
	Code   string `json:"code"`
}

// verifyCredential is POST /credentials/verify: 200 with the report when
// verified, 400 with the same report when not (VC-API "Verify Credential";
// the CCG verifier suite asserts 400). A body that is not a verify request at
// all is a 400 problem.
func (s *server) verifyCredential(c *fiber.Ctx) error {
	return vcapiError(c, s.verifyVC(c))
}

func (s *server) verifyVC(c *fiber.Ctx) error {
	var req verifyCredentialRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	input, err := presented(req.VerifiableCredential, "/verifiableCredential")
	if err != nil {
		return err
	}
	opts, err := parseVerifyOptions(req.Options)
	if err != nil {
		return err
	}
	rep := s.Verifier.Verify(c.UserContext(), input)
	if strings.HasPrefix(rep.Format, "vp") {
		return malformedf("/verifiableCredential", "This is a presentation; send it to /presentations/verify.")
	}
	opts.applyRecipient(rep)
	return renderReport(c, rep)
}

// verifyPresentation is POST /presentations/verify. A challenge or domain in
// options is checked against the presentation's proof.
func (s *server) verifyPresentation(c *fiber.Ctx) error {
	return vcapiError(c, s.verifyVP(c))
}

func (s *server) verifyVP(c *fiber.Ctx) error {
	var req verifyPresentationRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	input, err := presented(req.VerifiablePresentation, "/verifiablePresentation")
	if err != nil {
		return err
	}
	opts, err := parseVerifyOptions(req.Options)
	if err != nil {
		return err
	}
	v := s.Verifier
	if opts.Challenge != "" || opts.Domain != "" {
		if s.Presentations == nil {
			return errs.F(errs.Unsupported, "/options", "This server cannot check a presentation's challenge or domain.")
		}
		v = s.Presentations(opts.Challenge, opts.Domain)
	}
	rep := v.Verify(c.UserContext(), input)
	if !strings.HasPrefix(rep.Format, "vp") && rep.Format != "unknown" {
		return malformedf("/verifiablePresentation", "This is a credential, not a presentation; send it to /credentials/verify.")
	}
	opts.applyRecipient(rep)
	return renderReport(c, rep)
}

// presented returns the bytes to verify: the object as sent, or the JWT
// inside a JSON string. Anything else is a 400.
func presented(raw json.RawMessage, pointer string) ([]byte, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return nil, malformedf(pointer, "%s is required.", strings.TrimPrefix(pointer, "/"))
	}
	switch raw[0] {
	case '{':
		return raw, nil
	case '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil || strings.TrimSpace(s) == "" {
			return nil, malformedf(pointer, "%s must be an object or a JWT string.", strings.TrimPrefix(pointer, "/"))
		}
		return []byte(strings.TrimSpace(s)), nil
	}
	return nil, malformedf(pointer, "%s must be an object or a JWT string.", strings.TrimPrefix(pointer, "/"))
}

func parseVerifyOptions(raw json.RawMessage) (verifyOptions, error) {
	var o verifyOptions
	if len(bytes.TrimSpace(raw)) == 0 || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return o, nil
	}
	if err := json.Unmarshal(raw, &o); err != nil {
		return o, malformedf("/options", "options must be an object with string challenge, domain, recipient and recipientType.")
	}
	return o, nil
}

// renderReport writes the VC-API result: 200 when verified, else 400 with
// the same body.
func renderReport(c *fiber.Ctx, rep *verifier.Report) error {
	resp := verifyResponse{
		Verified: rep.Verified(),
		Checks:   []string{},
		Warnings: []verificationDetail{},
		Errors:   []verificationDetail{},
		Result:   rep.Result,
		Summary:  rep.Summary,
		Report:   rep,
	}
	for _, ch := range rep.Checks {
		switch ch.Status {
		case verifier.Passed:
			resp.Checks = append(resp.Checks, ch.ID)
		case verifier.Failed:
			resp.Errors = append(resp.Errors, detailOf(ch, "Verification check failed"))
		case verifier.CouldNotRun:
			resp.Warnings = append(resp.Warnings, detailOf(ch, "Verification check could not run"))
		}
	}
	status := fiber.StatusOK
	if !resp.Verified {
		status = fiber.StatusBadRequest
	}
	return c.Status(status).JSON(resp)
}

func detailOf(ch verifier.Check, title string) verificationDetail {
	return verificationDetail{
		Type:   ProblemTypeBase + "verification/" + ch.Code,
		Title:  title,
		Detail: ch.Message,
		Check:  ch.ID,
		Code:   ch.Code,
	}
}
