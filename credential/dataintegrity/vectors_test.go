package dataintegrity

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"testing"
	"time"

	"golang.org/x/text/unicode/norm"

	"github.com/tohu-nz/tohu/credential"
	"github.com/tohu-nz/tohu/errs"
)

// stageVector is one published known-answer vector with every
// intermediate value of the proof pipeline.
type stageVector struct {
	signed                   string // signed document
	canonDoc, proofCanon     string // files with the canonical N-Quads
	docHash, proofHash       string // hex
	combined, sigHex, sigB58 string
	priv                     ed25519.PrivateKey
	resolver                 didKeyResolver
}

func w3cVector(t *testing.T, dir, suffix string) stageVector {
	return stageVector{
		signed:     dir + "/signed" + suffix + ".json",
		canonDoc:   dir + "/canonDoc" + suffix + ".txt",
		proofCanon: dir + "/proofCanon" + suffix + ".txt",
		docHash:    readText(t, dir+"/docHash"+suffix+".txt"),
		proofHash:  readText(t, dir+"/proofHash"+suffix+".txt"),
		combined:   readText(t, dir+"/combinedHash"+suffix+".txt"),
		sigHex:     readText(t, dir+"/sigHex"+suffix+".txt"),
		sigB58:     readText(t, dir+"/sigBTC58"+suffix+".txt"),
		priv:       multikeySecret(t, w3cSecretMultibase, w3cPublicMultibase),
	}
}

func oneEdTechVector(t *testing.T, dir, prefix string) stageVector {
	var h map[string]struct{ Value string }
	if err := json.Unmarshal(readFile(t, dir+"/hashes.json"), &h); err != nil {
		t.Fatal(err)
	}
	priv, _, res := oneEdTechKey(t)
	return stageVector{
		signed:     dir + "/credential-signed.json",
		canonDoc:   dir + "/document-canon.nq",
		proofCanon: dir + "/proof-canon.nq",
		docHash:    h[prefix+"-document-hash"].Value,
		proofHash:  h[prefix+"-proof-hash"].Value,
		combined:   h[prefix+"-data"].Value,
		sigHex:     h[prefix+"-signature"].Value,
		sigB58:     h[prefix+"-proof-value"].Value,
		priv:       priv,
		resolver:   res,
	}
}

// TestVectorStages reproduces every intermediate value of the published
// vectors in pipeline order (CONVENTIONS §9), so a failure names the stage:
// canonical document, document hash, canonical proof configuration, proof
// hash, combined hash, signature (hex), signature (multibase); then Verify
// must accept the signed document.
func TestVectorStages(t *testing.T) {
	tests := map[string]func(t *testing.T) stageVector{
		"ok/w3c eddsa-rdfc-2022": func(t *testing.T) stageVector {
			return w3cVector(t, "testdata/eddsa-rdfc-2022", "DataInt")
		},
		"ok/w3c Ed25519Signature2020": func(t *testing.T) stageVector {
			return w3cVector(t, "testdata/Ed25519Signature2020", "EdSig")
		},
		"ok/1edtech obv3p0": func(t *testing.T) stageVector {
			return oneEdTechVector(t, "testdata/1edtech/obv3p0", "ob")
		},
		"ok/1edtech clrv2p0": func(t *testing.T) stageVector {
			return oneEdTechVector(t, "testdata/1edtech/clrv2p0", "clr")
		},
	}
	for name, mk := range tests {
		t.Run(name, func(t *testing.T) {
			v := mk(t)
			signed := readFile(t, v.signed)
			root := decodeJSON(t, signed)
			raws, fields, err := proofObjects(root)
			if err != nil || len(raws) != 1 {
				t.Fatalf("want one proof, got %d (%v)", len(raws), err)
			}
			p, perr := parseProof(raws[0], fields[0])
			if perr != nil {
				t.Fatalf("parse proof: %v", perr)
			}
			c := newCanonicalizer(nil)

			canonDoc, err := c.document(withoutProof(root))
			if err != nil {
				t.Fatalf("stage 1 canonical document: %v", err)
			}
			if want := readText(t, v.canonDoc); string(bytes.TrimSpace(canonDoc)) != want {
				t.Fatalf("stage 1 canonical document differs\n got: %s\nwant: %s", canonDoc, want)
			}
			docHash := sha256.Sum256(canonDoc)
			if got := hex.EncodeToString(docHash[:]); got != v.docHash {
				t.Fatalf("stage 2 document hash = %s, want %s", got, v.docHash)
			}
			canonProof, err := c.proofConfig(proofConfigMap(p.raw, root["@context"]), p.quads, p.field)
			if err != nil {
				t.Fatalf("stage 3 canonical proof configuration: %v", err)
			}
			if want := readText(t, v.proofCanon); string(bytes.TrimSpace(canonProof)) != want {
				t.Fatalf("stage 3 canonical proof configuration differs\n got: %s\nwant: %s", canonProof, want)
			}
			proofHash := sha256.Sum256(canonProof)
			if got := hex.EncodeToString(proofHash[:]); got != v.proofHash {
				t.Fatalf("stage 4 proof hash = %s, want %s", got, v.proofHash)
			}
			data := hashData(proofHash, docHash)
			if got := hex.EncodeToString(data); got != v.combined {
				t.Fatalf("stage 5 combined hash = %s, want %s", got, v.combined)
			}
			sig := ed25519.Sign(v.priv, data)
			if got := hex.EncodeToString(sig); got != v.sigHex {
				t.Fatalf("stage 6 signature = %s, want %s", got, v.sigHex)
			}
			if got := encodeProofValue(sig); got != v.sigB58 || got != p.value {
				t.Fatalf("stage 7 proofValue = %s, want %s (document has %s)", got, v.sigB58, p.value)
			}

			res := v.resolver
			results, err := Verify(context.Background(), signed, VerifyOptions{Resolver: res})
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if len(results) != 1 || !results[0].Verified || results[0].Err != nil {
				t.Fatalf("Verify = %+v, want one verified proof", results)
			}
			if want, _, _ := cutHash(p.vm); results[0].Controller != want {
				t.Fatalf("controller = %q, want %q", results[0].Controller, want)
			}
		})
	}
}

