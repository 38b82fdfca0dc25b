package statuslist_test

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/tohu-nz/tohu/credential/statuslist"
	"github.com/tohu-nz/tohu/errs"
)

// encode gzips raw bytes into an encodedList, bypassing List.
func encode(t testing.TB, raw []byte) string {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(raw); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return "u" + base64.RawURLEncoding.EncodeToString(buf.Bytes())
}

func fixtureEncodedList(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("testdata/testlist.json")
	if err != nil {
		t.Fatal(err)
	}
	var vc struct {
		CredentialSubject struct {
			EncodedList string `json:"encodedList"`
		} `json:"credentialSubject"`
	}
	if err := json.Unmarshal(b, &vc); err != nil {
		t.Fatal(err)
	}
	return vc.CredentialSubject.EncodedList
}

// The 1EdTech fixture list has 131,072 entries and only entry 23 set.
func TestDecodeFixture(t *testing.T) {
	l, err := statuslist.Decode(fixtureEncodedList(t))
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	if l.Len() != 131072 {
		t.Fatalf("Len = %d, want 131072", l.Len())
	}
	var set []int
	for i := 0; i < l.Len(); i++ {
		v, err := l.Get(i)
		if err != nil {
			t.Fatal(err)
		}
		if v {
			set = append(set, i)
		}
	}
	if len(set) != 1 || set[0] != 23 {
		t.Fatalf("set bits = %v, want [23]", set)
	}
}

// Bit order (BSL §3.1): index 0 is the most significant bit of byte 0.
func TestBitOrder(t *testing.T) {
	raw := make([]byte, statuslist.MinBits/8)
	raw[0] = 0x80 // index 0
	raw[2] = 0x01 // index 23
	l, err := statuslist.Decode(encode(t, raw))
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range map[int]bool{0: true, 1: false, 7: false, 16: false, 22: false, 23: true} {
		if got, _ := l.Get(i); got != want {
			t.Errorf("Get(%d) = %v, want %v", i, got, want)
		}
	}

	l2, _ := statuslist.New(statuslist.MinBits)
	_ = l2.Set(0, true)
	_ = l2.Set(23, true)
	enc, err := l2.Encode()
	if err != nil {
		t.Fatal(err)
	}
	l3, err := statuslist.Decode(enc)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(mustBytes(t, l3), raw) {
		t.Fatal("Set(0), Set(23) did not produce bytes 80 00 01 ...")
	}
}

// mustBytes reads a list back bit by bit into bytes, MSB first.
func mustBytes(t *testing.T, l *statuslist.List) []byte {
	t.Helper()
	out := make([]byte, l.Len()/8)
	for i := 0; i < l.Len(); i++ {
		v, err := l.Get(i)
		if err != nil {
			t.Fatal(err)
		}
		if v {
			out[i/8] |= 0x80 >> (i % 8)
		}
	}
	return out
}

func TestRoundTrip(t *testing.T) {
	tests := map[string]struct {
		bits int
		set  []int
	}{
		"ok/empty minimum list":    {statuslist.MinBits, nil},
		"ok/first and last":        {statuslist.MinBits, []int{0, statuslist.MinBits - 1}},
		"ok/many in a larger list": {statuslist.MinBits * 2, []int{1, 8, 9, 1000, 131071, 131072, 262143}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			l, err := statuslist.New(tc.bits)
			if err != nil {
				t.Fatal(err)
			}
			for _, i := range tc.set {
				if err := l.Set(i, true); err != nil {
					t.Fatal(err)
				}
			}
			enc, err := l.Encode()
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(enc, "u") || strings.ContainsAny(enc, "=+/") {
				t.Fatalf("encodedList %q is not multibase base64url without padding", enc[:20])
			}
			got, err := statuslist.Decode(enc)
			if err != nil {
				t.Fatal(err)
			}
			if got.Len() != tc.bits {
				t.Fatalf("Len = %d, want %d", got.Len(), tc.bits)
			}
			want := map[int]bool{}
			for _, i := range tc.set {
				want[i] = true
			}
			for i := 0; i < got.Len(); i++ {
				if v, _ := got.Get(i); v != want[i] {
					t.Fatalf("bit %d = %v, want %v", i, v, want[i])
				}
			}
			// Clearing a bit works too (suspension is reversible).
			if len(tc.set) > 0 {
				_ = got.Set(tc.set[0], false)
				if v, _ := got.Get(tc.set[0]); v {
					t.Fatal("Set(false) did not clear the bit")
				}
			}
		})
	}
}

