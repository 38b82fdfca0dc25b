package store_test

import (
	"context"
	"errors"
	"io"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/tohu-nz/tohu/errs"
	"github.com/tohu-nz/tohu/issuer"
	"github.com/tohu-nz/tohu/store"
)

// smtpSink is a real SMTP server (emersion/go-smtp) that keeps what it receives.
type smtpSink struct {
	mu   sync.Mutex
	msgs []sunk
	srv  *smtp.Server
}

type sunk struct {
	from string
	to   []string
	data []byte
}

func (s *smtpSink) NewSession(*smtp.Conn) (smtp.Session, error) { return &smtpSession{sink: s}, nil }

type smtpSession struct {
	sink *smtpSink
	cur  sunk
}

func (s *smtpSession) Reset()        { s.cur = sunk{} }
func (s *smtpSession) Logout() error { return nil }
func (s *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	s.cur.from = from
	return nil
}
func (s *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if strings.HasSuffix(to, "@bounce.example") {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such mailbox"}
	}
	s.cur.to = append(s.cur.to, to)
	return nil
}
func (s *smtpSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.cur.data = b
	s.sink.mu.Lock()
	s.sink.msgs = append(s.sink.msgs, s.cur)
	s.sink.mu.Unlock()
	return nil
}

func (s *smtpSink) received() []sunk {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]sunk(nil), s.msgs...)
}

// startSMTP serves SMTP on addr ("127.0.0.1:0" for any port).
func startSMTP(t *testing.T, addr string) (*smtpSink, string) {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	sink := &smtpSink{}
	sink.srv = smtp.NewServer(sink)
	sink.srv.Domain = "localhost"
	sink.srv.ReadTimeout, sink.srv.WriteTimeout = 10*time.Second, 10*time.Second
	go sink.srv.Serve(ln)
	t.Cleanup(func() { sink.srv.Close() })
	return sink, ln.Addr().String()
}

// mailProvider starts a real SMTP server and returns it, a service on db
// whose notifications go to it, a provider of slug and that provider's
// sample micro-credential.
func mailProvider(t *testing.T, db *store.DB, dsn, dir, slug string) (*smtpSink, *env, provider, *issuer.Achievement) {
	t.Helper()
	sink, addr := startSMTP(t, "127.0.0.1:0")
	e := mailEnv(t, db, dsn, dir, addr)
	pr := e.provider(t, slug, false)
	ach, err := e.svc.CreateAchievement(context.Background(), pr.admin, sampleAchievement())
	if err != nil {
		t.Fatal(err)
	}
	return sink, e, pr, ach
}

// mailEnv is a service on db whose notifications go to smtpAddr.
func mailEnv(t *testing.T, db *store.DB, dsn, dir, smtpAddr string) *env {
	t.Helper()
	e := newEnv(t, db, dsn, dir)
	m, err := issuer.NewSMTPMailer("smtp://"+smtpAddr, nil)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := issuer.New(db, issuer.Config{BaseURL: baseURL, MasterKey: e.master, Clock: func() time.Time { return now },
		Mail: issuer.MailConfig{Mailer: m, From: "tohu@tohu.example.nz", Backoff: 50 * time.Millisecond, MaxAttempts: 5}})
	if err != nil {
		t.Fatal(err)
	}
	e.svc = svc
	return e
}

