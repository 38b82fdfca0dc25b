// Package deploy_test checks the deployment files structurally, since no
// container engine or cluster is at hand in CI: the Dockerfile's required
// properties, the compose file's wiring and the Kubernetes manifests'
// consistency (selectors, ports, probes, secrets, resources). yamllint
// (deploy/.yamllint) covers the syntax.
package deploy_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

type obj = map[string]any

// get walks a decoded YAML document by keys ("spec", "template", ...) and
// list indexes (ints).
func get(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(obj)
			if !ok {
				return nil
			}
			v = m[k]
		case int:
			l, ok := v.([]any)
			if !ok || k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

func str(v any, path ...any) string { s, _ := get(v, path...).(string); return s }

// loadManifests decodes every document of every k8s/*.yaml, keyed by kind.
func loadManifests(t *testing.T) map[string][]obj {
	t.Helper()
	files, _ := filepath.Glob("k8s/*.yaml")
	if len(files) == 0 {
		t.Fatal("no manifests in k8s/")
	}
	out := map[string][]obj{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(b))
		for {
			var doc obj
			err := dec.Decode(&doc)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			kind := str(doc, "kind")
			if kind == "" || str(doc, "apiVersion") == "" {
				t.Fatalf("%s: a document without apiVersion and kind", f)
			}
			if kind != "Kustomization" && str(doc, "metadata", "name") == "" {
				t.Fatalf("%s: %s without metadata.name", f, kind)
			}
			doc["_file"] = f
			out[kind] = append(out[kind], doc)
		}
	}
	return out
}

// apiVersions are the current, served API versions of each kind used.
var apiVersions = map[string]string{
	"Deployment": "apps/v1", "Service": "v1", "ConfigMap": "v1", "Secret": "v1",
	"PodDisruptionBudget": "policy/v1", "Ingress": "networking.k8s.io/v1", "Job": "batch/v1",
	"Kustomization": "kustomize.config.k8s.io/v1beta1",
}

// knownVariables are the TOHU_* names documented in docs/configuration.md
// (itself checked against cmd/tohu's options table), with _FILE twins.
func knownVariables(t *testing.T) map[string]bool {
	t.Helper()
	b, err := os.ReadFile("../docs/configuration.md")
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{}
	name := regexp.MustCompile("^`(TOHU_[A-Z_]+)`$")
	for _, line := range strings.Split(string(b), "\n") {
		for _, cell := range strings.Split(line, "|") {
			if m := name.FindStringSubmatch(strings.TrimSpace(cell)); m != nil {
				known[m[1]] = true
			}
		}
	}
	if len(known) < 10 {
		t.Fatalf("found only %d variables in docs/configuration.md", len(known))
	}
	// The Go runtime's own memory settings, which docs/operations.md
	// ("Memory") explains for tohu.
	ops, err := os.ReadFile("../docs/operations.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"GOGC", "GOMEMLIMIT"} {
		if strings.Contains(string(ops), "`"+v+"`") {
			known[v] = true
		}
	}
	return known
}

