package issuer

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"mime/quotedprintable"
	"strconv"
	"strings"
	"time"

	"github.com/tohu-nz/tohu/errs"
)

// Mailer delivers one message. SMTPMailer (notify_smtp.go) is the real one.
// A PermanentError (e.g. an SMTP 5xx reply to RCPT) means retrying cannot help.
type Mailer interface {
	Send(ctx context.Context, from, to string, msg []byte) error
}

// PermanentError marks a delivery failure that retrying cannot fix.
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string { return e.Err.Error() }
func (e *PermanentError) Unwrap() error { return e.Err }

// MailConfig is how notifications are sent. A nil Mailer means they are
// recorded in the outbox but not sent (and the API says so); they go out
// once a notifier with a mailer runs.
type MailConfig struct {
	Mailer Mailer
	// From is the sender address; default "tohu@" + the base URL's host.
	From string
	// MaxAttempts before a notification is marked failed; default 8.
	MaxAttempts int
	// Backoff is the wait after the first failed attempt, doubled after
	// each further one (capped at an hour); default 30 s.
	Backoff time.Duration
}

// Notification states as the API reports them: the stored states plus
// "recorded" (pending with no mailer configured) and "none".
const (
	NotifyRecorded = "recorded"
	NotifyQueued   = "queued"
	NotifyNone     = "none"
)

// NotificationStatus is what the API shows about an award's email.
type NotificationStatus struct {
	State    string     `json:"state"` // queued | sent | failed | recorded | none
	Reason   string     `json:"reason,omitempty"`
	To       string     `json:"to,omitempty"`
	Attempts int        `json:"attempts,omitempty"`
	SentAt   *time.Time `json:"sentAt,omitempty"`
}

// AwardNotification returns the state of the learner's email about an
// award's issue. Any role of the award's provider; NotFound otherwise.
func (s *Service) AwardNotification(ctx context.Context, actor Actor, awardID string) (*NotificationStatus, error) {
	a, err := s.store.Award(ctx, awardID)
	if err != nil {
		return nil, err
	}
	if err := actor.require(RoleViewer, a.ProviderID); err != nil {
		return nil, err
	}
	n, err := s.store.AwardNotification(ctx, awardID, NotifyAwardIssued)
	if errs.Is(err, errs.NotFound) {
		return noNotification(a.LearnerEmail != "", a.State != AwardPending && a.State != AwardApproved), nil
	}
	if err != nil {
		return nil, err
	}
	return s.notificationStatus(n), nil
}

// noNotification is the status of an award without an email: its learner
// has no address, or it has not been issued yet, or (issued, with an
// address) it was issued before tohu recorded emails.
func noNotification(hasAddress, issued bool) *NotificationStatus {
	reason := "no email was recorded when the award was issued"
	switch {
	case !hasAddress:
		reason = "the learner has no email address"
	case !issued:
		reason = "the award has not been issued"
	}
	return &NotificationStatus{State: NotifyNone, Reason: reason}
}

func (s *Service) notificationStatus(n *Notification) *NotificationStatus {
	st := &NotificationStatus{State: n.State, To: n.To, Attempts: n.Attempts, SentAt: n.SentAt}
	switch {
	case n.State == NotifyPending && s.cfg.Mail.Mailer == nil:
		st.State, st.Reason = NotifyRecorded, "no SMTP server configured"
	case n.State == NotifyPending:
		st.State = NotifyQueued
		if n.LastError != "" {
			st.Reason = "will retry: " + n.LastError
		}
	case n.State == NotifyFailed:
		st.Reason = n.LastError
	}
	return st
}

// emailDomain is what follows an address's last "@": enough for an audit
// trail to tell a corrected address from the old one without keeping either.
func emailDomain(addr string) string {
	if i := strings.LastIndexByte(addr, '@'); i >= 0 {
		return addr[i+1:]
	}
	return ""
}

// validEmail is tohu's check of a learner's address: an "@", no spaces.
// Whether the address works is the mail server's to say (a bounce shows in
// the notification's state).
func validEmail(addr string) bool {
	return strings.Contains(addr, "@") && !strings.ContainsAny(addr, " \t\r\n")
}

