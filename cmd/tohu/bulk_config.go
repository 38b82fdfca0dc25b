package main

import (
	"errors"
	"net/mail"
	"strconv"

	"github.com/tohu-nz/tohu/issuer"
)

// bulkOptions are issue 6's rows of the configuration table.
var bulkOptions = []option{
	{
		name: "TOHU_SMTP_URL", def: "", secret: true, fileVar: true,
		desc: "SMTP server for learner emails: smtp://user:pass@host:587 (STARTTLS) or smtps://…:465; empty = recorded, not sent",
		set: func(c *Config, v string) error {
			if v != "" {
				if _, err := issuer.NewSMTPMailer(v, nil); err != nil {
					return errors.New("want smtp://[user:pass@]host[:port] or smtps://[user:pass@]host[:port]")
				}
			}
			c.SMTPURL = v
			return nil
		},
		show: func(c *Config) string { return c.SMTPURL },
	},
	{
		name: "TOHU_SMTP_FROM", def: "",
		desc: `sender address of learner emails (default "tohu@" + the base URL's host)`,
		set: func(c *Config, v string) error {
			if v != "" {
				if _, err := mail.ParseAddress(v); err != nil {
					return errors.New("want an email address, e.g. tohu@example.ac.nz or \"Te Kura <tohu@example.ac.nz>\"")
				}
			}
			c.SMTPFrom = v
			return nil
		},
		show: func(c *Config) string { return c.SMTPFrom },
	},
	{
		name: "TOHU_WORKERS", def: "0",
		desc: "bulk issuance workers in this process; 0 = two per CPU (GOMAXPROCS) plus two, at least 6, at most 16",
		set:  intIn(0, 1024, func(c *Config) *int { return &c.Workers }),
		show: func(c *Config) string {
			if c.Workers == 0 {
				return "0 (" + strconv.Itoa(issuer.DefaultBulkWorkers()) + ")"
			}
			return strconv.Itoa(c.Workers)
		},
	},
}
