package jose

import (
	"encoding/json"
	"slices"
	"time"

	"github.com/tohu-nz/tohu/errs"
)

// document is the credential or presentation a token secures.
type document struct {
	form         string
	raw          []byte // as returned in Verified.Credential
	obj          object
	presentation bool
	signer       string // issuer id (credential) or holder id (presentation)
}

// extract finds the secured document in the payload and decides the form:
// a `vp` claim or typ vp+jwt is a presentation; a `vc` claim is a VC 1.1 JWT
// (VC-DATA-MODEL-1.1 §6.3.1); typ vc+jwt is VC-JOSE-COSE; anything else is
// the OB 3.0 VC-JWT form (typ JWT or absent).
func extract(h *header, payloadRaw []byte, payload object) (*document, error) {
	d := &document{}
	switch {
	case payload.has("vp"):
		d.form, d.presentation = FormVPJWT, true
		vp, err := parseObject(payload["vp"], "the vp claim")
		if err != nil {
			return nil, err
		}
		// VC-DATA-MODEL-1.1 §6.3.1: iss is the holder, jti the id.
		filled, err := fill(vp, payload, map[string]string{"iss": "holder", "jti": "id"})
		if err != nil {
			return nil, err
		}
		d.obj = vp
		if d.raw = payload["vp"]; filled {
			d.raw, _ = json.Marshal(vp)
		}
	case h.typ == typVP:
		d.form, d.presentation, d.obj, d.raw = FormVPJWT, true, payload, payloadRaw
	case payload.has("vc"):
		d.form = FormVCJWT11
		vc, err := parseObject(payload["vc"], "the vc claim")
		if err != nil {
			return nil, err
		}
		from, until := vc.dateNames()
		filled, err := fill(vc, payload, map[string]string{
			"iss": "issuer", "jti": "id", "sub": "credentialSubject", "nbf": from, "exp": until,
		})
		if err != nil {
			return nil, err
		}
		d.obj = vc
		if d.raw = payload["vc"]; filled {
			d.raw, _ = json.Marshal(vc)
		}
	case h.typ == typVC:
		d.form, d.obj, d.raw = FormVCJOSE, payload, payloadRaw
	default:
		d.form, d.obj, d.raw = FormOBJWT, payload, payloadRaw
	}

	if d.presentation {
		holder, _, err := d.obj.idOf("holder")
		if err != nil {
			return nil, err
		}
		if holder == "" {
			holder, _, _ = payload.str("iss")
		}
		d.signer = holder
		return d, nil
	}
	issuer, _, err := d.obj.idOf("issuer")
	if err != nil {
		return nil, err
	}
	if issuer == "" {
		return nil, errs.F(errs.Invalid, "/issuer", "the credential has no issuer id")
	}
	d.signer = issuer
	return d, nil
}

// fill copies JWT claims into the members they stand for when the member is
// missing (VC-DATA-MODEL-1.1 §6.3.1, "JWT Decoding"). It reports whether it
// changed anything. Claims of the wrong type are Invalid.
func fill(doc, payload object, claimToMember map[string]string) (bool, error) {
	changed := false
	for claim, member := range claimToMember {
		if !payload.has(claim) {
			continue
		}
		var value any
		switch claim {
		case "nbf", "exp":
			sec, _, err := payload.numericDate(claim)
			if err != nil {
				return false, err
			}
			if doc.has(member) {
				continue
			}
			value = time.Unix(sec, 0).UTC().Format(time.RFC3339)
		default:
			s, _, err := payload.str(claim)
			if err != nil {
				return false, err
			}
			if member == "credentialSubject" {
				sub, ok, err := subjectWithID(doc, s)
				if err != nil || !ok {
					return false, err
				}
				doc[member] = sub
				changed = true
				continue
			}
			if doc.has(member) {
				continue
			}
			value = s
		}
		b, _ := json.Marshal(value)
		doc[member] = b
		changed = true
	}
	return changed, nil
}

// subjectWithID returns credentialSubject with id set to sub when it lacks
// one; ok is false when nothing needs to change.
func subjectWithID(doc object, sub string) (json.RawMessage, bool, error) {
	if !doc.has("credentialSubject") {
		b, _ := json.Marshal(map[string]string{"id": sub})
		return b, true, nil
	}
	raw := doc["credentialSubject"]
	if len(raw) == 0 || raw[0] != '{' {
		return nil, false, nil // an array, or a string the checks will reject
	}
	cs, err := parseObject(raw, "credentialSubject")
	if err != nil {
		return nil, false, errs.F(errs.Invalid, "/credentialSubject", "credentialSubject is not a JSON object")
	}
	if cs.has("id") {
		return nil, false, nil
	}
	cs["id"], _ = json.Marshal(sub)
	b, _ := json.Marshal(cs)
	return b, true, nil
}

// checkClaims compares the registered claims present in the payload with the
// fields they mirror (OB30 §8.2.4; VC-JOSE-COSE §3.1.1 for iss). A claim that
// is present and disagrees, or that mirrors a missing field, is Invalid with
// Field naming the claim. Dates are compared to the second.
func (d *document) checkClaims(payload object) error {
	mismatch := func(claim, member string) error {
		return errs.F(errs.Invalid, "/"+claim, "claim %s does not match the %s %s", claim, kind(d), member)
	}
	if iss, ok, err := payload.str("iss"); err != nil {
		return err
	} else if ok && d.signer != "" && iss != d.signer {
		if d.presentation {
			return mismatch("iss", "holder")
		}
		return mismatch("iss", "issuer")
	}
	if d.presentation {
		return nil
	}

	if jti, ok, err := payload.str("jti"); err != nil {
		return err
	} else if ok {
		id, _, err := d.obj.str("id")
		if err != nil {
			return err
		}
		if id != jti {
			return mismatch("jti", "id")
		}
	}
	if sub, ok, err := payload.str("sub"); err != nil {
		return err
	} else if ok {
		ids, err := d.obj.subjectIDs()
		if err != nil {
			return err
		}
		if !slices.Contains(ids, sub) {
			return mismatch("sub", "credentialSubject.id")
		}
	}
	from, until := d.obj.dateNames()
	for claim, member := range map[string]string{"nbf": from, "exp": until} {
		sec, ok, err := payload.numericDate(claim)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		t, present, err := d.obj.date(member)
		if err != nil {
			return err
		}
		if !present || t.Unix() != sec {
			return mismatch(claim, member)
		}
	}
	return nil
}

func kind(d *document) string {
	if d.presentation {
		return "presentation's"
	}
	return "credential's"
}
