package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// unsignedOB is an unsigned credential with a te reo Māori title.
const unsignedOB = `{
  "@context": ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
  "id": "urn:uuid:5d2b7e0e-1c4a-4f7b-9f0e-3a6b8c9d0e11",
  "type": ["VerifiableCredential", "OpenBadgeCredential"],
  "name": "Te Reo Māori mō te Wāhi Mahi",
  "issuer": {"id": "did:example:replaced", "type": ["Profile"], "name": "Kura Test"},
  "validFrom": "2025-03-01T00:00:00Z",
  "credentialSubject": {
    "id": "did:example:learner-1",
    "type": ["AchievementSubject"],
    "achievement": {
      "id": "https://kura.example.nz/achievements/reo-l3",
      "type": ["Achievement"],
      "achievementType": "MicroCredential",
      "name": "Te Reo Māori mō te Wāhi Mahi",
      "description": "Everyday te reo Māori for the workplace.",
      "criteria": {"narrative": "Passed the oral assessment."}
    }
  }
}`

type cliResult struct {
	code           int
	stdout, stderr string
}

// runCLI drives runEnv in-process.
func runCLI(t *testing.T, stdin string, args ...string) cliResult {
	t.Helper()
	var out, errb bytes.Buffer
	env := &Env{
		Getenv: func(string) string { return "" },
		Stdin:  strings.NewReader(stdin),
		Stdout: &out, Stderr: &errb,
		Now: func() time.Time { return time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC) },
	}
	code := runEnv(context.Background(), args, env)
	return cliResult{code, out.String(), errb.String()}
}

