package statuslist

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/tohu-nz/tohu/errs"
)

// Entry is one credentialStatus member (BSL §2.1 "BitstringStatusListEntry").
// StatusListIndex is always written as a string, as BSL requires.
type Entry struct {
	ID                   string `json:"id,omitempty"`
	Type                 string `json:"type"`
	StatusPurpose        string `json:"statusPurpose"`
	StatusListIndex      string `json:"statusListIndex"`
	StatusListCredential string `json:"statusListCredential"`
}

// Index returns StatusListIndex as an int. Returns Invalid when it is not a
// non-negative decimal integer.
func (e Entry) Index() (int, error) {
	i, err := parseIndex(e.StatusListIndex)
	if err != nil {
		return 0, err
	}
	return i, nil
}

// maxIndex bounds statusListIndex to what a list under MaxDecodedBytes holds.
const maxIndex = MaxDecodedBytes*8 - 1

func parseIndex(s string) (int, error) {
	if s == "" || len(s) > 10 {
		return 0, errs.E(errs.Invalid, "statusListIndex %q is not a non-negative integer", s)
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, errs.E(errs.Invalid, "statusListIndex %q is not a non-negative integer", s)
		}
	}
	n, err := strconv.Atoi(s)
	if err != nil || n > maxIndex {
		return 0, errs.E(errs.Invalid, "statusListIndex %q is out of range", s)
	}
	return n, nil
}

// rawEntry accepts statusListIndex and statusSize as strings or numbers.
type rawEntry struct {
	ID                   string          `json:"id"`
	Type                 json.RawMessage `json:"type"`
	StatusPurpose        string          `json:"statusPurpose"`
	StatusListIndex      json.RawMessage `json:"statusListIndex"`
	StatusListCredential string          `json:"statusListCredential"`
	StatusSize           json.RawMessage `json:"statusSize"`
}

// ParseEntries returns the credentialStatus entries of a credential, which
// may be one object or an array of them (VCDM2 §4.10). A credential with no
// credentialStatus has no entries (nil, nil).
//
// Entries whose type is BitstringStatusListEntry or StatusList2021Entry are
// checked: statusPurpose and statusListCredential are required, and
// statusListIndex must be a non-negative integer, given as a string (BSL
// §2.1) or, as the 1EdTech validator fixtures do, a JSON number; it is
// returned as a decimal string. Other status types are returned with their
// type so the caller can report them as not understood.
//
// Errors: Invalid for malformed JSON or entries (Field points at the
// member); Unsupported for statusSize greater than 1 (multi-bit entries,
// BSL §2.1 "statusSize").
func ParseEntries(credentialJSON []byte) ([]Entry, error) {
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(credentialJSON, &doc); err != nil || doc == nil {
		return nil, errs.E(errs.Invalid, "the credential is not a JSON object")
	}
	raw := bytes.TrimSpace(doc["credentialStatus"])
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return nil, nil
	}
	var items []json.RawMessage
	array := raw[0] == '['
	if array {
		if err := json.Unmarshal(raw, &items); err != nil {
			return nil, errs.F(errs.Invalid, "/credentialStatus", "credentialStatus is not valid JSON")
		}
	} else {
		items = []json.RawMessage{raw}
	}

	out := make([]Entry, 0, len(items))
	for i, item := range items {
		ptr := "/credentialStatus"
		if array {
			ptr = fmt.Sprintf("/credentialStatus/%d", i)
		}
		e, err := parseEntry(item, ptr)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

func parseEntry(item json.RawMessage, ptr string) (Entry, error) {
	item = bytes.TrimSpace(item)
	if len(item) == 0 || item[0] != '{' {
		return Entry{}, errs.F(errs.Invalid, ptr, "a credentialStatus entry must be an object")
	}
	var r rawEntry
	if err := json.Unmarshal(item, &r); err != nil {
		return Entry{}, errs.F(errs.Invalid, ptr, "credentialStatus entry is malformed")
	}
	e := Entry{ID: r.ID, StatusPurpose: r.StatusPurpose, StatusListCredential: r.StatusListCredential}

	// type is a string, or (in JSON-LD) an array of strings; keep the one
	// tohu knows, else the first.
	var types []string
	var one string
	if json.Unmarshal(r.Type, &one) == nil {
		types = []string{one}
	} else if json.Unmarshal(r.Type, &types) != nil || len(types) == 0 {
		return Entry{}, errs.F(errs.Invalid, ptr+"/type", "credentialStatus type is missing")
	}
	e.Type = types[0]
	for _, t := range types {
		if t == TypeEntry || t == TypeLegacyEntry {
			e.Type = t
		}
	}
	if e.Type != TypeEntry && e.Type != TypeLegacyEntry {
		return e, nil
	}

	if len(r.StatusSize) > 0 {
		size, err := indexString(r.StatusSize)
		if err != nil || size == "" || size == "0" {
			return Entry{}, errs.F(errs.Invalid, ptr+"/statusSize", "statusSize is not a positive integer")
		}
		if size != "1" {
			return Entry{}, errs.F(errs.Unsupported, ptr+"/statusSize", "multi-bit status entries (statusSize %s) are not supported", size)
		}
	}
	if e.StatusPurpose == "" {
		return Entry{}, errs.F(errs.Invalid, ptr+"/statusPurpose", "statusPurpose is required")
	}
	if e.StatusListCredential == "" {
		return Entry{}, errs.F(errs.Invalid, ptr+"/statusListCredential", "statusListCredential is required")
	}
	idx, err := indexString(r.StatusListIndex)
	if err == nil {
		_, err = parseIndex(idx)
	}
	if err != nil {
		return Entry{}, errs.F(errs.Invalid, ptr+"/statusListIndex", "statusListIndex must be a non-negative integer")
	}
	e.StatusListIndex = idx
	return e, nil
}

// indexString returns a JSON string or integer number as a decimal string.
func indexString(raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "", errs.E(errs.Invalid, "missing")
	}
	if raw[0] == '"' {
		var s string
		err := json.Unmarshal(raw, &s)
		return s, err
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err != nil {
		return "", err
	}
	i, err := strconv.ParseInt(n.String(), 10, 64)
	if err != nil || i < 0 {
		return "", errs.E(errs.Invalid, "not a non-negative integer")
	}
	return strconv.FormatInt(i, 10), nil
}
