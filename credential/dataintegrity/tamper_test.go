package dataintegrity

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"testing"
	"time"

	"github.com/tohu-nz/tohu/credential"
	"github.com/tohu-nz/tohu/errs"
)

// testKey returns a fixed Ed25519 key (seeded from a label), so signed test
// documents are reproducible.
func testKey(label string) ed25519.PrivateKey {
	seed := sha256.Sum256([]byte(label))
	return ed25519.NewKeyFromSeed(seed[:])
}

var testCreated = time.Date(2025, 3, 14, 1, 2, 3, 0, time.UTC)

// signedNZ signs testdata/nz-microcredential.json (macrons in names, credits,
// nested achievement) with the test key, its did:key as issuer.
func signedNZ(t testing.TB, opts SignOptions) ([]byte, ed25519.PrivateKey) {
	t.Helper()
	priv := testKey("tohu nz issuer")
	pub := priv.Public().(ed25519.PublicKey)
	doc := bytes.Replace(readFile(t, "testdata/nz-microcredential.json"),
		[]byte("did:key:ISSUER"), []byte("did:key:"+multikeyOf(pub)), 1)
	if opts.VerificationMethod == "" {
		opts.VerificationMethod = didKeyVM(pub)
	}
	if opts.Created.IsZero() {
		opts.Created = testCreated
	}
	out, err := Sign(context.Background(), doc, priv, opts)
	if err != nil {
		t.Fatalf("Sign: %v", err)
	}
	return out, priv
}

// badResolver always fails with err.
type badResolver struct{ err error }

func (r badResolver) PublicKey(context.Context, string, string) (crypto.PublicKey, string, error) {
	return nil, "", r.err
}

// fixedResolver resolves every method to one key.
type fixedResolver struct{ key crypto.PublicKey }

func (r fixedResolver) PublicKey(_ context.Context, vm, _ string) (crypto.PublicKey, string, error) {
	c, _, _ := cutHash(vm)
	return r.key, c, nil
}