func writeFile(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCLI(t *testing.T) {
	dir := t.TempDir()
	key := filepath.Join(dir, "key.json")
	if r := runCLI(t, "", "keys", "new", "--out", key); r.code != 0 || !strings.Contains(r.stdout, "did:key:z6Mk") {
		t.Fatalf("keys new: %+v", r)
	}
	st, err := os.Stat(key)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v, err %v; want 0600", st.Mode().Perm(), err)
	}
	cred := writeFile(t, dir, "cred.json", unsignedOB)
	di := runCLI(t, "", "sign", "--key", key, cred)
	if di.code != 0 {
		t.Fatalf("sign: %+v", di)
	}
	signed := writeFile(t, dir, "signed.json", di.stdout)
	jwt := runCLI(t, "", "sign", "--key", key, "--format", "jwt", cred)
	if jwt.code != 0 {
		t.Fatalf("sign jwt: %+v", jwt)
	}
	tampered := writeFile(t, dir, "tampered.json", strings.Replace(di.stdout, "Everyday", "Fluent", 1))
	undefined := writeFile(t, dir, "undef.json", strings.Replace(unsignedOB, `"name": "Kura Test"`, `"name": "Kura Test", "motto": "Ako"`, 1))
	garbage := writeFile(t, dir, "garbage.json", "{not json")
	exp := runCLI(t, strings.Replace(unsignedOB, `"validFrom": "2025-03-01T00:00:00Z"`, `"validFrom": "2025-03-01T00:00:00Z", "validUntil": "2026-01-01T00:00:00Z"`, 1), "sign", "--key", key, "-")
	if exp.code != 0 {
		t.Fatalf("sign expired: %+v", exp)
	}
	expired := writeFile(t, dir, "expired.json", exp.stdout)
	notVC := writeFile(t, dir, "notvc.json", `{"kia": "ora"}`)
	empty := writeFile(t, dir, "empty.json", "")
	badJWT := writeFile(t, dir, "bad.jwt", "eyJhbGciOiJFZERTQSJ9.!!!.AAAA")
	badKey := writeFile(t, dir, "badkey.json", `{"type":"ed25519"}`)

	tests := map[string]struct {
		stdin  string
		args   []string
		code   int
		stdout string // substring
		stderr string // substring
	}{
		"ok/verify DI":                  {args: []string{"verify", "--offline", signed}, code: 0, stdout: "VERIFIED"},
		"ok/verify DI flags after file": {args: []string{"verify", signed, "--offline"}, code: 0, stdout: "VERIFIED"},
		"ok/verify JWT from stdin":      {stdin: jwt.stdout, args: []string{"verify", "--offline", "-"}, code: 0, stdout: "VERIFIED"},
		"ok/verify --json":              {args: []string{"verify", "--json", "--offline", signed}, code: 0, stdout: `"result": "verified"`},
		"ok/sign from stdin":            {stdin: unsignedOB, args: []string{"sign", "--key", key, "-"}, code: 0, stdout: `"proofValue"`},
		"ok/sign ob-jwt":                {args: []string{"sign", "--key", key, "--format", "ob-jwt", cred}, code: 0, stdout: "eyJ"},
		"ok/version":                    {args: []string{"version"}, code: 0, stdout: "tohu "},
		"ok/help":                       {args: []string{"help"}, code: 0, stderr: "usage:"},
		"error/verify tampered":         {args: []string{"verify", "--offline", tampered}, code: 1, stdout: "NOT VERIFIED"},
		"error/verify expired":          {args: []string{"verify", "--offline", expired}, code: 1, stdout: "EXPIRED"},
		"error/verify expired --json":   {args: []string{"verify", "--json", "--offline", expired}, code: 1, stdout: `"result": "expired"`},
		"error/verify unsigned":         {args: []string{"verify", "--offline", cred}, code: 1, stdout: "NOT VERIFIED"},
		"error/verify not a credential": {args: []string{"verify", notVC}, code: 2, stderr: "not a verifiable credential"},
		"error/verify empty file":       {args: []string{"verify", empty}, code: 2, stderr: "empty"},
		"error/verify bad JWT":          {args: []string{"verify", badJWT}, code: 2, stderr: "JWT"},
		"error/verify garbage --json":   {args: []string{"verify", "--json", garbage}, code: 2, stdout: `"code": "format.bad_json"`, stderr: "not valid JSON"},
		"error/verify missing file":     {args: []string{"verify", filepath.Join(dir, "nope.json")}, code: 2, stderr: "no such file"},
		"error/verify garbage":          {args: []string{"verify", garbage}, code: 2, stderr: "not valid JSON"},
		"error/verify two files":        {args: []string{"verify", signed, signed}, code: 2, stderr: "exactly one file"},
		"error/verify unknown flag":     {args: []string{"verify", "--frobnicate", signed}, code: 2, stderr: "frobnicate"},
		"error/sign no key":             {args: []string{"sign", cred}, code: 2, stderr: "--key"},
		"error/sign bad key file":       {args: []string{"sign", "--key", badKey, cred}, code: 2, stderr: "badkey.json"},
		"error/sign missing key file":   {args: []string{"sign", "--key", filepath.Join(dir, "none.json"), cred}, code: 2, stderr: "does not exist"},
		"error/sign bad JSON":           {args: []string{"sign", "--key", key, garbage}, code: 2, stderr: "not a JSON object"},
		"error/sign undefined term":     {args: []string{"sign", "--key", key, undefined}, code: 2, stderr: "motto"},
		"error/sign already signed":     {args: []string{"sign", "--key", key, signed}, code: 2, stderr: "already signed"},
		"error/sign bad format":         {args: []string{"sign", "--key", key, "--format", "pdf", cred}, code: 2, stderr: "--format"},
		"error/keys new no out":         {args: []string{"keys", "new"}, code: 2, stderr: "--out"},
		"error/keys new exists":         {args: []string{"keys", "new", "--out", key}, code: 2},
		"error/keys new bad type":       {args: []string{"keys", "new", "--type", "dsa", "--out", filepath.Join(dir, "k2.json")}, code: 2, stderr: "--type"},
		"error/keys no subcommand":      {args: []string{"keys"}, code: 2},
		"error/unknown verb":            {args: []string{"frob"}, code: 2, stderr: "unknown command"},
		"error/no verb":                 {args: nil, code: 2, stderr: "usage:"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			r := runCLI(t, tc.stdin, tc.args...)
			if r.code != tc.code || !strings.Contains(r.stdout, tc.stdout) || !strings.Contains(r.stderr, tc.stderr) {
				t.Fatalf("exit %d (want %d)\nstdout: %s\nstderr: %s", r.code, tc.code, r.stdout, r.stderr)
			}
			if tc.code == 2 && tc.stderr != "usage:" {
				oneLineError(t, r.stderr)
				if r.stdout != "" && !slices.Contains(tc.args, "--json") {
					t.Errorf("exit 2 printed to stdout: %q", r.stdout)
				}
			}
		})
	}
}

