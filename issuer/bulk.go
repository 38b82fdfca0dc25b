package issuer

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tohu-nz/tohu/errs"
)

// BulkColumns are the columns of a cohort CSV file, in the documented
// order. The header row names them (any order; unknown names are refused).
// A JSON upload is an array of objects with the same member names.
//
//	learner_name   required
//	learner_email  required unless learner_did is given; the notification goes here
//	learner_did    optional
//	nsn            optional National Student Number (NZQA reporting; never in the credential)
//	achievement    achievement id or NZQA reference; default: the upload's ?achievement=
//	result         OB ResultStatusType, default Completed
//	credits_earned default: all the achievement's credits
//	completed_on   required, YYYY-MM-DD
//	evidence_url   optional http(s) URL
var BulkColumns = []string{"learner_name", "learner_email", "learner_did", "nsn", "achievement", "result",
	"credits_earned", "completed_on", "evidence_url"}

// MaxBulkRows bounds one upload.
const MaxBulkRows = 50_000

// BulkRowError is one row's validation error.
type BulkRowError struct {
	Line    int    `json:"line"`
	Field   string `json:"field,omitempty"` // a column name
	Message string `json:"message"`
}

// ParseBulkCSV reads a cohort CSV file: a header row naming columns of
// BulkColumns (as columnName reads a title), then one row per learner,
// separated as the header line is (sniffDelimiter). Line numbers count the header as
// line 1 (multi-line quoted fields count as written). Invalid (field
// "header") for a missing or unknown column, more than MaxBulkRows rows, or
// a file that is not CSV.
func ParseBulkCSV(r io.Reader) ([]BulkRow, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	// A byte order mark goes before the CSV reader sees it: before a quoted
	// title it would be a bare quote.
	if b, _ := br.Peek(3); string(b) == "\ufeff" {
		_, _ = br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.Comma = sniffDelimiter(br)
	cr.FieldsPerRecord = -1
	// Leading space before a quoted field is allowed (values are trimmed
	// anyway), but not with tabs: it would swallow an empty field's tab.
	cr.TrimLeadingSpace = cr.Comma != '\t'
	cr.ReuseRecord = false
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, errs.F(errs.Invalid, "header", "the file is empty; the first line must name the columns (%s)", strings.Join(BulkColumns, ","))
	}
	if err != nil {
		return nil, csvError(err)
	}
	cols := make([]string, len(header))
	for i, title := range header {
		h := columnName(title)
		if !slices.Contains(BulkColumns, h) {
			return nil, errs.F(errs.Invalid, "header", "unknown column %q on line 1; the columns are %s", strings.TrimSpace(title), strings.Join(BulkColumns, ","))
		}
		if slices.Contains(cols[:i], h) {
			return nil, errs.F(errs.Invalid, "header", "column %q appears twice on line 1", h)
		}
		cols[i] = h
	}
	if !slices.Contains(cols, "learner_name") || !slices.Contains(cols, "completed_on") {
		return nil, errs.F(errs.Invalid, "header", "the columns learner_name and completed_on are required")
	}
	var rows []BulkRow
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, csvError(err)
		}
		// FieldPos panics unless the last Read returned a record.
		line, _ := cr.FieldPos(0)
		if len(rows) == MaxBulkRows {
			return nil, errs.F(errs.Invalid, "header", "more than %d rows; split the file", MaxBulkRows)
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // a blank line
		}
		row := BulkRow{Line: line}
		if len(rec) != len(cols) {
			row.State, row.ErrorField = RowInvalid, "line"
			row.Error = "this line has " + strconv.Itoa(len(rec)) + " fields; the header has " + strconv.Itoa(len(cols))
		}
		for i, v := range rec {
			if i < len(cols) {
				setColumn(&row.Input, cols[i], strings.TrimSpace(v))
			}
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// sniffDelimiter is the header line's field separator: a comma unless the
// line has none but has semicolons or tabs. Spreadsheets save "CSV" with
// semicolons where the decimal separator is a comma, and a range pasted
// from one is tab-separated; read with commas, such a header is a single
// unknown column and the whole file would be refused for it. The header
// is only peeked at (up to the reader's buffer), not consumed.
func sniffDelimiter(br *bufio.Reader) rune {
	b, _ := br.Peek(br.Size())
	b = bytes.TrimLeft(b, "\r\n") // blank lines before the header, which the CSV reader skips too
	if i := bytes.IndexAny(b, "\r\n"); i >= 0 {
		b = b[:i]
	}
	switch {
	case bytes.IndexByte(b, ',') >= 0:
		return ','
	case bytes.IndexByte(b, ';') >= 0:
		return ';'
	case bytes.IndexByte(b, '\t') >= 0:
		return '\t'
	}
	return ','
}

// columnName is a header cell as a column name: without surrounding space,
// lower case, and with each run of spaces, hyphens
// or underscores one underscore, so that a spreadsheet's "Learner Name" or
// "Evidence-URL" names learner_name and evidence_url. Nothing else is
// guessed: any other spelling stays an unknown column.
func columnName(h string) string {
	h = strings.ToLower(strings.TrimSpace(h))
	return strings.Join(strings.FieldsFunc(h, func(r rune) bool { return r == ' ' || r == '-' || r == '_' }), "_")
}

func csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		e := errs.Wrap(err, errs.Invalid, "line %d is not valid CSV: %v", pe.Line, pe.Err)
		e.Field = "line"
		return e
	}
	return errs.Wrap(err, errs.Invalid, "the file could not be read as CSV")
}

