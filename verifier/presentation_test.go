package verifier_test

import (
	"strings"

	"context"
	"encoding/json"
	gojose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/cryptosigner"
	"testing"
	"time"

	"github.com/tohu-nz/tohu/credential/dataintegrity"
	"github.com/tohu-nz/tohu/credential/jose"
	"github.com/tohu-nz/tohu/keys"
	"github.com/tohu-nz/tohu/verifier"
)

// presentation wraps credentials (JSON objects or JWT strings) in an
// unsigned VP held by holder.
func presentation(t *testing.T, holder string, creds ...any) []byte {
	return encode(t, map[string]any{
		"@context":             []any{"https://www.w3.org/ns/credentials/v2"},
		"type":                 []any{"VerifiablePresentation"},
		"holder":               holder,
		"verifiableCredential": creds,
	})
}

func (k *issuerKey) signVP(t *testing.T, vp []byte, challenge, domain string) []byte {
	t.Helper()
	out, err := dataintegrity.Sign(context.Background(), vp, k.signer, dataintegrity.SignOptions{
		VerificationMethod: k.kf.VerificationMethod, Created: testNow.Add(-time.Minute).Truncate(time.Second),
		ProofPurpose: "authentication", Challenge: challenge, Domain: domain,
	})
	if err != nil {
		t.Fatalf("sign VP: %v", err)
	}
	return out
}

func TestPresentation(t *testing.T) {
	iss := newIssuerKey(t, keys.KindEd25519)
	holder := newIssuerKey(t, keys.KindEd25519)
	vcJSON := func(t *testing.T) any { return decode(t, iss.signDI(t, iss.unsigned(t, nil))) }
	vcJWT := func(t *testing.T) any { return string(iss.signJWT(t, iss.unsigned(t, nil), jose.FormVCJOSE)) }
	tests := map[string]struct {
		input     func(t *testing.T) []byte
		challenge string
		want      verifier.Result
		check     string
		status    string
	}{
		"ok/signed with challenge, JSON and JWT credentials": {
			input: func(t *testing.T) []byte {
				// In a VC 2.0 presentation a JWT credential is carried as an
				// EnvelopedVerifiableCredential: a bare JWT string under
				// verifiableCredential ("@context": null, @graph) expands to a
				// literal the proof would not cover; jsonld.js refuses it
				// (safe mode) and so does credential/jsonld.
				env := map[string]any{"@context": []any{"https://www.w3.org/ns/credentials/v2"}, "type": "EnvelopedVerifiableCredential", "id": "data:application/vc+jwt," + vcJWT(t).(string)}
				return holder.signVP(t, presentation(t, holder.kf.DID, vcJSON(t), env), "nonce-123", "verifier.example")
			},
			challenge: "nonce-123", want: verifier.Verified, check: verifier.CheckChallenge, status: verifier.Passed,
		},
		"ok/enveloped credential": {
			input: func(t *testing.T) []byte {
				env := map[string]any{"@context": []any{"https://www.w3.org/ns/credentials/v2"}, "type": "EnvelopedVerifiableCredential", "id": "data:application/vc+jwt," + vcJWT(t).(string)}
				return holder.signVP(t, presentation(t, holder.kf.DID, env), "nonce-123", "verifier.example")
			},
			challenge: "nonce-123", want: verifier.Verified, check: verifier.CheckPresentationProof, status: verifier.Passed,
		},
		"error/wrong challenge": {
			input: func(t *testing.T) []byte {
				return holder.signVP(t, presentation(t, holder.kf.DID, vcJSON(t)), "old-nonce", "verifier.example")
			},
			challenge: "nonce-123", want: verifier.NotVerified, check: verifier.CheckChallenge, status: verifier.Failed,
		},
		"error/unsigned but challenge asked": {
			input:     func(t *testing.T) []byte { return presentation(t, holder.kf.DID, vcJSON(t)) },
			challenge: "nonce-123", want: verifier.NotVerified, check: verifier.CheckPresentationProof, status: verifier.Failed,
		},
		"ok/unsigned, no challenge: credentials checked on their own": {
			input: func(t *testing.T) []byte { return presentation(t, holder.kf.DID, vcJSON(t)) },
			want:  verifier.Verified, check: verifier.CheckPresentationProof, status: verifier.Skipped,
		},
		"error/signed by someone other than the holder": {
			input: func(t *testing.T) []byte {
				return iss.signVP(t, presentation(t, holder.kf.DID, vcJSON(t)), "nonce-123", "verifier.example")
			},
			challenge: "nonce-123", want: verifier.NotVerified, check: verifier.CheckPresentationProof, status: verifier.Failed,
		},
		"error/tampered inner credential": {
			input: func(t *testing.T) []byte {
				vc := vcJSON(t).(map[string]any)
				vc["credentialSubject"].(map[string]any)["creditsEarned"] = json.Number("40")
				return holder.signVP(t, presentation(t, holder.kf.DID, vc), "nonce-123", "verifier.example")
			},
			challenge: "nonce-123", want: verifier.NotVerified, check: verifier.CheckPresentationProof, status: verifier.Passed,
		},
		"error/tampered presentation": {
			input: func(t *testing.T) []byte {
				m := decode(t, holder.signVP(t, presentation(t, holder.kf.DID, vcJSON(t)), "nonce-123", "verifier.example"))
				m["verifiableCredential"] = []any{vcJSON(t), vcJSON(t)}
				return encode(t, m)
			},
			challenge: "nonce-123", want: verifier.NotVerified, check: verifier.CheckPresentationProof, status: verifier.Failed,
		},
		"error/expired inner credential": {
			input: func(t *testing.T) []byte {
				vc := decode(t, iss.signDI(t, iss.unsigned(t, func(m map[string]any) { m["validUntil"] = "2026-01-01T00:00:00Z" })))
				return holder.signVP(t, presentation(t, holder.kf.DID, vc), "nonce-123", "verifier.example")
			},
			challenge: "nonce-123", want: verifier.Expired, check: verifier.CheckPresentationProof, status: verifier.Passed,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			v := newVerifier(nil, verifier.WithChallenge(tc.challenge))
			r := v.Verify(context.Background(), tc.input(t))
			if r.Result != tc.want {
				t.Fatalf("result %s, want %s\n%s", r.Result, tc.want, dump(r))
			}
			if st, _ := checkStatus(r, tc.check); st != tc.status {
				t.Fatalf("check %s is %q, want %q\n%s", tc.check, st, tc.status, dump(r))
			}
		})
	}
}