func cutHash(vm string) (string, string, bool) {
	i := bytes.IndexByte([]byte(vm), '#')
	if i < 0 {
		return vm, "", false
	}
	return vm[:i], vm[i+1:], true
}

// TestSignReproducesVectors signs the unsigned documents with the published
// keys, options and created times and must produce the published proofValue
// byte for byte (Ed25519 is deterministic).
func TestSignReproducesVectors(t *testing.T) {
	w3cPriv := multikeySecret(t, w3cSecretMultibase, w3cPublicMultibase)
	edPriv, edVM, edRes := oneEdTechKey(t)
	tests := map[string]struct {
		signed   string
		unsigned string // "" = the signed document without its proof
		priv     ed25519.PrivateKey
		vm       string
		resolver didKeyResolver
	}{
		"ok/w3c eddsa-rdfc-2022": {signed: "testdata/eddsa-rdfc-2022/signedDataInt.json", priv: w3cPriv, vm: didKeyVM(w3cPriv.Public().(ed25519.PublicKey))},
		"ok/1edtech obv3p0":      {signed: "testdata/1edtech/obv3p0/credential-signed.json", unsigned: "testdata/1edtech/obv3p0/credential-unsigned.json", priv: edPriv, vm: edVM, resolver: edRes},
		"ok/1edtech clrv2p0":     {signed: "testdata/1edtech/clrv2p0/credential-signed.json", unsigned: "testdata/1edtech/clrv2p0/credential-unsigned.json", priv: edPriv, vm: edVM, resolver: edRes},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			signedRoot := decodeJSON(t, readFile(t, tc.signed))
			raws, _, err := proofObjects(signedRoot)
			if err != nil || len(raws) != 1 {
				t.Fatalf("want one proof (%v)", err)
			}
			want := raws[0]
			var unsigned []byte
			if tc.unsigned != "" {
				unsigned = readFile(t, tc.unsigned)
			} else {
				if unsigned, err = json.MarshalIndent(withoutProof(signedRoot), "", "  "); err != nil {
					t.Fatal(err)
				}
			}
			created, err := time.Parse(time.RFC3339, want["created"].(string))
			if err != nil {
				t.Fatal(err)
			}
			out, err := Sign(context.Background(), unsigned, tc.priv, SignOptions{VerificationMethod: tc.vm, Created: created})
			if err != nil {
				t.Fatalf("Sign: %v", err)
			}
			got := decodeJSON(t, out)["proof"].(map[string]any)
			if got["proofValue"] != want["proofValue"] {
				t.Fatalf("proofValue = %v, want %v", got["proofValue"], want["proofValue"])
			}
			for _, k := range []string{"type", "cryptosuite", "created", "verificationMethod", "proofPurpose"} {
				if got[k] != want[k] {
					t.Errorf("proof %s = %v, want %v", k, got[k], want[k])
				}
			}
			// The input's bytes are kept: everything before the inserted
			// proof member is the input up to its last member.
			if i := bytes.LastIndexByte(unsigned, '}'); !bytes.HasPrefix(out, bytes.TrimRight(unsigned[:i], " \n")) {
				t.Fatalf("Sign changed the input bytes:\n%s", out)
			}
			results, err := Verify(context.Background(), out, VerifyOptions{Resolver: tc.resolver})
			if err != nil || !results[0].Verified {
				t.Fatalf("Verify(Sign(doc)) = %+v, %v", results, err)
			}
		})
	}
}