func setColumn(in *BulkInput, col, v string) {
	switch col {
	case "learner_name":
		in.LearnerName = v
	case "learner_email":
		in.LearnerEmail = v
	case "learner_did":
		in.LearnerDID = v
	case "nsn":
		in.NSN = v
	case "achievement":
		in.Achievement = v
	case "result":
		in.Result = v
	case "credits_earned":
		in.CreditsEarned = v
	case "completed_on":
		in.CompletedOn = v
	case "evidence_url":
		in.EvidenceURL = v
	}
}

// ParseBulkJSON reads a JSON array of row objects with the BulkColumns as
// members (strings; credits_earned may be a number). Line numbers are the
// 1-based array index. A member that is not a column, or a value of the
// wrong type, makes that row invalid; a body that is not a JSON array is
// Invalid.
func ParseBulkJSON(b []byte) ([]BulkRow, error) {
	var items []json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&items); err != nil {
		return nil, errs.Wrap(err, errs.Invalid, "the body must be a JSON array of row objects")
	}
	if len(items) > MaxBulkRows {
		return nil, errs.F(errs.Invalid, "", "more than %d rows; split the upload", MaxBulkRows)
	}
	rows := make([]BulkRow, len(items))
	for i, raw := range items {
		rows[i].Line = i + 1
		var m map[string]any
		d := json.NewDecoder(bytes.NewReader(raw))
		d.UseNumber()
		if err := d.Decode(&m); err != nil || m == nil {
			rows[i].State, rows[i].ErrorField, rows[i].Error = RowInvalid, "line", "each row must be a JSON object"
			continue
		}
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			var s string
			switch v := m[k].(type) {
			case string:
				s = v
			case json.Number:
				s = v.String()
			case nil:
			default:
				rows[i].State, rows[i].ErrorField, rows[i].Error = RowInvalid, k, k+" must be a string"
			}
			if !slices.Contains(BulkColumns, k) {
				rows[i].State, rows[i].ErrorField, rows[i].Error = RowInvalid, k, "unknown member "+strconv.Quote(k)+"; the members are "+strings.Join(BulkColumns, ",")
				break
			}
			setColumn(&rows[i].Input, k, strings.TrimSpace(s))
		}
	}
	return rows, nil
}

// BulkSubmitted is what SubmitBulk returns.
type BulkSubmitted struct {
	Job    *BulkJob
	Errors []BulkRowError // one per invalid row, by line
}

// pointerColumns maps the issuer's error pointers onto cohort columns.
var pointerColumns = map[string]string{
	"/learner/name": "learner_name", "/learner/email": "learner_email", "/learner/did": "learner_did",
	"/learner/nsn": "nsn", "/achievementId": "achievement", "/result": "result", "/creditsEarned": "credits_earned",
	"/completedOn": "completed_on", "/evidence/0": "evidence_url",
	"/achievement/approvalStatus": "achievement", "/achievement/nextReviewOn": "achievement",
	"/achievement/accreditedProviders": "achievement",
}

