package dataintegrity

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"testing"
	"time"

	"github.com/tohu-nz/tohu/errs"
)

// setChainKeys returns the four key pairs of the W3C proof-set-chain
// vectors, each checked against its published public key.
func setChainKeys(t *testing.T) []ed25519.PrivateKey {
	var kps map[string]struct{ PublicKeyMultibase, PrivateKeyMultibase string }
	if err := json.Unmarshal(readFile(t, "testdata/proof-set-chain/multiKeyPairs.json"), &kps); err != nil {
		t.Fatal(err)
	}
	out := make([]ed25519.PrivateKey, 4)
	for i, name := range []string{"keyPair1", "keyPair2", "keyPair3", "keyPair4"} {
		kp := kps[name]
		out[i] = multikeySecret(t, kp.PrivateKeyMultibase, kp.PublicKeyMultibase)
	}
	return out
}

// TestProofSetAndChainVectors rebuilds the W3C proof-set-chain vectors step
// by step (VC Data Integrity 1.0, §4.2 "Add Proof Set/Chain"): two proofs
// in a set, a third chained to both, a fourth chained to the third. Each
// step must give the published document byte for byte (the proof is
// inserted textually), and every published document must verify.
func TestProofSetAndChainVectors(t *testing.T) {
	keys := setChainKeys(t)
	dir := "testdata/proof-set-chain/"
	steps := []struct {
		name     string
		in, want string
		key      ed25519.PrivateKey
		config   string
	}{
		{"ok/set proof 1", "unsigned.json", "signedProofSet1.json", keys[0], "proofSetConfig1.json"},
		{"ok/set proof 2", "signedProofSet1.json", "signedProofSet2.json", keys[1], "proofSetConfig2.json"},
		{"ok/chain proof 3 after 1 and 2", "signedProofSet2.json", "signedProofChain1.json", keys[2], "proofChainConfig1.json"},
		{"ok/chain proof 4 after 3", "signedProofChain1.json", "signedProofChain2.json", keys[3], "proofChainConfig2.json"},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			var cfg struct {
				ID, Created, VerificationMethod string
				PreviousProof                   any
			}
			if err := json.Unmarshal(readFile(t, dir+st.config), &cfg); err != nil {
				t.Fatal(err)
			}
			if cfg.VerificationMethod != didKeyVM(st.key.Public().(ed25519.PublicKey)) {
				t.Fatalf("config names %s, not the step's key", cfg.VerificationMethod)
			}
			created, _ := time.Parse(time.RFC3339, cfg.Created)
			var previous []string
			switch p := cfg.PreviousProof.(type) {
			case string:
				previous = []string{p}
			case []any:
				for _, x := range p {
					previous = append(previous, x.(string))
				}
			}
			opts := SignOptions{VerificationMethod: cfg.VerificationMethod, Created: created, ID: cfg.ID}
			var out []byte
			var err error
			if len(previous) == 1 {
				opts.PreviousProof = previous[0] // the public API
				out, err = Sign(context.Background(), readFile(t, dir+st.in), st.key, opts)
			} else {
				out, err = sign(context.Background(), readFile(t, dir+st.in), nil, st.key, opts, previous)
			}
			if err != nil {
				t.Fatalf("Sign: %v", err)
			}
			want := readFile(t, dir+st.want)
			if st.in == "unsigned.json" {
				// unsigned.json is indented by 4, the signed files by 2:
				// compare the new proof only.
				if !jsonEqual(t, decodeJSON(t, out)["proof"], decodeJSON(t, want)["proof"]) {
					t.Fatalf("proof differs\n got: %s\nwant: %s", out, want)
				}
			} else if !bytes.Equal(bytes.TrimSpace(out), bytes.TrimSpace(want)) {
				t.Fatalf("signed document differs\n got: %s\nwant: %s", out, want)
			}
		})
	}

	for _, f := range []string{"signedProofSet1.json", "signedProofSet2.json", "signedProofChain1.json", "signedProofChain2.json"} {
		t.Run("ok/verify "+f, func(t *testing.T) {
			results, err := verifyBoth(t, readFile(t, dir+f), VerifyOptions{Resolver: didKeyResolver{}})
			if err != nil {
				t.Fatal(err)
			}
			for i, r := range results {
				if !r.Verified || r.Err != nil {
					t.Errorf("proof %d: %+v", i, r)
				}
			}
		})
	}
}

func jsonEqual(t *testing.T, a, b any) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return bytes.Equal(ja, jb)
}

// TestProofChainTamper checks that a chained proof covers the proofs it
// names: changing or removing a previous proof breaks it, while the
// unchained proofs of the set still verify.
func TestProofChainTamper(t *testing.T) {
	doc := readFile(t, "testdata/proof-set-chain/signedProofChain2.json")
	tests := map[string]struct {
		old, new  string
		wantValid []bool
		wantCode  []errs.Code
	}{
		"error/previous proof's created changed": {
			old: `"created": "2023-02-24T23:36:38Z",
      "verificationMethod": "did:key:z6MkhWq`,
			new: `"created": "2023-02-24T23:36:39Z",
      "verificationMethod": "did:key:z6MkhWq`,
			// proof 2 itself breaks, and so does proof 3, which chains to it.
			wantValid: []bool{true, false, false, true},
			wantCode:  []errs.Code{"", errs.Invalid, errs.Invalid, ""},
		},
		"error/chained-to id renamed": {
			old:       `"id": "urn:uuid:d94f792a-c546-4d06-b38a-da070ab56c23"`,
			new:       `"id": "urn:uuid:d94f792a-c546-4d06-b38a-da070ab56c24"`,
			wantValid: []bool{true, true, false, false},
			wantCode:  []errs.Code{"", "", errs.Invalid, errs.Invalid},
		},
		"error/previousProof points at a missing proof": {
			old:       `"previousProof": "urn:uuid:d94f792a-c546-4d06-b38a-da070ab56c23"`,
			new:       `"previousProof": "urn:uuid:00000000-c546-4d06-b38a-da070ab56c23"`,
			wantValid: []bool{true, true, true, false},
			wantCode:  []errs.Code{"", "", "", errs.Invalid},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			mut := bytes.Replace(doc, []byte(tc.old), []byte(tc.new), 1)
			if bytes.Equal(mut, doc) {
				t.Fatal("mutation did not apply")
			}
			results, err := verifyBoth(t, mut, VerifyOptions{Resolver: didKeyResolver{}})
			if err != nil {
				t.Fatal(err)
			}
			for i, r := range results {
				if r.Verified != tc.wantValid[i] || errs.ErrorCode(r.Err) != tc.wantCode[i] {
					t.Errorf("proof %d: verified=%v err=%v, want %v %q", i, r.Verified, r.Err, tc.wantValid[i], tc.wantCode[i])
				}
			}
		})
	}
}