// TestNotificationDelivered: issuing an award records the email in the
// same transaction; the notifier sends it to a real SMTP server; the
// message has the learner as recipient, both languages and the link.
func TestNotificationDelivered(t *testing.T) {
	forEachDialect(t, func(t *testing.T, db *store.DB, dsn, dir string) {
		ctx := context.Background()
		sink, e, pr, ach := mailProvider(t, db, dsn, dir, "kura-mail")
		is := e.issue(t, pr, ach.ID)
		st, err := e.svc.AwardNotification(ctx, pr.approver, is.Award.ID)
		if err != nil || st.State != issuer.NotifyQueued || st.To != "aroha@example.nz" {
			t.Fatalf("before sending: %+v, %v", st, err)
		}
		if n, err := e.svc.SendDueNotifications(ctx, issuer.NotifierOptions{}); err != nil || n != 1 {
			t.Fatalf("SendDueNotifications = %d, %v", n, err)
		}
		got := sink.received()
		if len(got) != 1 {
			t.Fatalf("received %d messages", len(got))
		}
		if got[0].from != "tohu@tohu.example.nz" || len(got[0].to) != 1 || got[0].to[0] != "aroha@example.nz" {
			t.Fatalf("envelope = %q → %q", got[0].from, got[0].to)
		}
		msg, err := mail.ReadMessage(strings.NewReader(string(got[0].data)))
		if err != nil {
			t.Fatal(err)
		}
		subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
		if err != nil || subject != "Your micro-credential: Te Reo Māori mō te Wāhi Mahi / Tō tohu: Te Reo Māori mō te Wāhi Mahi (reo Māori)" {
			t.Fatalf("subject = %q, %v", subject, err)
		}
		if msg.Header.Get("To") != "aroha@example.nz" {
			t.Fatalf("To = %q", msg.Header.Get("To"))
		}
		body, err := io.ReadAll(quotedprintable.NewReader(msg.Body))
		if err != nil {
			t.Fatal(err)
		}
		text := string(body)
		for _, want := range []string{
			"Kia ora Aroha Ngata",
			"has issued you a digital credential",                              // English
			"Kua whakawhiwhia koe e Te Kura kura-mail ki tētahi tohu matihiko", // te reo Māori, macrons intact
			baseURL + "/c/" + is.Award.ID,
		} {
			if !strings.Contains(text, want) {
				t.Errorf("body lacks %q:\n%s", want, text)
			}
		}
		st, err = e.svc.AwardNotification(ctx, pr.approver, is.Award.ID)
		if err != nil || st.State != issuer.NotifySent || st.SentAt == nil {
			t.Fatalf("after sending: %+v, %v", st, err)
		}
		// Nothing is due any more: nothing is sent twice.
		if n, err := e.svc.SendDueNotifications(ctx, issuer.NotifierOptions{}); err != nil || n != 0 || len(sink.received()) != 1 {
			t.Fatalf("second round sent %d (%d received), %v", n, len(sink.received()), err)
		}
	})
}

// TestNotificationRetried: with the SMTP server down the attempt fails and
// is retried with backoff; once the server is up the message is delivered,
// exactly once. A 5xx for the recipient is permanent: failed, no retry.
func TestNotificationRetried(t *testing.T) {
	forEachDialect(t, func(t *testing.T, db *store.DB, dsn, dir string) {
		ctx := context.Background()
		// Reserve a port and close it: the server is "down".
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		e := mailEnv(t, db, dsn, dir, addr)
		pr := e.provider(t, "kura-retry", false)
		ach, err := e.svc.CreateAchievement(ctx, pr.admin, sampleAchievement())
		if err != nil {
			t.Fatal(err)
		}
		is := e.issue(t, pr, ach.ID)
		if n, err := e.svc.SendDueNotifications(ctx, issuer.NotifierOptions{}); err != nil || n != 1 {
			t.Fatalf("first attempt = %d, %v", n, err)
		}
		st, _ := e.svc.AwardNotification(ctx, pr.approver, is.Award.ID)
		if st.State != issuer.NotifyQueued || st.Attempts != 1 || !strings.Contains(st.Reason, "will retry") {
			t.Fatalf("after a failed attempt: %+v", st)
		}
		// Not due again before the backoff has passed.
		if n, _ := e.svc.SendDueNotifications(ctx, issuer.NotifierOptions{}); n != 0 {
			t.Fatalf("retried before the backoff: %d", n)
		}
		sink, _ := startSMTP(t, addr)
		time.Sleep(80 * time.Millisecond)
		if n, err := e.svc.SendDueNotifications(ctx, issuer.NotifierOptions{}); err != nil || n != 1 {
			t.Fatalf("retry = %d, %v", n, err)
		}
		time.Sleep(200 * time.Millisecond)
		if n, _ := e.svc.SendDueNotifications(ctx, issuer.NotifierOptions{}); n != 0 {
			t.Fatalf("sent again: %d", n)
		}
		if got := sink.received(); len(got) != 1 || got[0].to[0] != "aroha@example.nz" {
			t.Fatalf("received %d messages", len(got))
		}
		st, _ = e.svc.AwardNotification(ctx, pr.approver, is.Award.ID)
		if st.State != issuer.NotifySent || st.Attempts != 2 {
			t.Fatalf("after delivery: %+v", st)
		}

		// A permanent refusal is not retried.
		in := sampleAward(ach.ID)
		in.LearnerEmail = "nobody@bounce.example"
		a, err := e.svc.CreateAward(ctx, pr.assessor, in, "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.ApproveAward(ctx, pr.approver, a.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.IssueAward(ctx, pr.approver, a.ID); err != nil {
			t.Fatal(err)
		}
		if n, err := e.svc.SendDueNotifications(ctx, issuer.NotifierOptions{}); err != nil || n != 1 {
			t.Fatalf("bounce attempt = %d, %v", n, err)
		}
		st, _ = e.svc.AwardNotification(ctx, pr.approver, a.ID)
		if st.State != issuer.NotifyFailed || !strings.Contains(st.Reason, "550") {
			t.Fatalf("after a 550: %+v", st)
		}
	})
}

