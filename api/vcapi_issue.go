package api

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/tohu-nz/tohu/errs"
	"github.com/tohu-nz/tohu/issuer"
)

// issueRequest is the VC-API body of POST /credentials/issue (VC-API
// "Issuing": IssueCredentialRequest). The credential is kept raw: the
// issuer decodes it itself, keeping every member and number as sent.
type issueRequest struct {
	Credential json.RawMessage `json:"credential"`
	Options    json.RawMessage `json:"options,omitempty"`
}

// issueOptions are the options tohu acts on. Every other member is ignored,
// as VC-API lets an issuer skip options it does not know.
//
//   - format (alias proofFormat): the proof. "di" (default; also "ldp",
//     "ldp_vc", "DataIntegrityProof", "eddsa-rdfc-2022"): an embedded
//     DataIntegrityProof eddsa-rdfc-2022. "vc+jwt" (also "jwt", "jwt_vc",
//     "jwt_vc_json", "vc-jose"): VC-JOSE-COSE, returned as an
//     EnvelopedVerifiableCredential. "ob-jwt" (also "ob-vcjwt"): the Open
//     Badges 3.0 VC-JWT, returned as a JSON string. JWT forms need VC 2.0.
//   - credentialStatus: one object or a list, each {"type":
//     "BitstringStatusListEntry", "statusPurpose": "revocation" |
//     "suspension"} (purpose defaults to revocation).
type issueOptions struct {
	Format           string          `json:"format"`
	ProofFormat      string          `json:"proofFormat"`
	CredentialStatus json.RawMessage `json:"credentialStatus"`
}

// statusRequest is one options.credentialStatus entry.
type statusRequest struct {
	Type          string `json:"type"`
	StatusPurpose string `json:"statusPurpose"`
}

var formatAliases = map[string]string{
	"di": issuer.FormatDI, "ldp": issuer.FormatDI, "ldp_vc": issuer.FormatDI,
	"dataintegrityproof": issuer.FormatDI, "eddsa-rdfc-2022": issuer.FormatDI,
	"vc+jwt": issuer.FormatVCJOSE, "jwt": issuer.FormatVCJOSE, "jwt_vc": issuer.FormatVCJOSE,
	"jwt_vc_json": issuer.FormatVCJOSE, "vc-jose": issuer.FormatVCJOSE,
	"ob-jwt": issuer.FormatOBJWT, "ob-vcjwt": issuer.FormatOBJWT,
}

// issueCredential is POST /credentials/issue (approver): the provider signs
// the client's credential as its issuer. 201 {verifiableCredential}; a
// credential or option tohu will not sign is a 400 problem naming the member
// (VC-API "Issue Credential"; the W3C and CCG issuer suites assert 400).
func (s *server) issueCredential(c *fiber.Ctx) error {
	return vcapiError(c, s.issue(c))
}

func (s *server) issue(c *fiber.Ctx) error {
	var req issueRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	cred := bytes.TrimSpace(req.Credential)
	if len(cred) == 0 || cred[0] != '{' {
		return malformedf("/credential", "credential is required and must be a JSON object.")
	}
	opts, err := parseIssueOptions(req.Options)
	if err != nil {
		return err
	}
	out, err := s.Issuer.IssueRaw(c.UserContext(), actor(c), cred, opts)
	if err != nil {
		return err
	}
	var vc any
	switch opts.Format {
	case issuer.FormatDI:
		vc = json.RawMessage(out.Signed)
	case issuer.FormatVCJOSE:
		// VCDM2 §4.13 / VC-JOSE-COSE §3.1.3: a JWT-secured credential travels
		// in JSON as an EnvelopedVerifiableCredential with a data: URL.
		vc = map[string]any{
			"@context": "https://www.w3.org/ns/credentials/v2",
			"id":       "data:application/vc+jwt," + string(out.Signed),
			"type":     "EnvelopedVerifiableCredential",
		}
	default:
		vc = string(out.Signed)
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"verifiableCredential": vc})
}

// parseIssueOptions reads the options tohu knows, leniently: unknown
// members are ignored, but a known one of the wrong shape is a 400.
func parseIssueOptions(raw json.RawMessage) (issuer.RawOptions, error) {
	out := issuer.RawOptions{Format: issuer.FormatDI}
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return out, nil
	}
	var o issueOptions
	if err := json.Unmarshal(raw, &o); err != nil {
		return out, malformedf("/options", "options must be an object; format and proofFormat are strings, credentialStatus an object or a list.")
	}
	name, field := o.Format, "/options/format"
	if name == "" {
		name, field = o.ProofFormat, "/options/proofFormat"
	}
	if name != "" {
		f, ok := formatAliases[strings.ToLower(strings.TrimSpace(name))]
		if !ok {
			return out, errs.F(errs.Unsupported, field, "Proof format %q is not offered; use di, vc+jwt or ob-jwt.", name)
		}
		out.Format = f
	}
	st := bytes.TrimSpace(o.CredentialStatus)
	if len(st) == 0 || bytes.Equal(st, []byte("null")) {
		return out, nil
	}
	var list []statusRequest
	if st[0] == '{' {
		var one statusRequest
		if err := json.Unmarshal(st, &one); err != nil {
			return out, malformedf("/options/credentialStatus", "credentialStatus must be an object or a list of objects.")
		}
		list = []statusRequest{one}
	} else if err := json.Unmarshal(st, &list); err != nil {
		return out, malformedf("/options/credentialStatus", "credentialStatus must be an object or a list of objects.")
	}
	for i, e := range list {
		if e.Type != "" && e.Type != "BitstringStatusListEntry" {
			return out, errs.F(errs.Unsupported, "/options/credentialStatus/"+strconv.Itoa(i)+"/type", "Only BitstringStatusListEntry status is offered.")
		}
		p := e.StatusPurpose
		if p == "" {
			p = issuer.StatusRevocation
		}
		out.Status = append(out.Status, p)
	}
	return out, nil
}
