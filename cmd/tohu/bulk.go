package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/tohu-nz/tohu/errs"
)

const usageBulk = "bulk FILE.csv|FILE.json --achievement REF [--url URL] [--token TOKEN (or TOHU_API_KEY)] [--out results.csv] [--create] [--wait 2m]\n       tohu bulk --job ID [--url URL] [--token TOKEN] [--out ID.results.csv] [--wait 2m]\n       tohu bulk --list [--url URL] [--token TOKEN]"

// maxBulkFile bounds the cohort file the CLI uploads (the server's
// TOHU_BODY_LIMIT must allow it too).
const maxBulkFile = 64 << 20

// errRowsFailed: the job finished but some rows failed (exit 1); the
// results file says which and why.
var errRowsFailed = errors.New("some rows failed")

// bulkJob is the part of GET /api/v1/jobs/:id the CLI shows.
type bulkJob struct {
	ID         string   `json:"id"`
	State      string   `json:"state"`
	Total      int      `json:"total"`
	Done       int      `json:"done"`
	Failed     int      `json:"failed"`
	Cancelled  int      `json:"cancelled"`
	Rate       float64  `json:"rate"`
	ETASeconds *float64 `json:"etaSeconds"`
}

// cmdBulk uploads a cohort file to a running tohu (or, with --job, takes up
// a job already uploaded), follows the job with a progress bar (plain lines
// when stderr is not a terminal), and writes the results CSV at the end.
// While the server cannot be reached (a restart or a deploy: the job is
// stored and goes on) it keeps trying for --wait before giving up.
func cmdBulk(ctx context.Context, env *Env, args []string) error {
	fs := flag.NewFlagSet("bulk", flag.ContinueOnError)
	ach := fs.String("achievement", "", "achievement id or NZQA reference for rows without one")
	base := fs.String("url", "", "tohu base URL (default $TOHU_URL or http://127.0.0.1:8080)")
	token := fs.String("token", "", "API key (default $TOHU_API_KEY)")
	out := fs.String("out", "", "results file (default FILE.results.csv, or ID.results.csv with --job)")
	create := fs.Bool("create", false, "only record pending awards for an approver")
	interval := fs.Duration("interval", time.Second, "how often to poll the job")
	jobID := fs.String("job", "", "follow a job already uploaded, instead of uploading a file")
	wait := fs.Duration("wait", 2*time.Minute, "how long to keep trying while the server cannot be reached")
	list := fs.Bool("list", false, "list the provider's recent jobs, newest first")
	pos, err := parseFlags(fs, usageBulk, args)
	if err != nil {
		return err
	}
	switch {
	case *list && (*jobID != "" || len(pos) > 0):
		return usagef(usageBulk, "--list takes no file and no --job")
	case *list:
	case *jobID != "" && len(pos) > 0:
		return usagef(usageBulk, "give a cohort file or --job, not both")
	case *jobID != "" && (*ach != "" || *create):
		return usagef(usageBulk, "--achievement and --create go with a file to upload, not with --job")
	case *jobID == "" && len(pos) != 1:
		return usagef(usageBulk, "give one cohort file")
	}
	if *token == "" {
		*token = env.Getenv("TOHU_API_KEY")
	}
	if *token == "" {
		return usagef(usageBulk, "an API key is needed: --token or TOHU_API_KEY")
	}
	if *base == "" {
		*base = env.Getenv("TOHU_URL")
	}
	if *base == "" {
		*base = "http://127.0.0.1:8080"
	}
	*base = strings.TrimRight(*base, "/")
	c := &apiClient{base: *base, token: *token, http: &http.Client{Timeout: 5 * time.Minute}}
	if *list {
		return listJobs(ctx, env, c)
	}
	f := &follower{env: env, c: c, tty: isTerminal(env.Stderr), interval: *interval, wait: *wait, job: *jobID}
	job := bulkJob{ID: *jobID, State: "queued"}
	if *jobID != "" {
		if *out == "" {
			*out = *jobID + ".results.csv"
		}
		if err := f.get(ctx, &job); err != nil {
			return err
		}
		fmt.Fprintln(env.Stderr, progressLine(job))
	} else {
		if *out == "" {
			*out = strings.TrimSuffix(pos[0], filepath.Ext(pos[0])) + ".results.csv"
		}
		if job, err = upload(ctx, env, c, pos[0], *ach, *create); err != nil {
			return err
		}
	}
	if job, err = f.follow(ctx, job); err != nil {
		return err
	}
	var results []byte
	if err := f.patiently(ctx, resultsTimeout, func(ctx context.Context) (err error) {
		results, err = c.raw(ctx, "/api/v1/jobs/"+job.ID+"/results")
		return err
	}); err != nil {
		return err
	}
	if err := os.WriteFile(*out, results, 0o600); err != nil {
		return errs.Wrap(err, errs.Unavailable, "cannot write %s", *out)
	}
	fmt.Fprintf(env.Stdout, "job %s %s: %d done, %d failed, %d cancelled of %d; results in %s\n",
		job.ID, job.State, job.Done, job.Failed, job.Cancelled, job.Total, *out)
	if job.State != "done" {
		return fmt.Errorf("job %s ended %s", job.ID, job.State)
	}
	if job.Failed > 0 {
		return errRowsFailed
	}
	return nil
}

