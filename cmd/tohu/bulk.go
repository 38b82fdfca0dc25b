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

const usageBulk = "bulk FILE.csv|FILE.json --achievement REF [--url URL] [--token TOKEN (or TOHU_API_KEY)] [--out results.csv] [--create]"

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

// cmdBulk uploads a cohort file to a running tohu, follows the job with a
// progress bar (plain lines when stderr is not a terminal), and writes the
// results CSV at the end.
func cmdBulk(ctx context.Context, env *Env, args []string) error {
	fs := flag.NewFlagSet("bulk", flag.ContinueOnError)
	ach := fs.String("achievement", "", "achievement id or NZQA reference for rows without one")
	base := fs.String("url", "", "tohu base URL (default $TOHU_URL or http://127.0.0.1:8080)")
	token := fs.String("token", "", "API key (default $TOHU_API_KEY)")
	out := fs.String("out", "", "results file (default FILE.results.csv)")
	create := fs.Bool("create", false, "only record pending awards for an approver")
	interval := fs.Duration("interval", time.Second, "how often to poll the job")
	pos, err := parseFlags(fs, usageBulk, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
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
	if *out == "" {
		*out = strings.TrimSuffix(pos[0], filepath.Ext(pos[0])) + ".results.csv"
	}
	body, err := os.ReadFile(pos[0])
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return errs.Wrap(err, errs.NotFound, "%s: no such file", pos[0])
		}
		return errs.Wrap(err, errs.Invalid, "%s: cannot be read", pos[0])
	}
	if len(body) > maxBulkFile {
		return errs.E(errs.Invalid, "%s: larger than %d bytes", pos[0], maxBulkFile)
	}
	ct := "text/csv"
	if strings.EqualFold(filepath.Ext(pos[0]), ".json") {
		ct = "application/json"
	}
	q := url.Values{}
	if *ach != "" {
		q.Set("achievement", *ach)
	}
	if *create {
		q.Set("create", "1")
	}
	c := &apiClient{base: *base, token: *token, http: &http.Client{Timeout: 5 * time.Minute}}
	var sub struct {
		Job    bulkJob `json:"job"`
		Errors []struct {
			Line    int    `json:"line"`
			Field   string `json:"field"`
			Message string `json:"message"`
		} `json:"errors"`
	}
	if err := c.do(ctx, http.MethodPost, "/api/v1/awards/bulk?"+q.Encode(), ct, body, http.StatusAccepted, &sub); err != nil {
		return err
	}
	fmt.Fprintf(env.Stderr, "job %s: %d rows, %d invalid\n", sub.Job.ID, sub.Job.Total, len(sub.Errors))
	for i, e := range sub.Errors {
		if i == 20 {
			fmt.Fprintf(env.Stderr, "  … and %d more (see the results file)\n", len(sub.Errors)-i)
			break
		}
		fmt.Fprintf(env.Stderr, "  line %d, %s: %s\n", e.Line, e.Field, e.Message)
	}
	tty := isTerminal(env.Stderr)
	job := sub.Job
	lastLine := time.Time{}
	for job.State == "queued" || job.State == "running" {
		select {
		case <-ctx.Done():
			fmt.Fprintf(env.Stderr, "\nstopped following job %s; it goes on on the server\n", job.ID)
			return ctx.Err()
		case <-time.After(*interval):
		}
		if err := c.do(ctx, http.MethodGet, "/api/v1/jobs/"+job.ID, "", nil, http.StatusOK, &job); err != nil {
			return err
		}
		if tty {
			fmt.Fprintf(env.Stderr, "\r%s", progressBar(job, 30))
		} else if time.Since(lastLine) >= 5*time.Second || job.State != "running" {
			fmt.Fprintln(env.Stderr, progressLine(job))
			lastLine = time.Now()
		}
	}
	if tty {
		fmt.Fprintln(env.Stderr)
	}
	results, err := c.raw(ctx, "/api/v1/jobs/"+job.ID+"/results")
	if err != nil {
		return err
	}
	if err := os.WriteFile(*out, results, 0o600); err != nil {
		return errs.Wrap(err, errs.Unavailable, "cannot write %s", *out)
	}
	fmt.Fprintf(env.Stdout, "job %s %s: %d done, %d failed, %d cancelled of %d; results in %s\n",
		job.ID, job.State, job.Done, job.Failed, job.Cancelled, job.Total, *out)
	if job.Failed > 0 || job.State != "done" {
		return errRowsFailed
	}
	return nil
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
		return errs.Wrap(err, errs.Unavailable, "%s %s: unexpected answer", method, path)
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