// resendCooldown is how soon after an email was delivered it may be sent
// again as it is: a second click is a mistake, not a request, and a key
// must not be usable to send the same learner mail on a loop.
const resendCooldown = 10 * time.Minute

// ResendNotification sends the learner's email about an issued award
// again, as a provider does once a bounced address is corrected: to to
// when given, else to the address it went to before. The credential is not
// changed: it holds only a salted hash of the address it was issued to.
// Assessor or approver role. Conflict unless the award is issued (a
// suspended one's page says so; the email would not), or when it was
// delivered to that address less than resendCooldown ago. Invalid (/to)
// for a bad address, or when there is no address at all. The audit event
// names the addresses' domains, not the addresses.
func (s *Service) ResendNotification(ctx context.Context, actor Actor, awardID, to string) (*NotificationStatus, error) {
	a, err := s.store.Award(ctx, awardID)
	if err != nil {
		return nil, err
	}
	if err := actor.requireEither(RoleAssessor, RoleApprover, a.ProviderID); err != nil {
		return nil, err
	}
	if a.State != AwardIssued {
		return nil, errs.F(errs.Conflict, "/state", "the award is %s: only an issued award's email can be sent again", a.State)
	}
	if to != "" && !validEmail(to) {
		return nil, errs.F(errs.Invalid, "/to", "%q is not an email address", to)
	}
	n, err := s.store.AwardNotification(ctx, awardID, NotifyAwardIssued)
	// None yet: the learner had no address, or the award was issued before
	// tohu recorded emails.
	fresh := errs.Is(err, errs.NotFound)
	old := ""
	switch {
	case fresh && cmp.Or(to, a.LearnerEmail) == "":
		return nil, errs.F(errs.Invalid, "/to", "the learner had no email address when the award was issued: give one in to")
	case fresh:
		p, ach, err := s.awardContext(ctx, a)
		if err != nil {
			return nil, err
		}
		if n, err = s.issuedNotification(p, ach, a, cmp.Or(to, a.LearnerEmail)); err != nil {
			return nil, err
		}
	case err != nil:
		return nil, err
	default:
		old = n.To
		if n.State == NotifySent && n.SentAt != nil && (to == "" || to == n.To) {
			if ago := s.now().Sub(*n.SentAt); ago < resendCooldown {
				return nil, errs.F(errs.Conflict, "/to", "the email was delivered to that address %s ago; it can be sent there again %s after delivery",
					ago.Round(time.Second), resendCooldown)
			}
		}
		n.To = cmp.Or(to, n.To)
	}
	n.State, n.Attempts, n.NextAttemptAt, n.LastError, n.SentAt = NotifyPending, 0, time.Now(), "", nil
	err = s.store.WithTx(ctx, func(tx Store) error {
		write := tx.ResetNotification
		if fresh {
			write = tx.EnqueueNotification
		}
		if err := write(ctx, n); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, a.ProviderID, "award.notification.resend", "award:"+a.ID,
			map[string]string{"fromDomain": emailDomain(old), "toDomain": emailDomain(n.To)})
	})
	if err != nil {
		return nil, err
	}
	return s.notificationStatus(n), nil
}

// CredentialPageURL is the learner's page for an award (HTML, downloads,
// sharing), the link the notification carries.
func (s *Service) CredentialPageURL(awardID string) string { return s.cfg.BaseURL + "/c/" + awardID }

// recordIssued records, on tx (the transaction that issues the award), the
// email telling the learner: nothing when the learner has no email address.
func (s *Service) recordIssued(ctx context.Context, tx Store, p *Provider, ach *Achievement, a *Award) error {
	if a.LearnerEmail == "" {
		return nil
	}
	n, err := s.issuedNotification(p, ach, a, a.LearnerEmail)
	if err != nil {
		return err
	}
	return tx.EnqueueNotification(ctx, n)
}