// TestVerifyTamper changes one signed value at a time; every change must
// make the proof fail with the right code and field, never panic.
func TestVerifyTamper(t *testing.T) {
	signed, priv := signedNZ(t, SignOptions{})
	pub := priv.Public().(ed25519.PublicKey)
	other := testKey("someone else").Public().(ed25519.PublicKey)
	proofValue := string(decodeJSON(t, signed)["proof"].(map[string]any)["proofValue"].(string))
	tests := map[string]struct {
		old, new string // replaced once in the signed bytes ("" = unchanged)
		opts     VerifyOptions
		code     errs.Code // "" = verified
		field    string
	}{
		"ok/untouched":                                {},
		"ok/expected challenge absent":                {opts: VerifyOptions{}},
		"error/credential name":                       {old: `"name": "Te Reo Māori mō te Wāhi Mahi",` + "\n  \"issuer\"", new: `"name": "Te Reo Maori mo te Wahi Mahi",` + "\n  \"issuer\"", code: errs.Invalid, field: "/proof/proofValue"},
		"error/macron ā to a":                         {old: "Ōtautahi", new: "Otautahi", code: errs.Invalid, field: "/proof/proofValue"},
		"error/credits earned":                        {old: `"creditsEarned": 15`, new: `"creditsEarned": 16`, code: errs.Invalid, field: "/proof/proofValue"},
		"error/credits as float":                      {old: `"creditsAvailable": 15`, new: `"creditsAvailable": 15.5`, code: errs.Invalid, field: "/proof/proofValue"},
		"error/validFrom date":                        {old: `"validFrom": "2025-03-14T00:00:00Z"`, new: `"validFrom": "2025-03-15T00:00:00Z"`, code: errs.Invalid, field: "/proof/proofValue"},
		"error/nested achievement code":               {old: `"humanCode": "TRMW01"`, new: `"humanCode": "TRMW02"`, code: errs.Invalid, field: "/proof/proofValue"},
		"error/nested criteria":                       {old: "five-minute", new: "one-minute", code: errs.Invalid, field: "/proof/proofValue"},
		"error/subject id":                            {old: "ākonga-42", new: "ākonga-43", code: errs.Invalid, field: "/proof/proofValue"},
		"error/proof created":                         {old: `"created": "2025-03-14T01:02:03Z"`, new: `"created": "2025-03-14T01:02:04Z"`, code: errs.Invalid, field: "/proof/proofValue"},
		"error/proof created not a date":              {old: `"created": "2025-03-14T01:02:03Z"`, new: `"created": "14 March 2025"`, code: errs.Invalid, field: "/proof/created"},
		"error/proof created no zone":                 {old: `"created": "2025-03-14T01:02:03Z"`, new: `"created": "2025-03-14T01:02:03"`, code: errs.Invalid, field: "/proof/created"},
		"error/proof verificationMethod other key":    {old: multikeyOf(pub) + "#" + multikeyOf(pub), new: multikeyOf(other) + "#" + multikeyOf(other), code: errs.Invalid, field: "/proof/proofValue"},
		"error/proof cryptosuite pre-REC name":        {old: `"cryptosuite": "eddsa-rdfc-2022"`, new: `"cryptosuite": "eddsa-2022"`, code: errs.Unsupported, field: "/proof/cryptosuite"},
		"error/proof cryptosuite jcs":                 {old: `"cryptosuite": "eddsa-rdfc-2022"`, new: `"cryptosuite": "eddsa-jcs-2022"`, code: errs.Unsupported, field: "/proof/cryptosuite"},
		"error/proof type legacy suite":               {old: `"type": "DataIntegrityProof",` + "\n    \"cryptosuite\": \"eddsa-rdfc-2022\",", new: `"type": "Ed25519Signature2020",`, code: errs.Invalid, field: "/proof"},
		"error/proof purpose changed":                 {old: `"proofPurpose": "assertionMethod"`, new: `"proofPurpose": "authentication"`, code: errs.Invalid, field: "/proof/proofPurpose"},
		"error/proof purpose expected authentication": {opts: VerifyOptions{Purpose: "authentication"}, code: errs.Invalid, field: "/proof/proofPurpose"},
		"error/proof unknown member":                  {old: `"proofPurpose": "assertionMethod"`, new: `"proofPurpose": "assertionMethod", "note": "x"`, code: errs.Invalid, field: "/proof/note"},
		"error/proof member null":                     {old: `"proofPurpose": "assertionMethod"`, new: `"proofPurpose": "assertionMethod", "challenge": null`, code: errs.Invalid, field: "/proof/challenge"},
		"error/challenge required":                    {opts: VerifyOptions{Challenge: "abc"}, code: errs.Invalid, field: "/proof/challenge"},
		"error/domain required":                       {opts: VerifyOptions{Domain: "verifier.example"}, code: errs.Invalid, field: "/proof/domain"},
		"error/wrong key":                             {opts: VerifyOptions{Resolver: fixedResolver{other}}, code: errs.Invalid, field: "/proof/proofValue"},
		"error/key not Ed25519":                       {opts: VerifyOptions{Resolver: fixedResolver{&ecdsa.PublicKey{Curve: elliptic.P256()}}}, code: errs.Unsupported, field: "/proof/verificationMethod"},
		"error/key unavailable":                       {opts: VerifyOptions{Resolver: badResolver{errs.E(errs.Unavailable, "did:web host down")}}, code: errs.Unavailable},
		"error/resolver plain error":                  {opts: VerifyOptions{Resolver: badResolver{context.DeadlineExceeded}}, code: errs.Unavailable, field: "/proof/verificationMethod"},
		"error/proofValue not multibase":              {old: proofValue, new: proofValue[1:], code: errs.Invalid, field: "/proof/proofValue"},
		"error/proofValue base64 prefix":              {old: proofValue, new: "u" + proofValue[1:], code: errs.Invalid, field: "/proof/proofValue"},
		"error/proofValue bad base58 char":            {old: proofValue, new: proofValue[:10] + "0" + proofValue[11:], code: errs.Invalid, field: "/proof/proofValue"},
		"error/proofValue truncated":                  {old: proofValue, new: proofValue[:40], code: errs.Invalid, field: "/proof/proofValue"},
		"error/proofValue too long":                   {old: proofValue, new: proofValue + proofValue[1:], code: errs.Invalid, field: "/proof/proofValue"},
		"error/proofValue leading zero byte":          {old: proofValue, new: "z1" + proofValue[1:], code: errs.Invalid, field: "/proof/proofValue"},
		"error/proofValue empty":                      {old: `"proofValue": "` + proofValue + `"`, new: `"proofValue": ""`, code: errs.Invalid, field: "/proof/proofValue"},
		"error/proofValue not a string":               {old: `"proofValue": "` + proofValue + `"`, new: `"proofValue": 7`, code: errs.Invalid, field: "/proof/proofValue"},
		"error/proofValue one char changed":           {old: proofValue, new: proofValue[:30] + flip(proofValue[30]) + proofValue[31:], code: errs.Invalid, field: "/proof/proofValue"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			doc := signed
			if tc.old != "" {
				doc = bytes.Replace(signed, []byte(tc.old), []byte(tc.new), 1)
				if bytes.Equal(doc, signed) {
					t.Fatal("mutation did not apply")
				}
			}
			opts := tc.opts
			if opts.Resolver == nil {
				opts.Resolver = didKeyResolver{}
			}
			oneProof(t, doc, opts, tc.code, tc.field)
		})
	}
}