// listJobs prints the provider's recent jobs, newest first, a line each.
func listJobs(ctx context.Context, env *Env, c *apiClient) error {
	var list struct {
		Jobs []bulkJob `json:"jobs"`
	}
	if err := c.do(ctx, http.MethodGet, "/api/v1/jobs", "", nil, http.StatusOK, &list); err != nil {
		return err
	}
	if len(list.Jobs) == 0 {
		fmt.Fprintln(env.Stderr, "no bulk jobs yet")
	}
	for _, j := range list.Jobs {
		fmt.Fprintln(env.Stdout, progressLine(j))
	}
	return nil
}

// upload sends the cohort file and reports its invalid rows. It is not
// retried: a second upload would be a second job.
func upload(ctx context.Context, env *Env, c *apiClient, file, ach string, create bool) (bulkJob, error) {
	body, err := os.ReadFile(file)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return bulkJob{}, errs.Wrap(err, errs.NotFound, "%s: no such file", file)
		}
		return bulkJob{}, errs.Wrap(err, errs.Invalid, "%s: cannot be read", file)
	}
	if len(body) > maxBulkFile {
		return bulkJob{}, errs.E(errs.Invalid, "%s: larger than %d bytes", file, maxBulkFile)
	}
	ct := "text/csv"
	if strings.EqualFold(filepath.Ext(file), ".json") {
		ct = "application/json"
	}
	q := url.Values{}
	if ach != "" {
		q.Set("achievement", ach)
	}
	if create {
		q.Set("create", "1")
	}
	var sub struct {
		Job    bulkJob `json:"job"`
		Errors []struct {
			Line    int    `json:"line"`
			Field   string `json:"field"`
			Message string `json:"message"`
		} `json:"errors"`
	}
	if err := c.do(ctx, http.MethodPost, "/api/v1/awards/bulk?"+q.Encode(), ct, body, http.StatusAccepted, &sub); err != nil {
		return bulkJob{}, err
	}
	fmt.Fprintf(env.Stderr, "job %s: %d rows, %d invalid\n", sub.Job.ID, sub.Job.Total, len(sub.Errors))
	for i, e := range sub.Errors {
		if i == 20 {
			fmt.Fprintf(env.Stderr, "  … and %d more (see the results file)\n", len(sub.Errors)-i)
			break
		}
		fmt.Fprintf(env.Stderr, "  line %d, %s: %s\n", e.Line, e.Field, e.Message)
	}
	return sub.Job, nil
}

// follower polls a job and shows its progress.
type follower struct {
	env            *Env
	c              *apiClient
	tty            bool
	interval, wait time.Duration
	job            string // the job followed, for the hint when it stops
}

// follow polls job until it is neither queued nor running, drawing the bar
// on a terminal and a plain line every 5 s (and at the end) otherwise.
func (f *follower) follow(ctx context.Context, job bulkJob) (bulkJob, error) {
	f.job = job.ID
	lastLine := time.Time{}
	for job.State == "queued" || job.State == "running" {
		select {
		case <-ctx.Done():
			return job, f.stopped(ctx.Err())
		case <-time.After(f.interval):
		}
		if err := f.get(ctx, &job); err != nil {
			return job, err
		}
		if f.tty {
			fmt.Fprintf(f.env.Stderr, "\r%s", progressBar(job, 30))
		} else if time.Since(lastLine) >= 5*time.Second || job.State != "running" {
			fmt.Fprintln(f.env.Stderr, progressLine(job))
			lastLine = time.Now()
		}
	}
	if f.tty {
		fmt.Fprintln(f.env.Stderr)
	}
	return job, nil
}

// get reads job (by its id) from the server, patiently.
func (f *follower) get(ctx context.Context, job *bulkJob) error {
	path := "/api/v1/jobs/" + url.PathEscape(job.ID)
	return f.patiently(ctx, pollTimeout, func(ctx context.Context) error {
		return f.c.do(ctx, http.MethodGet, path, "", nil, http.StatusOK, job)
	})
}

// pollTimeout bounds one look at the job, resultsTimeout the results
// download: a server that stops answering counts as out of reach.
const pollTimeout, resultsTimeout = 30 * time.Second, 5 * time.Minute