func TestManifests(t *testing.T) {
	m := loadManifests(t)
	known := knownVariables(t)
	for kind, docs := range m {
		want, ok := apiVersions[kind]
		if !ok {
			t.Errorf("unexpected kind %s", kind)
		}
		for _, d := range docs {
			if str(d, "apiVersion") != want {
				t.Errorf("%s: %s has apiVersion %s, want %s", d["_file"], kind, str(d, "apiVersion"), want)
			}
		}
	}
	for _, k := range []string{"Deployment", "Service", "ConfigMap", "Secret", "PodDisruptionBudget", "Ingress", "Job"} {
		if len(m[k]) != 1 {
			t.Fatalf("want exactly one %s, have %d", k, len(m[k]))
		}
	}
	dep, svc, pdb, ing, job, cm, sec := m["Deployment"][0], m["Service"][0], m["PodDisruptionBudget"][0], m["Ingress"][0], m["Job"][0], m["ConfigMap"][0], m["Secret"][0]

	t.Run("deployment", func(t *testing.T) {
		if n, _ := get(dep, "spec", "replicas").(int); n < 2 {
			t.Errorf("replicas %v, want at least 2", get(dep, "spec", "replicas"))
		}
		sel := get(dep, "spec", "selector", "matchLabels").(obj)
		if !subset(sel, get(dep, "spec", "template", "metadata", "labels").(obj)) {
			t.Errorf("the selector %v does not match the pod labels", sel)
		}
		pod := get(dep, "spec", "template", "spec")
		if get(pod, "securityContext", "runAsNonRoot") != true {
			t.Errorf("pod securityContext.runAsNonRoot is not true")
		}
		c := get(pod, "containers", 0)
		if get(c, "securityContext", "readOnlyRootFilesystem") != true || get(c, "securityContext", "allowPrivilegeEscalation") != false {
			t.Errorf("container securityContext: want readOnlyRootFilesystem and no privilege escalation")
		}
		ports := map[string]bool{}
		for _, p := range get(c, "ports").([]any) {
			ports[str(p, "name")] = true
		}
		for probe, path := range map[string]string{"readinessProbe": "/readyz", "livenessProbe": "/healthz"} {
			if str(c, probe, "httpGet", "path") != path || !ports[str(c, probe, "httpGet", "port")] {
				t.Errorf("%s: want httpGet %s on a named container port, have %v", probe, path, get(c, probe))
			}
		}
		for _, kind := range []string{"requests", "limits"} {
			if str(c, "resources", kind, "memory") == "" {
				t.Errorf("resources.%s.memory is not set", kind)
			}
		}
		if str(c, "resources", "requests", "cpu") == "" {
			t.Errorf("resources.requests.cpu is not set")
		}
		// tohu drains HTTP (at most 10 s), then stops the bulk workers (at
		// most 10 s more, cmd/tohu serve.go shutdownGrace), after the preStop pause.
		preStop, _ := get(c, "lifecycle", "preStop", "sleep", "seconds").(int)
		if g, _ := get(pod, "terminationGracePeriodSeconds").(int); g <= 2*10+preStop {
			t.Errorf("terminationGracePeriodSeconds %d must exceed tohu's shutdown (10 s HTTP + 10 s workers) plus the %d s preStop pause", g, preStop)
		}
		// Every variable is one tohu knows, and the secrets come from files.
		env := map[string]string{}
		for _, e := range get(c, "env").([]any) {
			env[str(e, "name")] = str(e, "value")
		}
		for k := range get(cm, "data").(obj) {
			env[k] = "(configmap)"
		}
		for k := range env {
			if !known[k] {
				t.Errorf("%s is not a documented tohu variable", k)
			}
		}
		for _, secret := range []string{"TOHU_DATABASE_URL", "TOHU_MASTER_KEY"} {
			if _, plain := env[secret]; plain || env[secret+"_FILE"] == "" {
				t.Errorf("%s must come from a mounted secret file (%s_FILE)", secret, secret)
			}
		}
		// The files read are keys of the Secret, mounted where the env says.
		keys := get(sec, "stringData").(obj)
		mount := ""
		for _, vm := range get(c, "volumeMounts").([]any) {
			if str(vm, "name") == "secrets" {
				mount = str(vm, "mountPath")
			}
		}
		for _, v := range []string{"TOHU_DATABASE_URL_FILE", "TOHU_MASTER_KEY_FILE"} {
			dir, key := filepath.Split(env[v])
			if filepath.Clean(dir) != mount || keys[key] == nil {
				t.Errorf("%s=%s is not a key of Secret %s mounted at %s", v, env[v], str(sec, "metadata", "name"), mount)
			}
		}
		if str(pod, "volumes", 0, "secret", "secretName") != str(sec, "metadata", "name") &&
			str(pod, "volumes", 1, "secret", "secretName") != str(sec, "metadata", "name") {
			t.Errorf("the Secret %s is not a volume", str(sec, "metadata", "name"))
		}
		// Metrics: scraped on the port TOHU_METRICS_ADDR names.
		if addr := str(cm, "data", "TOHU_METRICS_ADDR"); addr != "" {
			port := addr[strings.LastIndexByte(addr, ':')+1:]
			if str(dep, "spec", "template", "metadata", "annotations", "prometheus.io/port") != port || !ports["metrics"] {
				t.Errorf("metrics on %s but the scrape annotation or the metrics port disagree", addr)
			}
		}
	})

	t.Run("service, pdb, ingress", func(t *testing.T) {
		podLabels := get(dep, "spec", "template", "metadata", "labels").(obj)
		if !subset(get(svc, "spec", "selector").(obj), podLabels) {
			t.Errorf("the Service selects no pod of the Deployment")
		}
		if !subset(get(pdb, "spec", "selector", "matchLabels").(obj), podLabels) {
			t.Errorf("the PodDisruptionBudget selects no pod of the Deployment")
		}
		if get(pdb, "spec", "minAvailable") == nil && get(pdb, "spec", "maxUnavailable") == nil {
			t.Errorf("the PodDisruptionBudget sets neither minAvailable nor maxUnavailable")
		}
		svcPorts := map[string]bool{}
		for _, p := range get(svc, "spec", "ports").([]any) {
			svcPorts[str(p, "name")] = true
			if str(p, "targetPort") != "http" {
				t.Errorf("the Service targets port %v, want the container's http port", get(p, "targetPort"))
			}
		}
		b := get(ing, "spec", "rules", 0, "http", "paths", 0, "backend", "service")
		if str(b, "name") != str(svc, "metadata", "name") || !svcPorts[str(b, "port", "name")] {
			t.Errorf("the Ingress backend %v is not the Service's port", b)
		}
		host := str(ing, "spec", "rules", 0, "host")
		if base := str(cm, "data", "TOHU_BASE_URL"); base != "https://"+host {
			t.Errorf("TOHU_BASE_URL %s is not the Ingress host https://%s", base, host)
		}
	})

	t.Run("migration job", func(t *testing.T) {
		c := get(job, "spec", "template", "spec", "containers", 0)
		if !slices.Equal(toStrings(get(c, "args")), []string{"migrate"}) {
			t.Errorf("the Job runs %v, want [migrate]", get(c, "args"))
		}
		if str(c, "image") != str(dep, "spec", "template", "spec", "containers", 0, "image") {
			t.Errorf("the Job and the Deployment run different images")
		}
		if r := str(job, "spec", "template", "spec", "restartPolicy"); r != "OnFailure" && r != "Never" {
			t.Errorf("restartPolicy %q", r)
		}
	})

	t.Run("kustomization", func(t *testing.T) {
		for _, f := range toStrings(get(m["Kustomization"][0], "resources")) {
			if _, err := os.Stat(filepath.Join("k8s", f)); err != nil {
				t.Errorf("kustomization lists %s: %v", f, err)
			}
		}
	})
}