// TestSignAddsOBExtensions: a credential that declares the OB JSON Schema
// (1EdTechJsonSchemaValidator2019) without the OB extensions context, the
// only one defining that type, is signed with the context added, and
// verifies with its declared schema checked.
func TestSignAddsOBExtensions(t *testing.T) {
	dir := t.TempDir()
	key := filepath.Join(dir, "key.json")
	if r := runCLI(t, "", "keys", "new", "--out", key); r.code != 0 {
		t.Fatalf("keys new: %+v", r)
	}
	in := strings.Replace(unsignedOB, `"validFrom"`, `"credentialSchema": [{"id": "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json", "type": "1EdTechJsonSchemaValidator2019"}],
  "validFrom"`, 1)
	s := runCLI(t, in, "sign", "--key", key, "-")
	if s.code != 0 {
		t.Fatalf("sign: %+v", s)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(s.stdout), &m); err != nil {
		t.Fatal(err)
	}
	if ctx := m["@context"].([]any); len(ctx) != 3 || ctx[2] != "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json" {
		t.Fatalf("@context %v", ctx)
	}
	v := runCLI(t, s.stdout, "verify", "--offline", "-")
	if v.code != 0 || !strings.Contains(v.stdout, "ok              schema") {
		t.Fatalf("verify: %+v", v)
	}
}

// oneLineError checks the CLI's error form for exit 2: one line "tohu:
// what is wrong", optionally followed by one "usage:" line, and no report.
func oneLineError(t *testing.T, stderr string) {
	t.Helper()
	lines := strings.Split(strings.TrimRight(stderr, "\n"), "\n")
	if !strings.HasPrefix(lines[0], "tohu: ") || len(lines) > 2 || (len(lines) == 2 && !strings.HasPrefix(lines[1], "usage: tohu ")) {
		t.Errorf("error is not one line (plus usage): %q", stderr)
	}
}

// TestSignSetsIssuerAndNFC: the issuer id becomes the key's DID, the rest of
// the profile stays, and decomposed macrons are precomposed.
func TestSignSetsIssuerAndNFC(t *testing.T) {
	dir := t.TempDir()
	key := filepath.Join(dir, "key.json")
	kr := runCLI(t, "", "keys", "new", "--out", key)
	did := strings.TrimPrefix(strings.Fields(kr.stdout)[1], "")
	decomposed := strings.Replace(unsignedOB, "Wāhi", "Wa\u0304hi", 1)
	r := runCLI(t, decomposed, "sign", "--key", key, "-")
	if r.code != 0 {
		t.Fatalf("sign: %+v", r)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &m); err != nil {
		t.Fatal(err)
	}
	iss := m["issuer"].(map[string]any)
	if iss["id"] != did || iss["name"] != "Kura Test" {
		t.Fatalf("issuer %v, want id %s and the name kept", iss, did)
	}
	if m["name"] != "Te Reo Māori mō te Wāhi Mahi" {
		t.Fatalf("name %q is not NFC", m["name"])
	}
}

// TestBinary builds tohu and runs keys new → sign → verify → tamper →
// verify as a user would.
func TestBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "tohu")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	run := func(stdin string, args ...string) (int, string) {
		cmd := exec.Command(bin, args...)
		cmd.Stdin = strings.NewReader(stdin)
		out, err := cmd.CombinedOutput()
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode(), string(out)
		} else if err != nil {
			t.Fatal(err)
		}
		return 0, string(out)
	}
	key := filepath.Join(dir, "k.json")
	if code, out := run("", "keys", "new", "--out", key); code != 0 {
		t.Fatalf("keys new: %d %s", code, out)
	}
	code, signed := run(unsignedOB, "sign", "--key", key, "-")
	if code != 0 {
		t.Fatalf("sign: %d %s", code, signed)
	}
	if code, out := run(signed, "verify", "--offline", "-"); code != 0 || !strings.HasPrefix(out, "VERIFIED") {
		t.Fatalf("verify: %d %s", code, out)
	}
	tampered := strings.Replace(signed, "Passed the oral", "Failed the oral", 1)
	if code, out := run(tampered, "verify", "--offline", "-"); code != 1 || !strings.Contains(out, "proof.") && !strings.Contains(out, "FAILED") {
		t.Fatalf("verify tampered: %d %s", code, out)
	}
}

