package credential_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/tohu-nz/tohu/credential"
	"github.com/tohu-nz/tohu/errs"
)

// base is a minimal conforming VC 2.0 credential; each case edits a copy.
const base = `{
  "@context": ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"],
  "type": ["VerifiableCredential", "ExampleCredential"],
  "issuer": "did:web:tohu.example:issuers:ara",
  "validFrom": "2025-01-01T00:00:00Z",
  "credentialSubject": {"id": "did:example:ākonga", "name": "Mere"}
}`

func TestCheckVCDM(t *testing.T) {
	tests := map[string]struct {
		edit  func(m map[string]any)
		field string // "" = accepted
	}{
		"ok/minimal":       {edit: func(map[string]any) {}},
		"ok/issuer object": {edit: func(m map[string]any) { m["issuer"] = map[string]any{"id": "https://ara.example", "name": "Ara"} }},
		"ok/context object": {edit: func(m map[string]any) {
			m["@context"] = []any{"https://www.w3.org/ns/credentials/v2", map[string]any{"Ex": "https://ex.example/#Ex"}}
		}},
		"ok/vc 1.1 dates no zone": {edit: func(m map[string]any) { v11(m); m["issuanceDate"] = "2025-01-01T00:00:00" }},
		"ok/urn id":               {edit: func(m map[string]any) { m["id"] = "urn:uuid:0b5e0a3c-7f43-4d1e-9a53-3d2c8f0b6c11" }},
		"ok/type as string":       {edit: func(m map[string]any) { m["type"] = "VerifiableCredential" }},
		"ok/millis and offset": {edit: func(m map[string]any) {
			m["validFrom"] = "2025-01-01T10:00:00.123+13:00"
			m["validUntil"] = "2026-01-01T00:00:00Z"
		}},
		"ok/same from and until":   {edit: func(m map[string]any) { m["validUntil"] = m["validFrom"] }},
		"ok/name language objects": {edit: func(m map[string]any) { m["name"] = []any{lv("Tohu", "mi", ""), lv("Sign", "en", "ltr")} }},
		"ok/issuer description": {edit: func(m map[string]any) {
			m["issuer"] = map[string]any{"id": "did:example:i", "description": lv("Kura", "mi", "")}
		}},
		"ok/subjects list": {edit: func(m map[string]any) {
			m["credentialSubject"] = []any{map[string]any{"a": "1"}, map[string]any{"b": "2"}}
		}},
		"ok/status with type": {edit: func(m map[string]any) {
			m["credentialStatus"] = map[string]any{"type": "ExampleStatus", "id": "https://s.example/1#5"}
		}},
		"ok/schema list": {edit: func(m map[string]any) {
			m["credentialSchema"] = []any{schema("https://s.example/a.json"), schema("https://s.example/b.json")}
		}},
		"ok/related resource": {edit: func(m map[string]any) {
			m["relatedResource"] = []any{map[string]any{"id": "https://r.example/a", "digestSRI": "sha384-abc"}}
		}},
		"error/no context":     {edit: func(m map[string]any) { delete(m, "@context") }, field: "/@context"},
		"error/context string": {edit: func(m map[string]any) { m["@context"] = "https://www.w3.org/ns/credentials/v2" }, field: "/@context"},
		"error/context number": {edit: func(m map[string]any) { m["@context"] = json.Number("4") }, field: "/@context"},
		"error/base not first": {edit: func(m map[string]any) {
			m["@context"] = []any{"https://www.w3.org/ns/credentials/examples/v2", "https://www.w3.org/ns/credentials/v2"}
		}, field: "/@context/0"},
		"error/context item bad url": {edit: func(m map[string]any) {
			m["@context"] = []any{"https://www.w3.org/ns/credentials/v2", "https ://x.example/v1"}
		}, field: "/@context/1"},
		"error/context item number": {edit: func(m map[string]any) {
			m["@context"] = []any{"https://www.w3.org/ns/credentials/v2", json.Number("7")}
		}, field: "/@context/1"},
		"error/id null":             {edit: func(m map[string]any) { m["id"] = nil }, field: "/id"},
		"error/id list":             {edit: func(m map[string]any) { m["id"] = []any{"urn:a:1", "urn:a:2"} }, field: "/id"},
		"error/id not url":          {edit: func(m map[string]any) { m["id"] = "credential-1" }, field: "/id"},
		"error/no type":             {edit: func(m map[string]any) { delete(m, "type") }, field: "/type"},
		"error/type number":         {edit: func(m map[string]any) { m["type"] = json.Number("4") }, field: "/type"},
		"error/type item null":      {edit: func(m map[string]any) { m["type"] = []any{"VerifiableCredential", nil} }, field: "/type/1"},
		"error/type without vc":     {edit: func(m map[string]any) { m["type"] = []any{"ExampleCredential"} }, field: "/type"},
		"error/no issuer":           {edit: func(m map[string]any) { delete(m, "issuer") }, field: "/issuer"},
		"error/issuer not url":      {edit: func(m map[string]any) { m["issuer"] = "ara-kura" }, field: "/issuer"},
		"error/issuer number":       {edit: func(m map[string]any) { m["issuer"] = json.Number("4") }, field: "/issuer"},
		"error/issuer list":         {edit: func(m map[string]any) { m["issuer"] = []any{} }, field: "/issuer"},
		"error/issuer object no id": {edit: func(m map[string]any) { m["issuer"] = map[string]any{"name": "Ara"} }, field: "/issuer/id"},
		"error/issuer id not url":   {edit: func(m map[string]any) { m["issuer"] = map[string]any{"id": "ara"} }, field: "/issuer/id"},
		"error/issuer name extra": {edit: func(m map[string]any) {
			m["issuer"] = map[string]any{"id": "did:example:i", "name": map[string]any{"@value": "A", "url": "x"}}
		}, field: "/issuer/name/url"},
		"error/name extra member": {edit: func(m map[string]any) {
			m["name"] = map[string]any{"@value": "A", "@language": "en", "url": "did:example:x"}
		}, field: "/name/url"},
		"error/description number":   {edit: func(m map[string]any) { m["description"] = json.Number("1") }, field: "/description"},
		"error/bad direction":        {edit: func(m map[string]any) { m["name"] = lv("A", "en", "up") }, field: "/name/@direction"},
		"error/no subject":           {edit: func(m map[string]any) { delete(m, "credentialSubject") }, field: "/credentialSubject"},
		"error/subject empty":        {edit: func(m map[string]any) { m["credentialSubject"] = map[string]any{} }, field: "/credentialSubject"},
		"error/subject string":       {edit: func(m map[string]any) { m["credentialSubject"] = "did:example:1" }, field: "/credentialSubject"},
		"error/subject empty list":   {edit: func(m map[string]any) { m["credentialSubject"] = []any{} }, field: "/credentialSubject"},
		"error/subject list empty":   {edit: func(m map[string]any) { m["credentialSubject"] = []any{map[string]any{"a": "1"}, map[string]any{}} }, field: "/credentialSubject/1"},
		"error/subject ids":          {edit: func(m map[string]any) { m["credentialSubject"] = map[string]any{"id": []any{"did:a:1", "did:a:2"}} }, field: "/credentialSubject/id"},
		"error/validFrom text":       {edit: func(m map[string]any) { m["validFrom"] = "Tue 4 Mar 2025 09:00 NZDT" }, field: "/validFrom"},
		"error/validFrom no zone":    {edit: func(m map[string]any) { m["validFrom"] = "2025-01-01T00:00:00" }, field: "/validFrom"},
		"error/validUntil date only": {edit: func(m map[string]any) { m["validUntil"] = "2026-01-01" }, field: "/validUntil"},
		"error/until before from":    {edit: func(m map[string]any) { m["validUntil"] = "2024-12-31T23:59:59Z" }, field: "/validUntil"},
		"error/1.1 expiry first": {edit: func(m map[string]any) {
			v11(m)
			m["issuanceDate"] = "2025-01-01T00:00:00Z"
			m["expirationDate"] = "2024-01-01T00:00:00Z"
		}, field: "/expirationDate"},
		"error/status no type":     {edit: func(m map[string]any) { m["credentialStatus"] = map[string]any{"id": "https://s.example/1#5"} }, field: "/credentialStatus/type"},
		"error/status type number": {edit: func(m map[string]any) { m["credentialStatus"] = map[string]any{"type": json.Number("2")} }, field: "/credentialStatus/type"},
		"error/status id not url":  {edit: func(m map[string]any) { m["credentialStatus"] = map[string]any{"type": "S", "id": "status 5"} }, field: "/credentialStatus/id"},
		"error/status ids": {edit: func(m map[string]any) {
			m["credentialStatus"] = map[string]any{"type": "S", "id": []any{"urn:a:1", "urn:a:2"}}
		}, field: "/credentialStatus/id"},
		"error/schema no id":      {edit: func(m map[string]any) { m["credentialSchema"] = map[string]any{"type": "JsonSchema"} }, field: "/credentialSchema/id"},
		"error/schema no type":    {edit: func(m map[string]any) { m["credentialSchema"] = map[string]any{"id": "https://s.example/a.json"} }, field: "/credentialSchema/type"},
		"error/terms no type":     {edit: func(m map[string]any) { m["termsOfUse"] = []any{map[string]any{"id": "https://t.example"}} }, field: "/termsOfUse/0/type"},
		"error/evidence no type":  {edit: func(m map[string]any) { m["evidence"] = map[string]any{"id": "https://e.example"} }, field: "/evidence/type"},
		"error/refresh no type":   {edit: func(m map[string]any) { m["refreshService"] = map[string]any{"id": "https://r.example"} }, field: "/refreshService/type"},
		"error/related no digest": {edit: func(m map[string]any) { m["relatedResource"] = map[string]any{"id": "https://r.example/a"} }, field: "/relatedResource"},
		"error/related no id":     {edit: func(m map[string]any) { m["relatedResource"] = []any{map[string]any{"digestSRI": "sha384-abc"}} }, field: "/relatedResource/0/id"},
		"error/related duplicate": {edit: func(m map[string]any) {
			r := map[string]any{"id": "https://r.example/a", "digestMultibase": "uEiA"}
			m["relatedResource"] = []any{r, r}
		}, field: "/relatedResource/1/id"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var m map[string]any
			dec := json.NewDecoder(strings.NewReader(base))
			dec.UseNumber()
			if err := dec.Decode(&m); err != nil {
				t.Fatal(err)
			}
			tc.edit(m)
			err := credential.CheckVCDM(m)
			if tc.field == "" {
				if err != nil {
					t.Fatalf("CheckVCDM: %v; want accepted", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("CheckVCDM accepted it; want invalid at %s", tc.field)
			}
			if errs.ErrorCode(err) != errs.Invalid || errs.ErrorField(err) != tc.field {
				t.Fatalf("CheckVCDM: code %s field %q (%v); want invalid at %s", errs.ErrorCode(err), errs.ErrorField(err), err, tc.field)
			}
		})
	}
}

func TestIsURL(t *testing.T) {
	for s, want := range map[string]bool{
		"https://ara.example/a": true, "did:key:z6Mk": true, "urn:uuid:1": true, "mailto:a@b.nz": true,
		"": false, "ara": false, "https ://x": false, "https://a b": false, "did:": false, "1abc:x": false,
	} {
		if got := credential.IsURL(s); got != want {
			t.Errorf("IsURL(%q) = %v; want %v", s, got, want)
		}
	}
}

func v11(m map[string]any) {
	m["@context"] = []any{"https://www.w3.org/2018/credentials/v1"}
	delete(m, "validFrom")
}

func lv(value, lang, dir string) map[string]any {
	o := map[string]any{"@value": value, "@language": lang}
	if dir != "" {
		o["@direction"] = dir
	}
	return o
}

func schema(id string) map[string]any { return map[string]any{"id": id, "type": "JsonSchema"} }
