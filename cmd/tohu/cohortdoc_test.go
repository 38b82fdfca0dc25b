package main

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/tohu-nz/tohu/issuer"
)

// TestCohortDoc keeps docs/cohorts.md true to the code: its column table
// names exactly the columns a cohort file may have, in the documented
// order, and it shows the headers the results file and the NZQA report
// are written with (TestBulkCLI checks the server writes those).
func TestCohortDoc(t *testing.T) {
	raw, err := os.ReadFile("../../docs/cohorts.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	var cols []string
	for _, m := range regexp.MustCompile("(?m)^\\| `([a-z_]+)` \\|").FindAllStringSubmatch(doc, -1) {
		cols = append(cols, m[1])
	}
	if strings.Join(cols, ",") != strings.Join(issuer.BulkColumns, ",") {
		t.Errorf("documented columns %v, want issuer.BulkColumns %v", cols, issuer.BulkColumns)
	}
	for _, header := range []string{
		"line,learner_email,state,credential_url,error_field,error,email,email_detail",
		"nsn,learner_name,nzqa_reference,nzqa_version,title,date_of_achievement,credits,award_id",
	} {
		if !strings.Contains(doc, "\n"+header+"\n") {
			t.Errorf("docs/cohorts.md does not show the header %s", header)
		}
	}
}