// TestBulkResultsEmail: a cohort's results say, row by row, what became of
// each learner's email through a real SMTP server: queued until the
// notifier runs, then sent, or failed with the server's reason; none for a
// learner without an email address.
func TestBulkResultsEmail(t *testing.T) {
	forEachDialect(t, func(t *testing.T, db *store.DB, dsn, dir string) {
		ctx := context.Background()
		_, e, pr, _ := mailProvider(t, db, dsn, dir, "kura-cohort-mail")
		sub := submitCohort(t, e, pr, "learner_name,learner_email,learner_did,completed_on\n"+
			"Aroha Ngata,aroha@example.nz,,2026-04-01\n"+
			"Nobody,nobody@bounce.example,,2026-04-01\n"+
			"Wallet Only,,did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK,2026-04-01\n")
		if err := e.svc.NewBulkRunner(issuer.BulkWorkerOptions{Workers: 1}).RunUntilIdle(ctx); err != nil {
			t.Fatal(err)
		}
		emails := func() map[int]issuer.NotificationStatus {
			t.Helper()
			out := map[int]issuer.NotificationStatus{}
			if err := e.svc.BulkResults(ctx, pr.approver, sub.Job.ID, func(r issuer.BulkResult) error {
				if r.State != issuer.RowIssued || r.Email == nil {
					t.Fatalf("line %d: %s, email %+v", r.Line, r.State, r.Email)
				}
				out[r.Line] = *r.Email
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			return out
		}
		if got := emails(); got[2].State != issuer.NotifyQueued || got[3].State != issuer.NotifyQueued || got[4].State != issuer.NotifyNone {
			t.Fatalf("before sending: %+v", got)
		}
		if n, err := e.svc.SendDueNotifications(ctx, issuer.NotifierOptions{}); err != nil || n != 2 {
			t.Fatalf("SendDueNotifications = %d, %v", n, err)
		}
		got := emails()
		if got[2].State != issuer.NotifySent || got[3].State != issuer.NotifyFailed || !strings.Contains(got[3].Reason, "550") ||
			got[4].State != issuer.NotifyNone || got[4].Reason != "the learner has no email address" {
			t.Fatalf("after sending: %+v", got)
		}
	})
}

// TestNotificationResent: once staff correct a bounced address, the
// learner's email goes again to the new address through a real SMTP
// server, with the same message; it can be sent again as it is; a learner
// who had no address gets one; bad requests are refused and change nothing.
func TestNotificationResent(t *testing.T) {
	forEachDialect(t, func(t *testing.T, db *store.DB, dsn, dir string) {
		ctx := context.Background()
		sink, e, pr, ach := mailProvider(t, db, dsn, dir, "kura-resend")
		issue := func(email, did string) *issuer.Award {
			t.Helper()
			in := sampleAward(ach.ID)
			in.LearnerEmail, in.LearnerDID = email, did
			a, err := e.svc.CreateAward(ctx, pr.assessor, in, "")
			if err == nil {
				_, err = e.svc.ApproveAward(ctx, pr.approver, a.ID)
			}
			if err == nil {
				_, err = e.svc.IssueAward(ctx, pr.approver, a.ID)
			}
			if err != nil {
				t.Fatal(err)
			}
			return a
		}
		send := func(want int) {
			t.Helper()
			if n, err := e.svc.SendDueNotifications(ctx, issuer.NotifierOptions{}); err != nil || n != want {
				t.Fatalf("SendDueNotifications = %d, %v; want %d", n, err, want)
			}
		}
		bounced := issue("aroha@bounce.example", "")
		send(1)
		if st, _ := e.svc.AwardNotification(ctx, pr.approver, bounced.ID); st.State != issuer.NotifyFailed {
			t.Fatalf("before the resend: %+v", st)
		}

		// As it is, to the same address: tried again (and bounced again).
		if st, err := e.svc.ResendNotification(ctx, pr.assessor, bounced.ID, ""); err != nil || st.State != issuer.NotifyQueued || st.Attempts != 0 {
			t.Fatalf("resend as is = %+v, %v", st, err)
		}
		send(1)
		if st, _ := e.svc.AwardNotification(ctx, pr.approver, bounced.ID); st.State != issuer.NotifyFailed || st.Attempts != 1 {
			t.Fatalf("after the resend as is: %+v", st)
		}

		// Corrected address: queued, then delivered there, under a new Message-ID.
		st, err := e.svc.ResendNotification(ctx, pr.assessor, bounced.ID, "aroha.ngata@example.nz")
		if err != nil || st.State != issuer.NotifyQueued || st.To != "aroha.ngata@example.nz" || st.Attempts != 0 {
			t.Fatalf("resend = %+v, %v", st, err)
		}
		send(1)
		got := sink.received()
		if len(got) != 1 || got[0].to[0] != "aroha.ngata@example.nz" || !strings.Contains(string(got[0].data), bounced.ID) {
			t.Fatalf("received %+v", got)
		}
		msg, err := mail.ReadMessage(strings.NewReader(string(got[0].data)))
		if err != nil || !strings.Contains(msg.Header.Get("Message-ID"), ".g2@") {
			t.Fatalf("the second resend's Message-ID = %q, %v", msg.Header.Get("Message-ID"), err)
		}
		if st, _ := e.svc.AwardNotification(ctx, pr.approver, bounced.ID); st.State != issuer.NotifySent || st.To != "aroha.ngata@example.nz" {
			t.Fatalf("after the resend: %+v", st)
		}
		// Delivered just now: not again to the same address yet.
		if _, err := e.svc.ResendNotification(ctx, pr.approver, bounced.ID, ""); errs.ErrorCode(err) != errs.Conflict || !strings.Contains(err.Error(), "10m0s") {
			t.Fatalf("resend within the cooldown: %v", err)
		}

		// A learner issued without an address gets one now.
		walletOnly := issue("", "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK")
		if _, err := e.svc.ResendNotification(ctx, pr.approver, walletOnly.ID, ""); errs.ErrorCode(err) != errs.Invalid || errs.ErrorField(err) != "/to" {
			t.Fatalf("no address at all: %v", err)
		}
		if _, err := e.svc.ResendNotification(ctx, pr.approver, walletOnly.ID, "hemi@example.nz"); err != nil {
			t.Fatal(err)
		}
		send(1)
		if got := sink.received(); len(got) != 2 || got[1].to[0] != "hemi@example.nz" || !strings.Contains(string(got[1].data), "Kia ora") {
			t.Fatalf("received %d messages", len(got))
		}

		// Refusals, each leaving the sent email as it was.
		if _, err := e.svc.Revoke(ctx, pr.approver, walletOnly.ID, "issued in error"); err != nil {
			t.Fatal(err)
		}
		_, tok, err := e.svc.CreateAPIKey(ctx, pr.admin, pr.p.ID, "viewer", []issuer.Role{issuer.RoleViewer})
		if err != nil {
			t.Fatal(err)
		}
		vtok, err := e.svc.Authenticate(ctx, tok)
		if err != nil {
			t.Fatal(err)
		}
		for name, c := range map[string]struct {
			actor issuer.Actor
			award string
			to    string
			code  errs.Code
		}{
			"bad address": {pr.assessor, bounced.ID, "aroha at example.nz", errs.Invalid},
			"revoked":     {pr.approver, walletOnly.ID, "", errs.Conflict},
			"viewer":      {vtok, bounced.ID, "", errs.Forbidden},
			"no award":    {pr.approver, "nosuchaward", "", errs.NotFound},
		} {
			if _, err := e.svc.ResendNotification(ctx, c.actor, c.award, c.to); errs.ErrorCode(err) != c.code {
				t.Errorf("%s: %v, want %s", name, err, c.code)
			}
		}
		if st, _ := e.svc.AwardNotification(ctx, pr.approver, bounced.ID); st.State != issuer.NotifySent {
			t.Fatalf("a refused resend changed the email: %+v", st)
		}
		send(0)
		events, err := e.svc.AuditEvents(ctx, pr.admin, pr.p.ID, 100)
		if err != nil {
			t.Fatal(err)
		}
		var domains []string
		for _, ev := range events {
			if ev.Action == "award.notification.resend" {
				domains = append(domains, ev.Detail["fromDomain"]+">"+ev.Detail["toDomain"])
				for _, v := range ev.Detail {
					if strings.Contains(v, "@") {
						t.Errorf("an address in the audit trail: %v", ev.Detail)
					}
				}
			}
		}
		slices.Sort(domains)
		if want := []string{">example.nz", "bounce.example>bounce.example", "bounce.example>example.nz"}; !slices.Equal(domains, want) {
			t.Fatalf("resend audit events %v, want %v", domains, want)
		}
	})
}

// TestNotificationResetWhileSending: an attempt that was sending when staff
// sent the email again to a corrected address does not write its outcome
// over the resend, before or after the resend's own attempt (which has the
// same attempt count: the generation tells them apart); the resend goes out.
func TestNotificationResetWhileSending(t *testing.T) {
	forEachDialect(t, func(t *testing.T, db *store.DB, dsn, dir string) {
		ctx := context.Background()
		sink, e, pr, ach := mailProvider(t, db, dsn, dir, "kura-race")
		is := e.issue(t, pr, ach.ID)
		at := time.Now()
		claimed, err := db.ClaimNotifications(ctx, at, at.Add(time.Minute), 10) // attempt A, under way
		if err != nil || len(claimed) != 1 {
			t.Fatalf("claim = %d, %v", len(claimed), err)
		}
		if _, err := e.svc.ResendNotification(ctx, pr.approver, is.Award.ID, "aroha.ngata@example.nz"); err != nil {
			t.Fatal(err)
		}
		// A ends (failed, say) after the resend, before anyone claims it again.
		a := claimed[0]
		a.State, a.LastError = issuer.NotifyFailed, "550 no such mailbox"
		if err := db.UpdateNotification(ctx, &a); !errors.Is(err, issuer.ErrAttemptSuperseded) {
			t.Fatalf("A's outcome after the resend: %v, want ErrAttemptSuperseded", err)
		}
		if st, _ := e.svc.AwardNotification(ctx, pr.approver, is.Award.ID); st.State != issuer.NotifyQueued || st.To != "aroha.ngata@example.nz" {
			t.Fatalf("A overwrote the resend: %+v", st)
		}
		// Attempt B (the resend's first, so attempts 1 again, as A's was)
		// delivers it; A's outcome, later still, is refused again.
		if n, err := e.svc.SendDueNotifications(ctx, issuer.NotifierOptions{}); err != nil || n != 1 {
			t.Fatalf("SendDueNotifications = %d, %v", n, err)
		}
		if err := db.UpdateNotification(ctx, &a); !errors.Is(err, issuer.ErrAttemptSuperseded) {
			t.Fatalf("A's outcome after B's: %v, want ErrAttemptSuperseded", err)
		}
		if st, _ := e.svc.AwardNotification(ctx, pr.approver, is.Award.ID); st.State != issuer.NotifySent || st.Attempts != 1 {
			t.Fatalf("after B: %+v", st)
		}
		if got := sink.received(); len(got) != 1 || got[0].to[0] != "aroha.ngata@example.nz" {
			t.Fatalf("received %+v", got)
		}
	})
}
