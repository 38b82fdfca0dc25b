package api

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"math"
	"mime"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/tohu-nz/tohu/errs"
	"github.com/tohu-nz/tohu/issuer"
)

// jobResponse is a bulk job's progress (GET /api/v1/jobs/:id).
type jobResponse struct {
	ID         string     `json:"id"`
	State      string     `json:"state"` // queued | running | done | failed | cancelled
	Mode       string     `json:"mode"`  // issue | create
	Total      int        `json:"total"`
	Done       int        `json:"done"`
	Failed     int        `json:"failed"`
	Cancelled  int        `json:"cancelled"`
	Pending    int        `json:"pending"`
	Rate       float64    `json:"rate"`       // rows per second since the job started
	ETASeconds *float64   `json:"etaSeconds"` // null when unknown or finished
	CreatedAt  time.Time  `json:"createdAt"`
	StartedAt  *time.Time `json:"startedAt,omitempty"`
	FinishedAt *time.Time `json:"finishedAt,omitempty"`
	ResultsURL string     `json:"resultsUrl"`
}

// bulkResponse is the 202 answer to an upload.
type bulkResponse struct {
	Job    jobResponse           `json:"job"`
	Errors []issuer.BulkRowError `json:"errors"`
}

func (s *server) jobDTO(st *issuer.BulkStatus) jobResponse {
	j := st.Job
	r := jobResponse{ID: j.ID, State: j.State, Mode: j.Mode, Total: j.Total, Done: st.Done, Failed: st.Failed,
		Cancelled: st.Cancelled, Pending: st.Pending, Rate: math.Round(st.Rate*10) / 10, CreatedAt: j.CreatedAt,
		StartedAt: j.StartedAt, FinishedAt: j.FinishedAt, ResultsURL: s.BaseURL + "/api/v1/jobs/" + j.ID + "/results"}
	if st.ETA > 0 {
		eta := math.Round(st.ETA.Seconds())
		r.ETASeconds = &eta
	}
	return r
}

// bulkPath is submitBulk's route; bulkRowBytes is about what a cohort
// file's row takes (name, email, NSN, date, an evidence link), for the
// 413's estimate of how many rows fit.
const bulkPath, bulkRowBytes = "/api/v1/awards/bulk", 100

// submitBulk is POST /api/v1/awards/bulk[?achievement=REF][&create=1]: a
// cohort as text/csv (header row; columns issuer.BulkColumns) or a JSON
// array of row objects. Every row is validated first; the job is stored
// with all its rows and worked on in the background by any replica. 202
// with the job and the invalid rows (line, column, message); invalid rows
// never stop the valid ones. 422 when the file itself is unusable (unknown
// column, not CSV, no rows). create=1 only records pending awards.
func (s *server) submitBulk(c *fiber.Ctx) error {
	body := bytes.Clone(c.Body())
	mt := "application/json"
	if ct := c.Get(fiber.HeaderContentType); ct != "" {
		var err error
		if mt, _, err = mime.ParseMediaType(ct); err != nil {
			return fiber.NewError(fiber.StatusUnsupportedMediaType, "Send the cohort as text/csv or application/json.")
		}
	}
	var (
		rows []issuer.BulkRow
		err  error
	)
	switch {
	case mt == "text/csv" || mt == "application/csv":
		if err := vetText(body); err != nil {
			return err
		}
		rows, err = issuer.ParseBulkCSV(bytes.NewReader(body))
	case mt == "application/json" || strings.HasSuffix(mt, "+json"):
		if err := checkDepth(body, maxJSONDepth); err != nil {
			return err
		}
		// ParseBulkJSON reads the first JSON value and ignores the rest;
		// a body with trailing bytes, duplicate members, NULs or bytes that
		// are not UTF-8 is refused here rather than half read.
		if len(bytes.TrimSpace(body)) == 0 {
			return malformedf("", "The request body is empty; a JSON array of rows is expected.")
		}
		if !json.Valid(body) {
			var v any
			return decodeError(body, &v, json.Unmarshal(body, &v))
		}
		if err := vetJSON(body); err != nil {
			return err
		}
		rows, err = issuer.ParseBulkJSON(body)
	default:
		return fiber.NewError(fiber.StatusUnsupportedMediaType, "Send the cohort as text/csv or application/json.")
	}
	if err != nil {
		return bulkPointer(err)
	}
	create := c.Query("create") == "1" || c.Query("create") == "true"
	sub, err := s.Issuer.SubmitBulk(c.UserContext(), actor(c), rows, strings.Clone(c.Query("achievement")), create)
	if err != nil {
		return bulkPointer(err)
	}
	st := &issuer.BulkStatus{Job: sub.Job}
	for state, n := range sub.Job.Counts {
		switch state {
		case issuer.RowInvalid, issuer.RowFailed:
			st.Failed += n
		case issuer.RowPending:
			st.Pending += n
		}
	}
	out := bulkResponse{Job: s.jobDTO(st), Errors: sub.Errors}
	if out.Errors == nil {
		out.Errors = []issuer.BulkRowError{}
	}
	c.Location(s.BaseURL + "/api/v1/jobs/" + sub.Job.ID)
	return c.Status(fiber.StatusAccepted).JSON(out)
}

// getJob is GET /api/v1/jobs/:id.
func (s *server) getJob(c *fiber.Ctx) error {
	st, err := s.Issuer.BulkJobStatus(c.UserContext(), actor(c), strings.Clone(c.Params("id")))
	if err != nil {
		return err
	}
	return c.JSON(s.jobDTO(st))
}

