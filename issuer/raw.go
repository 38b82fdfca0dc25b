package issuer

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"

	"github.com/tohu-nz/tohu/contexts"
	"github.com/tohu-nz/tohu/credential"
	"github.com/tohu-nz/tohu/credential/dataintegrity"
	"github.com/tohu-nz/tohu/credential/jose"
	"github.com/tohu-nz/tohu/errs"
)

// JWT forms IssueRaw can write (besides FormDI).
const (
	FormatVCJOSE = jose.FormVCJOSE // VC-JOSE-COSE: typ vc+jwt, payload = the credential
	FormatOBJWT  = jose.FormOBJWT  // OB 3.0 §8.2 VC-JWT: typ JWT, iss/jti/sub/nbf claims added
)

// contextStatusV1 defines BitstringStatusListEntry for VC 1.1 credentials
// (the VC 2.0 context defines it already).
const contextStatusV1 = "https://www.w3.org/ns/credentials/status/v1"

// RawOptions are the choices a VC-API client may make for IssueRaw.
type RawOptions struct {
	// Format is FormatDI (default: a DataIntegrityProof eddsa-rdfc-2022),
	// FormatVCJOSE or FormatOBJWT. A VC 1.1 credential can only have FormatDI.
	Format string
	// Status lists the status purposes to add BitstringStatusListEntry
	// entries for: none, StatusRevocation, StatusSuspension or both.
	Status []string
}

// RawIssued is what IssueRaw returns.
type RawIssued struct {
	Credential *IssuedCredential
	// Signed is the signed credential: the JSON-LD document (FormatDI) or
	// the compact JWT.
	Signed []byte
}