func TestNewAndBounds(t *testing.T) {
	tests := map[string]struct {
		bits    int
		op      func(l *statuslist.List) error
		wantErr errs.Code
	}{
		"ok/minimum":                {bits: statuslist.MinBits},
		"error/too small":           {bits: statuslist.MinBits - 8, wantErr: errs.Invalid},
		"error/not a multiple of 8": {bits: statuslist.MinBits + 1, wantErr: errs.Invalid},
		"error/zero":                {bits: 0, wantErr: errs.Invalid},
		"ok/set last":               {bits: statuslist.MinBits, op: func(l *statuslist.List) error { return l.Set(statuslist.MinBits-1, true) }},
		"error/set past the end":    {bits: statuslist.MinBits, op: func(l *statuslist.List) error { return l.Set(statuslist.MinBits, true) }, wantErr: errs.Invalid},
		"error/set negative":        {bits: statuslist.MinBits, op: func(l *statuslist.List) error { return l.Set(-1, true) }, wantErr: errs.Invalid},
		"error/get past the end": {bits: statuslist.MinBits, op: func(l *statuslist.List) error {
			_, err := l.Get(statuslist.MinBits)
			return err
		}, wantErr: errs.Invalid},
		"error/get negative": {bits: statuslist.MinBits, op: func(l *statuslist.List) error {
			_, err := l.Get(-1)
			return err
		}, wantErr: errs.Invalid},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			l, err := statuslist.New(tc.bits)
			if err == nil && tc.op != nil {
				err = tc.op(l)
			}
			if got := errs.ErrorCode(err); got != tc.wantErr {
				t.Fatalf("error code = %q (%v), want %q", got, err, tc.wantErr)
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	valid := encode(t, make([]byte, statuslist.MinBits/8))
	bomb := encode(t, make([]byte, statuslist.MaxDecodedBytes+1))
	tests := map[string]struct {
		in      string
		wantErr errs.Code
	}{
		"ok/valid":                     {valid, ""},
		"ok/padded base64url":          {valid + strings.Repeat("=", (4-(len(valid)-1)%4)%4), ""},
		"error/empty":                  {"", errs.Invalid},
		"error/base58btc multibase":    {"z" + valid[1:], errs.Invalid},
		"error/no multibase prefix":    {valid[1:], errs.Invalid},
		"error/standard base64":        {"u" + base64.StdEncoding.EncodeToString([]byte{0x1f, 0x8b, 0xfb, 0xff}), errs.Invalid},
		"error/not gzip":               {"u" + base64.RawURLEncoding.EncodeToString(make([]byte, 20000)), errs.Invalid},
		"error/truncated gzip":         {valid[:len(valid)-10], errs.Invalid},
		"error/shorter than minimum":   {encode(t, make([]byte, statuslist.MinBits/8-1)), errs.Invalid},
		"error/gzip bomb over the cap": {bomb, errs.Invalid},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := statuslist.Decode(tc.in)
			if got := errs.ErrorCode(err); got != tc.wantErr {
				t.Fatalf("error code = %q (%v), want %q", got, err, tc.wantErr)
			}
		})
	}
	if len(bomb) > 40000 {
		t.Fatalf("bomb fixture is %d bytes; the test means a small input", len(bomb))
	}
}

