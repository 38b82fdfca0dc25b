package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tohu-nz/tohu/credential"
)

// TestVerifyRecipient: tohu verify --recipient EMAIL compares the address
// with the credential's hashed emailAddress identifier (OB30 Verification
// step 5); a mismatch is not verified (exit 1).
func TestVerifyRecipient(t *testing.T) {
	dir := t.TempDir()
	key := filepath.Join(dir, "key.json")
	if r := runCLI(t, "", "keys", "new", "--out", key); r.code != 0 {
		t.Fatalf("keys new: %+v", r)
	}
	id, err := json.Marshal(credential.NewEmailIdentity("mere@example.ac.nz", credential.NewSalt()))
	if err != nil {
		t.Fatal(err)
	}
	doc := strings.Replace(unsignedOB, `"id": "did:example:learner-1",`, `"identifier": [`+string(id)+`],`, 1)
	if doc == unsignedOB {
		t.Fatal("test credential changed: subject id not found")
	}
	di := runCLI(t, "", "sign", "--key", key, writeFile(t, dir, "cred.json", doc))
	if di.code != 0 {
		t.Fatalf("sign: %+v", di)
	}
	signed := writeFile(t, dir, "signed.json", di.stdout)
	tests := map[string]struct {
		args   []string
		code   int
		stdout string
	}{
		"ok/same email":      {[]string{"verify", "--offline", "--recipient", "Mere@Example.ac.nz", signed}, 0, "recipient"},
		"error/other email":  {[]string{"verify", "--offline", "--recipient", "hone@example.ac.nz", signed}, 1, "not issued to the recipient you named"},
		"ok/no recipient":    {[]string{"verify", "--offline", signed}, 0, "VERIFIED"},
		"ok/json has checks": {[]string{"verify", "--json", "--offline", "--recipient", "mere@example.ac.nz", signed}, 0, `"code": "recipient.ok"`},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			r := runCLI(t, "", tc.args...)
			if r.code != tc.code || !strings.Contains(r.stdout, tc.stdout) {
				t.Fatalf("exit %d (want %d), stdout lacks %q:\n%s\n%s", r.code, tc.code, tc.stdout, r.stdout, r.stderr)
			}
		})
	}
}
