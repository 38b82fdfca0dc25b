package main

import (
	"debug/buildinfo"
	"debug/elf"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// No container engine runs on the build machine, so the image itself is
// never built here. These tests check what the image promises with the
// parts that do run: the binary is built by the Dockerfile's own build
// command, and run the way the image runs it (read-only root, uid 65532,
// no shell, only the data volume writable).

// dockerfileBuild runs the `go build` RUN instruction of deploy/Dockerfile's
// build stage as written, from the repository root (the stage's WORKDIR,
// after COPY . .), with its /out/ directory mapped to a temporary one and
// VERSION and COMMIT as the build arguments. It returns the binary's path.
// Reading the command from the Dockerfile keeps the two from drifting.
func dockerfileBuild(t *testing.T, version, commit string) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary and runs it as separate processes")
	}
	b, err := os.ReadFile("../../deploy/Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	var run string
	for _, inst := range strings.Split(strings.ReplaceAll(string(b), "\\\n", " "), "\n") {
		if f := strings.Fields(inst); len(f) > 1 && f[0] == "RUN" && strings.Contains(inst, "go build") {
			run = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(inst), "RUN"))
		}
	}
	if run == "" || !strings.Contains(run, "/out/tohu") {
		t.Fatalf("deploy/Dockerfile has no RUN ... go build ... -o /out/tohu instruction")
	}
	out := t.TempDir()
	cmd := exec.Command("sh", "-ec", strings.ReplaceAll(run, "/out/", out+"/"))
	cmd.Dir = "../.."
	cmd.Env = append(os.Environ(), "VERSION="+version, "COMMIT="+commit)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("the Dockerfile's build command failed: %v\n%s\n%s", err, cmd.Args[2], b)
	}
	return filepath.Join(out, "tohu")
}

// TestImageBinary: the binary the Dockerfile builds is static (no
// interpreter, no shared library: it runs on distroless/static or
// scratch), was built without cgo and with -trimpath, and `tohu version`
// prints the version and commit baked in.
func TestImageBinary(t *testing.T) {
	const ver, commit = "v1.2.3-image", "89abcdef0123456789abcdef0123456789abcdef"
	bin := dockerfileBuild(t, ver, commit)

	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
			t.Errorf("the binary is dynamically linked (program header %v)", p.Type)
		}
	}
	if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
		t.Errorf("the binary needs shared libraries %v", libs)
	}

	bi, err := buildinfo.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	settings := map[string]string{}
	for _, s := range bi.Settings {
		settings[s.Key] = s.Value
	}
	if settings["CGO_ENABLED"] != "0" || settings["-trimpath"] != "true" {
		t.Errorf("build settings CGO_ENABLED=%q -trimpath=%q, want 0 and true", settings["CGO_ENABLED"], settings["-trimpath"])
	}

	got, err := exec.Command(bin, "version").CombinedOutput()
	if want := fmt.Sprintf("tohu %s (%s)\n", ver, commit[:12]); err != nil || string(got) != want {
		t.Fatalf("tohu version = %q (%v), want %q", got, err, want)
	}
}

// sandbox is a root filesystem laid out like the image's
// (gcr.io/distroless/static:nonroot plus tohu): /usr/local/bin/tohu, CA
// certificates, a passwd entry for uid 65532, an empty /var/lib/tohu and
// /tmp, and no shell. Commands run in it on a read-only bind mount of it,
// as 65532:65532, in a mount namespace of their own (unshare, needs root);
// only the directory given as the data volume is writable, at
// /var/lib/tohu, as a container runtime mounts a volume.
type sandbox struct {
	root string
}

const imageUID = 65532