func TestListCredential(t *testing.T) {
	l, _ := statuslist.New(statuslist.MinBits)
	_ = l.Set(23, true)
	from := time.Date(2026, 3, 1, 10, 0, 0, 0, time.FixedZone("NZDT", 13*3600))
	b, err := statuslist.ListCredential("https://tohu.example/status/p1/revocation", "did:web:tohu.example:issuers:p1", statuslist.PurposeRevocation, l, from)
	if err != nil {
		t.Fatal(err)
	}
	var vc struct {
		Context           []string `json:"@context"`
		ID                string   `json:"id"`
		Type              []string `json:"type"`
		Issuer            string   `json:"issuer"`
		ValidFrom         string   `json:"validFrom"`
		CredentialSubject struct {
			ID, Type, StatusPurpose, EncodedList string
		} `json:"credentialSubject"`
	}
	if err := json.Unmarshal(b, &vc); err != nil {
		t.Fatal(err)
	}
	if strings.Join(vc.Context, " ") != "https://www.w3.org/ns/credentials/v2" ||
		strings.Join(vc.Type, " ") != "VerifiableCredential BitstringStatusListCredential" ||
		vc.Issuer != "did:web:tohu.example:issuers:p1" || vc.ValidFrom != "2026-02-28T21:00:00Z" ||
		vc.CredentialSubject.ID != vc.ID+"#list" || vc.CredentialSubject.Type != "BitstringStatusList" ||
		vc.CredentialSubject.StatusPurpose != "revocation" {
		t.Fatalf("unexpected list credential: %s", b)
	}
	back, err := statuslist.Decode(vc.CredentialSubject.EncodedList)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := back.Get(23); !v {
		t.Fatal("bit 23 lost in the list credential")
	}

	errTests := map[string]struct {
		id, issuer, purpose string
		list                *statuslist.List
		wantField           string
	}{
		"error/no id":         {"", "did:example:1", "revocation", l, "/id"},
		"error/no issuer":     {"https://x/1", "", "revocation", l, "/issuer"},
		"error/refresh":       {"https://x/1", "did:example:1", "refresh", l, "/credentialSubject/statusPurpose"},
		"error/empty purpose": {"https://x/1", "did:example:1", "", l, "/credentialSubject/statusPurpose"},
		"error/nil list":      {"https://x/1", "did:example:1", "suspension", nil, ""},
	}
	for name, tc := range errTests {
		t.Run(name, func(t *testing.T) {
			_, err := statuslist.ListCredential(tc.id, tc.issuer, tc.purpose, tc.list, from)
			if errs.ErrorCode(err) != errs.Invalid || errs.ErrorField(err) != tc.wantField {
				t.Fatalf("err = %v, want invalid at %q", err, tc.wantField)
			}
		})
	}
}