// oneProof verifies doc, which has one proof, and checks the outcome:
// verified when code is "", else failed with code at field.
func oneProof(t *testing.T, doc []byte, opts VerifyOptions, code errs.Code, field string) ProofResult {
	t.Helper()
	results, err := verifyBoth(t, doc, opts)
	if err != nil {
		t.Fatalf("document error: %v", err)
	}
	if len(results) != 1 {
		t.Fatalf("%d results", len(results))
	}
	r := results[0]
	if code == "" {
		if !r.Verified || r.Err != nil {
			t.Fatalf("want verified, got %+v", r)
		}
		return r
	}
	if r.Verified {
		t.Fatalf("tampered document verified")
	}
	wantCode(t, r.Err, code, field)
	return r
}

func flip(c byte) string {
	if c == 'a' {
		return "b"
	}
	return "a"
}

// TestVerifyDocumentErrors covers failures of the whole document.
func TestVerifyDocumentErrors(t *testing.T) {
	signed, _ := signedNZ(t, SignOptions{})
	tests := map[string]struct {
		doc      []byte
		resolver bool
		code     errs.Code
		field    string
	}{
		"error/not JSON":             {doc: []byte("{not json"), code: errs.Invalid},
		"error/empty":                {doc: nil, code: errs.Invalid},
		"error/array":                {doc: []byte(`[1,2]`), code: errs.Invalid},
		"error/trailing data":        {doc: append(append([]byte{}, signed...), []byte(` {}`)...), code: errs.Invalid},
		"error/truncated":            {doc: signed[:len(signed)/2], code: errs.Invalid},
		"error/no context":           {doc: []byte(`{"proof":{}}`), code: errs.Invalid, field: "/@context"},
		"error/no proof":             {doc: readFile(t, "testdata/nz-microcredential.json"), code: errs.Invalid, field: "/proof"},
		"error/proof is a string":    {doc: bytes.Replace(signed, []byte(`"proof": {`), []byte(`"proof": "x", "p": {`), 1), code: errs.Invalid, field: "/proof"},
		"error/empty proof set":      {doc: []byte(`{"@context":["https://www.w3.org/ns/credentials/v2"],"proof":[]}`), code: errs.Invalid, field: "/proof"},
		"error/proof set non-object": {doc: []byte(`{"@context":["https://www.w3.org/ns/credentials/v2"],"proof":[{}, 3]}`), code: errs.Invalid, field: "/proof/1"},
		"error/unpinned context":     {doc: bytes.Replace(signed, []byte(`"https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"`), []byte(`"https://evil.example/ctx.json"`), 1), code: errs.Unsupported},
		"error/no resolver":          {doc: signed, resolver: true, code: errs.Internal},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			opts := VerifyOptions{Resolver: didKeyResolver{}}
			if tc.resolver {
				opts.Resolver = nil
			}
			results, err := Verify(context.Background(), tc.doc, opts)
			if results != nil {
				t.Fatalf("results = %+v, want nil", results)
			}
			wantCode(t, err, tc.code, tc.field)
		})
	}
}