// issuedNotification is the email telling the learner of a's issue, to
// addr, due now.
func (s *Service) issuedNotification(p *Provider, ach *Achievement, a *Award, addr string) (*Notification, error) {
	id, err := s.newID()
	if err != nil {
		return nil, err
	}
	subject, body := issuedMessage(p, ach, a, s.CredentialPageURL(a.ID))
	return &Notification{ID: id, ProviderID: p.ID, AwardID: a.ID, Kind: NotifyAwardIssued, To: addr, Subject: subject,
		Body: body, State: NotifyPending, NextAttemptAt: time.Now(), CreatedAt: s.now()}, nil
}

// issuedMessage is the email to the learner, in English and te reo Māori.
// The te reo text was written plainly by the team and should be checked by
// a fluent speaker before launch, like api/pages' catalogue.
func issuedMessage(p *Provider, ach *Achievement, a *Award, link string) (subject, body string) {
	titleMi := ach.TitleMi
	if titleMi == "" {
		titleMi = ach.Title
	}
	subject = oneLineText("Your micro-credential: " + ach.Title + " / Tō tohu: " + titleMi)
	var b strings.Builder
	fmt.Fprintf(&b, "Kia ora %s,\n\n", a.LearnerName)
	fmt.Fprintf(&b, "%s has issued you a digital credential for the micro-credential %q", p.Name, ach.Title)
	fmt.Fprintf(&b, " (NZQA %s version %s, NZQCF level %d, %d credits).\n\n", ach.NZQARef, ach.NZQAVersion, ach.Level, a.CreditsEarned)
	fmt.Fprintf(&b, "View it, download it, or add it to LinkedIn or your wallet:\n%s\n\n", link)
	b.WriteString("Anyone you share the link with can check that it is genuine.\n\n")
	b.WriteString("— Te reo Māori —\n\n")
	fmt.Fprintf(&b, "Kia ora %s,\n\n", a.LearnerName)
	fmt.Fprintf(&b, "Kua whakawhiwhia koe e %s ki tētahi tohu matihiko mō te tohu iti %q", p.Name, titleMi)
	fmt.Fprintf(&b, " (NZQA %s putanga %s, taumata %d, %d whiwhinga).\n\n", ach.NZQARef, ach.NZQAVersion, ach.Level, a.CreditsEarned)
	fmt.Fprintf(&b, "Tirohia, tikiake, tāpirihia rānei ki LinkedIn, ki tō pūkoro matihiko rānei:\n%s\n\n", link)
	b.WriteString("Ka taea e te hunga ka tohaina e koe te hono te tirotiro he tūturu tēnei tohu.\n\n")
	fmt.Fprintf(&b, "Nā %s\n", p.Name)
	return subject, b.String()
}

func oneLineText(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }), " ")
}

// mailFrom is the configured sender, or tohu@<base URL host>.
func (s *Service) mailFrom() string {
	if s.cfg.Mail.From != "" {
		return s.cfg.Mail.From
	}
	return "tohu@" + s.baseURL.Hostname()
}

// messageID is n's outbox id, and its generation once staff have sent it
// again: the same across retries of one sending, new for each resend
// (receivers drop a Message-ID they have seen).
func messageID(n *Notification) string {
	if n.Generation == 0 {
		return n.ID
	}
	return n.ID + ".g" + strconv.Itoa(n.Generation)
}

