package issuer_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/tohu-nz/tohu/errs"
	"github.com/tohu-nz/tohu/issuer"
)

// spreadsheetRows is one cohort, as tohu's documented CSV.
const spreadsheetRows = `learner_name,learner_email,nsn,completed_on,evidence_url
"Ngata, Aroha",aroha@example.nz,123456789,2026-04-30,https://lms.example.nz/e/1
Tama Rāwiri,tama@example.nz,,2026-04-29,
`

// TestParseBulkCSVSpreadsheets: the same cohort saved by spreadsheets in
// the ways they save "CSV" (semicolons, tabs, column titles with spaces,
// a byte order mark and CRLF) reads as the same rows as the documented
// file; a spelling that is not a column's is still refused.
func TestParseBulkCSVSpreadsheets(t *testing.T) {
	want, err := issuer.ParseBulkCSV(strings.NewReader(spreadsheetRows))
	if err != nil {
		t.Fatal(err)
	}
	if len(want) != 2 || want[0].Input.LearnerName != "Ngata, Aroha" || want[1].Input.CompletedOn != "2026-04-29" || want[1].Line != 3 {
		t.Fatalf("documented file = %+v", want)
	}
	semicolons := "learner_name;learner_email;nsn;completed_on;evidence_url\n" +
		"\"Ngata, Aroha\";aroha@example.nz;123456789;2026-04-30;https://lms.example.nz/e/1\n" +
		"Tama Rāwiri;tama@example.nz;;2026-04-29;\n"
	for name, body := range map[string]string{
		"semicolons": semicolons,
		"tabs": "learner_name\tlearner_email\tnsn\tcompleted_on\tevidence_url\n" +
			"Ngata, Aroha\taroha@example.nz\t123456789\t2026-04-30\thttps://lms.example.nz/e/1\n" +
			"Tama Rāwiri\ttama@example.nz\t\t2026-04-29\t\n",
		"titles":                strings.Replace(spreadsheetRows, "learner_name,learner_email,nsn,completed_on,evidence_url", "Learner Name,Learner-Email,NSN,  Completed   On ,Evidence URL", 1),
		"BOM, CRLF, semicolons": "\ufeff" + strings.ReplaceAll(strings.Replace(semicolons, "learner_name;", "LEARNER NAME;", 1), "\n", "\r\n"),
		// LibreOffice quotes every text cell; the mark must not make the first quote a bare one.
		"BOM, quoted titles": "\ufeff" + strings.Replace(semicolons, "learner_name;learner_email;nsn;completed_on;evidence_url",
			`"Learner Name";"Learner Email";"NSN";"Completed On";"Evidence URL"`, 1),
		"blank lines, then semicolons": "\n\r\n" + semicolons,
	} {
		t.Run(name, func(t *testing.T) {
			got, err := issuer.ParseBulkCSV(strings.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			// Line numbers count lines as written: the blank ones too.
			blank := len(body) - len(strings.TrimLeft(body, "\r\n"))
			blank -= strings.Count(body[:blank], "\r\n")
			for i := range got {
				got[i].Line -= blank
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("rows = %+v\nwant %+v", got, want)
			}
		})
	}
	for name, c := range map[string]struct{ body, msg string }{
		"misspelt title":    {"Learner Nam,completed_on\nA,2026-04-30\n", `unknown column "Learner Nam"`}, // as written
		"synonym":           {"Name,completed_on\nA,2026-04-30\n", `unknown column "Name"`},
		"same column twice": {"learner_name,Learner Name,completed_on\nA,B,2026-04-30\n", `column "learner_name" appears twice`},
		// A comma on the header line makes it a comma file, whatever else the line holds.
		"comma header, semicolon rows": {"learner_name,completed_on;nsn\nA,2026-04-30;1\n", `unknown column "completed_on;nsn"`},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := issuer.ParseBulkCSV(strings.NewReader(c.body))
			var e *errs.Error
			if !errors.As(err, &e) || e.Code != errs.Invalid || e.Field != "header" || !strings.Contains(e.Error(), c.msg) {
				t.Fatalf("error = %v, want Invalid at header with %q", err, c.msg)
			}
		})
	}
}

// FuzzParseBulkCSV: whatever the file, ParseBulkCSV does not panic; it
// refuses the whole file only at "header" or "line", and otherwise returns
// rows in file order, each after the header line, and each invalid one
// saying which field and why.
func FuzzParseBulkCSV(f *testing.F) {
	f.Add(spreadsheetRows)
	f.Add(strings.ReplaceAll(spreadsheetRows, ",", ";"))
	f.Add(strings.ReplaceAll(spreadsheetRows, ",", "\t"))
	f.Add("\ufeffLearner Name;Completed On\r\nA;1/2/2026\r\n")
	f.Add("learner_name,completed_on\n\"A\nB\",2026-01-01\nC\n")
	f.Fuzz(func(t *testing.T, body string) {
		rows, err := issuer.ParseBulkCSV(strings.NewReader(body))
		if err != nil {
			var e *errs.Error
			if !errors.As(err, &e) || e.Code != errs.Invalid || (e.Field != "header" && e.Field != "line") {
				t.Fatalf("error %v: want Invalid at header or line", err)
			}
			return
		}
		last := 1
		for _, r := range rows {
			if r.Line <= last {
				t.Fatalf("row at line %d after line %d", r.Line, last)
			}
			last = r.Line
			if r.State == issuer.RowInvalid && (r.ErrorField == "" || r.Error == "") {
				t.Fatalf("invalid row without field or message: %+v", r)
			}
		}
	})
}