// TestVerifyExpiresAndDomain signs proofs with expires, challenge and domain
// and checks them against the options.
func TestVerifyExpiresAndDomain(t *testing.T) {
	expires := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	signed, _ := signedNZ(t, SignOptions{Expires: expires, Challenge: "c-123", Domain: "verifier.example", ProofPurpose: "authentication"})
	tests := map[string]struct {
		opts  VerifyOptions
		code  errs.Code
		field string
	}{
		"ok/before expiry with challenge and domain": {opts: VerifyOptions{Now: expires.Add(-time.Second), Challenge: "c-123", Domain: "verifier.example"}},
		"ok/options need neither":                    {opts: VerifyOptions{Now: expires.Add(-time.Second)}},
		"error/at expiry":                            {opts: VerifyOptions{Now: expires}, code: errs.Invalid, field: "/proof/expires"},
		"error/after expiry":                         {opts: VerifyOptions{Now: expires.Add(time.Hour)}, code: errs.Invalid, field: "/proof/expires"},
		"error/wrong challenge":                      {opts: VerifyOptions{Now: expires.Add(-time.Hour), Challenge: "c-124"}, code: errs.Invalid, field: "/proof/challenge"},
		"error/wrong domain":                         {opts: VerifyOptions{Now: expires.Add(-time.Hour), Domain: "evil.example"}, code: errs.Invalid, field: "/proof/domain"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			tc.opts.Resolver = didKeyResolver{}
			tc.opts.Purpose = "authentication"
			results, err := Verify(context.Background(), signed, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			r := results[0]
			if tc.code == "" {
				if !r.Verified {
					t.Fatalf("want verified: %+v", r)
				}
				return
			}
			if r.Verified {
				t.Fatal("verified")
			}
			wantCode(t, r.Err, tc.code, tc.field)
		})
	}
}

