package dataintegrity

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/tohu-nz/tohu/errs"
)

var update = flag.Bool("update", false, "rewrite testdata/fuzz seeds")

// fuzzSeedFiles are the signed documents the fuzz corpus starts from.
var fuzzSeedFiles = []string{
	"testdata/eddsa-rdfc-2022/signedDataInt.json",
	"testdata/Ed25519Signature2020/signedEdSig.json",
	"testdata/1edtech/obv3p0/credential-signed.json",
	"testdata/1edtech/clrv2p0/credential-signed.json",
	"testdata/proof-set-chain/signedProofSet2.json",
	"testdata/proof-set-chain/signedProofChain2.json",
}

// fuzzResolver knows the did:key methods and the 1EdTech https method.
func fuzzResolver(t testing.TB) didKeyResolver {
	_, _, r := oneEdTechKey(t)
	return r
}

// fuzzSeeds returns the signed seed documents (plus the signed NZ
// credential) and garbled forms of each.
func fuzzSeeds(t testing.TB) (signed, garbled [][]byte) {
	for _, f := range fuzzSeedFiles {
		signed = append(signed, readFile(t, f))
	}
	nz, _ := signedNZ(t, SignOptions{})
	signed = append(signed, nz)
	for _, s := range signed {
		garbled = append(garbled,
			s[:len(s)/2],
			bytes.Replace(s, []byte(`"proofValue": "z`), []byte(`"proofValue": "zz`), 1),
			bytes.Replace(s, []byte(`"type"`), []byte(`"tipe"`), 1),
			bytes.Replace(s, []byte("2023"), []byte("2024"), 1),
			bytes.Replace(s, []byte("ā"), []byte("a"), 1),
			bytes.Replace(s, []byte(`"proof"`), []byte(`"proofs"`), 1),
		)
	}
	return signed, garbled
}

// TestWriteFuzzSeeds writes the seed corpus to testdata/fuzz/FuzzVerify
// when run with -update, and otherwise checks it is present.
func TestWriteFuzzSeeds(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzVerify")
	signed, garbled := fuzzSeeds(t)
	all := append(signed, garbled...)
	if *update {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for i, s := range all {
			body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", s)
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("seed-%02d", i)), []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) < len(all) {
		t.Fatalf("fuzz corpus has %d files, want at least %d (run go test -run TestWriteFuzzSeeds -update): %v", len(entries), len(all), err)
	}
}

// FuzzVerify feeds arbitrary bytes to Verify. It must never panic, every
// failure must be an *errs.Error, and a proof may verify only over a message
// (proof hash ‖ document hash, i.e. the canonical forms) that one of the
// genuine seed proofs signed with the same key and proofValue: a mutation
// verifies only when it is identical in canonical form.
func FuzzVerify(f *testing.F) {
	signed, garbled := fuzzSeeds(f)
	res := fuzzResolver(f)
	known := map[string]bool{}
	for _, s := range signed {
		results, msgs, err := verify(context.Background(), s, VerifyOptions{Resolver: res})
		if err != nil {
			f.Fatalf("seed does not verify: %v", err)
		}
		for i, r := range results {
			if !r.Verified {
				f.Fatalf("seed proof %d does not verify: %v", i, r.Err)
			}
			known[signedKey(r.VerificationMethod, msgs[i])] = true
		}
		f.Add(s)
	}
	for _, g := range garbled {
		f.Add(g)
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		results, msgs, err := verify(context.Background(), doc, VerifyOptions{Resolver: res})
		if err != nil {
			wantErrs(t, err)
			return
		}
		for i, r := range results {
			if !r.Verified {
				wantErrs(t, r.Err)
				continue
			}
			if len(msgs[i]) != 64 {
				t.Fatalf("verified proof %d without a 64-byte message", i)
			}
			if !known[signedKey(r.VerificationMethod, msgs[i])] {
				t.Fatalf("proof %d verified over a message no seed signed:\n%s", i, doc)
			}
		}
	})
}

func signedKey(vm string, msg []byte) string { return vm + "\x00" + string(msg) }

func wantErrs(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		t.Fatal("failure without an error")
	}
	if _, ok := err.(*errs.Error); !ok {
		t.Fatalf("error %T is not an *errs.Error: %v", err, err)
	}
}