// TestKeysNewTypes: every key type tohu offers is written 0600 with the
// DID and verification method it prints, and signs what tohu verifies:
// did:key issuers verify offline in every format their key allows; a
// did:web issuer is the key's DID in the signed credential, and offline
// (nothing fetched) its key cannot be checked, which is not "verified".
func TestKeysNewTypes(t *testing.T) {
	dir := t.TempDir()
	cred := writeFile(t, dir, "cred.json", unsignedOB)
	tests := map[string]struct {
		args    []string
		didPfx  string
		formats map[string]int // sign --format → verify --offline exit code (2: sign refuses)
	}{
		"ok/ed25519 did:key": {args: []string{"--type", "ed25519"}, didPfx: "did:key:z6Mk", formats: map[string]int{"di": 0, "jwt": 0, "ob-jwt": 0}},
		"ok/p256 did:key":    {args: []string{"--type", "p256"}, didPfx: "did:key:zDn", formats: map[string]int{"di": 2, "jwt": 0, "ob-jwt": 0}},
		"ok/p384 did:key":    {args: []string{"--type", "p384"}, didPfx: "did:key:z82", formats: map[string]int{"jwt": 0}},
		"ok/rsa did:web":     {args: []string{"--type", "rsa", "--did-web", "https://kura.example.nz/issuers/rsa"}, didPfx: "did:web:kura.example.nz:issuers:rsa", formats: map[string]int{"di": 2, "jwt": 1, "ob-jwt": 1}},
		"ok/ed25519 did:web": {args: []string{"--did-web", "https://kura.example.nz/issuers/ed"}, didPfx: "did:web:kura.example.nz:issuers:ed", formats: map[string]int{"di": 1, "jwt": 1}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			key := filepath.Join(t.TempDir(), "key.json")
			r := runCLI(t, "", append([]string{"keys", "new", "--out", key}, tc.args...)...)
			if r.code != 0 {
				t.Fatalf("keys new: %+v", r)
			}
			st, err := os.Stat(key)
			if err != nil || st.Mode().Perm() != 0o600 {
				t.Fatalf("key file mode %v (%v), want 0600", st.Mode().Perm(), err)
			}
			var kf struct{ DID, VerificationMethod, Controller string }
			b, _ := os.ReadFile(key)
			if err := json.Unmarshal(b, &kf); err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(kf.DID, tc.didPfx) || !strings.HasPrefix(kf.VerificationMethod, kf.DID+"#") || kf.Controller != kf.DID {
				t.Fatalf("key file records did %q, vm %q, controller %q", kf.DID, kf.VerificationMethod, kf.Controller)
			}
			if !strings.Contains(r.stdout, "did: "+kf.DID+"\n") || !strings.Contains(r.stdout, "verificationMethod: "+kf.VerificationMethod+"\n") {
				t.Fatalf("printed %q, file has %s / %s", r.stdout, kf.DID, kf.VerificationMethod)
			}
			for format, want := range tc.formats {
				s := runCLI(t, "", "sign", "--key", key, "--format", format, cred)
				if want == 2 {
					if s.code != 2 {
						t.Fatalf("sign --format %s: %+v, want exit 2", format, s)
					}
					oneLineError(t, s.stderr)
					continue
				}
				if s.code != 0 {
					t.Fatalf("sign --format %s: %+v", format, s)
				}
				if format == "di" && !strings.Contains(s.stdout, `"verificationMethod": "`+kf.VerificationMethod+`"`) {
					t.Errorf("proof does not name %s:\n%s", kf.VerificationMethod, s.stdout)
				}
				v := runCLI(t, s.stdout, "verify", "--offline", "--json", "-")
				var rep struct {
					Result string
					Issuer struct{ ID string }
				}
				if err := json.Unmarshal([]byte(v.stdout), &rep); err != nil {
					t.Fatalf("verify --json: %v\n%s", err, v.stdout)
				}
				if v.code != want || rep.Issuer.ID != kf.DID {
					t.Fatalf("verify %s: exit %d (want %d), result %s, issuer %q (want %s)", format, v.code, want, rep.Result, rep.Issuer.ID, kf.DID)
				}
				if want == 1 && rep.Result != "could_not_check" {
					t.Fatalf("offline did:web %s: result %s, want could_not_check", format, rep.Result)
				}
			}
		})
	}
}
