package api

import "testing"

func TestPreferred(t *testing.T) {
	offers := []string{typeVCLD, typeJSON, typeVCJWT, mimeHTML, mimePNG}
	tests := map[string]struct {
		accept string
		want   string
	}{
		"ok/empty gives the first offer":        {"", typeVCLD},
		"ok/anything gives the first offer":     {"*/*", typeVCLD},
		"ok/exact":                              {"application/vc+jwt", typeVCJWT},
		"ok/q decides":                          {"application/vc+ld+json;q=0.4, application/vc+jwt;q=0.9", typeVCJWT},
		"ok/tie keeps the server's order":       {"text/html, application/json", typeJSON},
		"ok/specific beats the wildcard q":      {"text/html;q=0.9, */*;q=1", typeVCLD},
		"ok/type wildcard":                      {"image/*", mimePNG},
		"ok/browser":                            {"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", mimeHTML},
		"ok/q=0 refuses":                        {"application/vc+ld+json;q=0, */*", typeJSON},
		"ok/case and spaces":                    {" Application/VC+JWT ; Q=1 ", typeVCJWT},
		"ok/nothing acceptable gives the first": {"application/xml", typeVCLD},
		"ok/malformed ranges are ignored":       {"html, /, text/, image/png", mimePNG},
		"ok/bad q counts as zero":               {"text/html;q=abc, application/json;q=0.1", typeJSON},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := preferred(tc.accept, offers...); got != tc.want {
				t.Fatalf("preferred(%q) = %q, want %q", tc.accept, got, tc.want)
			}
		})
	}
}
