package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"text/tabwriter"
)

// Config is the service configuration, read from the environment by
// loadConfig. Nothing outside cmd/tohu reads the environment (CONVENTIONS §1).
type Config struct {
	Addr          string
	BaseURL       string
	DataDir       string
	DatabaseURL   string // secret: may hold a password
	MasterKey     string // secret; "" until resolveMasterKey runs when neither variable is set
	MasterKeyFile string // where the master key came from, when from a file
	OperatorToken string // secret; admits POST /api/v1/providers
	DefaultIssuer string // provider slug published as /.well-known/did.json
	TLSCert       string
	TLSKey        string
	LogLevel      slog.Level
	BodyLimit     int
	CreditsMin    int
	CreditsMax    int
	MetricsAddr   string // "" = /metrics on the main listener
	// Issue 6 (bulk_config.go): learner email and bulk workers.
	SMTPURL  string // secret: may hold a password; "" = notifications recorded, not sent
	SMTPFrom string
	Workers  int // bulk workers per process; 0 = issuer.DefaultBulkWorkers()

	// set records which options came from the environment rather than
	// their defaults (for `tohu config`).
	set map[string]bool
}

// redacted replaces a secret's value wherever config is shown or logged.
const redacted = "<redacted>"

// option is one row of the configuration table: the variable, its default,
// whether it is a secret (then TOHU_X_FILE may name a file holding it, and
// it is never shown), what it is for, and how it is parsed into Config.
type option struct {
	name    string
	def     string
	secret  bool
	desc    string
	set     func(c *Config, v string) error
	show    func(c *Config) string
	fileVar bool // also read NAME_FILE (secrets, and anything else a file may hold)
}