// SubmitBulk validates every row and stores the job with all its rows; the
// bulk workers (RunBulkWorkers, on any replica) then work on the valid
// ones. Invalid rows are stored too, marked invalid with their line, column
// and message, and returned in Errors; they never stop the valid rows.
//
// Roles follow CreateAward/IssueAward: the assessor role is required
// (Forbidden otherwise); when the key also holds approver (or admin) and the
// provider does not require two-person approval, each award is created,
// approved and issued (ModeIssue); otherwise the awards are created pending
// for an approver (ModeCreate). create forces ModeCreate.
//
// defaultAchievement (an id or an NZQA reference) applies to rows with no
// achievement column. Invalid when there are no rows.
func (s *Service) SubmitBulk(ctx context.Context, actor Actor, rows []BulkRow, defaultAchievement string, createOnly bool) (*BulkSubmitted, error) {
	if err := actor.require(RoleAssessor, actor.ProviderID); err != nil {
		return nil, err
	}
	if actor.ProviderID == "" {
		return nil, errs.E(errs.Invalid, "bulk jobs are submitted with a provider's API key")
	}
	if len(rows) == 0 {
		return nil, errs.F(errs.Invalid, "", "the upload has no rows")
	}
	p, err := s.store.Provider(ctx, actor.ProviderID)
	if err != nil {
		return nil, err
	}
	mode := ModeCreate
	if !createOnly && actor.Has(RoleApprover) && !p.RequireTwoPersonApproval {
		mode = ModeIssue
	}
	res := newAchievementResolver(s, p)
	now := s.now()
	seen := map[string]int{} // learner+achievement → first line
	out := &BulkSubmitted{}
	for i := range rows {
		r := &rows[i]
		if r.State == "" {
			if ach, _, err := s.bulkAward(ctx, res, r.Input, defaultAchievement, mode); err != nil {
				r.State, r.ErrorField, r.Error = RowInvalid, bulkField(err), errs.ErrorMessage(err)
			} else {
				who := strings.ToLower(r.Input.LearnerEmail) + "|" + r.Input.LearnerDID + "|" + ach.ID
				if first, dup := seen[who]; dup {
					r.State, r.ErrorField = RowInvalid, "learner_email"
					r.Error = "the same learner and achievement as line " + strconv.Itoa(first)
				} else {
					seen[who] = r.Line
					r.State = RowPending
					if r.Input.Achievement == "" {
						r.Input.Achievement = ach.ID // the default, pinned for the workers
					}
				}
			}
		}
		if r.State == RowInvalid {
			r.FinishedAt = &now
			out.Errors = append(out.Errors, BulkRowError{Line: r.Line, Field: r.ErrorField, Message: r.Error})
		}
	}
	id, err := s.newID()
	if err != nil {
		return nil, err
	}
	j := &BulkJob{ID: id, ProviderID: p.ID, APIKeyID: actor.APIKeyID, Roles: actor.Roles, RequestID: actor.RequestID,
		Mode: mode, State: JobQueued, Total: len(rows), CreatedAt: now, UpdatedAt: now}
	if len(out.Errors) == len(rows) {
		j.State, j.FinishedAt = JobFailed, &now
	}
	err = s.store.WithTx(ctx, func(tx Store) error {
		if err := tx.CreateBulkJob(ctx, j, rows); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, p.ID, "bulk.submit", "job:"+j.ID, map[string]string{
			"mode": mode, "rows": strconv.Itoa(len(rows)), "invalid": strconv.Itoa(len(out.Errors))})
	})
	if err != nil {
		return nil, err
	}
	out.Job, err = s.store.BulkJob(ctx, j.ID)
	return out, err
}

// bulkField names the column an error is about.
func bulkField(err error) string {
	f := errs.ErrorField(err)
	if c, ok := pointerColumns[f]; ok {
		return c
	}
	if strings.HasPrefix(f, "/evidence/") {
		return "evidence_url"
	}
	return strings.TrimPrefix(f, "/")
}