func newSandbox(t *testing.T, bin string) *sandbox {
	t.Helper()
	if os.Geteuid() != 0 {
		if os.Getenv("CI") != "" {
			t.Fatal("the read-only root test needs root (CI runs as root)")
		}
		t.Skip("needs root for a mount namespace")
	}
	for _, tool := range []string{"unshare", "mount", "chroot"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s (util-linux/coreutils) is needed: %v", tool, err)
		}
	}
	root := t.TempDir()
	for _, d := range []string{"usr/local/bin", "etc/ssl/certs", "var/lib/tohu", "tmp", "proc", "dev", "run/secrets"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"etc/passwd": "root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n",
		"etc/group":  "root:x:0:\nnonroot:x:65532:\n",
		"dev/null":   "",
	}
	if ca, err := os.ReadFile("/etc/ssl/certs/ca-certificates.crt"); err == nil {
		files["etc/ssl/certs/ca-certificates.crt"] = string(ca)
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(root, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(root, "usr/local/bin/tohu"), b, 0o755); err != nil {
		t.Fatal(err)
	}
	// The image's /var/lib/tohu belongs to nonroot (Dockerfile COPY --chown),
	// but on a read-only root that does not make it writable.
	if err := os.Chown(filepath.Join(root, "var/lib/tohu"), imageUID, imageUID); err != nil {
		t.Fatal(err)
	}
	return &sandbox{root: root}
}

// secret writes a file under /run/secrets, readable by the image's user
// only (as compose and Kubernetes mount secrets).
func (s *sandbox) secret(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(s.root, "run/secrets", name)
	if err := os.WriteFile(p, []byte(content), 0o400); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(p, imageUID, imageUID); err != nil {
		t.Fatal(err)
	}
	return "/run/secrets/" + name
}

// volume makes a host directory for /var/lib/tohu, owned by the image's user.
func (s *sandbox) volume(t *testing.T) string {
	t.Helper()
	d := t.TempDir()
	if err := os.Chown(d, imageUID, imageUID); err != nil {
		t.Fatal(err)
	}
	return d
}

// command returns `tohu args...` inside the sandbox; volume ("" for none)
// is mounted writable at /var/lib/tohu. The exec chain (unshare, sh,
// chroot) replaces itself, so the process started is tohu's and signals
// reach it. Its environment holds only HOME and PATH as distroless sets
// them; callers add TOHU_* variables.
func (s *sandbox) command(volume string, args ...string) *exec.Cmd {
	script := `root=$1; volume=$2; shift 2
mount --bind "$root" "$root"
mount -t proc proc "$root/proc"
mount --bind /dev/null "$root/dev/null"
if [ -n "$volume" ]; then mount --bind "$volume" "$root/var/lib/tohu"; fi
mount -o remount,bind,ro "$root"
exec chroot --userspec=65532:65532 "$root" /usr/local/bin/tohu "$@"`
	cmd := exec.Command("unshare", append([]string{"--mount", "--propagation", "private", "sh", "-ec", script, "sh", s.root, volume}, args...)...)
	cmd.Env = []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/home/nonroot"}
	return cmd
}

func (s *sandbox) run(t *testing.T, volume string, env map[string]string, args ...string) (int, string) {
	t.Helper()
	cmd := s.command(volume, args...)
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), string(out)
	} else if err != nil {
		t.Fatalf("%v: %v", cmd.Args, err)
	}
	return 0, string(out)
}