// options is the one table of configuration. Order matters: BaseURL's
// default depends on Addr, and the credit bounds are checked together.
var options = []option{
	{
		name: "TOHU_ADDR", def: "127.0.0.1:8080",
		desc: "listen address host:port (port 0 picks a free port)",
		set: func(c *Config, v string) error {
			if _, _, err := net.SplitHostPort(v); err != nil {
				return fmt.Errorf("want host:port, e.g. 127.0.0.1:8080")
			}
			c.Addr = v
			return nil
		},
		show: func(c *Config) string { return c.Addr },
	},
	{
		name: "TOHU_BASE_URL", def: "",
		desc: `public origin written into credentials, DIDs and status lists (default "http://" + TOHU_ADDR)`,
		set: func(c *Config, v string) error {
			if v == "" {
				v = "http://" + c.Addr
			}
			u, err := url.Parse(v)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
				u.User != nil || u.RawQuery != "" || u.Fragment != "" {
				return fmt.Errorf("want an absolute http(s) URL with no user, query or fragment")
			}
			c.BaseURL = strings.TrimRight(v, "/")
			return nil
		},
		show: func(c *Config) string { return c.BaseURL },
	},
	{
		name: "TOHU_DATA_DIR", def: "./data",
		desc: "directory for the SQLite database and the generated master key file",
		set: func(c *Config, v string) error {
			if v == "" {
				return errors.New("must not be empty")
			}
			c.DataDir = v
			return nil
		},
		show: func(c *Config) string { return c.DataDir },
	},
	{
		name: "TOHU_DATABASE_URL", def: "", secret: true, fileVar: true,
		desc: "PostgreSQL URL (postgres://...); empty = embedded SQLite in TOHU_DATA_DIR",
		set: func(c *Config, v string) error {
			if v != "" && !strings.HasPrefix(v, "postgres://") && !strings.HasPrefix(v, "postgresql://") {
				return errors.New("want a postgres:// or postgresql:// URL, or nothing for SQLite")
			}
			c.DatabaseURL = v
			return nil
		},
		show: func(c *Config) string { return c.DatabaseURL },
	},
	{
		name: "TOHU_MASTER_KEY", def: "", secret: true, fileVar: true,
		desc: "key that seals signing keys at rest; if unset, $TOHU_DATA_DIR/master.key is created on first run",
		set: func(c *Config, v string) error {
			c.MasterKey = strings.TrimSpace(v)
			return nil
		},
		show: func(c *Config) string { return c.MasterKey },
	},
	{
		name: "TOHU_OPERATOR_TOKEN", def: "", secret: true, fileVar: true,
		desc: "bearer token for creating providers over the API (POST /api/v1/providers); empty disables it",
		set: func(c *Config, v string) error {
			v = strings.TrimSpace(v)
			if v != "" && len(v) < 32 {
				return errors.New("must be at least 32 characters (e.g. `openssl rand -base64 32`)")
			}
			c.OperatorToken = v
			return nil
		},
		show: func(c *Config) string { return c.OperatorToken },
	},
	{
		name: "TOHU_DEFAULT_ISSUER", def: "",
		desc: "provider slug whose keys /.well-known/did.json publishes as did:web:<host>; empty = 404",
		set: func(c *Config, v string) error {
			v = strings.TrimSpace(v)
			if v != "" && !slugRE.MatchString(v) {
				return errors.New("want a provider slug (lowercase letters, digits, inner hyphens)")
			}
			c.DefaultIssuer = v
			return nil
		},
		show: func(c *Config) string { return c.DefaultIssuer },
	},
	{
		name: "TOHU_TLS_CERT", def: "",
		desc: "PEM certificate file; with TOHU_TLS_KEY, serve HTTPS",
		set:  func(c *Config, v string) error { c.TLSCert = v; return nil },
		show: func(c *Config) string { return c.TLSCert },
	},
	{
		name: "TOHU_TLS_KEY", def: "",
		desc: "PEM private key file for TOHU_TLS_CERT",
		set: func(c *Config, v string) error {
			c.TLSKey = v
			if (c.TLSCert == "") != (v == "") {
				return errors.New("set both TOHU_TLS_CERT and TOHU_TLS_KEY, or neither")
			}
			return nil
		},
		show: func(c *Config) string { return c.TLSKey },
	},
	{
		name: "TOHU_LOG_LEVEL", def: "info",
		desc: "debug, info, warn or error",
		set: func(c *Config, v string) error {
			if err := c.LogLevel.UnmarshalText([]byte(v)); err != nil {
				return errors.New("want debug, info, warn or error")
			}
			return nil
		},
		show: func(c *Config) string { return strings.ToLower(c.LogLevel.String()) },
	},
	{
		name: "TOHU_BODY_LIMIT", def: "1048576",
		desc: "largest request body in bytes (1 KiB to 64 MiB)",
		set: func(c *Config, v string) error {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1<<10 || n > 64<<20 {
				return errors.New("want a whole number of bytes from 1024 to 67108864")
			}
			c.BodyLimit = n
			return nil
		},
		show: func(c *Config) string { return strconv.Itoa(c.BodyLimit) },
	},
	{
		name: "TOHU_CREDITS_MIN", def: "1",
		desc: "smallest NZQCF credit value an achievement may have",
		set:  intIn(1, 1000, func(c *Config) *int { return &c.CreditsMin }),
		show: func(c *Config) string { return strconv.Itoa(c.CreditsMin) },
	},
	{
		name: "TOHU_CREDITS_MAX", def: "40",
		desc: "largest NZQCF credit value an achievement may have",
		set: func(c *Config, v string) error {
			if err := intIn(1, 1000, func(c *Config) *int { return &c.CreditsMax })(c, v); err != nil {
				return err
			}
			if c.CreditsMax < c.CreditsMin {
				return fmt.Errorf("must not be below TOHU_CREDITS_MIN (%d)", c.CreditsMin)
			}
			return nil
		},
		show: func(c *Config) string { return strconv.Itoa(c.CreditsMax) },
	},
	{
		name: "TOHU_METRICS_ADDR", def: "",
		desc: "separate host:port for GET /metrics (then not served on TOHU_ADDR); empty = on the main listener",
		set: func(c *Config, v string) error {
			if v != "" {
				if _, _, err := net.SplitHostPort(v); err != nil {
					return fmt.Errorf("want host:port, e.g. 0.0.0.0:9090")
				}
			}
			c.MetricsAddr = v
			return nil
		},
		show: func(c *Config) string { return c.MetricsAddr },
	},
	bulkOptions[0], bulkOptions[1], bulkOptions[2], // issue 6: TOHU_SMTP_URL, TOHU_SMTP_FROM, TOHU_WORKERS (bulk_config.go)
}