// bulkAward turns one row into a validated award of its achievement, and
// checks the achievement can be issued now when mode is ModeIssue.
func (s *Service) bulkAward(ctx context.Context, res *achievementResolver, in BulkInput, defaultAch, mode string) (*Achievement, *Award, error) {
	ref := in.Achievement
	if ref == "" {
		ref = defaultAch
	}
	if ref == "" {
		return nil, nil, errs.F(errs.Invalid, "/achievementId", "no achievement: give the achievement column or ?achievement=")
	}
	ach, err := res.resolve(ctx, ref)
	if err != nil {
		return nil, nil, err
	}
	na, err := newAwardFromBulk(in, ach)
	if err != nil {
		return nil, nil, err
	}
	a, err := s.validateAward(na, ach)
	if err != nil {
		return nil, nil, err
	}
	if mode == ModeIssue {
		if err := s.canIssue(res.p, ach); err != nil {
			return nil, nil, err
		}
	}
	return ach, a, nil
}

func newAwardFromBulk(in BulkInput, ach *Achievement) (NewAward, error) {
	na := NewAward{AchievementID: ach.ID, AchievementVersion: ach.Version, LearnerName: in.LearnerName,
		LearnerEmail: in.LearnerEmail, LearnerDID: in.LearnerDID, NSN: in.NSN, Result: in.Result}
	if in.CreditsEarned != "" {
		n, err := strconv.Atoi(in.CreditsEarned)
		if err != nil {
			return na, errs.F(errs.Invalid, "/creditsEarned", "credits_earned must be a whole number")
		}
		if n == 0 {
			return na, errs.F(errs.Invalid, "/creditsEarned", "credits earned must be 1–%d (the achievement's credits)", ach.Credits)
		}
		na.CreditsEarned = n
	}
	if in.CompletedOn == "" {
		return na, errs.F(errs.Invalid, "/completedOn", "the completion date is required")
	}
	d, err := time.Parse(time.DateOnly, in.CompletedOn)
	if err != nil {
		return na, errs.F(errs.Invalid, "/completedOn", "%s", completedOnHint(in.CompletedOn))
	}
	na.CompletedOn = d
	if in.EvidenceURL != "" {
		na.EvidenceURLs = []string{in.EvidenceURL}
	}
	return na, nil
}

// dayFirst matches a date a spreadsheet writes day first, as New Zealand
// does: 3/4/2026, 03.04.2026, 3-4-2026.
var dayFirst = regexp.MustCompile(`^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$`)

// completedOnHint is the message for a completion date not written as
// YYYY-MM-DD. A day-first date that reads as one gets the exact value to
// write instead, but is never taken as that date: a file written month
// first would put the wrong date on a learner's credential.
func completedOnHint(v string) string {
	const plain = "write the completion date as YYYY-MM-DD"
	m := dayFirst.FindStringSubmatch(v)
	if m == nil {
		return plain
	}
	d, err := time.Parse("2/1/2006", m[1]+"/"+m[2]+"/"+m[3])
	if err != nil {
		return plain
	}
	return fmt.Sprintf("%s: if %s is %s, write %s", plain, v, d.Format("2 January 2006"), d.Format(time.DateOnly))
}

// canIssue applies IssueAward's checks on the achievement version.
func (s *Service) canIssue(p *Provider, ach *Achievement) error {
	now := s.now()
	switch {
	case ach.ApprovalStatus != ApprovalApproved:
		return errs.F(errs.Conflict, "/achievement/approvalStatus", "the micro-credential %s is %s, not approved: it cannot be awarded", ach.NZQARef, ach.ApprovalStatus)
	case ach.NextReviewOn != nil && ach.NextReviewOn.Before(now.Truncate(24*time.Hour)):
		return errs.F(errs.Conflict, "/achievement/nextReviewOn", "the micro-credential %s was due for review on %s: it cannot be awarded until it is reviewed", ach.NZQARef, ach.NextReviewOn.Format(time.DateOnly))
	case !slices.Contains(ach.AccreditedProviders, p.ID):
		return errs.F(errs.Forbidden, "/achievement/accreditedProviders", "%s is not accredited to deliver the micro-credential %s", p.Name, ach.NZQARef)
	}
	return nil
}

// achievementResolver finds achievements by id or NZQA reference, once
// each per job.
type achievementResolver struct {
	s     *Service
	p     *Provider
	byRef map[string]*Achievement
	all   []Achievement
	err   map[string]error
}

func newAchievementResolver(s *Service, p *Provider) *achievementResolver {
	return &achievementResolver{s: s, p: p, byRef: map[string]*Achievement{}, err: map[string]error{}}
}