// TestImageReadOnlyRoot runs the Dockerfile's binary as the image runs it:
// a read-only root filesystem with no writable /tmp, uid 65532, and only
// the data volume writable. On SQLite tohu keeps its database and the
// master key it generates in the volume and nowhere else; on PostgreSQL
// with the master key from a secret file it needs no writable path at
// all (the Kubernetes and compose setup). Without a writable volume on
// SQLite it refuses to start with an error naming TOHU_DATA_DIR — which
// also shows the sandbox really is read-only. The image's HEALTHCHECK
// (`tohu healthcheck`, no shell) passes inside it.
func TestImageReadOnlyRoot(t *testing.T) {
	bin := buildTohu(t)
	s := newSandbox(t, bin)

	t.Run("sqlite with a data volume", func(t *testing.T) {
		vol := s.volume(t)
		addr := freeAddr(t)
		env := map[string]string{"TOHU_ADDR": addr, "TOHU_DATA_DIR": "/var/lib/tohu", "TOHU_OPERATOR_TOKEN": testOperatorToken}
		p := s.serve(t, vol, env)
		issueOne(t, p)
		// The image's HEALTHCHECK: `tohu healthcheck` with the container's env.
		if code, out := s.run(t, "", env, "healthcheck"); code != 0 {
			t.Fatalf("tohu healthcheck in the sandbox: exit %d: %s", code, out)
		}
		if code := p.stop(t); code != 0 {
			t.Fatalf("exit %d after SIGTERM:\n%s", code, p.logs)
		}
		// With nothing listening the health check fails, so the runtime
		// restarts or stops routing to the container.
		if code, out := s.run(t, "", env, "healthcheck"); code == 0 {
			t.Fatalf("tohu healthcheck passed with tohu stopped: %s", out)
		}
		// What it wrote is in the volume, owned by the image's user; the
		// generated master key is private.
		entries, _ := os.ReadDir(vol)
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
			st, err := os.Stat(filepath.Join(vol, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			if sys, ok := st.Sys().(*syscall.Stat_t); ok && sys.Uid != imageUID {
				t.Errorf("%s belongs to uid %d, want %d", e.Name(), sys.Uid, imageUID)
			}
			if e.Name() == masterKeyFile && st.Mode().Perm() != 0o600 {
				t.Errorf("master.key mode %v, want 0600", st.Mode().Perm())
			}
		}
		if !strings.Contains(strings.Join(names, " "), masterKeyFile) || len(names) < 2 {
			t.Fatalf("the volume holds %v; want the SQLite database and master.key", names)
		}
	})

	t.Run("postgres with secrets and no writable path", func(t *testing.T) {
		env := map[string]string{
			"TOHU_ADDR": freeAddr(t), "TOHU_DATA_DIR": "/var/lib/tohu", "TOHU_OPERATOR_TOKEN": testOperatorToken,
			"TOHU_DATABASE_URL_FILE": s.secret(t, "database_url", postgresTarget(t)+"\n"),
			"TOHU_MASTER_KEY_FILE":   s.secret(t, "master_key", newMasterKey(t)+"\n"),
		}
		p := s.serve(t, "", env)
		issueOne(t, p)
		if code := p.stop(t); code != 0 {
			t.Fatalf("exit %d after SIGTERM:\n%s", code, p.logs)
		}
	})

	t.Run("sqlite without a volume is refused", func(t *testing.T) {
		code, out := s.run(t, "", map[string]string{"TOHU_ADDR": freeAddr(t), "TOHU_DATA_DIR": "/var/lib/tohu"}, "serve")
		if code == 0 || !strings.Contains(out, "read-only file system") || !strings.Contains(out, "/var/lib/tohu") {
			t.Fatalf("serve on a read-only data dir: exit %d, want an error naming /var/lib/tohu and the read-only file system:\n%s", code, out)
		}
	})
}

// serve starts `tohu serve` in the sandbox and checks it runs as the
// image's user.
func (s *sandbox) serve(t *testing.T, volume string, env map[string]string) *proc {
	t.Helper()
	p := startCmd(t, s.command(volume, "serve"), env)
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(status), "\n") {
		if f := strings.Fields(l); len(f) > 1 && f[0] == "Uid:" && f[1] != fmt.Sprint(imageUID) {
			t.Fatalf("tohu runs as uid %s, want %d", f[1], imageUID)
		}
	}
	return p
}

// issueOne issues an award through p, so the database is written to.
func issueOne(t *testing.T, p *proc) {
	t.Helper()
	c := client{t, p.url()}
	if _, err := setUpIssuer(c).issue(c, "Ākonga Pānui Anake"); err != nil {
		t.Fatal(err)
	}
}
