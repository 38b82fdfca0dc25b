package verifier_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tohu-nz/tohu/keys"
	"github.com/tohu-nz/tohu/verifier"
)

// i18nInline is the test credential with an Arabic right-to-left name
// (VCDM 2.0 §11.1), a description in two directions, and inline context
// objects (plain and wrapped) defining a term the credential uses.
func i18nInline(m map[string]any) {
	m["@context"] = append(m["@context"].([]any),
		map[string]any{"nzqaCode": "https://tohu.example.nz/vocab#nzqaCode"},
		map[string]any{"@context": map[string]any{"tier": "https://tohu.example.nz/vocab#tier"}})
	m["nzqaCode"] = "US-12345"
	m["tier"] = "gold"
	m["name"] = map[string]any{"@value": "شهادة اللغة العربية", "@language": "ar", "@direction": "rtl"}
	m["description"] = []any{
		map[string]any{"@value": "Arabic language certificate", "@language": "en", "@direction": "ltr"},
		map[string]any{"@value": "תעודה", "@direction": "rtl"},
	}
}

func TestInlineContextsAndDirection(t *testing.T) {
	k := newIssuerKey(t, keys.KindEd25519)
	signed := k.signDI(t, k.unsigned(t, i18nInline))
	v := newVerifier(nil)
	tests := map[string]struct {
		input     func() []byte
		want      verifier.Result
		check     string
		status    string
		code      string
		msgSubstr string
	}{
		"ok/rtl name and inline contexts": {
			input: func() []byte { return signed },
			want:  verifier.Verified, check: verifier.CheckContexts, status: verifier.Passed, code: "contexts.ok", msgSubstr: "2 inline context",
		},
		"error/direction flipped after signing": {
			input: func() []byte {
				m := decode(t, signed)
				m["name"].(map[string]any)["@direction"] = "ltr"
				return encode(t, m)
			},
			want: verifier.NotVerified, check: verifier.CheckProof, status: verifier.Failed,
		},
		"error/inline context term changed after signing": {
			input: func() []byte {
				m := decode(t, signed)
				m["@context"].([]any)[2] = map[string]any{"nzqaCode": "https://evil.example/vocab#nzqaCode"}
				return encode(t, m)
			},
			want: verifier.NotVerified, check: verifier.CheckProof, status: verifier.Failed,
		},
		"error/unpinned URL inside an inline context": {
			input: func() []byte {
				m := decode(t, signed)
				m["@context"] = append(m["@context"].([]any), map[string]any{
					"extra": map[string]any{"@id": "https://tohu.example.nz/vocab#extra", "@context": "https://evil.example/ctx.json"}})
				return encode(t, m)
			},
			want: verifier.NotVerified, check: verifier.CheckContexts, status: verifier.Failed, code: "contexts.unknown", msgSubstr: "https://evil.example/ctx.json",
		},
		"error/unpinned @import": {
			input: func() []byte {
				m := decode(t, signed)
				m["@context"] = append(m["@context"].([]any), map[string]any{"@import": "https://evil.example/import.json"})
				return encode(t, m)
			},
			want: verifier.NotVerified, check: verifier.CheckContexts, status: verifier.Failed, code: "contexts.unknown", msgSubstr: "https://evil.example/import.json",
		},
		"error/inline context first": {
			input: func() []byte {
				m := decode(t, signed)
				c := m["@context"].([]any)
				c[0], c[2] = c[2], c[0]
				return encode(t, m)
			},
			want: verifier.NotVerified, check: verifier.CheckContexts, status: verifier.Failed, code: "contexts.wrong_base", msgSubstr: "inline",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			r := v.Verify(context.Background(), tc.input())
			if r.Result != tc.want {
				t.Fatalf("result %s, want %s\n%s", r.Result, tc.want, dump(r))
			}
			c, ok := r.Check(tc.check)
			if !ok || c.Status != tc.status || (tc.code != "" && c.Code != tc.code) || !strings.Contains(c.Message, tc.msgSubstr) {
				t.Fatalf("check %s = %+v, want %s %s %q\n%s", tc.check, c, tc.status, tc.code, tc.msgSubstr, dump(r))
			}
		})
	}

	// The independent JavaScript verifier (Digital Bazaar's stack) must
	// accept the same credential: it signs @direction as rdfDirection
	// i18n-datatype, as tohu does.
	home, _ := os.UserHomeDir()
	script := filepath.Join(home, ".cache", "tohu-xverify", "xverify.mjs")
	node, err := exec.LookPath("node")
	if _, serr := os.Stat(script); err != nil || serr != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("xverify peer missing (node: %v, %s)", err, script)
		}
		t.Skip("xverify peer not installed")
	}
	f := filepath.Join(t.TempDir(), "vc.json")
	if err := os.WriteFile(f, signed, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(node, script, f, "--no-status", "--now", testNow.Format(time.RFC3339)).CombinedOutput()
	if err != nil || !strings.Contains(string(out), `"verified":true`) {
		t.Fatalf("xverify refused tohu's credential: %v\n%s\n%s", err, out, signed)
	}
	// ... and, like tohu, refuse it with the direction flipped: the
	// direction is covered by the proof on both sides.
	m := decode(t, signed)
	m["name"].(map[string]any)["@direction"] = "ltr"
	if err := os.WriteFile(f, encode(t, m), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err = exec.Command(node, script, f, "--no-status", "--now", testNow.Format(time.RFC3339)).CombinedOutput()
	if err == nil || strings.Contains(string(out), `"verified":true`) {
		t.Fatalf("xverify accepted the credential with its direction flipped\n%s", out)
	}
}
