package issuer

import "testing"

// TestCompletedOnHint: a day-first date gets the value to write instead;
// anything else, or a day-first form that is no date, the plain rule.
func TestCompletedOnHint(t *testing.T) {
	const plain = "write the completion date as YYYY-MM-DD"
	for in, want := range map[string]string{
		"3/4/2026":   plain + ": if 3/4/2026 is 3 April 2026, write 2026-04-03",
		"28.04.2026": plain + ": if 28.04.2026 is 28 April 2026, write 2026-04-28",
		"29-02-2028": plain + ": if 29-02-2028 is 29 February 2028, write 2028-02-29",
		"31/02/2026": plain, // no such day
		"04/28/2026": plain, // month first: no 28th month
		"2026/04/28": plain,
		"28 April":   plain,
		"":           plain,
	} {
		if got := completedOnHint(in); got != want {
			t.Errorf("completedOnHint(%q) = %q, want %q", in, got, want)
		}
	}
}