// resolve returns the latest version of the achievement with id ref, or
// else the one the provider may deliver with NZQA reference ref. NotFound
// (field /achievementId) when there is none the provider owns or is
// accredited for.
func (r *achievementResolver) resolve(ctx context.Context, ref string) (*Achievement, error) {
	if a, ok := r.byRef[ref]; ok {
		return a, nil
	}
	if err, ok := r.err[ref]; ok {
		return nil, err
	}
	a, err := r.find(ctx, ref)
	if err != nil {
		if errs.Is(err, errs.NotFound) {
			err = errs.F(errs.NotFound, "/achievementId", "no achievement %q (an id or NZQA reference) that this provider delivers", ref)
			r.err[ref] = err
		}
		return nil, err
	}
	r.byRef[ref] = a
	return a, nil
}

func (r *achievementResolver) find(ctx context.Context, ref string) (*Achievement, error) {
	a, err := r.s.store.Achievement(ctx, ref, 0)
	if err == nil && (a.ProviderID == r.p.ID || slices.Contains(a.AccreditedProviders, r.p.ID)) {
		return a, nil
	}
	if err != nil && !errs.Is(err, errs.NotFound) {
		return nil, err
	}
	if r.all == nil {
		if r.all, err = r.s.store.Achievements(ctx, r.p.ID); err != nil {
			return nil, err
		}
	}
	var found *Achievement
	for i := range r.all {
		if strings.EqualFold(r.all[i].NZQARef, ref) {
			// Prefer one this provider is accredited for.
			if found == nil || slices.Contains(r.all[i].AccreditedProviders, r.p.ID) {
				found = &r.all[i]
			}
		}
	}
	if found == nil {
		return nil, errs.E(errs.NotFound, "no achievement %q", ref)
	}
	return found, nil
}

// BulkStatus is a job's progress.
type BulkStatus struct {
	Job       *BulkJob
	Done      int     // rows finished well (issued, or created for an approver)
	Failed    int     // rows that failed or were invalid
	Cancelled int     // rows not worked on because the job was cancelled
	Pending   int     // rows still to do
	Rate      float64 // rows per second since the job started
	ETA       time.Duration
}