// IssueRaw signs a credential a client built (VC-API POST
// /credentials/issue) with the actor's provider's key, the provider as
// issuer:
//
//   - the credential must conform to the VC Data Model 2.0, or 1.1 when its
//     first @context is https://www.w3.org/2018/credentials/v1
//     (credential.CheckVCDM: @context list, URL ids, types including
//     VerifiableCredential, an issuer URL, non-empty subjects, dateTimeStamp
//     dates in order, typed status/schema/evidence/terms/refresh objects,
//     language value objects), and carry no proof;
//   - issuer is required and must be a URL (or an object with a URL id), as
//     VCDM 2.0 §4.7 and the VC-API issuer test suite ask; tohu then replaces
//     it with the provider's DID (an issuer object keeps its other members),
//     since the provider's key signs. id becomes urn:uuid:… when missing;
//     validFrom (VC 2.0) or issuanceDate (VC 1.1) is set to now when missing;
//   - a credentialStatus the client sent is kept as sent (before any entry
//     options.credentialStatus asks tohu to add);
//   - a VC 1.1 credential stays VC 1.1: tohu adds only the contexts the
//     proof and status entries need (data-integrity/v2, credentials/status/v1)
//     and no VC 2.0-only term;
//   - every term must be defined by the contexts (JSON-LD would silently drop
//     an undefined one): Invalid naming it, as a pointer under /credential;
//   - an Open Badges credential must also match the OB 3.0 JSON Schema.
//
// In one transaction it allocates the requested status indexes, signs, and
// records the credential (so UpdateCredentialStatus can revoke or suspend
// it), with an audit event. Needs the approver role. Errors: Invalid (Field
// under /credential or /options), Unsupported for a format the credential's
// version cannot have, Conflict when the provider already issued a
// credential with that id.
func (s *Service) IssueRaw(ctx context.Context, actor Actor, credentialJSON []byte, opts RawOptions) (*RawIssued, error) {
	if err := actor.require(RoleApprover, actor.ProviderID); err != nil {
		return nil, err
	}
	if actor.ProviderID == "" {
		return nil, errs.E(errs.Invalid, "credentials are issued with a provider's API key")
	}
	if opts.Format == "" {
		opts.Format = FormatDI
	}
	if !slices.Contains([]string{FormatDI, FormatVCJOSE, FormatOBJWT}, opts.Format) {
		return nil, errs.F(errs.Unsupported, "/options/format", "format %q is not offered; use di, vc+jwt or ob-vcjwt", opts.Format)
	}
	purposes, err := statusPurposes(opts.Status)
	if err != nil {
		return nil, err
	}
	p, err := s.store.Provider(ctx, actor.ProviderID)
	if err != nil {
		return nil, err
	}
	doc, vc11, err := s.prepareRaw(p, credentialJSON, opts.Format, purposes)
	if err != nil {
		return nil, err
	}
	purpose := PurposeDI
	if opts.Format != FormatDI {
		purpose = PurposeJWT
	}
	signer, err := s.activeSigner(ctx, s.store, p, purpose)
	if err != nil {
		return nil, err
	}
	rowID, err := s.newID()
	if err != nil {
		return nil, err
	}
	now := s.now()
	rec := &IssuedCredential{ID: rowID, ProviderID: p.ID, CredentialID: doc["id"].(string), Format: opts.Format,
		State: AwardIssued, IssuedBy: actor.name(), StatusIndex: map[string]int{}, CreatedAt: now, UpdatedAt: now}
	var signed []byte
	err = s.store.WithTx(ctx, func(tx Store) error {
		var entries []any
		for _, purpose := range purposes {
			i, err := tx.AllocateStatusIndex(ctx, p.ID, purpose, s.cfg.StatusListBits, s.cfg.Rand, rowID)
			if err != nil {
				return err
			}
			rec.StatusIndex[purpose] = i
			entries = append(entries, s.statusEntry(p, purpose, i))
		}
		// A status entry the client sent (VCDM 2.0 §4.10: any typed object)
		// is kept, before tohu's own.
		switch own := doc["credentialStatus"].(type) {
		case nil:
		case []any:
			entries = append(slices.Clone(own), entries...)
		default:
			entries = append([]any{own}, entries...)
		}
		switch len(entries) {
		case 0:
		case 1:
			doc["credentialStatus"] = entries[0]
		default:
			doc["credentialStatus"] = entries
		}
		unsigned, err := marshalGeneric(doc)
		if err != nil {
			return err
		}
		if opts.Format == FormatDI {
			signed, err = dataintegrity.Sign(ctx, unsigned, signer, dataintegrity.SignOptions{VerificationMethod: signer.KeyID(), Created: now})
		} else {
			var tok string
			tok, err = jose.Sign(ctx, unsigned, signer, jose.SignOptions{KeyID: signer.KeyID(), Algorithm: signer.Algorithm(), Form: opts.Format})
			signed = []byte(tok)
		}
		if err != nil {
			return underCredential(err)
		}
		rec.Body = signed
		if err := tx.CreateIssuedCredential(ctx, rec); err != nil {
			if errs.Is(err, errs.Conflict) {
				return errs.F(errs.Conflict, "/credential/id", "this provider has already issued a credential with id %q", rec.CredentialID)
			}
			return err
		}
		detail := map[string]string{"credentialId": rec.CredentialID, "format": opts.Format, "key": signer.KeyID(),
			"vc": map[bool]string{true: "1.1", false: "2.0"}[vc11]}
		for purpose, i := range rec.StatusIndex {
			detail[purpose+"Index"] = strconv.Itoa(i)
		}
		return s.audit(ctx, tx, actor, p.ID, "credential.issue", "credential:"+rowID, detail)
	})
	if err != nil {
		return nil, err
	}
	return &RawIssued{Credential: rec, Signed: signed}, nil
}

