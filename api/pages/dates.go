package pages

import (
	"strconv"
	"time"
	// The pages show dates in New Zealand time whatever the server's zone
	// database holds; the embedded copy adds about 450 KB to the binary.
	_ "time/tzdata"
)

// nzZone is New Zealand time (NZST/NZDT). A credential issued at
// 2025-01-14T20:00:00Z was issued on 15 January in New Zealand.
var nzZone = func() *time.Location {
	loc, err := time.LoadLocation("Pacific/Auckland")
	if err != nil {
		return time.UTC
	}
	return loc
}()

// monthsMi are the te reo Māori month names used by NZ government agencies.
var monthsMi = [12]string{
	"Kohitātea", "Huitanguru", "Poutūterangi", "Paengawhāwhā", "Haratua", "Pipiri",
	"Hōngongoi", "Hereturikōkā", "Mahuru", "Whiringa-ā-nuku", "Whiringa-ā-rangi", "Hakihea",
}

// FormatDate writes a date the New Zealand way, day month year, in New
// Zealand time: "15 January 2025", or in te reo Māori "15 Kohitātea 2025".
// The zero time is "".
func FormatDate(t time.Time, l Lang) string {
	if t.IsZero() {
		return ""
	}
	t = t.In(nzZone)
	month := t.Month().String()
	if l == Mi {
		month = monthsMi[t.Month()-1]
	}
	return strconv.Itoa(t.Day()) + " " + month + " " + strconv.Itoa(t.Year())
}

// parseTime reads an RFC 3339 / XML Schema dateTime as credentials carry it
// (validFrom, awardedDate); the zero time when it cannot.
func parseTime(s string) time.Time {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t
		}
	}
	return time.Time{}
}
