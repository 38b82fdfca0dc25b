package pages_test

import (
	"testing"
	"time"

	"github.com/tohu-nz/tohu/api/pages"
)

func TestNegotiate(t *testing.T) {
	tests := map[string]struct {
		query, accept string
		want          pages.Lang
	}{
		"ok/query mi wins":              {"mi", "en-NZ,en;q=0.9", pages.Mi},
		"ok/query en wins":              {"en", "mi", pages.En},
		"ok/query region tag":           {"mi-NZ", "", pages.Mi},
		"ok/query unknown falls back":   {"fr", "mi", pages.Mi},
		"ok/accept mi first":            {"", "mi, en;q=0.8", pages.Mi},
		"ok/accept q order":             {"", "en;q=0.5, mi;q=0.9", pages.Mi},
		"ok/accept skips unsupported":   {"", "fr-FR, de;q=0.9, mi;q=0.3", pages.Mi},
		"ok/accept q zero excluded":     {"", "mi;q=0, en;q=0.1", pages.En},
		"ok/accept uppercase":           {"", "MI-nz", pages.Mi},
		"ok/accept equal q keeps order": {"", "en-NZ, mi", pages.En},
		"ok/empty is english":           {"", "", pages.En},
		"ok/nothing supported":          {"", "ja, zh;q=0.8", pages.En},
		"ok/bad q ignored":              {"", "mi;q=abc, en;q=0.2", pages.En},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := pages.Negotiate(tc.query, tc.accept); got != tc.want {
				t.Errorf("Negotiate(%q, %q) = %q, want %q", tc.query, tc.accept, got, tc.want)
			}
		})
	}
}

func TestFormatDate(t *testing.T) {
	tests := map[string]struct {
		at   time.Time
		lang pages.Lang
		want string
	}{
		"ok/english":                    {time.Date(2025, 1, 15, 3, 0, 0, 0, time.UTC), pages.En, "15 January 2025"},
		"ok/maori":                      {time.Date(2025, 1, 15, 3, 0, 0, 0, time.UTC), pages.Mi, "15 Kohitātea 2025"},
		"ok/utc evening is nz next day": {time.Date(2025, 1, 14, 20, 30, 0, 0, time.UTC), pages.En, "15 January 2025"},
		"ok/winter offset":              {time.Date(2025, 7, 31, 12, 30, 0, 0, time.UTC), pages.Mi, "1 Hereturikōkā 2025"},
		"ok/october hyphenated":         {time.Date(2024, 10, 9, 0, 0, 0, 0, time.UTC), pages.Mi, "9 Whiringa-ā-nuku 2024"},
		"ok/zero is empty":              {time.Time{}, pages.En, ""},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := pages.FormatDate(tc.at, tc.lang); got != tc.want {
				t.Errorf("FormatDate = %q, want %q", got, tc.want)
			}
		})
	}
	seen := map[string]bool{}
	for m := 1; m <= 12; m++ {
		s := pages.FormatDate(time.Date(2025, time.Month(m), 10, 0, 0, 0, 0, time.UTC), pages.Mi)
		if seen[s] {
			t.Errorf("month %d repeats: %q", m, s)
		}
		seen[s] = true
	}
}
