package api

import (
	"bytes"
	"encoding/csv"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/tohu-nz/tohu/errs"
)

// HeaderMissingNSN on the NZQA completions report counts the completions
// in the range that are NOT in this response (those lacking a National
// Student Number in the default report; those having one with
// ?missing_nsn=1), so staff know when there is something to fix.
const HeaderMissingNSN = "X-Tohu-Other-Section-Rows"

var completionColumns = []string{"nsn", "learner_name", "nzqa_reference", "nzqa_version", "title",
	"date_of_achievement", "credits", "award_id"}

// nzqaCompletions is GET /api/v1/reports/nzqa-completions?from=YYYY-MM-DD&to=YYYY-MM-DD[&missing_nsn=1]:
// the provider's completions (issued or suspended awards completed in the
// range, both dates included; revoked ones left out) as CSV, one line per
// award: learner NSN, learner name, the micro-credential's NZQA reference,
// version and title, the date of achievement and the credits earned.
//
// The default report holds only rows with an NSN (ready to send to NZQA);
// missing_nsn=1 lists the rows lacking one, with the award id, so staff can
// fix the learner records. Each answer says in HeaderMissingNSN how many
// rows the other list holds.
func (s *server) nzqaCompletions(c *fiber.Ctx) error {
	from, err := parseDate("/from", c.Query("from"))
	if err != nil {
		return err
	}
	to, err := parseDate("/to", c.Query("to"))
	if err != nil {
		return err
	}
	if from == nil || to == nil {
		missing := "/from"
		if from != nil {
			missing = "/to"
		}
		return errs.F(errs.Invalid, missing, "Give the range as ?from=YYYY-MM-DD&to=YYYY-MM-DD.")
	}
	missing := c.Query("missing_nsn") == "1" || c.Query("missing_nsn") == "true"
	rows, other, err := s.Issuer.NZQACompletions(c.UserContext(), actor(c), *from, *to, !missing)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.Write(completionColumns)
	for _, r := range rows {
		_ = w.Write([]string{r.NSN, cell(r.LearnerName), r.NZQARef, r.NZQAVersion, cell(r.Title),
			r.CompletedOn.Format(time.DateOnly), strconv.Itoa(r.CreditsEarned), r.AwardID})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return errs.Wrap(err, errs.Internal, "could not write the report")
	}
	name := "nzqa-completions-" + from.Format(time.DateOnly) + "-" + to.Format(time.DateOnly)
	if missing {
		name += "-missing-nsn"
	}
	c.Set(HeaderMissingNSN, strconv.Itoa(other))
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+strings.ReplaceAll(name, `"`, "")+`.csv"`)
	return c.Send(b.Bytes())
}
