package jose_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/mr-tron/base58"

	"github.com/tohu-nz/tohu/credential"
	"github.com/tohu-nz/tohu/errs"
)

// testKeyResolver is a fixed table of verification methods, standing in for
// keys.NewResolver until it lands. It applies the same contract: NotFound for
// an unknown method, Invalid when the method is not listed under purpose.
type testKeyResolver map[string]vmEntry

type vmEntry struct {
	pub        crypto.PublicKey
	controller string
	purposes   []string
}

func (r testKeyResolver) PublicKey(_ context.Context, vmID, purpose string) (crypto.PublicKey, string, error) {
	e, ok := r[vmID]
	if !ok {
		return nil, "", errs.E(errs.NotFound, "no verification method %q", vmID)
	}
	if !slices.Contains(e.purposes, purpose) {
		return nil, "", errs.E(errs.Invalid, "%q is not listed under %s", vmID, purpose)
	}
	return e.pub, e.controller, nil
}

var _ credential.KeyResolver = testKeyResolver(nil)

// unavailableResolver fails like a did:web lookup whose server is down.
type unavailableResolver struct{}

func (unavailableResolver) PublicKey(context.Context, string, string) (crypto.PublicKey, string, error) {
	return nil, "", errs.E(errs.Unavailable, "could not fetch the DID document")
}

// didKeyEd25519 returns the did:key DID and verification method id of an
// Ed25519 key (DID-KEY §3.1.1: multicodec 0xed01 + key, base58btc "z").
func didKeyEd25519(pub ed25519.PublicKey) (did, vm string) {
	mb := "z" + base58.Encode(append([]byte{0xed, 0x01}, pub...))
	return "did:key:" + mb, "did:key:" + mb + "#" + mb
}

type testKey struct {
	alg    string
	signer crypto.Signer
}

var (
	keysOnce sync.Once
	allKeys  map[string]testKey
)

// testKeys returns one fresh key per algorithm (generated once per run).
func testKeys(t testing.TB) map[string]testKey {
	t.Helper()
	keysOnce.Do(func() {
		_, ed, _ := ed25519.GenerateKey(rand.Reader)
		p256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
		p521, _ := ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
		rsa2048, _ := rsa.GenerateKey(rand.Reader, 2048)
		allKeys = map[string]testKey{
			"EdDSA": {"EdDSA", ed},
			"ES256": {"ES256", p256},
			"ES384": {"ES384", p384},
			"ES512": {"ES512", p521},
			"RS256": {"RS256", rsa2048},
		}
	})
	return allKeys
}

// fixedEd25519 is a deterministic key so fuzz seeds and goldens are stable.
func fixedEd25519() ed25519.PrivateKey {
	return ed25519.NewKeyFromSeed(bytes.Repeat([]byte{0x42}, ed25519.SeedSize))
}

// credentialJSON is a small OB 3.0 credential (with a te reo Māori name, so
// non-ASCII bytes travel through every test) issued by issuer.
func credentialJSON(issuer string) []byte {
	return []byte(`{
  "@context": ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
  "id": "urn:uuid:5b1c1e0a-8a8c-4c7e-9a51-0c3c3f4e9f10",
  "type": ["VerifiableCredential", "OpenBadgeCredential"],
  "issuer": {"id": "` + issuer + `", "type": ["Profile"], "name": "Te Pūkenga Example"},
  "validFrom": "2026-02-01T00:00:00Z",
  "validUntil": "2031-02-01T00:00:00Z",
  "name": "Whakawhanaungatanga: Māori relationships in the workplace",
  "credentialSubject": {
    "id": "did:example:learner-1",
    "type": ["AchievementSubject"],
    "achievement": {"id": "https://tohu.example/achievements/1", "type": ["Achievement"], "name": "Whakawhanaungatanga", "criteria": {"narrative": "Ako."}}
  }
}`)
}

// b64 and unb64 are unpadded base64url (RFC 7515 §2).
func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func unb64(t testing.TB, s string) []byte {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// rawEdDSA builds a compact JWS by hand (RFC 7515 §5.1) with an Ed25519 key,
// so tests can put any header and payload under a genuine signature.
func rawEdDSA(header, payload string, key ed25519.PrivateKey) string {
	in := b64([]byte(header)) + "." + b64([]byte(payload))
	return in + "." + b64(ed25519.Sign(key, []byte(in)))
}

// mustJSON marshals v or fails the test.
func mustJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// svgToken pulls the JWS out of a baked SVG (OB30 §5.3 "Baking SVG": the
// openbadges:credential element's verify attribute).
func svgToken(t testing.TB, svg []byte) string {
	t.Helper()
	m := regexp.MustCompile(`<openbadges:credential\s+verify="([^"]+)"`).FindSubmatch(svg)
	if m == nil {
		t.Fatal("no openbadges:credential verify attribute")
	}
	return string(m[1])
}

// pngToken pulls the JWS out of a baked PNG (OB30 §5.3 "Baking PNG": an
// uncompressed iTXt chunk with keyword openbadgecredential).
func pngToken(t testing.TB, png []byte) string {
	t.Helper()
	if !bytes.HasPrefix(png, []byte("\x89PNG\r\n\x1a\n")) {
		t.Fatal("not a PNG")
	}
	for i := 8; i+12 <= len(png); {
		n := int(binary.BigEndian.Uint32(png[i:]))
		if i+12+n > len(png) {
			break
		}
		typ, data := string(png[i+4:i+8]), png[i+8:i+8+n]
		i += 12 + n
		if typ != "iTXt" {
			continue
		}
		// keyword \0 compressionFlag compressionMethod languageTag \0 translatedKeyword \0 text
		kw, rest, ok := bytes.Cut(data, []byte{0})
		if !ok || string(kw) != "openbadgecredential" || len(rest) < 2 || rest[0] != 0 {
			continue
		}
		_, rest, _ = bytes.Cut(rest[2:], []byte{0}) // language tag
		_, text, _ := bytes.Cut(rest, []byte{0})    // translated keyword
		return strings.TrimSpace(string(text))
	}
	t.Fatal("no openbadgecredential iTXt chunk")
	return ""
}