// listJobs is GET /api/v1/jobs[?state=running][&limit=20]: the provider's
// bulk jobs, newest first, as GET /api/v1/jobs/:id gives each.
func (s *server) listJobs(c *fiber.Ctx) error {
	limit := 0 // absent: the default
	if l := c.Query("limit"); l != "" {
		if n, err := strconv.Atoi(l); err == nil && n > 0 {
			limit = n
		} else {
			limit = -1 // given, but not a whole number from 1: out of the rule's range
		}
	}
	state := strings.Clone(c.Query("state"))
	// A query that breaks the rule is a malformed request (400), as
	// listAwards' limit is, not a broken rule of the domain (422).
	if e := issuer.CheckBulkJobsQuery(state, limit); e != nil {
		return &badRequest{e}
	}
	list, err := s.Issuer.ListBulkJobs(c.UserContext(), actor(c), state, limit)
	if err != nil {
		return err
	}
	out := make([]jobResponse, len(list))
	for i, st := range list {
		out[i] = s.jobDTO(st)
	}
	return c.JSON(fiber.Map{"jobs": out})
}

// cancelJob is POST /api/v1/jobs/:id/cancel.
func (s *server) cancelJob(c *fiber.Ctx) error {
	st, err := s.Issuer.CancelBulkJob(c.UserContext(), actor(c), strings.Clone(c.Params("id")))
	if err != nil {
		return err
	}
	return c.JSON(s.jobDTO(st))
}

// resultsColumns is the header of GET /api/v1/jobs/:id/results.
var resultsColumns = []string{"line", "learner_email", "state", "credential_url", "error_field", "error", "email", "email_detail"}

// jobResults is GET /api/v1/jobs/:id/results: one CSV line per input row,
// by line: its state (issued, created, failed, invalid, cancelled, or
// pending while the job runs), the credential URL of an issued award, for
// a failed row the column and the reason, and for a row with an award the
// learner's email about it (queued, sent, failed, recorded or none, as GET
// /api/v1/awards/:id/notification gives it) with its reason, so that staff
// see from one file which learners have not heard.
func (s *server) jobResults(c *fiber.Ctx) error {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.Write(resultsColumns)
	err := s.Issuer.BulkResults(c.UserContext(), actor(c), strings.Clone(c.Params("id")), func(r issuer.BulkResult) error {
		url, email, detail := "", "", ""
		if r.State == issuer.RowIssued {
			url = s.credentialURL(r.AwardID)
		}
		if r.Email != nil {
			email, detail = r.Email.State, r.Email.Reason
		}
		return w.Write([]string{strconv.Itoa(r.Line), cell(r.Input.LearnerEmail), r.State, url, r.ErrorField, cell(r.Error), email, cell(detail)})
	})
	if err != nil {
		return err
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return errs.Wrap(err, errs.Internal, "could not write the results")
	}
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="job-`+c.Params("id")+`-results.csv"`)
	return c.Send(b.Bytes())
}

// cell keeps a spreadsheet from running a value as a formula (OWASP "CSV
// injection"): text that starts with = + - @ or a tab/CR gets a leading '.
func cell(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}

// awardNotification is GET /api/v1/awards/:id/notification: the state of
// the learner's email about the award — queued, sent, failed, or recorded
// (with reason "no SMTP server configured" when this server sends no mail).
func (s *server) awardNotification(c *fiber.Ctx) error {
	n, err := s.Issuer.AwardNotification(c.UserContext(), actor(c), strings.Clone(c.Params("id")))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"notification": n})
}

// resendNotification is POST /api/v1/awards/:id/notification/resend with
// no body, {} or {"to": "corrected@example.nz"} (assessor or approver): the
// learner's email is sent again, to the corrected address when given. 202
// with the notification, now queued (or recorded, with no SMTP).
func (s *server) resendNotification(c *fiber.Ctx) error {
	var req struct {
		To string `json:"to"`
	}
	if len(bytes.TrimSpace(c.Body())) > 0 {
		if err := decodeJSON(c, &req); err != nil {
			return err
		}
	}
	n, err := s.Issuer.ResendNotification(c.UserContext(), actor(c), strings.Clone(c.Params("id")), strings.TrimSpace(req.To))
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusAccepted).JSON(fiber.Map{"notification": n})
}

// vetText refuses a CSV upload that is not UTF-8 text or holds NUL bytes:
// encoding/csv would pass both through into names and emails.
func vetText(body []byte) error {
	line := func(i int) int { return 1 + bytes.Count(body[:i], []byte{'\n'}) }
	if i := bytes.IndexByte(body, 0); i >= 0 {
		return malformedf("", "Line %d holds a NUL byte; send the cohort as UTF-8 text.", line(i))
	}
	if !utf8.Valid(body) {
		i := 0
		for i < len(body) {
			r, n := utf8.DecodeRune(body[i:])
			if r == utf8.RuneError && n <= 1 {
				break
			}
			i += n
		}
		return malformedf("", "Line %d is not UTF-8 (byte %d); save the file as CSV UTF-8.", line(i), i)
	}
	return nil
}

// bulkPointer turns the issuer's field names for an upload ("header",
// "line", a column name) into JSON pointers, as every problem's errors
// member holds (CONVENTIONS §6): "header" → "/header".
func bulkPointer(err error) error {
	var e *errs.Error
	if !errors.As(err, &e) || e.Field == "" || strings.HasPrefix(e.Field, "/") {
		return err
	}
	cp := *e
	cp.Field = "/" + escapePointer(e.Field)
	return &cp
}