// slugRE is the provider slug syntax (issuer.CreateProvider checks the same).
var slugRE = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$`)

func intIn(lo, hi int, field func(*Config) *int) func(*Config, string) error {
	return func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < lo || n > hi {
			return fmt.Errorf("want a whole number from %d to %d", lo, hi)
		}
		*field(c) = n
		return nil
	}
}

// loadConfig reads every option from getenv, applying defaults, reading
// NAME_FILE twins, and validating each value. The error names the variable
// and never holds a secret's value.
func loadConfig(getenv func(string) string) (*Config, error) {
	getenv, err := withConfigFile(getenv)
	if err != nil {
		return nil, fmt.Errorf("configuration: %v", err)
	}
	c := &Config{set: map[string]bool{}}
	var problems []string
	for _, o := range options {
		v, from, err := lookup(o, getenv)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		if from != "" {
			c.set[o.name] = true
		} else {
			v = o.def
		}
		if err := o.set(c, v); err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", from0(from, o.name), err))
		}
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("configuration: %s", strings.Join(problems, "; "))
	}
	if c.set["TOHU_MASTER_KEY"] {
		c.MasterKeyFile = getenv("TOHU_MASTER_KEY_FILE")
	}
	return c, nil
}

func from0(from, name string) string {
	if from == "" {
		return name
	}
	return from
}

// lookup returns the option's raw value and the variable it came from
// ("" = not set). NAME and NAME_FILE together are an error: which one wins
// would be a guess.
func lookup(o option, getenv func(string) string) (string, string, error) {
	v := getenv(o.name)
	if !o.fileVar {
		if v == "" {
			return "", "", nil
		}
		return v, o.name, nil
	}
	fileVar := o.name + "_FILE"
	path := getenv(fileVar)
	switch {
	case v != "" && path != "":
		return "", "", fmt.Errorf("%s and %s are both set; set one", o.name, fileVar)
	case path != "":
		b, err := os.ReadFile(path)
		if err != nil {
			// The path is not secret; the contents are never read into the error.
			return "", "", fmt.Errorf("%s: cannot read %s: %v", fileVar, path, errors.Unwrap(err))
		}
		return strings.TrimRight(string(b), "\r\n"), fileVar, nil
	case v != "":
		return v, o.name, nil
	}
	return "", "", nil
}

// TLS reports whether serve speaks HTTPS.
func (c *Config) TLS() bool { return c.TLSCert != "" && c.TLSKey != "" }

// values returns each option's shown value, secrets redacted when set.
func (c *Config) values() [][3]string {
	rows := make([][3]string, 0, len(options))
	for _, o := range options {
		v := o.show(c)
		if o.secret && v != "" {
			v = redacted
		}
		src := "default"
		if c.set[o.name] {
			src = "env"
		}
		rows = append(rows, [3]string{o.name, v, src})
	}
	return rows
}

// LogValue makes a Config safe to log: secrets appear as <redacted>, so
// slog.Any("config", cfg) can never write a password or the master key.
func (c *Config) LogValue() slog.Value {
	attrs := make([]slog.Attr, 0, len(options))
	for _, r := range c.values() {
		attrs = append(attrs, slog.String(r[0], r[1]))
	}
	return slog.GroupValue(attrs...)
}

// String is the redacted form too, so fmt.Print(cfg) is safe.
func (c *Config) String() string { return c.LogValue().String() }

// GoString keeps %#v from printing the struct (and its secrets).
func (c *Config) GoString() string { return c.String() }

// printConfig writes the configuration table, redacted, for `tohu config`.
func printConfig(w io.Writer, c *Config) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "VARIABLE\tVALUE\tSOURCE\tDESCRIPTION")
	for i, r := range c.values() {
		v := r[1]
		if v == "" {
			v = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r[0], v, r[2], options[i].desc)
	}
	return tw.Flush()
}