// buildMessage renders n as an RFC 5322 message: UTF-8 text in
// quoted-printable (macrons survive 7-bit relays), the subject as an RFC
// 2047 encoded word, and the outbox id in the Message-ID so a receiver can
// recognise a redelivery after a crash between sending and recording it.
func (s *Service) buildMessage(n *Notification, now time.Time) ([]byte, error) {
	var b bytes.Buffer
	host := s.baseURL.Hostname()
	hdr := [][2]string{
		{"From", s.mailFrom()},
		{"To", n.To},
		{"Subject", mime.QEncoding.Encode("UTF-8", oneLineText(n.Subject))},
		{"Date", now.Format(time.RFC1123Z)},
		{"Message-ID", "<" + messageID(n) + "@" + host + ">"},
		{"MIME-Version", "1.0"},
		{"Content-Type", "text/plain; charset=UTF-8"},
		{"Content-Transfer-Encoding", "quoted-printable"},
		{"Content-Language", "en, mi"},
	}
	for _, h := range hdr {
		if strings.ContainsAny(h[1], "\r\n") {
			return nil, errs.E(errs.Invalid, "header %s holds a line break", h[0])
		}
		b.WriteString(h[0] + ": " + h[1] + "\r\n")
	}
	b.WriteString("\r\n")
	w := quotedprintable.NewWriter(&b)
	if _, err := w.Write([]byte(strings.ReplaceAll(n.Body, "\n", "\r\n"))); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// NotifierOptions tune RunNotifier.
type NotifierOptions struct {
	Poll   time.Duration // how often to look for due notifications; default 1 s
	Lease  time.Duration // how long a claimed notification is ours; default 2 min
	Batch  int           // notifications per claim; default 16
	Logger *slog.Logger
}

// RunNotifier sends due notifications from the outbox with the configured
// mailer until ctx is done; it returns at once when no mailer is
// configured. A failed attempt is retried after Backoff·2^(attempts-1)
// (capped at an hour) until MaxAttempts; a permanent failure (5xx) is not
// retried. Any number of replicas may run it: claims are leases.
func (s *Service) RunNotifier(ctx context.Context, opts NotifierOptions) error {
	if s.cfg.Mail.Mailer == nil {
		return nil
	}
	if opts.Poll <= 0 {
		opts.Poll = time.Second
	}
	if opts.Lease <= 0 {
		opts.Lease = 2 * time.Minute
	}
	if opts.Batch <= 0 {
		opts.Batch = 16
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	for {
		n, err := s.SendDueNotifications(ctx, opts)
		if err != nil && ctx.Err() == nil {
			opts.Logger.Warn("notifier", "error", err.Error())
		}
		if n > 0 && err == nil {
			continue
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(opts.Poll):
		}
	}
}

// SendDueNotifications claims one batch of due notifications and tries to
// send each; it returns how many it claimed.
func (s *Service) SendDueNotifications(ctx context.Context, opts NotifierOptions) (int, error) {
	mc := s.cfg.Mail
	if mc.Mailer == nil {
		return 0, nil
	}
	maxAttempts := mc.MaxAttempts
	if maxAttempts <= 0 {
		maxAttempts = 8
	}
	backoff := mc.Backoff
	if backoff <= 0 {
		backoff = 30 * time.Second
	}
	if opts.Lease <= 0 {
		opts.Lease = 2 * time.Minute
	}
	if opts.Batch <= 0 {
		opts.Batch = 16
	}
	now := time.Now()
	due, err := s.store.ClaimNotifications(ctx, now, now.Add(opts.Lease), opts.Batch)
	if err != nil {
		return 0, err
	}
	for i := range due {
		n := &due[i]
		msg, err := s.buildMessage(n, s.now())
		if err == nil {
			sctx, cancel := context.WithTimeout(ctx, time.Minute)
			err = mc.Mailer.Send(sctx, s.mailFrom(), n.To, msg)
			cancel()
		}
		var perm *PermanentError
		switch {
		case err == nil:
			t := s.now()
			n.State, n.SentAt, n.LastError = NotifySent, &t, ""
		case errors.As(err, &perm) || n.Attempts >= maxAttempts || errs.Is(err, errs.Invalid):
			n.State, n.LastError = NotifyFailed, oneLineText(err.Error())
		default:
			wait := backoff << min(n.Attempts-1, 20)
			if wait > time.Hour || wait <= 0 {
				wait = time.Hour
			}
			n.NextAttemptAt, n.LastError = time.Now().Add(wait), oneLineText(err.Error())
		}
		if uerr := s.store.UpdateNotification(context.WithoutCancel(ctx), n); errors.Is(uerr, ErrAttemptSuperseded) {
			if opts.Logger != nil {
				opts.Logger.Info("notification attempt superseded: claimed or sent again meanwhile", "notification", n.ID, "attempt", n.Attempts)
			}
			continue
		} else if uerr != nil {
			return len(due), uerr
		}
		if err != nil && opts.Logger != nil {
			opts.Logger.Warn("notification not sent", "notification", n.ID, "attempt", n.Attempts, "state", n.State, "error", n.LastError)
		}
	}
	return len(due), nil
}
