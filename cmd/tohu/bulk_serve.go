package main

import (
	"context"
	"log/slog"
	"sync"

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
// GOMAXPROCS) and, when SMTP is configured, the notifier, on a context of
// their own (the ops shutdown contract, NOTES-ops): serve drains HTTP first,
// then calls the returned stop, which cancels them and waits for the rows
// in flight to finish (issuer.BulkRunner finishes a started row and hands
// back the others).
func startBackground(ctx context.Context, svc *issuer.Service, cfg *Config, log *slog.Logger) (stop func()) {
	workCtx, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	runner := svc.NewBulkRunner(issuer.BulkWorkerOptions{Workers: cfg.Workers, Logger: log})
	wg.Add(2)
	go func() { defer wg.Done(); _ = runner.Run(workCtx) }()
	go func() { defer wg.Done(); _ = svc.RunNotifier(workCtx, issuer.NotifierOptions{Logger: log}) }()
	if cfg.SMTPURL == "" {
		log.Info("notifications are recorded but not sent: no TOHU_SMTP_URL")
	}
	return func() {
		stopWork()
		wg.Wait()
	}
}