func TestParseEntries(t *testing.T) {
	fixture, err := os.ReadFile("testdata/credential-status-revoked.json")
	if err != nil {
		t.Fatal(err)
	}
	const listURL = "https://raw.githubusercontent.com/1EdTech/digital-credentials-public-validator/refs/heads/main/inspector-vc/src/test/resources/ob30/bit-string-list/testlist"
	entry := func(idx string) string {
		return `{"type":"BitstringStatusListEntry","statusPurpose":"revocation","statusListIndex":` + idx + `,"statusListCredential":"https://x/list"}`
	}
	tests := map[string]struct {
		in        string
		want      []statuslist.Entry
		wantErr   errs.Code
		wantField string
	}{
		"ok/1EdTech fixture with a numeric index": {in: string(fixture), want: []statuslist.Entry{{
			ID: listURL + "#23", Type: "BitstringStatusListEntry", StatusPurpose: "revocation", StatusListIndex: "23", StatusListCredential: listURL,
		}}},
		"ok/no credentialStatus": {in: `{"id":"x"}`},
		"ok/string index":        {in: `{"credentialStatus":` + entry(`"94567"`) + `}`, want: []statuslist.Entry{{Type: "BitstringStatusListEntry", StatusPurpose: "revocation", StatusListIndex: "94567", StatusListCredential: "https://x/list"}}},
		"ok/array of two": {in: `{"credentialStatus":[` + entry(`"1"`) + `,` + strings.Replace(entry(`2`), "revocation", "suspension", 1) + `]}`, want: []statuslist.Entry{
			{Type: "BitstringStatusListEntry", StatusPurpose: "revocation", StatusListIndex: "1", StatusListCredential: "https://x/list"},
			{Type: "BitstringStatusListEntry", StatusPurpose: "suspension", StatusListIndex: "2", StatusListCredential: "https://x/list"},
		}},
		"ok/statusSize 1":                          {in: `{"credentialStatus":` + strings.Replace(entry(`"5"`), `{`, `{"statusSize":1,`, 1) + `}`, want: []statuslist.Entry{{Type: "BitstringStatusListEntry", StatusPurpose: "revocation", StatusListIndex: "5", StatusListCredential: "https://x/list"}}},
		"ok/other status type kept for the caller": {in: `{"credentialStatus":{"id":"https://x/r","type":"1EdTechRevocationList"}}`, want: []statuslist.Entry{{ID: "https://x/r", Type: "1EdTechRevocationList"}}},
		"error/multi-bit entry":                    {in: `{"credentialStatus":` + strings.Replace(entry(`"5"`), `{`, `{"statusSize":2,`, 1) + `}`, wantErr: errs.Unsupported, wantField: "/credentialStatus/statusSize"},
		"error/negative index":                     {in: `{"credentialStatus":` + entry(`-1`) + `}`, wantErr: errs.Invalid, wantField: "/credentialStatus/statusListIndex"},
		"error/fractional index":                   {in: `{"credentialStatus":` + entry(`1.5`) + `}`, wantErr: errs.Invalid, wantField: "/credentialStatus/statusListIndex"},
		"error/non-numeric string":                 {in: `{"credentialStatus":[` + entry(`"1"`) + `,` + entry(`"0x10"`) + `]}`, wantErr: errs.Invalid, wantField: "/credentialStatus/1/statusListIndex"},
		"error/missing index":                      {in: `{"credentialStatus":{"type":"BitstringStatusListEntry","statusPurpose":"revocation","statusListCredential":"https://x/l"}}`, wantErr: errs.Invalid, wantField: "/credentialStatus/statusListIndex"},
		"error/missing list URL":                   {in: `{"credentialStatus":{"type":"BitstringStatusListEntry","statusPurpose":"revocation","statusListIndex":"1"}}`, wantErr: errs.Invalid, wantField: "/credentialStatus/statusListCredential"},
		"error/missing purpose":                    {in: `{"credentialStatus":{"type":"BitstringStatusListEntry","statusListIndex":"1","statusListCredential":"https://x/l"}}`, wantErr: errs.Invalid, wantField: "/credentialStatus/statusPurpose"},
		"error/entry is a string":                  {in: `{"credentialStatus":"https://x/l#1"}`, wantErr: errs.Invalid, wantField: "/credentialStatus"},
		"error/credential not object":              {in: `[1,2]`, wantErr: errs.Invalid},
		"error/huge index":                         {in: `{"credentialStatus":` + entry(`"99999999999"`) + `}`, wantErr: errs.Invalid, wantField: "/credentialStatus/statusListIndex"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := statuslist.ParseEntries([]byte(tc.in))
			if errs.ErrorCode(err) != tc.wantErr || errs.ErrorField(err) != tc.wantField {
				t.Fatalf("err = %v (field %q), want %q at %q", err, errs.ErrorField(err), tc.wantErr, tc.wantField)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %d entries %+v, want %d", len(got), got, len(tc.want))
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Errorf("entry %d = %+v, want %+v", i, got[i], tc.want[i])
				}
			}
		})
	}

	// The fixture's entry points at the fixture list's one set bit.
	entries, _ := statuslist.ParseEntries(fixture)
	idx, err := entries[0].Index()
	if err != nil {
		t.Fatal(err)
	}
	l, err := statuslist.Decode(fixtureEncodedList(t))
	if err != nil {
		t.Fatal(err)
	}
	if revoked, _ := l.Get(idx); !revoked {
		t.Fatal("the 1EdTech revoked fixture should read as revoked")
	}
}

// Entries marshal with statusListIndex as a string (BSL §2.1).
func TestEntryJSON(t *testing.T) {
	b, err := json.Marshal(statuslist.Entry{Type: "BitstringStatusListEntry", StatusPurpose: "revocation", StatusListIndex: "7", StatusListCredential: "https://x/l"})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"type":"BitstringStatusListEntry","statusPurpose":"revocation","statusListIndex":"7","statusListCredential":"https://x/l"}`
	if string(b) != want {
		t.Fatalf("got %s\nwant %s", b, want)
	}
}
