package credential_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/text/unicode/norm"

	"github.com/tohu-nz/tohu/credential"
	"github.com/tohu-nz/tohu/credential/dataintegrity"
	"github.com/tohu-nz/tohu/credential/jose"
)

// slowFinish is what BuildAward did to a credential before BuildAwardJSON:
// NFC-normalise the encoding (members sorted), validate, decode into the
// model and encode again.
func slowFinish(t *testing.T, raw []byte) []byte {
	t.Helper()
	n, err := credential.NormalizeJSON(raw)
	if err != nil {
		t.Fatal(err)
	}
	if err := credential.ValidateSchema(n); err != nil {
		t.Fatal(err)
	}
	c, err := credential.Parse(n)
	if err != nil {
		t.Fatal(err)
	}
	out, err := credential.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestBuildAwardJSONBytes: BuildAwardJSON's bytes are exactly those of the
// normalise → validate → parse → encode path, for inputs already in NFC
// (the fast path returns its first encoding) and for inputs that are not
// (decomposed macrons: normalised through the model).
func TestBuildAwardJSONBytes(t *testing.T) {
	composed := func(mc *credential.MicroCredential, l *credential.Learner, r *credential.AwardResult, p *credential.Profile) {
		mc.Title, mc.TitleMi = norm.NFC.String(mc.Title), norm.NFC.String(mc.TitleMi)
		for i, o := range mc.Outcomes {
			mc.Outcomes[i] = norm.NFC.String(o)
		}
	}
	tests := map[string]func(*credential.MicroCredential, *credential.Learner, *credential.AwardResult, *credential.Profile){
		"decomposed macrons": func(*credential.MicroCredential, *credential.Learner, *credential.AwardResult, *credential.Profile) {},
		"NFC":                composed,
		"NFC minimal": func(mc *credential.MicroCredential, l *credential.Learner, r *credential.AwardResult, p *credential.Profile) {
			composed(mc, l, r, p)
			mc.TitleMi, mc.Developer, mc.Image, mc.Grades, mc.EquityTags, mc.CriteriaURL, mc.Version = "", nil, nil, nil, []string{}, "", ""
			mc.QualityAssurance, mc.FieldOfStudy.Name = "", ""
			*r = credential.AwardResult{ID: r.ID}
			l.DID, l.Name = "", ""
		},
		"NFC no email, evidence without name": func(mc *credential.MicroCredential, l *credential.Learner, r *credential.AwardResult, p *credential.Profile) {
			composed(mc, l, r, p)
			l.Email = ""
			r.Evidence = append(r.Evidence, credential.EvidenceLink{ID: "https://example.nz/e/2"})
		},
		"decomposed learner name": func(mc *credential.MicroCredential, l *credential.Learner, r *credential.AwardResult, p *credential.Profile) {
			composed(mc, l, r, p)
			l.Name = "Ta\u0304ne Ma\u0304hutonga"
		},
	}
	for name, edit := range tests {
		t.Run(name, func(t *testing.T) {
			mc, l, r, p := fixture()
			edit(&mc, &l, &r, &p)
			got, err := credential.BuildAwardJSON(mc, l, r, p, credential.DefaultBounds(), credential.WithClock(clock))
			if err != nil {
				t.Fatal(err)
			}
			if want := slowFinish(t, got); !bytes.Equal(got, want) {
				t.Errorf("BuildAwardJSON differs from the normalise/parse/encode path:\n got %s\nwant %s", got, want)
			}
			if !norm.NFC.IsNormal(got) || strings.Contains(string(got), "\u0304") {
				t.Errorf("not NFC: %s", got)
			}
			c, err := credential.BuildAward(mc, l, r, p, credential.DefaultBounds(), credential.WithClock(clock))
			if err != nil {
				t.Fatal(err)
			}
			if b, _ := credential.Marshal(c); !bytes.Equal(b, got) {
				t.Errorf("Marshal(BuildAward) != BuildAwardJSON:\n%s\n%s", b, got)
			}
			signedFromDoc(t, name, got, mc, l, r, p)
		})
	}
}

// signedFromDoc: BuildAwardDoc gives BuildAwardJSON's bytes and, unless
// they were re-encoded (decomposed input), their decoding; signing with
// that decoding (dataintegrity.SignDecoded) gives byte for byte the proof
// and document Sign gives from the bytes alone, and leaves it unchanged.
func signedFromDoc(t *testing.T, name string, want []byte, mc credential.MicroCredential, l credential.Learner, r credential.AwardResult, p credential.Profile) {
	t.Helper()
	raw, doc, err := credential.BuildAwardDoc(mc, l, r, p, credential.DefaultBounds(), credential.WithClock(clock))
	if err != nil || !bytes.Equal(raw, want) {
		t.Fatalf("BuildAwardDoc = %s, %v; want BuildAwardJSON's bytes", raw, err)
	}
	if (doc == nil) != strings.HasPrefix(name, "decomposed") {
		t.Fatalf("doc nil = %v: want a decoding exactly when the first encoding was kept", doc == nil)
	}
	if doc == nil {
		return
	}
	fresh := func() map[string]any {
		d := json.NewDecoder(bytes.NewReader(raw))
		d.UseNumber()
		var m map[string]any
		if err := d.Decode(&m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	if !reflect.DeepEqual(doc, fresh()) {
		t.Fatal("doc is not the decoding of the bytes")
	}
	_, priv, _ := ed25519.GenerateKey(nil)
	opts := dataintegrity.SignOptions{VerificationMethod: "did:key:z6Mk#z6Mk", Created: issueTime}
	a, err := dataintegrity.Sign(context.Background(), raw, priv, opts)
	if err != nil {
		t.Fatal(err)
	}
	b, err := dataintegrity.SignDecoded(context.Background(), raw, doc, priv, opts)
	if err != nil || !bytes.Equal(a, b) {
		t.Fatalf("SignDecoded differs from Sign (%v):\n%s\n%s", err, b, a)
	}
	if !reflect.DeepEqual(doc, fresh()) {
		t.Fatal("signing changed doc")
	}
	jwtFromDoc(t, raw, doc)
	if !reflect.DeepEqual(doc, fresh()) {
		t.Fatal("signing the JWT changed doc")
	}
}

// jwtKeys are one key per VC-JWT algorithm the issuer uses (made once: RSA
// key generation is slow).
var jwtKeys = sync.OnceValue(func() map[string]crypto.Signer {
	_, ed, _ := ed25519.GenerateKey(nil)
	p256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	return map[string]crypto.Signer{"EdDSA": ed, "ES256": p256, "RS256": rsaKey}
})

// jwtFromDoc: the OB 3.0 VC-JWT jose.SignDecoded makes from the builder's
// decoding is the one jose.Sign makes from the bytes, for each algorithm
// the issuer signs with: byte for byte for EdDSA and RS256 (deterministic);
// for ES256 (randomised signatures) the same header and payload, and the
// token verifies.
func jwtFromDoc(t *testing.T, raw []byte, doc map[string]any) {
	t.Helper()
	for alg, signer := range jwtKeys() {
		opts := jose.SignOptions{KeyID: "did:web:tohu.example#" + alg, Algorithm: alg, Form: jose.FormOBJWT}
		want, err := jose.Sign(context.Background(), raw, signer, opts)
		if err != nil {
			t.Fatal(err)
		}
		got, err := jose.SignDecoded(context.Background(), raw, doc, signer, opts)
		if err != nil {
			t.Fatalf("%s: SignDecoded: %v", alg, err)
		}
		if alg != "ES256" {
			if got != want {
				t.Errorf("%s: SignDecoded's token differs from Sign's:\n%s\n%s", alg, got, want)
			}
			continue
		}
		input := func(tok string) string { return tok[:strings.LastIndex(tok, ".")] }
		if input(got) != input(want) {
			t.Errorf("ES256: signing input differs:\n%s\n%s", input(got), input(want))
		}
		sig, err := base64.RawURLEncoding.DecodeString(got[len(input(got))+1:])
		h := sha256.Sum256([]byte(input(got)))
		if err != nil || len(sig) != 64 || !ecdsa.Verify(signer.Public().(*ecdsa.PublicKey), h[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
			t.Error("ES256: SignDecoded's signature does not verify")
		}
	}
}

func BenchmarkBuildAwardJSON(b *testing.B) {
	mc, l, r, p := fixture()
	mc.Title, mc.TitleMi = norm.NFC.String(mc.Title), norm.NFC.String(mc.TitleMi)
	for i, o := range mc.Outcomes {
		mc.Outcomes[i] = norm.NFC.String(o)
	}
	for b.Loop() {
		if _, err := credential.BuildAwardJSON(mc, l, r, p, credential.DefaultBounds(), credential.WithClock(clock)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSignNZAward is the engine's Data Integrity sign (decode,
// RDFC-1.0 of document and proof options, Ed25519, proof inserted) on the
// NZ micro-credential the builder makes, to compare with what bulk issuance
// does per award (jsonld's BenchmarkSignPipeline uses a smaller sample,
// already decoded).
func BenchmarkSignNZAward(b *testing.B) {
	mc, l, r, p := fixture()
	raw, err := credential.BuildAwardJSON(mc, l, r, p, credential.DefaultBounds(), credential.WithClock(clock))
	if err != nil {
		b.Fatal(err)
	}
	_, priv, _ := ed25519.GenerateKey(nil)
	opts := dataintegrity.SignOptions{VerificationMethod: "did:key:z6Mk#z6Mk", Created: issueTime}
	for b.Loop() {
		if _, err := dataintegrity.Sign(context.Background(), raw, priv, opts); err != nil {
			b.Fatal(err)
		}
	}
}

// builtNFC is the builder's credential from the fixture in NFC, as bytes and
// decoded (BuildAwardDoc's fast path, the one issuance takes).
func builtNFC(b *testing.B) ([]byte, map[string]any) {
	b.Helper()
	mc, l, r, p := fixture()
	mc.Title, mc.TitleMi = norm.NFC.String(mc.Title), norm.NFC.String(mc.TitleMi)
	for i, o := range mc.Outcomes {
		mc.Outcomes[i] = norm.NFC.String(o)
	}
	raw, doc, err := credential.BuildAwardDoc(mc, l, r, p, credential.DefaultBounds(), credential.WithClock(clock))
	if err != nil || doc == nil {
		b.Fatal(err, doc == nil)
	}
	return raw, doc
}

// BenchmarkSignNZAwardDecoded is BenchmarkSignNZAward from the builder's
// decoded credential (what issuance does: dataintegrity.SignDecoded).
func BenchmarkSignNZAwardDecoded(b *testing.B) {
	raw, doc := builtNFC(b)
	_, priv, _ := ed25519.GenerateKey(nil)
	opts := dataintegrity.SignOptions{VerificationMethod: "did:key:z6Mk#z6Mk", Created: issueTime}
	for b.Loop() {
		if _, err := dataintegrity.SignDecoded(context.Background(), raw, doc, priv, opts); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSignNZAwardJWT is the OB 3.0 VC-JWT (ES256, the default for new
// providers) of the builder's credential, from the bytes (jose.Sign) and
// from the builder's decoding (jose.SignDecoded, what issuance does).
func BenchmarkSignNZAwardJWT(b *testing.B) {
	raw, doc := builtNFC(b)
	signer := jwtKeys()["ES256"]
	opts := jose.SignOptions{KeyID: "did:web:tohu.example#ES256", Algorithm: "ES256", Form: jose.FormOBJWT}
	for _, bc := range []struct {
		name string
		doc  map[string]any
	}{{"bytes", nil}, {"decoded", doc}} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := jose.SignDecoded(context.Background(), raw, bc.doc, signer, opts); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkIssueNZAward is the engine's whole award, as single-award
// issuance makes it, without storing: build and validate the credential,
// sign it with Data Integrity (Ed25519) and as an OB 3.0 VC-JWT (ES256, the
// default for new providers). A bulk award does the same work (with a
// Cohort) plus storing, so this is the like-for-like rate to compare bulk
// issuance's awards/s with.
func BenchmarkIssueNZAward(b *testing.B) {
	mc, l, r, p := fixture()
	mc.Title, mc.TitleMi = norm.NFC.String(mc.Title), norm.NFC.String(mc.TitleMi)
	for i, o := range mc.Outcomes {
		mc.Outcomes[i] = norm.NFC.String(o)
	}
	_, priv, _ := ed25519.GenerateKey(nil)
	diOpts := dataintegrity.SignOptions{VerificationMethod: "did:key:z6Mk#z6Mk", Created: issueTime}
	jwtSigner := jwtKeys()["ES256"]
	jwtOpts := jose.SignOptions{KeyID: "did:web:tohu.example#ES256", Algorithm: "ES256", Form: jose.FormOBJWT}
	for b.Loop() {
		raw, doc, err := credential.BuildAwardDoc(mc, l, r, p, credential.DefaultBounds(), credential.WithClock(clock))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := dataintegrity.SignDecoded(context.Background(), raw, doc, priv, diOpts); err != nil {
			b.Fatal(err)
		}
		if _, err := jose.SignDecoded(context.Background(), raw, doc, jwtSigner, jwtOpts); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSignNZAwardCohort is what bulk issuance does per award: build
// with a Cohort and sign with its Shared (the Achievement's expansion and
// RDF reused), to compare with BenchmarkSignNZAwardDecoded.
func BenchmarkSignNZAwardCohort(b *testing.B) {
	mc, l, r, p := fixture()
	mc.Title, mc.TitleMi = norm.NFC.String(mc.Title), norm.NFC.String(mc.TitleMi)
	for i, o := range mc.Outcomes {
		mc.Outcomes[i] = norm.NFC.String(o)
	}
	cohort := credential.NewCohort()
	_, priv, _ := ed25519.GenerateKey(nil)
	opts := dataintegrity.SignOptions{VerificationMethod: "did:key:z6Mk#z6Mk", Created: issueTime, Shared: cohort.Shared}
	var build, sign time.Duration
	for b.Loop() {
		t0 := time.Now()
		raw, doc, err := credential.BuildAwardDoc(mc, l, r, p, credential.DefaultBounds(), credential.WithClock(clock), credential.WithCohort(cohort))
		if err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if _, err := dataintegrity.SignDecoded(context.Background(), raw, doc, priv, opts); err != nil {
			b.Fatal(err)
		}
		build, sign = build+t1.Sub(t0), sign+time.Since(t1)
	}
	b.ReportMetric(float64(build.Nanoseconds())/float64(b.N), "build-ns/op")
	b.ReportMetric(float64(sign.Nanoseconds())/float64(b.N), "sign-ns/op")
}
