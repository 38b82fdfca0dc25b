package statuslist_test

import (
	"testing"

	"github.com/tohu-nz/tohu/credential/statuslist"
)

// FuzzDecode: Decode never panics, and what it accepts is a list of at least
// MinBits whose re-encoding decodes to the same length.
func FuzzDecode(f *testing.F) {
	f.Add("uH4sIAAAAAAAA_-3BMQEAAAzDoMy_6cnoA9QFAAAAAAAAAAAAAAAAAAAAbD3uPa2cAEAAAA")
	f.Add("uH4sIAAAAAAAA_-3BMQEAAAzDoMy_6cnoA9QFAAAAAAAAAAAAAAAAAAAAbD3uPa2cAE")
	f.Add("zH4sIAAAAAAAA")
	f.Add("u")
	f.Fuzz(func(t *testing.T, s string) {
		l, err := statuslist.Decode(s)
		if err != nil {
			return
		}
		if l.Len() < statuslist.MinBits {
			t.Fatalf("accepted a list of %d entries", l.Len())
		}
		enc, err := l.Encode()
		if err != nil {
			t.Fatal(err)
		}
		back, err := statuslist.Decode(enc)
		if err != nil || back.Len() != l.Len() {
			t.Fatalf("re-encoded list does not decode: %v", err)
		}
	})
}

// FuzzParseEntries: ParseEntries never panics and every validated entry has
// an index Index() accepts.
func FuzzParseEntries(f *testing.F) {
	f.Add(`{"credentialStatus":{"type":"BitstringStatusListEntry","statusPurpose":"revocation","statusListIndex":23,"statusListCredential":"https://x/l"}}`)
	f.Add(`{"credentialStatus":[{"type":["BitstringStatusListEntry"],"statusPurpose":"suspension","statusListIndex":"7","statusListCredential":"https://x/l","statusSize":"1"}]}`)
	f.Add(`{"credentialStatus":null}`)
	f.Fuzz(func(t *testing.T, s string) {
		entries, err := statuslist.ParseEntries([]byte(s))
		if err != nil {
			return
		}
		for _, e := range entries {
			if e.Type != statuslist.TypeEntry && e.Type != statuslist.TypeLegacyEntry {
				continue
			}
			if _, err := e.Index(); err != nil {
				t.Fatalf("validated entry has a bad index %q: %v", e.StatusListIndex, err)
			}
		}
	})
}