// TestEmployVector checks the W3C "employ" vector. Its context
// (w3id.org/citizenship/v4rc1) is not pinned, so Verify must refuse the
// document as Unsupported naming nothing it cannot check; the stages from the
// published canonical N-Quads on must still match, and the published
// signature must verify over them with the published key.
func TestEmployVector(t *testing.T) {
	dir := "testdata/eddsa-rdfc-2022/employ"
	signed := readFile(t, dir+"/signedDataInt.json")
	_, err := Verify(context.Background(), signed, VerifyOptions{Resolver: didKeyResolver{}})
	wantCode(t, err, errs.Unsupported, "")
	if !bytes.Contains([]byte(err.Error()), []byte("https://w3id.org/citizenship/v4rc1")) {
		t.Fatalf("error does not name the unpinned context: %v", err)
	}

	v := w3cVector(t, dir, "DataInt")
	docHash := sha256.Sum256(append([]byte(readText(t, v.canonDoc)), '\n'))
	if got := hex.EncodeToString(docHash[:]); got != v.docHash {
		t.Fatalf("stage 2 document hash = %s, want %s", got, v.docHash)
	}
	proofHash := sha256.Sum256(append([]byte(readText(t, v.proofCanon)), '\n'))
	if got := hex.EncodeToString(proofHash[:]); got != v.proofHash {
		t.Fatalf("stage 4 proof hash = %s, want %s", got, v.proofHash)
	}
	data := hashData(proofHash, docHash)
	if got := hex.EncodeToString(data); got != v.combined {
		t.Fatalf("stage 5 combined hash = %s, want %s", got, v.combined)
	}
	sig := ed25519.Sign(v.priv, data)
	if got := hex.EncodeToString(sig); got != v.sigHex {
		t.Fatalf("stage 6 signature = %s, want %s", got, v.sigHex)
	}
	if got := encodeProofValue(sig); got != v.sigB58 {
		t.Fatalf("stage 7 proofValue = %s, want %s", got, v.sigB58)
	}
	// The proof configuration still canonicalizes: it only needs
	// credentials/v2 terms, but its @context names the unpinned context too.
	root := decodeJSON(t, signed)
	cfg := proofConfigMap(root["proof"].(map[string]any), root["@context"])
	_, err = newCanonicalizer(nil).proofConfig(cfg, 5, "/proof")
	wantCode(t, err, errs.Unsupported, "")
}

// TestEd25519Signature2020Tamper changes the W3C Ed25519Signature2020
// vector one value at a time: the legacy suite must fail exactly like
// eddsa-rdfc-2022 does (bad signature at proofValue, or the member named).
func TestEd25519Signature2020Tamper(t *testing.T) {
	signed := readFile(t, "testdata/Ed25519Signature2020/signedEdSig.json")
	const pv = "z57Mm1vboMtZiCyJ4aReZsv8co4Re64Y8GEjL1ZARzMbXZgkARFLqFs1P345NpPGG2hgCrS4nNdvJhpwnrNyG3kEF"
	other := testKey("someone else").Public().(ed25519.PublicKey)
	otherVM := didKeyVM(other)
	tests := map[string]struct {
		old, new string
		code     errs.Code // "" = verified
		field    string
	}{
		"ok/untouched":               {},
		"error/subject value":        {old: `"The School of Examples"`, new: `"The School of Samples"`, code: errs.Invalid, field: "/proof/proofValue"},
		"error/subject id":           {old: `"did:example:abcdefgh"`, new: `"did:example:abcdefgi"`, code: errs.Invalid, field: "/proof/proofValue"},
		"error/issuer":               {old: `"https://vc.example/issuers/5678"`, new: `"https://vc.example/issuers/5679"`, code: errs.Invalid, field: "/proof/proofValue"},
		"error/validFrom":            {old: `"2023-01-01T00:00:00Z"`, new: `"2023-01-02T00:00:00Z"`, code: errs.Invalid, field: "/proof/proofValue"},
		"error/type added":           {old: `"AlumniCredential"`, new: `"AlumniCredential", "ExampleDegreeCredential"`, code: errs.Invalid, field: "/proof/proofValue"},
		"error/proof created":        {old: `"2023-02-24T23:36:38Z"`, new: `"2023-02-24T23:36:39Z"`, code: errs.Invalid, field: "/proof/proofValue"},
		"error/proof purpose":        {old: `"proofPurpose": "assertionMethod"`, new: `"proofPurpose": "authentication"`, code: errs.Invalid, field: "/proof/proofPurpose"},
		"error/proof by another key": {old: `"did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2#z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"`, new: `"` + otherVM + `"`, code: errs.Invalid, field: "/proof/proofValue"},
		"error/proofValue changed":   {old: pv, new: pv[:20] + flip(pv[20]) + pv[21:], code: errs.Invalid, field: "/proof/proofValue"},
		"error/proofValue truncated": {old: pv, new: pv[:60], code: errs.Invalid, field: "/proof/proofValue"},
		"error/cryptosuite added":    {old: `"type": "Ed25519Signature2020",`, new: `"type": "Ed25519Signature2020", "cryptosuite": "eddsa-rdfc-2022",`, code: errs.Invalid, field: "/proof/cryptosuite"},
		"error/suite context removed": {old: `,
    "https://w3id.org/security/suites/ed25519-2020/v1"`, new: ``, code: errs.Invalid, field: "/proof/proofValue"}, // credentials/v2's @vocab still defines the terms, differently
		"error/re-typed as Data Integrity": {old: `"type": "Ed25519Signature2020",`, new: `"type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022",`, code: errs.Invalid, field: "/proof/proofValue"},
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
			r := oneProof(t, doc, VerifyOptions{Resolver: didKeyResolver{}}, tc.code, tc.field)
			if tc.code == "" && r.Type != TypeEd25519Signature2020 {
				t.Fatalf("proof type %q", r.Type)
			}
		})
	}
}