// BulkJobStatus returns a job's state, counts, rate and ETA. Any role of
// the job's provider; NotFound otherwise.
func (s *Service) BulkJobStatus(ctx context.Context, actor Actor, id string) (*BulkStatus, error) {
	j, err := s.store.BulkJob(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := actor.require(RoleViewer, j.ProviderID); err != nil {
		return nil, err
	}
	return bulkStatus(j, time.Now()), nil
}

// MaxListedBulkJobs bounds ListBulkJobs; DefaultListedBulkJobs is its
// default.
const MaxListedBulkJobs, DefaultListedBulkJobs = 100, 20

// CheckBulkJobsQuery is the rule for ListBulkJobs' query, Invalid naming
// /state or /limit when it breaks it: state empty or one of BulkJobStates,
// limit 0 (the default) or 1 to MaxListedBulkJobs. The API checks a
// request's query by it too.
func CheckBulkJobsQuery(state string, limit int) *errs.Error {
	if state != "" && !slices.Contains(BulkJobStates, state) {
		return errs.F(errs.Invalid, "/state", "state must be one of %s.", strings.Join(BulkJobStates, ", "))
	}
	if limit < 0 || limit > MaxListedBulkJobs {
		return errs.F(errs.Invalid, "/limit", "limit must be a whole number from 1 to %d.", MaxListedBulkJobs)
	}
	return nil
}

// ListBulkJobs returns the actor's provider's jobs, newest first: those in
// state (one of BulkJobStates; empty: any), at most limit (0: the default;
// Invalid above MaxListedBulkJobs), each with its counts, rate and ETA as
// BulkJobStatus gives them. Any role of the provider. It is how a job is
// found again when its id was lost.
func (s *Service) ListBulkJobs(ctx context.Context, actor Actor, state string, limit int) ([]*BulkStatus, error) {
	if err := actor.require(RoleViewer, actor.ProviderID); err != nil {
		return nil, err
	}
	if e := CheckBulkJobsQuery(state, limit); e != nil {
		return nil, e
	}
	if limit == 0 {
		limit = DefaultListedBulkJobs
	}
	jobs, err := s.store.BulkJobs(ctx, actor.ProviderID, state, limit)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	out := make([]*BulkStatus, len(jobs))
	for i, j := range jobs {
		out[i] = bulkStatus(j, now)
	}
	return out, nil
}

// BulkJobStates lists every job state, for reports that show each one
// (zero included).
var BulkJobStates = []string{JobQueued, JobRunning, JobDone, JobFailed, JobCancelled}

// BulkJobCounts returns the number of bulk jobs in each state (every state
// of BulkJobStates present, zero included) over all providers: the
// operator's view, for the job-queue metric; no actor, as it names no
// provider or learner.
func (s *Service) BulkJobCounts(ctx context.Context) (map[string]int, error) {
	got, err := s.store.BulkJobCounts(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[string]int, len(BulkJobStates))
	for _, st := range BulkJobStates {
		out[st] = got[st]
	}
	return out, nil
}

func bulkStatus(j *BulkJob, now time.Time) *BulkStatus {
	st := &BulkStatus{Job: j, Done: j.Counts[RowIssued] + j.Counts[RowCreated], Failed: j.Counts[RowFailed] + j.Counts[RowInvalid],
		Cancelled: j.Counts[RowCancelled], Pending: j.Counts[RowPending]}
	if j.StartedAt != nil {
		end := now
		if j.FinishedAt != nil {
			end = *j.FinishedAt
		}
		worked := st.Done + j.Counts[RowFailed]
		if secs := end.Sub(*j.StartedAt).Seconds(); secs > 0 && worked > 0 {
			st.Rate = float64(worked) / secs
			if st.Pending > 0 {
				st.ETA = time.Duration(float64(st.Pending) / st.Rate * float64(time.Second))
			}
		}
	}
	return st
}

// BulkResult is one row of a job's results: the row, and for a row with an
// award the state of the learner's email about it (NotifyNone when the
// award has none: not issued yet, or no email address).
type BulkResult struct {
	BulkRow
	Email *NotificationStatus // nil for a row without an award
}

// BulkResults calls fn for each row of the job, by line. Any role of the
// job's provider; NotFound otherwise.
func (s *Service) BulkResults(ctx context.Context, actor Actor, id string, fn func(BulkResult) error) error {
	j, err := s.store.BulkJob(ctx, id)
	if err != nil {
		return err
	}
	if err := actor.require(RoleViewer, j.ProviderID); err != nil {
		return err
	}
	const page = 1000
	after := 0
	for {
		rows, err := s.store.BulkRows(ctx, id, after, page)
		if err != nil {
			return err
		}
		var awards []string
		for _, r := range rows {
			if r.AwardID != "" {
				awards = append(awards, r.AwardID)
			}
		}
		emails, err := s.store.AwardNotifications(ctx, awards, NotifyAwardIssued)
		if err != nil {
			return err
		}
		for _, r := range rows {
			res := BulkResult{BulkRow: r}
			if r.AwardID != "" {
				if n := emails[r.AwardID]; n != nil {
					res.Email = s.notificationStatus(n)
				} else {
					// An award issued with an address has its email, recorded
					// in the issuing transaction, whoever issued it: a created
					// row's award issued later by an approver has one too.
					res.Email = noNotification(r.Input.LearnerEmail != "", r.State == RowIssued)
				}
			}
			if err := fn(res); err != nil {
				return err
			}
			after = r.Line
		}
		if len(rows) < page {
			return nil
		}
	}
}

// CancelBulkJob cancels a queued or running job: rows not yet worked on are
// marked cancelled (rows already issued stay issued). Assessor or approver
// of the job's provider; Conflict when the job has finished.
func (s *Service) CancelBulkJob(ctx context.Context, actor Actor, id string) (*BulkStatus, error) {
	j, err := s.store.BulkJob(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := actor.requireEither(RoleAssessor, RoleApprover, j.ProviderID); err != nil {
		return nil, err
	}
	ok, err := s.store.SetBulkJobState(ctx, id, JobCancelled, s.now(), JobQueued, JobRunning)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errs.F(errs.Conflict, "/state", "the job has already finished (%s)", j.State)
	}
	if err := s.audit(ctx, s.store, actor, j.ProviderID, "bulk.cancel", "job:"+id, nil); err != nil {
		return nil, err
	}
	return s.BulkJobStatus(ctx, actor, id)
}