// statusPurposes validates and orders the requested status purposes.
func statusPurposes(in []string) ([]string, error) {
	var out []string
	for i, p := range in {
		if p != StatusRevocation && p != StatusSuspension {
			return nil, errs.F(errs.Invalid, "/options/credentialStatus/"+strconv.Itoa(i)+"/statusPurpose",
				"statusPurpose must be revocation or suspension, not %q", p)
		}
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	slices.Sort(out) // revocation before suspension
	return out, nil
}

// prepareRaw checks the client's credential and fills in what tohu owns
// (issuer, id, dates, contexts). It reports whether it is VC 1.1.
func (s *Service) prepareRaw(p *Provider, credentialJSON []byte, format string, purposes []string) (map[string]any, bool, error) {
	d, err := decodeGeneric(credentialJSON)
	if err != nil {
		return nil, false, errs.F(errs.Invalid, "/credential", "the credential is not a JSON object: %s", errs.ErrorMessage(err))
	}
	doc := credential.NFC(d).(map[string]any)
	// VCDM 2.0 / 1.1 structure first, on the client's own values (the
	// issuer it named must be a URL even though tohu replaces it).
	if err := credential.CheckVCDM(doc); err != nil {
		return nil, false, underCredential(err)
	}
	ctxs, _ := contextList(doc["@context"])
	vc11 := ctxs[0] == contexts.CredentialsV1
	if _, ok := doc["proof"]; ok {
		return nil, false, errs.F(errs.Invalid, "/credential/proof", "send the credential without a proof: tohu signs it")
	}
	if vc11 && format != FormatDI {
		return nil, false, errs.F(errs.Unsupported, "/options/format", "a VC 1.1 credential can only be issued with a Data Integrity proof (format di); JWT forms need VC 2.0")
	}
	// The issuer is the provider (VCDM2 §4.7): a string becomes its DID, an
	// object keeps its other members (name, url, …) with id = the DID.
	switch iss := doc["issuer"].(type) {
	case map[string]any:
		iss["id"] = p.DID
	default:
		doc["issuer"] = p.DID
	}
	// CheckVCDM has refused a null, listed or non-URL id.
	if id, ok := doc["id"].(string); !ok {
		if doc["id"], err = s.newUUIDURN(); err != nil {
			return nil, false, err
		}
	} else if len(id) > 2048 {
		return nil, false, errs.F(errs.Invalid, "/credential/id", "id must be at most 2048 characters")
	}
	date := "validFrom"
	if vc11 {
		date = "issuanceDate"
	}
	if _, ok := doc[date]; !ok {
		doc[date] = s.now().Format("2006-01-02T15:04:05Z")
	}
	// VC 1.1 base context lacks the Data Integrity and Bitstring Status List
	// terms; VC 2.0's has both.
	if vc11 {
		if format == FormatDI && !slices.Contains(ctxs, contexts.DataIntegrityV2) {
			ctxs = append(ctxs, contexts.DataIntegrityV2)
		}
		if len(purposes) > 0 && !slices.Contains(ctxs, contextStatusV1) {
			ctxs = append(ctxs, contextStatusV1)
		}
		doc["@context"] = ctxs
	}
	if err := s.canon.CheckTerms(doc); err != nil {
		return nil, false, underCredential(err)
	}
	types := typeList(doc["type"])
	if !vc11 && (slices.Contains(types, "OpenBadgeCredential") || slices.Contains(types, "AchievementCredential")) {
		b, err := marshalGeneric(doc)
		if err != nil {
			return nil, false, err
		}
		if err := credential.ValidateSchema(b); err != nil {
			return nil, false, underCredential(err)
		}
	}
	return doc, vc11, nil
}

// underCredential re-roots an error's JSON pointer under /credential, where
// the credential sits in the VC-API request.
func underCredential(err error) error {
	var e *errs.Error
	if !errors.As(err, &e) || e.Code == errs.Internal || e.Code == errs.Unavailable || e.Code == errs.Forbidden {
		return err
	}
	out := errs.Wrap(err, e.Code, "%s", errs.ErrorMessage(err))
	out.Field = "/credential" + e.Field
	return out
}

// contextList returns @context as a list of entries (URLs or inline
// objects); ok is false when it is neither a string nor a list.
func contextList(v any) ([]any, bool) {
	switch c := v.(type) {
	case string:
		return []any{c}, true
	case []any:
		return slices.Clone(c), true
	}
	return nil, false
}

func typeList(v any) []string {
	switch t := v.(type) {
	case string:
		return []string{t}
	case []any:
		var out []string
		for _, x := range t {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// newUUIDURN returns a random (version 4) urn:uuid (RFC 9562).
func (s *Service) newUUIDURN() (string, error) {
	var b [16]byte
	if _, err := io.ReadFull(s.cfg.Rand, b[:]); err != nil {
		return "", errs.Wrap(err, errs.Internal, "no randomness for an id")
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return fmt.Sprintf("urn:uuid:%s-%s-%s-%s-%s", h[0:8], h[8:12], h[12:16], h[16:20], h[20:]), nil
}

// decodeGeneric decodes a JSON object keeping numbers' literal text.
func decodeGeneric(b []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, errs.Wrap(err, errs.Invalid, "%v", err)
	}
	if dec.More() {
		return nil, errs.E(errs.Invalid, "more than one JSON value")
	}
	if m == nil {
		return nil, errs.E(errs.Invalid, "not a JSON object")
	}
	return m, nil
}

// marshalGeneric encodes without HTML escaping (credentials are not HTML;
// escaped < > & would still sign, but differ from what clients sent).
func marshalGeneric(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, errs.Wrap(err, errs.Internal, "could not encode the credential")
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}
