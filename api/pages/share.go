package pages

import (
	"html/template"
	"image/color"
	"net/url"
	"strconv"
	"strings"
	"time"

	// boombuler/barcode is pure Go with no dependencies of its own, MIT
	// licensed, and still released (v1.1.0, 2025). Compared with
	// skip2/go-qrcode (untagged since 2020, PNG-oriented) and
	// yeqown/go-qrcode (pulls in image and font packages), it gives the bare
	// module matrix, which is all an inline SVG needs.
	"github.com/boombuler/barcode/qr"
)

// LinkedInCert is what LinkedIn's "add to profile" form takes for a
// licence or certification.
type LinkedInCert struct {
	Name             string    // the certification name: the achievement title
	OrganizationName string    // the provider's name, used when OrganizationID is empty
	OrganizationID   string    // the provider's LinkedIn company id, when known
	Issued           time.Time // month and year are sent, in New Zealand time
	Expires          time.Time // optional
	CertURL          string    // the credential page
	CertID           string    // the credential id
}

// linkedInAdd is LinkedIn's documented add-to-profile endpoint.
const linkedInAdd = "https://www.linkedin.com/profile/add"

// URL returns the add-to-profile link with startTask=CERTIFICATION_NAME,
// which opens the "Add licence or certification" form filled in.
func (c LinkedInCert) URL() string {
	q := url.Values{}
	q.Set("startTask", "CERTIFICATION_NAME")
	q.Set("name", c.Name)
	if c.OrganizationID != "" {
		q.Set("organizationId", c.OrganizationID)
	} else if c.OrganizationName != "" {
		q.Set("organizationName", c.OrganizationName)
	}
	if !c.Issued.IsZero() {
		t := c.Issued.In(nzZone)
		q.Set("issueYear", strconv.Itoa(t.Year()))
		q.Set("issueMonth", strconv.Itoa(int(t.Month())))
	}
	if !c.Expires.IsZero() {
		t := c.Expires.In(nzZone)
		q.Set("expirationYear", strconv.Itoa(t.Year()))
		q.Set("expirationMonth", strconv.Itoa(int(t.Month())))
	}
	if c.CertURL != "" {
		q.Set("certUrl", c.CertURL)
	}
	if c.CertID != "" {
		q.Set("certId", c.CertID)
	}
	return linkedInAdd + "?" + q.Encode()
}

// QRSVG draws text as a QR code (error correction level M, with the four
// module quiet zone the standard asks for) in one SVG path, for inlining in
// a page. The SVG is built from the module matrix only, so it is safe to
// mark as HTML; label becomes its accessible name.
func QRSVG(text, label string) (template.HTML, error) {
	code, err := qr.Encode(text, qr.M, qr.Auto)
	if err != nil {
		return "", err
	}
	n := code.Bounds().Dx()
	const quiet = 4
	size := n + 2*quiet
	var b strings.Builder
	b.WriteString(`<svg xmlns="http://www.w3.org/2000/svg" class="qr" viewBox="0 0 `)
	b.WriteString(strconv.Itoa(size) + " " + strconv.Itoa(size))
	b.WriteString(`" role="img" aria-label="`)
	b.WriteString(template.HTMLEscapeString(label))
	b.WriteString(`" shape-rendering="crispEdges"><rect width="100%" height="100%" fill="#fff"/><path fill="#000" d="`)
	for y := 0; y < n; y++ {
		for x := 0; x < n; {
			if !dark(code.At(x, y)) {
				x++
				continue
			}
			run := 1
			for x+run < n && dark(code.At(x+run, y)) {
				run++
			}
			// One horizontal run of dark modules: move, width, height 1.
			b.WriteString("M" + strconv.Itoa(x+quiet) + " " + strconv.Itoa(y+quiet) + "h" + strconv.Itoa(run) + "v1h-" + strconv.Itoa(run) + "z")
			x += run
		}
	}
	b.WriteString(`"/></svg>`)
	return template.HTML(b.String()), nil
}

func dark(c color.Color) bool {
	r, g, bl, _ := c.RGBA()
	return r+g+bl < 3*0x8000
}
