package dataintegrity

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"

	"github.com/tohu-nz/tohu/errs"
)

// decodeObject decodes doc once, keeping numbers as json.Number so their
// lexical form reaches canonicalization unchanged. The top level must be a
// JSON object with an @context, followed by nothing but white space.
func decodeObject(doc []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, errs.Wrap(err, errs.Invalid, "the document is not valid JSON")
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errs.E(errs.Invalid, "the document has data after its JSON value")
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, errs.E(errs.Invalid, "the document must be a JSON object")
	}
	if _, ok := m["@context"]; !ok {
		return nil, errs.F(errs.Invalid, "/@context", "the document has no @context")
	}
	return m, nil
}

// proofObjects returns the document's proofs (VC Data Integrity 1.0, §2.1:
// proof is one object or a proof set, an array of objects) with the JSON
// pointer of each, or nil when there is no proof member.
func proofObjects(root map[string]any) ([]map[string]any, []string, error) {
	v, ok := root["proof"]
	if !ok {
		return nil, nil, nil
	}
	switch v := v.(type) {
	case map[string]any:
		return []map[string]any{v}, []string{"/proof"}, nil
	case []any:
		if len(v) == 0 {
			return nil, nil, errs.F(errs.Invalid, "/proof", "the proof set is empty")
		}
		ps := make([]map[string]any, len(v))
		fields := make([]string, len(v))
		for i, x := range v {
			m, ok := x.(map[string]any)
			fields[i] = "/proof/" + strconv.Itoa(i)
			if !ok {
				return nil, nil, errs.F(errs.Invalid, fields[i], "a proof must be a JSON object")
			}
			ps[i] = m
		}
		return ps, fields, nil
	}
	return nil, nil, errs.F(errs.Invalid, "/proof", "proof must be an object or an array of objects")
}

// withoutProof returns a shallow copy of root without its proof member: the
// unsecured document. The nested values are shared, not copied;
// canonicalization treats its input as read-only.
func withoutProof(root map[string]any) map[string]any {
	m := make(map[string]any, len(root))
	for k, v := range root {
		if k != "proof" {
			m[k] = v
		}
	}
	return m
}