// patiently runs call, each try cut off after each, until it succeeds or
// fails for good. While the server cannot be reached (errs.Unavailable: no
// connection, no answer, or a 5xx from it or a proxy in front) it tries
// again every interval, for up to wait from the first failure: the job is
// stored and goes on across a restart.
func (f *follower) patiently(ctx context.Context, each time.Duration, call func(context.Context) error) error {
	var down time.Time
	for {
		cctx, cancel := context.WithTimeout(ctx, each)
		err := call(cctx)
		cancel()
		switch {
		case ctx.Err() != nil: // interrupted, not out of reach
			return f.stopped(ctx.Err())
		case err == nil:
			if !down.IsZero() {
				fmt.Fprintf(f.env.Stderr, "reached %s again after %s\n", f.c.base, time.Since(down).Round(time.Second))
			}
			return nil
		case errs.ErrorCode(err) != errs.Unavailable:
			return err
		case down.IsZero() && f.wait > 0:
			down = time.Now()
			if f.tty {
				fmt.Fprintln(f.env.Stderr)
			}
			fmt.Fprintf(f.env.Stderr, "%v; trying again for up to %s\n", err, f.wait)
		case down.IsZero() || time.Since(down)+f.interval > f.wait:
			return f.stopped(err)
		}
		select {
		case <-ctx.Done():
			return f.stopped(ctx.Err())
		case <-time.After(f.interval):
		}
	}
}

// stopped is err with how to take the job up again: it goes on on the
// server whether or not anyone follows it.
func (f *follower) stopped(err error) error {
	if f.job == "" {
		return err
	}
	fmt.Fprintf(f.env.Stderr, "\nstopped following job %s; it goes on on the server. Follow it again with: tohu bulk --job %s\n", f.job, f.job)
	return err
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// progressBar is one terminal line: bar, count, rate and ETA.
func progressBar(j bulkJob, width int) string {
	n := j.Done + j.Failed + j.Cancelled
	fill := 0
	if j.Total > 0 {
		fill = n * width / j.Total
	}
	return fmt.Sprintf("[%s%s] %d/%d  %.1f/s  ETA %s   ", strings.Repeat("#", fill), strings.Repeat(".", width-fill),
		n, j.Total, j.Rate, eta(j))
}

// progressLine is the plain form for logs and pipes.
func progressLine(j bulkJob) string {
	return fmt.Sprintf("job %s %s: %d/%d (%d done, %d failed), %.1f rows/s, ETA %s", j.ID, j.State,
		j.Done+j.Failed+j.Cancelled, j.Total, j.Done, j.Failed, j.Rate, eta(j))
}

func eta(j bulkJob) string {
	if j.ETASeconds == nil {
		return "-"
	}
	return (time.Duration(*j.ETASeconds) * time.Second).String()
}

// apiClient is the CLI's small client for tohu's API.
type apiClient struct {
	base, token string
	http        *http.Client
}

// do sends a request and decodes a JSON answer of status want; a problem
// document becomes an error carrying its detail.
func (c *apiClient) do(ctx context.Context, method, path, ct string, body []byte, want int, v any) error {
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, r)
	if err != nil {
		return errs.Wrap(err, errs.Invalid, "bad URL %s", c.base)
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := c.http.Do(req)
	if err != nil {
		return errs.Wrap(err, errs.Unavailable, "cannot reach %s: %v", c.base, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if resp.StatusCode != want {
		return problemError(resp.StatusCode, raw)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		// Not a tohu answer (a wrong --url, say): trying again would not help.
		return errs.Wrap(err, errs.Invalid, "%s%s did not answer as tohu does (its answer is not the JSON expected); check --url", c.base, path)
	}
	return nil
}

func (c *apiClient) raw(ctx context.Context, path string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path, nil)
	if err != nil {
		return nil, errs.Wrap(err, errs.Invalid, "bad URL %s", c.base)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, errs.Wrap(err, errs.Unavailable, "cannot reach %s: %v", c.base, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
	if resp.StatusCode != http.StatusOK {
		return nil, problemError(resp.StatusCode, raw)
	}
	return raw, nil
}

// problemError turns an RFC 9457 answer into an error with its detail and
// the first per-field error.
func problemError(status int, raw []byte) error {
	var p struct {
		Title  string `json:"title"`
		Detail string `json:"detail"`
		Errors []struct {
			Pointer string `json:"pointer"`
			Detail  string `json:"detail"`
		} `json:"errors"`
	}
	_ = json.Unmarshal(raw, &p)
	msg := p.Detail
	if msg == "" {
		msg = p.Title
	}
	if msg == "" {
		msg = strings.TrimSpace(string(raw))
	}
	code := errs.Unavailable
	switch {
	case status == http.StatusUnauthorized:
		code = errs.Unauthorized
	case status == http.StatusForbidden:
		code = errs.Forbidden
	case status == http.StatusNotFound:
		code = errs.NotFound
	case status >= 400 && status < 500:
		code = errs.Invalid
	}
	return errs.E(code, "the server answered %d: %s", status, msg)
}