// TestSignErrors covers Sign's refusals.
func TestSignErrors(t *testing.T) {
	priv := testKey("tohu nz issuer")
	vm := didKeyVM(priv.Public().(ed25519.PublicKey))
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	doc := readFile(t, "testdata/nz-microcredential.json")
	signed, _ := signedNZ(t, SignOptions{ID: "urn:uuid:p1"})
	v11 := []byte(`{"@context":["https://www.w3.org/2018/credentials/v1"],"type":["VerifiableCredential"],"issuer":"did:example:1","issuanceDate":"2020-01-01T00:00:00Z","credentialSubject":{"id":"did:example:2"}}`)
	tests := map[string]struct {
		doc    []byte
		signer crypto.Signer
		opts   SignOptions
		code   errs.Code
		field  string
	}{
		"error/ECDSA signer":                          {doc: doc, signer: ecKey, opts: SignOptions{VerificationMethod: vm}, code: errs.Unsupported},
		"error/nil signer":                            {doc: doc, signer: nil, opts: SignOptions{VerificationMethod: vm}, code: errs.Invalid},
		"error/no verificationMethod":                 {doc: doc, signer: priv, code: errs.Invalid},
		"error/not JSON":                              {doc: []byte("nope"), signer: priv, opts: SignOptions{VerificationMethod: vm}, code: errs.Invalid},
		"error/no context":                            {doc: []byte(`{"name":"x"}`), signer: priv, opts: SignOptions{VerificationMethod: vm}, code: errs.Invalid, field: "/@context"},
		"error/unpinned context":                      {doc: []byte(`{"@context":["https://evil.example/x"],"name":"x"}`), signer: priv, opts: SignOptions{VerificationMethod: vm}, code: errs.Unsupported},
		"error/VC 1.1 without data-integrity context": {doc: v11, signer: priv, opts: SignOptions{VerificationMethod: vm}, code: errs.Invalid, field: "/@context"},
		"error/only a context":                        {doc: []byte(`{"@context":"https://www.w3.org/ns/credentials/v2"}`), signer: priv, opts: SignOptions{VerificationMethod: vm}, code: errs.Invalid},
		"error/previous proof missing":                {doc: signed, signer: priv, opts: SignOptions{VerificationMethod: vm, PreviousProof: "urn:uuid:nope"}, code: errs.Invalid, field: "/proof"},
		"error/proof id taken":                        {doc: signed, signer: priv, opts: SignOptions{VerificationMethod: vm, ID: "urn:uuid:p1"}, code: errs.Conflict, field: "/proof"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			out, err := Sign(context.Background(), tc.doc, tc.signer, tc.opts)
			if out != nil {
				t.Fatalf("output on error: %s", out)
			}
			wantCode(t, err, tc.code, tc.field)
		})
	}
}

// TestSignKeepsBytes checks that Sign only inserts the proof: compact and
// pretty input, an existing proof becoming a set, and a chain; each result
// verifies.
func TestSignKeepsBytes(t *testing.T) {
	a, b := testKey("a"), testKey("b")
	vmA, vmB := didKeyVM(a.Public().(ed25519.PublicKey)), didKeyVM(b.Public().(ed25519.PublicKey))
	compact := []byte(`{"@context":["https://www.w3.org/ns/credentials/v2","https://www.w3.org/ns/credentials/examples/v2"],"type":["VerifiableCredential"],"issuer":"did:example:1","credentialSubject":{"alumniOf":"Te Whare Wānanga"}}`)
	one, err := Sign(context.Background(), compact, a, SignOptions{VerificationMethod: vmA, Created: testCreated, ID: "urn:uuid:a"})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(one, compact[:len(compact)-1]) || !bytes.HasSuffix(one, []byte("}}")) || bytes.Contains(one, []byte("\n")) {
		t.Fatalf("compact input not kept compact: %s", one)
	}
	two, err := Sign(context.Background(), one, b, SignOptions{VerificationMethod: vmB, Created: testCreated, PreviousProof: "urn:uuid:a"})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(two, []byte(`"proof":[{`)) {
		t.Fatalf("second proof did not make a proof set: %s", two)
	}
	results, err := Verify(context.Background(), two, VerifyOptions{Resolver: didKeyResolver{}})
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != 2 || !results[0].Verified || !results[1].Verified || results[1].ID != "" || results[0].ID != "urn:uuid:a" {
		t.Fatalf("results = %+v", results)
	}
	// The chained proof covers the first: replacing the first proof's
	// value with another valid-looking one breaks the second too.
	sig := ed25519.Sign(a, []byte("other"))
	first := decodeJSON(t, one)["proof"].(map[string]any)["proofValue"].(string)
	mut := bytes.Replace(two, []byte(first), []byte(encodeProofValue(sig)), 1)
	results, err = Verify(context.Background(), mut, VerifyOptions{Resolver: didKeyResolver{}})
	if err != nil {
		t.Fatal(err)
	}
	if results[0].Verified || results[1].Verified {
		t.Fatalf("results after replacing the first proof = %+v", results)
	}
	wantCode(t, results[1].Err, errs.Invalid, "/proof/1/proofValue")

	empty, err := Sign(context.Background(), []byte(` { "@context" : "https://www.w3.org/ns/credentials/v2", "id": "urn:x:1", "type": "VerifiableCredential" } `), a, SignOptions{VerificationMethod: vmA, Created: testCreated})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(empty, []byte(` { "@context" : "https://www.w3.org/ns/credentials/v2", "id": "urn:x:1", "type": "VerifiableCredential","proof":{`)) {
		t.Fatalf("got %s", empty)
	}
}

