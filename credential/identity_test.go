package credential_test

import (
	"strings"
	"testing"

	"github.com/tohu-nz/tohu/credential"
)

// The OB 3.0 spec's IdentityHash example (NOTES §2, checked in MANIFEST).
const kosherHash = "sha256$b5809d8a92f8858436d7e6b87c12ebc0ae1eac4baecc2c0b913aee2c922ef399"

func TestNewEmailIdentity(t *testing.T) {
	tests := map[string]struct {
		email string
	}{
		"ok/spec vector":          {"a@example.com"},
		"ok/upper case and space": {"  A@Example.COM\t"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			id := credential.NewEmailIdentity(tc.email, "Kosher")
			if id.IdentityHash != kosherHash {
				t.Errorf("identityHash = %s, want %s", id.IdentityHash, kosherHash)
			}
			if !id.Hashed || id.IdentityType != "emailAddress" || id.Salt != "Kosher" || !id.Type.Has("IdentityObject") || !id.Type.Single {
				t.Errorf("identity = %+v", id)
			}
		})
	}
}

func TestIdentityMatches(t *testing.T) {
	hashed := credential.IdentityObject{Hashed: true, IdentityType: "emailAddress", IdentityHash: kosherHash, Salt: "Kosher"}
	upper := hashed
	upper.IdentityHash = "SHA256$" + strings.ToUpper(kosherHash[len("sha256$"):])
	md5 := hashed
	md5.IdentityHash = "md5$" + kosherHash[len("sha256$"):]
	wrongSalt := hashed
	wrongSalt.Salt = "kosher"
	plain := credential.IdentityObject{Hashed: false, IdentityType: "emailAddress", IdentityHash: "Student@1EdTech.edu"}
	name := credential.NewNameIdentity("Aroha Te Ao")
	tests := map[string]struct {
		id         credential.IdentityObject
		identifier string
		want       bool
	}{
		"ok/hashed":                 {hashed, "a@example.com", true},
		"ok/hashed, case and space": {hashed, " A@EXAMPLE.com ", true},
		"ok/upper-case hex":         {upper, "a@example.com", true},
		"ok/plain email":            {plain, "student@1edtech.edu", true},
		"ok/plain name":             {name, "Aroha Te Ao", true},
		"error/other email":         {hashed, "b@example.com", false},
		"error/wrong salt":          {wrongSalt, "a@example.com", false},
		"error/md5 not accepted":    {md5, "a@example.com", false},
		"error/plain other":         {plain, "other@1edtech.edu", false},
		"error/name is case-exact":  {name, "aroha te ao", false},
		"error/hash without prefix": {credential.IdentityObject{Hashed: true, IdentityHash: kosherHash[7:], Salt: "Kosher"}, "a@example.com", false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := tc.id.Matches(tc.identifier); got != tc.want {
				t.Errorf("Matches(%q) = %v, want %v", tc.identifier, got, tc.want)
			}
		})
	}
}

func TestNewSalt(t *testing.T) {
	a, b := credential.NewSalt(), credential.NewSalt()
	if a == b || len(a) != 22 {
		t.Errorf("salts %q, %q: want two different 16-byte values", a, b)
	}
}
