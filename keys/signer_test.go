package keys_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"testing"

	"github.com/tohu-nz/tohu/errs"
	"github.com/tohu-nz/tohu/keys"
)

func TestGenerateAndSign(t *testing.T) {
	tests := map[string]struct {
		kind    string
		wantAlg string
		bits    int
	}{
		"ok/default is ed25519": {"", keys.AlgEdDSA, 0},
		"ok/ed25519":            {"ed25519", keys.AlgEdDSA, 0},
		"ok/p256":               {"p256", keys.AlgES256, 0},
		"ok/p384":               {"p384", keys.AlgES384, 0},
		"ok/rsa":                {"rsa", keys.AlgRS256, 2048},
		"ok/rsa3072":            {"rsa3072", keys.AlgRS256, 3072},
	}
	msg := []byte("tohu: Te Pūkenga micro-credential")
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			priv, err := keys.Generate(tc.kind)
			if err != nil {
				t.Fatal(err)
			}
			s, err := keys.NewSigner(priv, "did:example:1#k")
			if err != nil {
				t.Fatal(err)
			}
			if s.Algorithm() != tc.wantAlg || s.KeyID() != "did:example:1#k" {
				t.Fatalf("alg %q kid %q", s.Algorithm(), s.KeyID())
			}
			switch pub := s.Public().(type) {
			case ed25519.PublicKey:
				sig, err := s.Sign(rand.Reader, msg, crypto.Hash(0))
				if err != nil || !ed25519.Verify(pub, msg, sig) {
					t.Fatalf("ed25519 signature does not verify: %v", err)
				}
			case *ecdsa.PublicKey:
				var d []byte
				if tc.wantAlg == keys.AlgES256 {
					h := sha256.Sum256(msg)
					d = h[:]
				} else {
					h := sha512.Sum384(msg)
					d = h[:]
				}
				sig, err := s.Sign(rand.Reader, d, nil)
				if err != nil || !ecdsa.VerifyASN1(pub, d, sig) {
					t.Fatalf("ecdsa signature does not verify: %v", err)
				}
			case *rsa.PublicKey:
				if pub.N.BitLen() != tc.bits {
					t.Fatalf("RSA bits %d, want %d", pub.N.BitLen(), tc.bits)
				}
				h := sha256.Sum256(msg)
				sig, err := s.Sign(rand.Reader, h[:], crypto.SHA256)
				if err != nil || rsa.VerifyPKCS1v15(pub, crypto.SHA256, h[:], sig) != nil {
					t.Fatalf("rsa signature does not verify: %v", err)
				}
			default:
				t.Fatalf("unexpected key %T", pub)
			}
		})
	}
}

func TestGenerateErrors(t *testing.T) {
	tests := map[string]struct {
		kind string
		want errs.Code
	}{
		"error/unknown":   {"dsa", errs.Unsupported},
		"error/uppercase": {"Ed25519", errs.Unsupported},
		"error/rsa1024":   {"rsa1024", errs.Unsupported},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := keys.Generate(tc.kind); errs.ErrorCode(err) != tc.want {
				t.Fatalf("err = %v, want %s", err, tc.want)
			}
		})
	}
}

func TestNewSignerErrors(t *testing.T) {
	ed, _ := keys.Generate("")
	weak, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string]struct {
		priv  crypto.Signer
		keyID string
		want  errs.Code
	}{
		"error/empty key id": {ed, "", errs.Invalid},
		"error/nil key":      {nil, "did:example:1#k", errs.Invalid},
		"error/rsa 1024":     {weak, "did:example:1#k", errs.Unsupported},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := keys.NewSigner(tc.priv, tc.keyID); errs.ErrorCode(err) != tc.want {
				t.Fatalf("err = %v, want %s", err, tc.want)
			}
		})
	}
}