func loadCompose(t *testing.T) obj {
	t.Helper()
	b, err := os.ReadFile("compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var c obj
	if err := yaml.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCompose(t *testing.T) {
	c := loadCompose(t)
	known := knownVariables(t)
	tohu := get(c, "services", "tohu")
	if got := toStrings(get(tohu, "healthcheck", "test")); len(got) < 3 || got[0] != "CMD" || !strings.HasSuffix(got[1], "/tohu") || got[2] != "healthcheck" {
		t.Errorf("the health check %v must run `tohu healthcheck` (the image has no shell)", got)
	}
	if get(tohu, "read_only") != true {
		t.Errorf("tohu's root filesystem is not read-only")
	}
	if str(tohu, "depends_on", "postgres", "condition") != "service_healthy" {
		t.Errorf("tohu does not wait for a healthy PostgreSQL")
	}
	env := get(tohu, "environment").(obj)
	for k := range env {
		if !known[k] {
			t.Errorf("%s is not a documented tohu variable", k)
		}
	}
	secrets := toStrings(get(tohu, "secrets"))
	for v, s := range map[string]string{"TOHU_MASTER_KEY_FILE": "master_key", "TOHU_DATABASE_URL_FILE": "database_url"} {
		if env[v] != "/run/secrets/"+s || !slices.Contains(secrets, s) || get(c, "secrets", s) == nil {
			t.Errorf("%s must read the compose secret %s", v, s)
		}
	}
	if get(c, "services", "postgres", "healthcheck") == nil || get(c, "volumes", "pgdata") == nil {
		t.Errorf("postgres needs a health check and a volume")
	}
}

// TestDockerfile checks what hadolint would not: the properties the image
// must have. (No container engine here to build it.)
func TestDockerfile(t *testing.T) {
	b, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	src := string(b)
	var froms, users []string
	var lastStage []string
	for _, l := range strings.Split(src, "\n") {
		f := strings.Fields(l)
		if len(f) == 0 || strings.HasPrefix(f[0], "#") {
			continue
		}
		switch strings.ToUpper(f[0]) {
		case "FROM":
			froms = append(froms, f[1])
			lastStage = nil
		case "USER":
			users = append(users, f[1])
		case "ADD":
			if strings.Contains(l, "://") {
				t.Errorf("ADD of a URL: %s", l)
			}
		}
		lastStage = append(lastStage, l)
	}
	if len(froms) < 2 {
		t.Fatalf("want a multi-stage build, have FROM %v", froms)
	}
	final := froms[len(froms)-1]
	if !strings.HasPrefix(final, "gcr.io/distroless/static") && final != "scratch" {
		t.Errorf("final image %s: want distroless/static or scratch", final)
	}
	for _, f := range froms[:len(froms)-1] {
		if strings.HasSuffix(f, ":latest") || !strings.Contains(f, ":") {
			t.Errorf("build image %s is not pinned to a version", f)
		}
	}
	if len(users) == 0 || !regexp.MustCompile(`^[1-9][0-9]*(:[0-9]+)?$`).MatchString(users[len(users)-1]) {
		t.Errorf("the image must end with a numeric non-root USER (runAsNonRoot needs a number), have %v", users)
	}
	for _, want := range []string{"CGO_ENABLED=0", "-trimpath", "-X main.version=${VERSION}", "-X main.commit=${COMMIT}", `ENTRYPOINT ["/usr/local/bin/tohu"]`} {
		if !strings.Contains(src, want) {
			t.Errorf("Dockerfile lacks %s", want)
		}
	}
	if !strings.Contains(strings.Join(lastStage, "\n"), `"healthcheck"`) {
		t.Errorf("the final stage has no HEALTHCHECK running tohu healthcheck")
	}
	// The -X flags name variables that exist (the linker ignores unknown ones).
	v, err := os.ReadFile("../cmd/tohu/version.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"version", "commit"} {
		if !regexp.MustCompile(`(?m)^\s*(var\s+)?` + name + `\s+=\s+"`).Match(v) {
			t.Errorf("cmd/tohu/version.go declares no string variable %s for -X main.%s", name, name)
		}
	}
}

func subset(sel, labels obj) bool {
	if len(sel) == 0 {
		return false
	}
	for k, v := range sel {
		if labels[k] != v {
			return false
		}
	}
	return true
}

func toStrings(v any) []string {
	l, _ := v.([]any)
	out := make([]string, 0, len(l))
	for _, x := range l {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}

// TestSecretsStayOut: compose's secret files (and a local data directory)
// are kept out of the image's build context by .dockerignore and out of
// git by .gitignore, so `docker compose up --build` never copies the master
// key into a build layer and `git add .` never commits it.
func TestSecretsStayOut(t *testing.T) {
	c := loadCompose(t)
	paths := []string{"data/tohu.db", "data/master.key"}
	for name := range get(c, "secrets").(obj) {
		f := str(c, "secrets", name, "file")
		if f == "" {
			t.Fatalf("secret %s has no file", name)
		}
		paths = append(paths, filepath.ToSlash(filepath.Join("deploy", f)))
	}
	ignore, err := os.ReadFile("../.dockerignore")
	if err != nil {
		t.Fatalf("no .dockerignore at the build context's root: %v", err)
	}
	for _, p := range paths {
		if !dockerIgnored(string(ignore), p) {
			t.Errorf(".dockerignore does not exclude %s", p)
		}
	}
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git to check .gitignore with")
	}
	for _, p := range paths {
		cmd := exec.Command("git", "check-ignore", "-q", p)
		cmd.Dir = ".."
		if err := cmd.Run(); err != nil {
			t.Errorf(".gitignore does not ignore %s (git check-ignore: %v)", p, err)
		}
	}
}

// dockerIgnored reports whether a .dockerignore excludes path, for the
// plain patterns used there (a path, a leading "**/", globs within one
// segment, and directories excluding what is under them; no "!" rules).
func dockerIgnored(ignore, path string) bool {
	for _, line := range strings.Split(ignore, "\n") {
		p := strings.TrimPrefix(strings.TrimSpace(line), "/")
		if p == "" || strings.HasPrefix(p, "#") {
			continue
		}
		candidates := []string{path}
		if rest, ok := strings.CutPrefix(p, "**/"); ok {
			p, candidates = rest, nil
			for segs := strings.Split(path, "/"); len(segs) > 0; segs = segs[1:] {
				candidates = append(candidates, strings.Join(segs, "/"))
			}
		}
		for _, cand := range candidates {
			for dir := cand; dir != "."; dir = filepath.Dir(dir) {
				if ok, _ := filepath.Match(p, dir); ok {
					return true
				}
			}
		}
	}
	return false
}

// TestBuildImageGo: the build stage's Go image is the Go release go.mod
// names (same major.minor), so the image builds with the toolchain the
// tests ran on.
func TestBuildImageGo(t *testing.T) {
	mod, err := os.ReadFile("../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindSubmatch(mod)
	df, _ := os.ReadFile("Dockerfile")
	img := regexp.MustCompile(`(?m)^FROM golang:(\d+\.\d+)[.\-]`).FindSubmatch(df)
	if m == nil || img == nil {
		t.Fatalf("go.mod go line %q, Dockerfile build image %q", m, img)
	}
	if string(m[1]) != string(img[1]) {
		t.Errorf("go.mod wants Go %s, the Dockerfile builds with golang:%s", m[1], img[1])
	}
}

// TestYAMLLint runs yamllint (deploy/.yamllint) over the compose file and
// the manifests. .ci/run installs it; elsewhere a missing yamllint skips.
func TestYAMLLint(t *testing.T) {
	bin, err := exec.LookPath("yamllint")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("yamllint is required in CI (apt-get install yamllint)")
		}
		t.Skip("yamllint not installed (apt-get install yamllint)")
	}
	out, err := exec.Command(bin, "--strict", "-f", "parsable", "-c", ".yamllint", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("yamllint: %v\n%s", err, out)
	}
}

// TestKustomize renders deploy/k8s offline with kubectl's built-in
// kustomize, when kubectl is installed, and checks every resource the
// kustomization lists comes out.
func TestKustomize(t *testing.T) {
	bin, err := exec.LookPath("kubectl")
	if err != nil {
		t.Skip("kubectl not installed")
	}
	out, err := exec.Command(bin, "kustomize", "k8s").Output()
	if err != nil {
		t.Fatalf("kubectl kustomize k8s: %v\n%s", err, out)
	}
	rendered := map[string]bool{}
	dec := yaml.NewDecoder(bytes.NewReader(out))
	for {
		var doc obj
		if err := dec.Decode(&doc); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		rendered[str(doc, "kind")+"/"+str(doc, "metadata", "name")] = true
		if img := str(doc, "spec", "template", "spec", "containers", 0, "image"); img != "" && !strings.Contains(img, ":") {
			t.Errorf("rendered image %s has no tag", img)
		}
	}
	m := loadManifests(t)
	for _, f := range toStrings(get(m["Kustomization"][0], "resources")) {
		for kind, docs := range m {
			for _, d := range docs {
				if d["_file"] == filepath.Join("k8s", f) && !rendered[kind+"/"+str(d, "metadata", "name")] {
					t.Errorf("%s %s (%s) is not in the rendered output", kind, str(d, "metadata", "name"), f)
				}
			}
		}
	}
	if len(rendered) == 0 {
		t.Fatal("kustomize rendered nothing")
	}
}