// TestMacronVectorJSONLDJS: an NZ micro-credential with a te reo Māori
// title (macrons) signed by Digital Bazaar's stack (jsonld.js, rdf-canonize,
// eddsa-rdfc-2022-cryptosuite) with the W3C key pair at a fixed time; see
// testdata/SOURCE.md. tohu must give the same canonical N-Quads for the
// document and the proof configuration and the same proofValue byte for
// byte, and accept the JavaScript-signed document. The same title written
// with combining macrons (NFD) signs differently unless it is NFC-normalised
// first, which is why tohu normalises before signing.
func TestMacronVectorJSONLDJS(t *testing.T) {
	dir := "testdata/nz-macrons/"
	unsigned := readFile(t, dir+"unsigned.json")
	jsSigned := readFile(t, dir+"signed-jsonld-js.json")
	jsProof := decodeJSON(t, jsSigned)["proof"].(map[string]any)
	priv := multikeySecret(t, w3cSecretMultibase, w3cPublicMultibase)
	vm := didKeyVM(priv.Public().(ed25519.PublicKey))
	created, err := time.Parse(time.RFC3339, jsProof["created"].(string))
	if err != nil {
		t.Fatal(err)
	}
	c := newCanonicalizer(nil)

	canonDoc, err := c.document(decodeJSON(t, unsigned))
	if err != nil {
		t.Fatal(err)
	}
	if want := readFile(t, dir+"canon-document.nq"); !bytes.Equal(canonDoc, want) {
		t.Fatalf("canonical document differs from jsonld.js\n got: %s\nwant: %s", canonDoc, want)
	}
	if !bytes.Contains(canonDoc, []byte(`"Te Reo M`+"\u0101"+`ori: K`+"\u014d"+`rero Tuatahi"`)) {
		t.Fatal("the title with precomposed macrons is not in the canonical document")
	}
	canonProof, err := c.proofConfig(proofConfigMap(jsProof, decodeJSON(t, unsigned)["@context"]), 5, "/proof")
	if err != nil {
		t.Fatal(err)
	}
	if want := readFile(t, dir+"canon-proof.nq"); !bytes.Equal(canonProof, want) {
		t.Fatalf("canonical proof configuration differs from jsonld.js\n got: %s\nwant: %s", canonProof, want)
	}

	sign := func(t *testing.T, doc []byte) string {
		out, err := Sign(context.Background(), doc, priv, SignOptions{VerificationMethod: vm, Created: created})
		if err != nil {
			t.Fatal(err)
		}
		return decodeJSON(t, out)["proof"].(map[string]any)["proofValue"].(string)
	}
	if got := sign(t, unsigned); got != jsProof["proofValue"] {
		t.Fatalf("proofValue %s, jsonld.js signed %s", got, jsProof["proofValue"])
	}
	oneProof(t, jsSigned, VerifyOptions{Resolver: didKeyResolver{}}, "", "")

	nfd := []byte(norm.NFD.String(string(unsigned)))
	if bytes.Equal(nfd, unsigned) {
		t.Fatal("test setup: no macrons to decompose")
	}
	if got := sign(t, nfd); got == jsProof["proofValue"] {
		t.Fatal("decomposed macrons signed like precomposed ones")
	}
	normalised, err := json.Marshal(credential.NFC(decodeJSON(t, nfd)))
	if err != nil {
		t.Fatal(err)
	}
	if got := sign(t, normalised); got != jsProof["proofValue"] {
		t.Fatalf("after NFC: proofValue %s, jsonld.js signed %s", got, jsProof["proofValue"])
	}
}
