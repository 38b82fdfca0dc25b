package main

import (
	"bytes"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func envMap(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestLoadConfig(t *testing.T) {
	dir := t.TempDir()
	dbFile := filepath.Join(dir, "db-url")
	if err := os.WriteFile(dbFile, []byte("postgres://tohu:pa55word@db:5432/tohu\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := map[string]struct {
		env     map[string]string
		check   func(t *testing.T, c *Config)
		wantErr string // a substring naming the variable
	}{
		"ok/defaults": {env: nil, check: func(t *testing.T, c *Config) {
			if c.Addr != "127.0.0.1:8080" || c.BaseURL != "http://127.0.0.1:8080" || c.DataDir != "./data" ||
				c.DatabaseURL != "" || c.LogLevel != slog.LevelInfo || c.BodyLimit != 1<<20 ||
				c.CreditsMin != 1 || c.CreditsMax != 40 || c.TLS() {
				t.Errorf("defaults = %s", c)
			}
		}},
		"ok/base url follows addr": {env: map[string]string{"TOHU_ADDR": "0.0.0.0:9000"}, check: func(t *testing.T, c *Config) {
			if c.BaseURL != "http://0.0.0.0:9000" {
				t.Errorf("BaseURL = %q", c.BaseURL)
			}
		}},
		"ok/base url trailing slash trimmed": {env: map[string]string{"TOHU_BASE_URL": "https://badges.example.ac.nz/"}, check: func(t *testing.T, c *Config) {
			if c.BaseURL != "https://badges.example.ac.nz" {
				t.Errorf("BaseURL = %q", c.BaseURL)
			}
		}},
		"ok/database url from file": {env: map[string]string{"TOHU_DATABASE_URL_FILE": dbFile}, check: func(t *testing.T, c *Config) {
			if c.DatabaseURL != "postgres://tohu:pa55word@db:5432/tohu" {
				t.Errorf("DatabaseURL = %q", c.DatabaseURL)
			}
		}},
		"ok/master key from file": {env: map[string]string{"TOHU_MASTER_KEY_FILE": dbFile}, check: func(t *testing.T, c *Config) {
			if c.MasterKeyFile != dbFile {
				t.Errorf("MasterKeyFile = %q", c.MasterKeyFile)
			}
		}},
		"ok/tls":               {env: map[string]string{"TOHU_TLS_CERT": "c.pem", "TOHU_TLS_KEY": "k.pem"}, check: func(t *testing.T, c *Config) { _ = c.TLS() || fail(t, "TLS off") }},
		"ok/log level":         {env: map[string]string{"TOHU_LOG_LEVEL": "DEBUG"}, check: func(t *testing.T, c *Config) { _ = c.LogLevel == slog.LevelDebug || fail(t, "level") }},
		"ok/credit bounds":     {env: map[string]string{"TOHU_CREDITS_MIN": "5", "TOHU_CREDITS_MAX": "5"}},
		"error/addr":           {env: map[string]string{"TOHU_ADDR": "8080"}, wantErr: "TOHU_ADDR"},
		"error/base url":       {env: map[string]string{"TOHU_BASE_URL": "ftp://x"}, wantErr: "TOHU_BASE_URL"},
		"error/base url query": {env: map[string]string{"TOHU_BASE_URL": "https://x/?a=b"}, wantErr: "TOHU_BASE_URL"},
		"error/database url":   {env: map[string]string{"TOHU_DATABASE_URL": "mysql://root:hunter2@x/db"}, wantErr: "TOHU_DATABASE_URL"},
		"error/both set":       {env: map[string]string{"TOHU_MASTER_KEY": "hunter2", "TOHU_MASTER_KEY_FILE": dbFile}, wantErr: "TOHU_MASTER_KEY and TOHU_MASTER_KEY_FILE"},
		"error/missing file":   {env: map[string]string{"TOHU_DATABASE_URL_FILE": filepath.Join(dir, "nope")}, wantErr: "TOHU_DATABASE_URL_FILE"},
		"error/half tls":       {env: map[string]string{"TOHU_TLS_CERT": "c.pem"}, wantErr: "TOHU_TLS_KEY"},
		"error/log level":      {env: map[string]string{"TOHU_LOG_LEVEL": "loud"}, wantErr: "TOHU_LOG_LEVEL"},
		"error/body limit":     {env: map[string]string{"TOHU_BODY_LIMIT": "12"}, wantErr: "TOHU_BODY_LIMIT"},
		"error/credits order":  {env: map[string]string{"TOHU_CREDITS_MIN": "10", "TOHU_CREDITS_MAX": "5"}, wantErr: "TOHU_CREDITS_MAX"},
		"error/credits zero":   {env: map[string]string{"TOHU_CREDITS_MIN": "0"}, wantErr: "TOHU_CREDITS_MIN"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			c, err := loadConfig(envMap(tc.env))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one naming %s", err, tc.wantErr)
				}
				for _, secret := range []string{"hunter2", "pa55word"} {
					if strings.Contains(err.Error(), secret) {
						t.Fatalf("error leaks a secret: %v", err)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tc.check != nil {
				tc.check(t, c)
			}
		})
	}
}

func fail(t *testing.T, msg string) bool { t.Helper(); t.Error(msg); return false }

func TestConfigRedacted(t *testing.T) {
	c, err := loadConfig(envMap(map[string]string{
		"TOHU_DATABASE_URL": "postgres://tohu:pa55word@db/tohu",
		"TOHU_MASTER_KEY":   "hunter2-master-key",
	}))
	if err != nil {
		t.Fatal(err)
	}
	var logs, table bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("start", "config", c)
	if err := printConfig(&table, c); err != nil {
		t.Fatal(err)
	}
	for name, out := range map[string]string{
		"slog":   logs.String(),
		"table":  table.String(),
		"%v":     fmt.Sprintf("%v", c),
		"%+v":    fmt.Sprintf("%+v", c),
		"%#v":    fmt.Sprintf("%#v", c),
		"String": c.String(),
	} {
		if strings.Contains(out, "pa55word") || strings.Contains(out, "hunter2") {
			t.Errorf("%s leaks a secret: %s", name, out)
		}
		if !strings.Contains(out, redacted) {
			t.Errorf("%s does not show %s: %s", name, redacted, out)
		}
	}
	if !strings.Contains(table.String(), "TOHU_CREDITS_MAX") || !strings.Contains(table.String(), "127.0.0.1:8080") {
		t.Errorf("table misses rows: %s", table.String())
	}
}