// TestVC11AndUndefinedTerms signs a VC 1.1 credential that adds the Data
// Integrity context (it verifies), and refuses a document with a term no
// context defines: JSON-LD would drop it and the signature would not
// cover it.
func TestVC11AndUndefinedTerms(t *testing.T) {
	priv := testKey("v11")
	vm := didKeyVM(priv.Public().(ed25519.PublicKey))
	v11 := []byte(`{"@context":["https://www.w3.org/2018/credentials/v1","https://w3id.org/security/data-integrity/v2"],"type":["VerifiableCredential"],"issuer":"did:example:1","issuanceDate":"2020-01-01T00:00:00Z","credentialSubject":{"id":"did:example:2"}}`)
	out, err := Sign(context.Background(), v11, priv, SignOptions{VerificationMethod: vm, Created: testCreated})
	if err != nil {
		t.Fatalf("Sign VC 1.1: %v", err)
	}
	results, err := Verify(context.Background(), out, VerifyOptions{Resolver: didKeyResolver{}})
	if err != nil || !results[0].Verified {
		t.Fatalf("Verify VC 1.1 = %+v, %v", results, err)
	}

	signed, _ := signedNZ(t, SignOptions{})
	undefined := bytes.Replace(signed, []byte(`"creditsEarned": 15,`), []byte(`"creditsEarned": 15, "nsn": "123456789",`), 1)
	_, err = Verify(context.Background(), undefined, VerifyOptions{Resolver: didKeyResolver{}})
	wantCode(t, err, errs.Invalid, "/credentialSubject/nsn")
	_, err = Sign(context.Background(), bytes.Replace(readFile(t, "testdata/nz-microcredential.json"), []byte(`"creditsEarned": 15,`), []byte(`"creditsEarned": 15, "nsn": "123456789",`), 1), priv, SignOptions{VerificationMethod: vm})
	wantCode(t, err, errs.Invalid, "/credentialSubject/nsn")
	// An undefined type value would be a relative IRI in json-gold's
	// output; Sign refuses it and names it.
	_, err = Sign(context.Background(), bytes.Replace(readFile(t, "testdata/nz-microcredential.json"), []byte(`"OpenBadgeCredential"]`), []byte(`"OpenBadgeCredential", "MicroCredentialAward"]`), 1), priv, SignOptions{VerificationMethod: vm})
	wantCode(t, err, errs.Invalid, "/type/2")
}

// TestBadSignatureCause: a signature that was checked and does not match
// has credential.ErrBadSignature as its cause (the verifier relies on it);
// a proofValue that cannot even be decoded does not.
func TestBadSignatureCause(t *testing.T) {
	signed, _ := signedNZ(t, SignOptions{})
	pv := decodeJSON(t, signed)["proof"].(map[string]any)["proofValue"].(string)
	for name, tc := range map[string]struct {
		old, new string
		bad      bool
	}{
		"error/credits changed":        {`"creditsEarned": 15`, `"creditsEarned": 16`, true},
		"error/proofValue not decoded": {pv, pv[1:], false},
	} {
		t.Run(name, func(t *testing.T) {
			r := oneProof(t, bytes.Replace(signed, []byte(tc.old), []byte(tc.new), 1), VerifyOptions{Resolver: didKeyResolver{}}, errs.Invalid, "/proof/proofValue")
			if got := errors.Is(r.Err, credential.ErrBadSignature); got != tc.bad {
				t.Fatalf("errors.Is(ErrBadSignature) = %v for %v", got, r.Err)
			}
		})
	}
}
