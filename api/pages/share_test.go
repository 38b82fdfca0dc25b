package pages_test

import (
	"encoding/xml"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tohu-nz/tohu/api/pages"
)

func TestLinkedInURL(t *testing.T) {
	issued := time.Date(2025, 1, 14, 20, 30, 0, 0, time.UTC) // 15 January in NZ
	tests := map[string]struct {
		cert   pages.LinkedInCert
		want   map[string]string
		absent []string
	}{
		"ok/organisation name": {
			cert: pages.LinkedInCert{Name: "Te Ahuwhenua Toitū & more", OrganizationName: "Waitematā Trades Academy", Issued: issued,
				CertURL: "https://tohu.example.nz/c/abc", CertID: "urn:uuid:abc"},
			want: map[string]string{"startTask": "CERTIFICATION_NAME", "name": "Te Ahuwhenua Toitū & more", "organizationName": "Waitematā Trades Academy",
				"issueYear": "2025", "issueMonth": "1", "certUrl": "https://tohu.example.nz/c/abc", "certId": "urn:uuid:abc"},
			absent: []string{"organizationId", "expirationYear", "expirationMonth"},
		},
		"ok/organisation id preferred": {
			cert: pages.LinkedInCert{Name: "X", OrganizationName: "Y", OrganizationID: "1337", Issued: time.Date(2024, 12, 31, 12, 0, 0, 0, time.UTC),
				Expires: time.Date(2027, 6, 30, 0, 0, 0, 0, time.UTC)},
			want:   map[string]string{"organizationId": "1337", "issueYear": "2025", "issueMonth": "1", "expirationYear": "2027", "expirationMonth": "6"},
			absent: []string{"organizationName", "certUrl", "certId"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			raw := tc.cert.URL()
			u, err := url.Parse(raw)
			if err != nil {
				t.Fatal(err)
			}
			if u.Scheme != "https" || u.Host != "www.linkedin.com" || u.Path != "/profile/add" {
				t.Errorf("endpoint = %s://%s%s", u.Scheme, u.Host, u.Path)
			}
			q := u.Query()
			for k, v := range tc.want {
				if got := q.Get(k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
			for _, k := range tc.absent {
				if q.Has(k) {
					t.Errorf("%s should be absent, got %q", k, q.Get(k))
				}
			}
			if strings.Contains(raw, " ") || strings.Contains(raw, "&more") {
				t.Errorf("query not encoded: %s", raw)
			}
		})
	}
}

var runRE = regexp.MustCompile(`M(\d+) (\d+)h(\d+)v1h-(\d+)z`)

// qrMatrix rebuilds the module matrix from the SVG path QRSVG writes.
func qrMatrix(t *testing.T, svg string) [][]bool {
	t.Helper()
	var doc struct {
		ViewBox string `xml:"viewBox,attr"`
		Role    string `xml:"role,attr"`
		Label   string `xml:"aria-label,attr"`
		Path    struct {
			D string `xml:"d,attr"`
		} `xml:"path"`
	}
	if err := xml.Unmarshal([]byte(svg), &doc); err != nil {
		t.Fatalf("QR SVG is not well-formed XML: %v", err)
	}
	if doc.Role != "img" || doc.Label == "" {
		t.Errorf("QR SVG needs role=img and a label, got %q %q", doc.Role, doc.Label)
	}
	f := strings.Fields(doc.ViewBox)
	size, _ := strconv.Atoi(f[2])
	m := make([][]bool, size)
	for i := range m {
		m[i] = make([]bool, size)
	}
	for _, r := range runRE.FindAllStringSubmatch(doc.Path.D, -1) {
		x, _ := strconv.Atoi(r[1])
		y, _ := strconv.Atoi(r[2])
		n, _ := strconv.Atoi(r[3])
		for i := 0; i < n; i++ {
			m[y][x+i] = true
		}
	}
	return m
}

// finderAt reports whether the 7×7 finder pattern (dark ring, light ring,
// dark 3×3 centre) sits with its top-left corner at (x, y).
func finderAt(m [][]bool, x, y int) bool {
	for dy := 0; dy < 7; dy++ {
		for dx := 0; dx < 7; dx++ {
			ring := dx == 0 || dy == 0 || dx == 6 || dy == 6
			centre := dx >= 2 && dx <= 4 && dy >= 2 && dy <= 4
			if m[y+dy][x+dx] != (ring || centre) {
				return false
			}
		}
	}
	return true
}

func TestQRSVG(t *testing.T) {
	tests := map[string]struct {
		text    string
		modules int // QR version size for level M
	}{
		"ok/short text version 1": {"tohu", 21},
		// Level M byte capacity: version 4 holds 62 bytes, version 5 holds 84.
		"ok/62-byte link version 4":   {"https://tohu.example.nz/c/7f1c2a8e-4b3d-4c55-9e21-0d6f3a9b1c42", 33},
		"ok/63 bytes needs version 5": {"https://tohu.example.nz/c/7f1c2a8e-4b3d-4c55-9e21-0d6f3a9b1c42/", 37},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			svg, err := pages.QRSVG(tc.text, `QR "code" <label>`)
			if err != nil {
				t.Fatal(err)
			}
			m := qrMatrix(t, string(svg))
			if got := len(m) - 8; got != tc.modules {
				t.Errorf("modules = %d, want %d (plus a 4-module quiet zone each side)", got, tc.modules)
			}
			n := tc.modules
			for _, p := range [][2]int{{4, 4}, {4 + n - 7, 4}, {4, 4 + n - 7}} {
				if !finderAt(m, p[0], p[1]) {
					t.Errorf("no finder pattern at %v", p)
				}
			}
			if finderAt(m, 4+n-7, 4+n-7) {
				t.Error("a finder pattern in the bottom-right corner: the matrix is not a QR code")
			}
			for i := range m {
				if m[0][i] || m[i][0] || m[3][i] {
					t.Fatal("dark module in the quiet zone")
				}
			}
			if !strings.Contains(string(svg), `aria-label="QR &#34;code&#34; &lt;label&gt;"`) {
				t.Errorf("label not escaped: %s", string(svg)[:200])
			}
		})
	}
	a, _ := pages.QRSVG("https://tohu.example.nz/c/1", "x")
	b, _ := pages.QRSVG("https://tohu.example.nz/c/2", "x")
	if a == b {
		t.Error("different links give the same QR code")
	}
}