// vpJWT signs a presentation as a vp+jwt with the holder's key
// (VC-JOSE-COSE §3.2), nonce = challenge.
func (k *issuerKey) vpJWT(t *testing.T, vp []byte, nonce string) []byte {
	t.Helper()
	m := decode(t, vp)
	m["nonce"] = nonce
	return k.rawJWT(t, "vp+jwt", encode(t, m))
}

// rawJWT signs payload as a compact JWS with k's Ed25519 key, typ and kid
// set, for JWT forms jose.Sign does not produce.
func (k *issuerKey) rawJWT(t *testing.T, typ string, payload []byte) []byte {
	t.Helper()
	opts := (&gojose.SignerOptions{}).WithType(gojose.ContentType(typ)).WithHeader("kid", k.kf.VerificationMethod)
	s, err := gojose.NewSigner(gojose.SigningKey{Algorithm: gojose.EdDSA, Key: cryptosigner.Opaque(k.signer)}, opts)
	if err != nil {
		t.Fatal(err)
	}
	jws, err := s.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return []byte(tok)
}

func TestPresentationJWT(t *testing.T) {
	iss := newIssuerKey(t, keys.KindEd25519)
	holder := newIssuerKey(t, keys.KindEd25519)
	good := func(t *testing.T) []byte {
		return presentation(t, holder.kf.DID, string(iss.signJWT(t, iss.unsigned(t, nil), jose.FormVCJOSE)))
	}
	tests := map[string]struct {
		input  func(t *testing.T) []byte
		want   verifier.Result
		check  string
		status string
	}{
		"ok/vp+jwt with vc+jwt": {
			input: func(t *testing.T) []byte { return holder.vpJWT(t, good(t), "nonce-123") },
			want:  verifier.Verified, check: verifier.CheckChallenge, status: verifier.Passed,
		},
		"error/vp+jwt wrong nonce": {
			input: func(t *testing.T) []byte { return holder.vpJWT(t, good(t), "stale") },
			want:  verifier.NotVerified, check: verifier.CheckChallenge, status: verifier.Failed,
		},
		"error/vp+jwt signed by another key than the holder's": {
			input: func(t *testing.T) []byte { return iss.vpJWT(t, good(t), "nonce-123") },
			want:  verifier.NotVerified, check: verifier.CheckPresentationProof, status: verifier.Failed,
		},
		"error/vp+jwt with tampered credential": {
			input: func(t *testing.T) []byte {
				tok := string(iss.signJWT(t, iss.unsigned(t, nil), jose.FormVCJOSE))
				parts := strings.Split(tok, ".")
				m := decode(t, mustB64(t, parts[1]))
				m["name"] = "changed"
				parts[1] = b64(encode(t, m))
				return holder.vpJWT(t, presentation(t, holder.kf.DID, strings.Join(parts, ".")), "nonce-123")
			},
			want: verifier.NotVerified, check: verifier.CheckPresentationProof, status: verifier.Passed,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			r := newVerifier(nil, verifier.WithChallenge("nonce-123")).Verify(context.Background(), tc.input(t))
			if r.Result != tc.want {
				t.Fatalf("result %s, want %s\n%s", r.Result, tc.want, dump(r))
			}
			if st, _ := checkStatus(r, tc.check); st != tc.status {
				t.Fatalf("check %s is %q, want %q\n%s", tc.check, st, tc.status, dump(r))
			}
			if r.Format != "vp+jwt" {
				t.Errorf("format %q", r.Format)
			}
		})
	}
}

// TestVerifyWith: per-call options apply to that call only.
func TestVerifyWith(t *testing.T) {
	iss := newIssuerKey(t, keys.KindEd25519)
	holder := newIssuerKey(t, keys.KindEd25519)
	in := holder.vpJWT(t, presentation(t, holder.kf.DID, string(iss.signJWT(t, iss.unsigned(t, nil), jose.FormVCJOSE))), "n-1")
	v := newVerifier(nil)
	for name, tc := range map[string]struct {
		opts []verifier.Option
		want string
	}{
		"ok/matching challenge":    {[]verifier.Option{verifier.WithChallenge("n-1")}, verifier.Passed},
		"error/other challenge":    {[]verifier.Option{verifier.WithChallenge("n-2")}, verifier.Failed},
		"ok/no challenge for call": {nil, verifier.Skipped},
	} {
		t.Run(name, func(t *testing.T) {
			r := v.VerifyWith(context.Background(), in, tc.opts...)
			if st, _ := checkStatus(r, verifier.CheckChallenge); st != tc.want {
				t.Fatalf("challenge %q, want %q\n%s", st, tc.want, dump(r))
			}
		})
	}
}
