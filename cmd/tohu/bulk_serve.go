package main

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/tohu-nz/tohu/api"
	"github.com/tohu-nz/tohu/issuer"
)

// mailConfig builds the issuer's mail settings from TOHU_SMTP_URL and
// TOHU_SMTP_FROM; with no URL, notifications are recorded but not sent.
func mailConfig(cfg *Config) (issuer.MailConfig, error) {
	if cfg.SMTPURL == "" {
		return issuer.MailConfig{}, nil
	}
	m, err := issuer.NewSMTPMailer(cfg.SMTPURL, nil)
	if err != nil {
		return issuer.MailConfig{}, err
	}
	return issuer.MailConfig{Mailer: m, From: cfg.SMTPFrom}, nil
}

// startBackground starts the bulk workers (TOHU_WORKERS, default
// 2×(GOMAXPROCS+1), at least 6, at most 16) and, when SMTP is configured, the notifier, on a context of
// their own (the ops shutdown contract, NOTES-ops): serve drains HTTP first,
// then calls the returned stop, which cancels them and waits at most grace
// for the rows in flight to finish (issuer.BulkRunner finishes a started
// row and hands back the others). The workers count the awards they issue
// in m, and m's job gauge counts the jobs in the database at each scrape.
func startBackground(ctx context.Context, svc *issuer.Service, cfg *Config, log *slog.Logger, m *api.Metrics) (stop func(grace time.Duration)) {
	workCtx, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	runner := svc.NewBulkRunner(issuer.BulkWorkerOptions{Workers: cfg.Workers, Logger: log, OnIssued: func(n int) {
		for range n {
			m.CredentialIssued()
		}
	}})
	m.CountJobs(svc.BulkJobCounts)
	wg.Add(2)
	go func() { defer wg.Done(); _ = runner.Run(workCtx) }()
	go func() { defer wg.Done(); _ = svc.RunNotifier(workCtx, issuer.NotifierOptions{Logger: log}) }()
	if cfg.SMTPURL == "" {
		log.Info("notifications are recorded but not sent: no TOHU_SMTP_URL")
	}
	return func(grace time.Duration) {
		stopWork()
		if !waitAtMost(&wg, grace) {
			// A row's transaction that is cut short rolls back and its
			// lease brings it back to a worker: nothing is lost or doubled.
			log.Warn("bulk workers did not stop in time; their unfinished rows resume after the lease", "grace", grace.String())
		}
	}
}

// waitAtMost waits for wg, or d; it reports whether wg finished.
func waitAtMost(wg *sync.WaitGroup, d time.Duration) bool {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-done:
		return true
	case <-t.C:
		return false
	}
}
