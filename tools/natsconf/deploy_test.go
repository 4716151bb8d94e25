package main

// The deployment files beyond deploy/nats: the Dockerfile, the compose
// files, the Helm values for the NATS chart and the Kubernetes manifests.
// No Docker engine, helm or cluster runs where these are developed, so
// these tests keep them consistent with what they describe: the services'
// real flags, their NATS users in pkg/natsperm and the certificates that
// name them, the stream replicas, the cluster configurations, and where
// NATS may be reached from.

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/nats-io/nats-server/v2/server"
	"sigs.k8s.io/yaml"

	"github.com/samspill/samspill/pkg/natsperm"
)

// repo is the repository root, absolute: some tests change their working
// folder (t.Chdir) to read the NATS configurations as nats-server does.
var repo = func() string {
	abs, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		panic(err)
	}
	return abs
}()

// Names shared by the files.
const (
	imageBin      = "/usr/local/bin/"
	natsRelease   = "samspill-nats"             // Helm fullnameOverride: the client Service
	natsTLSSecret = "samspill-nats-tls"         // the servers' certificate
	natsJSSecret  = "samspill-nats-js-key"      // JS_KEY
	composeImage  = "samspill:dev"              // compose's tag of the Dockerfile's image
	helmSetFile   = "samspill.authorization"    // --set-file key of authorization.inc
	oidcConfigMap = "samspill-oidc"             // configMapGenerator in deploy/k8s
	samspillLabel = "app.kubernetes.io/part-of" // every Samspill pod: samspill
)

// doc is one YAML document as JSON-like values.
type doc = map[string]any

// readYAML parses every document of a file strictly (duplicate keys are
// errors), as kubectl's own YAML library does (0440 is octal, << merges).
func readYAML(t *testing.T, path string) []doc {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []doc
	for i, part := range regexp.MustCompile(`(?m)^---[ \t]*$`).Split(string(b), -1) {
		j, err := yaml.YAMLToJSONStrict([]byte(part))
		if err != nil {
			t.Fatalf("%s: document %d: %v", path, i+1, err)
		}
		if s := strings.TrimSpace(string(j)); s == "null" || s == "" {
			continue
		}
		var d doc
		if err := yaml.Unmarshal(j, &d); err != nil {
			t.Fatalf("%s: document %d is not a mapping: %v", path, i+1, err)
		}
		out = append(out, d)
	}
	if len(out) == 0 {
		t.Fatalf("%s: no document", path)
	}
	return out
}

// get walks a path of keys and indexes; nil if any step is missing.
func get(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[k]
		case int:
			s, ok := v.([]any)
			if !ok || k >= len(s) {
				return nil
			}
			v = s[k]
		}
	}
	return v
}

func str(v any, path ...any) string {
	s, _ := get(v, path...).(string)
	return s
}

func list(v any, path ...any) []any {
	s, _ := get(v, path...).([]any)
	return s
}

func strs(v any, path ...any) []string {
	var out []string
	for _, x := range list(v, path...) {
		out = append(out, fmt.Sprint(x))
	}
	return out
}

func num(v any, path ...any) int {
	f, ok := get(v, path...).(float64)
	if !ok {
		return -1
	}
	return int(f)
}

// serviceMains are the services/* folders with a main package: the
// programs the image must hold, each with the binary it is installed as.
func serviceMains(t *testing.T) map[string]string {
	t.Helper()
	dirs, err := filepath.Glob(filepath.Join(repo, "services", "*", "main.go"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, f := range dirs {
		name := filepath.Base(filepath.Dir(f))
		bin := "samspill-" + name
		if name == "samspill" {
			bin = "samspill"
		}
		out[name] = bin
	}
	if len(out) < 7 {
		t.Fatalf("found %d service mains, want command, graph, gap, picture, auth, web and samspill", len(out))
	}
	return out
}

// daemonServices are the services whose programs run a service against
// NATS (all but the samspill command line): name -> natsperm user.
func daemonServices(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	for name := range serviceMains(t) {
		if name == "samspill" {
			continue
		}
		user := "samspill-" + name
		if _, ok := natsperm.Lookup(user); !ok {
			t.Fatalf("services/%s has no NATS user %s in pkg/natsperm", name, user)
		}
		out[name] = user
	}
	return out
}

// program is what a service's main.go tells about its command line.
type program struct {
	flags map[string]bool
	// masterKey: it loads the master key (daemon.Flags.Connect).
	masterKey bool
	// accessKey: it verifies assertions with --access-key.
	accessKey bool
	// replicas: it takes --replicas.
	replicas bool
}

var flagName = regexp.MustCompile(`\b(?:flag|fs)\.\w+\(\s*(?:&[\w.\[\]]+,\s*)?"([a-z][a-z0-9-]*)"`)

func readProgram(t *testing.T, service string) program {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(repo, "services", service, "main.go"))
	if err != nil {
		t.Fatal(err)
	}
	p := program{flags: map[string]bool{}}
	texts := [][]byte{src}
	if bytes.Contains(src, []byte("daemon.Main(")) {
		d, err := os.ReadFile(filepath.Join(repo, "pkg", "daemon", "main.go"))
		if err != nil {
			t.Fatal(err)
		}
		texts = append(texts, d)
	}
	for _, b := range texts {
		for _, m := range flagName.FindAllSubmatch(b, -1) {
			p.flags[string(m[1])] = true
		}
	}
	p.masterKey = bytes.Contains(src, []byte("f.Connect("))
	p.accessKey = bytes.Contains(src, []byte("f.Verifier()"))
	p.replicas = p.flags["replicas"]
	for _, want := range []string{"nats", "http", "tls-cert", "tls-key", "tls-ca"} {
		if !p.flags[want] {
			t.Fatalf("services/%s: found no --%s among its flags %v: the flag pattern of this test needs updating", service, want, p.flags)
		}
	}
	return p
}

// createsStreams: the user may create a stream, so the service must be
// told the replica count of the cluster.
func createsStreams(user string) bool {
	u, _ := natsperm.Lookup(user)
	return slices.ContainsFunc(u.Publish.Allow, func(s string) bool { return strings.HasPrefix(s, "$JS.API.STREAM.CREATE.") })
}

// ownDurable: the user may read SAMSPILL_EVENTS only through the one
// durable consumer of its own name, so a second instance cannot run
// beside the first.
// partitioned: the user may read the log with consumers of any name and
// ask its service's other instances (package partition): its service runs
// as several instances.
func partitioned(user string) bool {
	u, _ := natsperm.Lookup(user)
	return slices.Contains(u.Subscribe.Allow, "samspill.part."+strings.TrimPrefix(user, "samspill-")+".>")
}

func ownDurable(user string) bool {
	u, _ := natsperm.Lookup(user)
	return slices.Contains(u.Publish.Allow, "$JS.API.CONSUMER.CREATE."+natsperm.EventStream+"."+user) &&
		!slices.Contains(u.Publish.Allow, "$JS.API.CONSUMER.CREATE."+natsperm.EventStream+".*")
}

// args parses --name=value arguments; a flag given twice is an error.
func args(t *testing.T, where string, a []string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, s := range a {
		if !strings.HasPrefix(s, "--") {
			t.Errorf("%s: argument %q is not --flag=value", where, s)
			continue
		}
		k, v, ok := strings.Cut(strings.TrimPrefix(s, "--"), "=")
		if !ok {
			v = "true"
		}
		if _, dup := out[k]; dup {
			t.Errorf("%s: --%s given twice", where, k)
		}
		out[k] = v
	}
	return out
}

// checkFlags: every flag given exists, and what the program needs is given.
func checkFlags(t *testing.T, where, service, user string, p program, a map[string]string) {
	t.Helper()
	for k := range a {
		if !p.flags[k] {
			t.Errorf("%s: services/%s has no flag --%s", where, service, k)
		}
	}
	for _, k := range []string{"nats", "http", "tls-cert", "tls-key", "tls-ca"} {
		if a[k] == "" {
			t.Errorf("%s: no --%s", where, k)
		}
	}
	if createsStreams(user) {
		if a["replicas"] != "3" {
			t.Errorf("%s: %s creates streams; want --replicas=3, have %q", where, user, a["replicas"])
		}
	} else if _, ok := a["replicas"]; ok && !p.replicas {
		t.Errorf("%s: --replicas given to a program without it", where)
	}
	if p.masterKey != (a["master-key"] != "") {
		t.Errorf("%s: loads the master key: %v; --master-key given: %q (only the services that read names get it)", where, p.masterKey, a["master-key"])
	}
	if p.accessKey && a["access-key"] == "" {
		t.Errorf("%s: verifies assertions but has no --access-key", where)
	}
}

// ---------------------------------------------------------------- Dockerfile

func TestDockerfile(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(repo, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	df := string(b)
	// Every service main is built to its binary, CGO off.
	for name, bin := range serviceMains(t) {
		re := regexp.MustCompile(`go build [^\n]*-o /out/` + regexp.QuoteMeta(bin) + ` \./services/` + regexp.QuoteMeta(name) + `\b`)
		if !re.MatchString(df) {
			t.Errorf("Dockerfile does not build services/%s to /out/%s", name, bin)
		}
	}
	if !regexp.MustCompile(`go build [^\n]*-o /out/healthcheck \./tools/natsconf/healthcheck\b`).MatchString(df) {
		t.Error("Dockerfile does not build the healthcheck program")
	}
	for _, want := range []string{"CGO_ENABLED=0", "COPY --from=build /out/ " + imageBin, "USER 65532:65532", "FROM gcr.io/distroless/static"} {
		if !strings.Contains(df, want) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
	if !regexp.MustCompile(`(?m)^FROM gcr\.io/distroless/static[^\s]*:nonroot$`).MatchString(df) {
		t.Error("Dockerfile: the final stage is not distroless/static:nonroot")
	}
	// Every module of go.work has its go.mod copied before the download,
	// and the Go of the build stage is the one go.work wants.
	work, err := os.ReadFile(filepath.Join(repo, "go.work"))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range regexp.MustCompile(`(?m)^\s+\./(\S+)$`).FindAllStringSubmatch(string(work), -1) {
		if !strings.Contains(df, "COPY "+m[1]+"/go.mod "+m[1]+"/go.sum "+m[1]+"/") {
			t.Errorf("Dockerfile does not copy %s/go.mod and go.sum before go mod download", m[1])
		}
	}
	goWork := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindStringSubmatch(string(work))
	goImage := regexp.MustCompile(`(?m)^ARG GO_VERSION=(\d+\.\d+)$`).FindStringSubmatch(df)
	if goWork == nil || goImage == nil || goWork[1] != goImage[1] {
		t.Errorf("Dockerfile GO_VERSION %v, go.work %v: want the same Go", goImage, goWork)
	}
	if !strings.Contains(df, "FROM golang:${GO_VERSION}") {
		t.Error("Dockerfile: the build stage is not golang:${GO_VERSION}")
	}

	// Nothing secret goes into the build context.
	ig, err := os.ReadFile(filepath.Join(repo, ".dockerignore"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Fields(string(regexp.MustCompile(`(?m)#.*$`).ReplaceAll(ig, nil)))
	for _, want := range []string{".git", ".samspill", "**/.samspill", "bin"} {
		if !slices.Contains(lines, want) {
			t.Errorf(".dockerignore lacks %s", want)
		}
	}
	if !slices.Contains(lines, "deploy") && !slices.Contains(lines, "deploy/nats/tls") {
		t.Error(".dockerignore lets deploy/nats/tls (development CA, keys, JS_KEY) into the build context")
	}
	for _, l := range lines {
		if strings.HasPrefix(l, "!") {
			t.Errorf(".dockerignore lets %s back in: check it holds no secret, then teach this test", l)
		}
	}
}

// ------------------------------------------------------------------ compose

// natsNode is what a cluster configuration says of its listeners.
type natsNode struct {
	file                     string
	clientHost               string
	client, cluster, monitor int
	storeDir                 string
}

// clusterNodes reads deploy/nats/cluster/*.conf as nats-server does, in a
// copy with fresh development certificates (the files load them).
func clusterNodes(t *testing.T) map[string]natsNode {
	t.Helper()
	root := t.TempDir()
	if err := os.CopyFS(filepath.Join(root, "deploy", "nats"), os.DirFS(filepath.Join(repo, "deploy", "nats"))); err != nil {
		t.Fatal(err)
	}
	tlsDir := filepath.Join(root, "deploy", "nats", "tls")
	if err := os.RemoveAll(tlsDir); err != nil {
		t.Fatal(err)
	}
	devEnv(t, tlsDir)
	files, err := filepath.Glob(filepath.Join(repo, "deploy", "nats", "cluster", "*.conf"))
	if err != nil || len(files) < 3 {
		t.Fatalf("cluster configurations: %v %v", files, err)
	}
	t.Chdir(root)
	out := map[string]natsNode{}
	for _, f := range files {
		rel := filepath.ToSlash(filepath.Join("deploy", "nats", "cluster", filepath.Base(f)))
		o, err := server.ProcessConfigFile(rel)
		if err != nil {
			t.Fatal(err)
		}
		out[strings.TrimSuffix(filepath.Base(f), ".conf")] = natsNode{file: rel, clientHost: o.Host, client: o.Port,
			cluster: o.Cluster.Port, monitor: o.HTTPSPort, storeDir: o.StoreDir}
	}
	return out
}

// loadCompose reads compose files, each later one replacing the keys it
// names of each service (as docker compose merges command, entrypoint).
func loadCompose(t *testing.T, files ...string) doc {
	t.Helper()
	var merged doc
	for _, f := range files {
		d := readYAML(t, filepath.Join(repo, "deploy", f))
		if len(d) != 1 {
			t.Fatalf("%s: %d documents", f, len(d))
		}
		if merged == nil {
			merged = d[0]
			continue
		}
		services, _ := merged["services"].(map[string]any)
		for name, over := range d[0]["services"].(map[string]any) {
			base, ok := services[name].(map[string]any)
			if !ok {
				services[name] = over
				continue
			}
			for k, v := range over.(map[string]any) {
				base[k] = v
			}
		}
	}
	return merged
}

// volumes maps a service's mount targets to their sources.
func composeVolumes(t *testing.T, svc string, s any) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, v := range list(s, "volumes") {
		var src, dst string
		switch v := v.(type) {
		case string:
			parts := strings.Split(v, ":")
			if len(parts) < 2 {
				t.Errorf("%s: volume %q", svc, v)
				continue
			}
			src, dst = parts[0], parts[1]
		default:
			src, dst = str(v, "source"), str(v, "target")
		}
		out[dst] = src
	}
	return out
}

func httpPort(t *testing.T, where, addr string) int {
	t.Helper()
	i := strings.LastIndex(addr, ":")
	p, err := strconv.Atoi(addr[i+1:])
	if i < 0 || err != nil {
		t.Fatalf("%s: --http %q has no port", where, addr)
	}
	return p
}

func TestCompose(t *testing.T) {
	nodes := clusterNodes(t)
	mains := serviceMains(t)
	users := daemonServices(t)
	for _, files := range [][]string{{"compose.yaml"}, {"compose.yaml", "compose.oidc.yaml"}} {
		t.Run(strings.Join(files, "+"), func(t *testing.T) { checkCompose(t, files, nodes, mains, users) })
	}
}

func checkCompose(t *testing.T, files []string, nodes map[string]natsNode, mains, users map[string]string) {
	c := loadCompose(t, files...)
	services, _ := c["services"].(map[string]any)
	if len(services) == 0 {
		t.Fatal("no services")
	}
	natsPorts := map[int]bool{}
	secretsJob := str(services, "secrets", "command", 0)
	secretsVols := composeVolumes(t, "secrets", services["secrets"])
	copied := map[string]string{} // who -> volume the secrets job fills
	loop := regexp.MustCompile(`for who in ([^;]+);`).FindStringSubmatch(secretsJob)
	if loop == nil {
		t.Fatal("secrets: no `for who in …;` loop copying the certificates")
	}
	for _, m := range loop[1:] {
		for _, who := range strings.Fields(m) {
			copied[who] = secretsVols["/out/tls/"+who]
			if copied[who] == "" {
				t.Errorf("secrets: copies %s to /out/tls/%s, which is no volume", who, who)
			}
		}
	}
	if !strings.Contains(secretsJob, "chown -R 65532:65532 /out") {
		t.Error("secrets: the files are not given to the user the containers run as")
	}

	// The NATS nodes: the cluster configurations as they are.
	for name, n := range nodes {
		svc := "nats-" + name
		s := services[svc]
		if s == nil {
			t.Errorf("no service %s for %s", svc, n.file)
			continue
		}
		natsPorts[n.client], natsPorts[n.cluster], natsPorts[n.monitor] = true, true, true
		if !isLoopback(n.clientHost) {
			t.Errorf("%s listens for clients on %s: the compose file relies on loopback", n.file, n.clientHost)
		}
		if img := str(s, "image"); img != "nats:"+server.VERSION+"-alpine" {
			t.Errorf("%s: image %s, want nats:%s-alpine (the nats-server Samspill embeds)", svc, img, server.VERSION)
		}
		if got := strs(s, "command"); !slices.Equal(got, []string{"nats-server", "-c", n.file}) {
			t.Errorf("%s: command %q, want nats-server -c %s", svc, got, n.file)
		}
		wd := str(s, "working_dir")
		vols := composeVolumes(t, svc, s)
		for target, source := range map[string]string{
			wd + "/" + n.file:                        "./nats/cluster/" + filepath.Base(n.file),
			wd + "/deploy/nats/" + AuthorizationFile: "./nats/" + AuthorizationFile,
			wd + "/" + filepath.ToSlash(n.storeDir):  "nats-" + name,
		} {
			if vols[target] != source {
				t.Errorf("%s: %s mounted from %q, want %s", svc, target, vols[target], source)
			}
		}
		server := "samspill-" + name
		if v := vols[wd+"/deploy/nats/tls"]; v == "" || v != copied[server] {
			t.Errorf("%s: deploy/nats/tls is %q, the secrets job puts %s's certificate in %q", svc, v, server, copied[server])
		}
		if v := secretsVols["/out/nats/"+name]; v != "nats-"+name {
			t.Errorf("secrets: the store of %s (%s) is not given to the containers' user", svc, "nats-"+name)
		}
		if ef := fmt.Sprint(get(s, "env_file")); !strings.Contains(ef, "nats/tls/dev.env") {
			t.Errorf("%s: env_file %s, want ./nats/tls/dev.env (JS_KEY)", svc, ef)
		}
		test := strings.Join(strs(s, "healthcheck", "test"), " ")
		if !strings.Contains(test, fmt.Sprintf("https://127.0.0.1:%d/healthz", n.monitor)) {
			t.Errorf("%s: healthcheck %q does not ask its own monitoring port %d", svc, test, n.monitor)
		}
		checkHardened(t, svc, s)
		if get(s, "ports") != nil {
			t.Errorf("%s publishes ports", svc)
		}
	}

	// The Samspill services.
	seen := map[string]bool{}
	var accessRead, accessWritten string // file names of the access key
	for svc, s := range services {
		if str(s, "image") != composeImage {
			continue
		}
		seen[svc] = true
		entry := strs(s, "entrypoint")
		if len(entry) != 1 || !strings.HasPrefix(entry[0], imageBin) {
			t.Errorf("%s: entrypoint %q", svc, entry)
			continue
		}
		bin := strings.TrimPrefix(entry[0], imageBin)
		name := strings.TrimPrefix(bin, "samspill-")
		if mains[name] != bin || users[name] == "" {
			t.Errorf("%s: runs %s, which the Dockerfile does not build from services/*", svc, bin)
			continue
		}
		if svc != name {
			t.Errorf("compose service %s runs services/%s: name it %s", svc, name, name)
		}
		user := users[name]
		where := strings.Join(files, "+") + ": " + svc
		a := args(t, where, strs(s, "command"))
		checkFlags(t, where, name, user, readProgram(t, name), a)
		if a["nats"] != "tls://127.0.0.1:4222,tls://127.0.0.1:4223,tls://127.0.0.1:4224" {
			t.Errorf("%s: --nats=%s, want the three nodes", where, a["nats"])
		}
		// Its own certificate, from the volume the secrets job fills with it.
		vols := composeVolumes(t, svc, s)
		for flag, file := range map[string]string{"tls-cert": user + ".pem", "tls-key": user + "-key.pem", "tls-ca": "ca.pem"} {
			dir, base := filepath.Split(a[flag])
			if base != file {
				t.Errorf("%s: --%s=%s, want its own %s", where, flag, a[flag], file)
			}
			if v := vols[strings.TrimSuffix(dir, "/")]; v == "" || v != copied[user] {
				t.Errorf("%s: %s is volume %q; the secrets job puts %s's certificate in %q", where, dir, v, user, copied[user])
			}
		}
		// The master key only where names are read; the access key read
		// where assertions are verified, from the file auth writes.
		if mounted := slices.Contains(valuesOf(vols), "master-key"); mounted != (a["master-key"] != "") {
			t.Errorf("%s: volume master-key mounted: %v, --master-key=%q", where, mounted, a["master-key"])
		}
		for flag, access := range map[string]*string{"access-key": &accessRead, "public-key-out": &accessWritten} {
			if a[flag] == "" {
				continue
			}
			dir, file := filepath.Split(a[flag])
			if v := vols[strings.TrimSuffix(dir, "/")]; v != "access-key" {
				t.Errorf("%s: --%s=%s is in volume %q, want access-key", where, flag, a[flag], v)
			}
			if *access != "" && *access != file {
				t.Errorf("%s: --%s names %s, another service %s", where, flag, file, *access)
			}
			*access = file
		}
		if slices.Contains(valuesOf(vols), "access-key") && a["access-key"] == "" && a["public-key-out"] == "" {
			t.Errorf("%s: mounts access-key and neither reads nor writes it", where)
		}
		port := httpPort(t, where, a["http"])
		if test := strings.Join(strs(s, "healthcheck", "test"), " "); test != fmt.Sprintf("CMD %shealthcheck http://127.0.0.1:%d/metrics", imageBin, port) {
			t.Errorf("%s: healthcheck %q, want its /metrics on %d", where, test, port)
		}
		if !slices.Contains(publishedPorts(t, services["net"]), port) {
			t.Errorf("%s: its HTTP port %d is not published by net", where, port)
		}
		checkHardened(t, svc, s)
	}
	if accessRead == "" || accessRead != accessWritten {
		t.Errorf("the services read the access key from %q, auth writes it to %q", accessRead, accessWritten)
	}
	for name := range users {
		if name == "web" && len(files) == 1 {
			continue // compose.oidc.yaml adds it
		}
		if !seen[name] {
			t.Errorf("no compose service runs services/%s", name)
		}
	}

	// Start order: auth after the three nodes, every other service after
	// auth (it creates the audit stream and writes the access key), and
	// the services that bind the event log after command.
	after := func(svc, dep string) bool {
		var walk func(s string, depth int) bool
		walk = func(s string, depth int) bool {
			deps, _ := get(services, s, "depends_on").(map[string]any)
			for d, cond := range deps {
				if d == dep && (str(cond, "condition") == "service_healthy" || str(cond, "condition") == "service_completed_successfully") {
					return true
				}
				if depth < 10 && walk(d, depth+1) {
					return true
				}
			}
			return false
		}
		return walk(svc, 0)
	}
	for name := range nodes {
		if !after("auth", "nats-"+name) {
			t.Errorf("auth does not wait for nats-%s to be healthy", name)
		}
		if !after("nats-"+name, "secrets") {
			t.Errorf("nats-%s does not wait for the secrets job", name)
		}
	}
	for svc := range seen {
		if svc != "auth" && !after(svc, "auth") {
			t.Errorf("%s does not wait for auth to be healthy", svc)
		}
		u, _ := natsperm.Lookup(users[svc])
		binds := slices.Contains(u.Publish.Allow, "$JS.API.STREAM.INFO."+natsperm.EventStream) &&
			!slices.Contains(u.Publish.Allow, "$JS.API.STREAM.CREATE."+natsperm.EventStream)
		if binds && !after(svc, "command") {
			t.Errorf("%s binds %s but does not wait for command, which creates it", svc, natsperm.EventStream)
		}
	}

	// Exposure: only net publishes, only on the host's loopback, and no
	// NATS port.
	for svc, s := range services {
		if svc != "net" && get(s, "ports") != nil {
			t.Errorf("%s publishes ports; only net may (every container shares its network)", svc)
		}
		if svc != "net" && svc != "secrets" && str(s, "network_mode") != "service:net" {
			t.Errorf("%s: network_mode %q, want service:net", svc, str(s, "network_mode"))
		}
	}
	for _, p := range list(services, "net", "ports") {
		ps := fmt.Sprint(p)
		if !strings.HasPrefix(ps, "127.0.0.1:") {
			t.Errorf("net publishes %s beyond the host's loopback", ps)
		}
	}
	for _, p := range publishedPorts(t, services["net"]) {
		if natsPorts[p] {
			t.Errorf("net publishes NATS port %d", p)
		}
	}
}

func valuesOf(m map[string]string) []string {
	var out []string
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

// publishedPorts are the container ports of "host_ip:host:container".
func publishedPorts(t *testing.T, s any) []int {
	t.Helper()
	var out []int
	for _, p := range list(s, "ports") {
		parts := strings.Split(fmt.Sprint(p), ":")
		n, err := strconv.Atoi(parts[len(parts)-1])
		if err != nil {
			t.Errorf("net: port %v", p)
			continue
		}
		out = append(out, n)
	}
	return out
}

// checkHardened: not root, read-only root, no capabilities, no new
// privileges.
func checkHardened(t *testing.T, svc string, s any) {
	t.Helper()
	if u := str(s, "user"); u != "65532:65532" {
		t.Errorf("%s: user %q, want 65532:65532", svc, u)
	}
	if get(s, "read_only") != true {
		t.Errorf("%s: root file system not read-only", svc)
	}
	if !slices.Equal(strs(s, "cap_drop"), []string{"ALL"}) {
		t.Errorf("%s: cap_drop %v, want ALL", svc, strs(s, "cap_drop"))
	}
	if !slices.Contains(strs(s, "security_opt"), "no-new-privileges:true") {
		t.Errorf("%s: no no-new-privileges", svc)
	}
}

// --------------------------------------------------------------------- Helm

func helmValues(t *testing.T) doc {
	t.Helper()
	d := readYAML(t, filepath.Join(repo, "deploy", "helm", "nats-values.yaml"))
	if len(d) != 1 {
		t.Fatalf("nats-values.yaml: %d documents", len(d))
	}
	return d[0]
}

func TestHelmValues(t *testing.T) {
	v := helmValues(t)
	want := func(what string, got, wanted any) {
		t.Helper()
		if fmt.Sprint(got) != fmt.Sprint(wanted) {
			t.Errorf("nats-values.yaml %s = %v, want %v", what, got, wanted)
		}
	}
	want("fullnameOverride", str(v, "fullnameOverride"), natsRelease)
	want("config.cluster.enabled", get(v, "config", "cluster", "enabled"), true)
	want("config.cluster.replicas", num(v, "config", "cluster", "replicas"), 3)
	want("config.jetstream.enabled", get(v, "config", "jetstream", "enabled"), true)
	want("config.jetstream.fileStore.enabled", get(v, "config", "jetstream", "fileStore", "enabled"), true)
	want("config.jetstream.fileStore.pvc.enabled", get(v, "config", "jetstream", "fileStore", "pvc", "enabled"), true)
	want("config.jetstream.memoryStore.enabled", get(v, "config", "jetstream", "memoryStore", "enabled"), false)
	want("config.jetstream.merge.sync_interval", str(v, "config", "jetstream", "merge", "sync_interval"), "always")
	want("config.jetstream.merge.cipher", str(v, "config", "jetstream", "merge", "cipher"), "chachapoly")
	want("config.jetstream.merge.key", str(v, "config", "jetstream", "merge", "key"), "<< $JS_KEY >>")
	want("container.env.JS_KEY secret", str(v, "container", "env", "JS_KEY", "valueFrom", "secretKeyRef", "name"), natsJSSecret)
	want("container.image.tag", str(v, "container", "image", "tag"), server.VERSION+"-alpine")
	for _, l := range []string{"nats", "cluster"} {
		want("config."+l+".tls.enabled", get(v, "config", l, "tls", "enabled"), true)
		want("config."+l+".tls.secretName", str(v, "config", l, "tls", "secretName"), natsTLSSecret)
		dir := str(v, "config", l, "tls", "dir")
		want("config."+l+".tls.merge.ca_file", str(v, "config", l, "tls", "merge", "ca_file"), dir+"/ca.crt")
	}
	want("config.nats.tls.merge.verify_and_map", get(v, "config", "nats", "tls", "merge", "verify_and_map"), true)
	want("config.cluster.tls.merge.verify", get(v, "config", "cluster", "tls", "merge", "verify"), true)
	want("config.monitor.tls.enabled", get(v, "config", "monitor", "tls", "enabled"), true)
	for _, l := range []string{"leafnodes", "websocket", "mqtt", "gateway", "profiling"} {
		want("config."+l+".enabled", get(v, "config", l, "enabled"), false)
	}
	// The users: included from the ConfigMap, which cannot render without
	// authorization.inc.
	want("config.merge.$include", str(v, "config", "merge", "$include"), AuthorizationFile)
	tpl := str(v, "configMap", "merge", "data", AuthorizationFile, "$tplYaml")
	if !strings.Contains(tpl, "required") || !strings.Contains(tpl, ".Values."+helmSetFile) {
		t.Errorf("configMap.merge.data[%s] = %q: want it required from .Values.%s", AuthorizationFile, tpl, helmSetFile)
	}
	want("natsBox.enabled", get(v, "natsBox", "enabled"), false)
	// Only the client port on the Service, and the Service stays ClusterIP.
	for port, p := range get(v, "service", "ports").(map[string]any) {
		want("service.ports."+port+".enabled", get(p, "enabled"), port == "nats")
	}
	if get(v, "service", "merge") != nil {
		t.Errorf("service.merge %v: the Service stays a ClusterIP with the chart's defaults", get(v, "service", "merge"))
	}
	// No anonymous user, no second authorization, anywhere.
	var walk func(path string, x any)
	walk = func(path string, x any) {
		switch x := x.(type) {
		case map[string]any:
			for k, y := range x {
				if path == "" && k == "samspill" {
					continue // the --set-file value itself
				}
				if k == "no_auth_user" || k == "authorization" || k == "accounts" || k == "users" {
					t.Errorf("nats-values.yaml %s.%s: the users come from %s alone", path, k, AuthorizationFile)
				}
				walk(path+"."+k, y)
			}
		case []any:
			for i, y := range x {
				walk(fmt.Sprintf("%s[%d]", path, i), y)
			}
		}
	}
	walk("", v)
	// Pod Security restricted.
	want("podTemplate securityContext.runAsNonRoot", get(v, "podTemplate", "merge", "spec", "securityContext", "runAsNonRoot"), true)
	for _, c := range []string{"container", "reloader"} {
		sc := get(v, c, "merge", "securityContext")
		want(c+" allowPrivilegeEscalation", get(sc, "allowPrivilegeEscalation"), false)
		want(c+" readOnlyRootFilesystem", get(sc, "readOnlyRootFilesystem"), true)
		want(c+" capabilities.drop", strs(sc, "capabilities", "drop"), []string{"ALL"})
	}
	// The README's install command names the same --set-file.
	readme, err := os.ReadFile(filepath.Join(repo, "deploy", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), "--set-file "+helmSetFile+"=deploy/nats/"+AuthorizationFile) {
		t.Errorf("deploy/README.md does not install the chart with --set-file %s=deploy/nats/%s", helmSetFile, AuthorizationFile)
	}
}

// --------------------------------------------------------------- Kubernetes

func k8sObjects(t *testing.T) (objs []doc, kust doc) {
	t.Helper()
	dir := filepath.Join(repo, "deploy", "k8s")
	kd := readYAML(t, filepath.Join(dir, "kustomization.yaml"))
	kust = kd[0]
	for _, r := range strs(kust, "resources") {
		objs = append(objs, readYAML(t, filepath.Join(dir, r))...)
	}
	return objs, kust
}

func TestK8s(t *testing.T) {
	objs, kust := k8sObjects(t)
	users := daemonServices(t)
	mains := serviceMains(t)
	values := helmValues(t)
	natsURL := fmt.Sprintf("tls://%s:%d", str(values, "fullnameOverride"), num(values, "config", "nats", "port"))

	certs := map[string]doc{} // secretName -> Certificate
	for _, c := range readYAML(t, filepath.Join(repo, "deploy", "k8s", "certificates.yaml")) {
		if str(c, "kind") == "Certificate" {
			certs[str(c, "spec", "secretName")] = c
		}
	}
	srv := certs[natsTLSSecret]
	for _, name := range []string{natsRelease, "*." + natsRelease + "-headless"} {
		if !slices.Contains(strs(srv, "spec", "dnsNames"), name) {
			t.Errorf("certificates.yaml: %s does not name %s", natsTLSSecret, name)
		}
	}
	if u := strs(srv, "spec", "usages"); !slices.Contains(u, "server auth") || !slices.Contains(u, "client auth") {
		t.Errorf("certificates.yaml: %s usages %v: routes need server and client auth", natsTLSSecret, u)
	}

	// $(VAR)s in args come from the generated ConfigMap.
	oidcVars := map[string]bool{}
	for _, g := range list(kust, "configMapGenerator") {
		if str(g, "name") != oidcConfigMap {
			continue
		}
		for _, f := range strs(g, "envs") {
			b, err := os.ReadFile(filepath.Join(repo, "deploy", "k8s", f))
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range regexp.MustCompile(`(?m)^([A-Z_]+)=`).FindAllStringSubmatch(string(b), -1) {
				oidcVars[m[1]] = true
			}
		}
	}

	byKind := map[string][]doc{}
	for _, o := range objs {
		byKind[str(o, "kind")] = append(byKind[str(o, "kind")], o)
	}
	seen := map[string]bool{}
	waits := map[string]string{} // deployment -> the Service it waits for
	for _, d := range byKind["Deployment"] {
		dep := str(d, "metadata", "name")
		pod := get(d, "spec", "template", "spec")
		main := get(pod, "containers", 0)
		if len(list(pod, "containers")) != 1 {
			t.Errorf("%s: %d containers, want one", dep, len(list(pod, "containers")))
		}
		cmd := strs(main, "command")
		if len(cmd) != 1 || !strings.HasPrefix(cmd[0], imageBin) {
			t.Errorf("%s: command %q", dep, cmd)
			continue
		}
		bin := strings.TrimPrefix(cmd[0], imageBin)
		name := strings.TrimPrefix(bin, "samspill-")
		user := users[name]
		if mains[name] != bin || user == "" || dep != user {
			t.Errorf("Deployment %s runs %s: want Deployment samspill-<service> running its services/<service>", dep, bin)
			continue
		}
		seen[name] = true
		if str(main, "image") != "samspill" {
			t.Errorf("%s: image %q, want samspill (set by kustomization images)", dep, str(main, "image"))
		}
		a := args(t, dep, strs(main, "args"))
		checkFlags(t, dep, name, user, readProgram(t, name), a)
		if a["nats"] != natsURL {
			t.Errorf("%s: --nats=%s, want %s (the chart's Service)", dep, a["nats"], natsURL)
		}
		ownEnv := map[string]bool{}
		for _, e := range list(main, "env") {
			ownEnv[str(e, "name")] = true
		}
		for _, v := range a {
			for _, m := range regexp.MustCompile(`\$\(([A-Z_]+)\)`).FindAllStringSubmatch(v, -1) {
				if ownEnv[m[1]] {
					continue // the container's own env (POD_IP)
				}
				if !oidcVars[m[1]] || !slices.ContainsFunc(list(main, "envFrom"), func(e any) bool { return str(e, "configMapRef", "name") == oidcConfigMap }) {
					t.Errorf("%s: $(%s) is not in the ConfigMap %s it reads", dep, m[1], oidcConfigMap)
				}
			}
		}

		// Files: mounts -> volumes.
		vols := map[string]any{}
		for _, v := range list(pod, "volumes") {
			vols[str(v, "name")] = v
		}
		mounts := map[string]any{} // mountPath -> volume
		for _, m := range list(main, "volumeMounts") {
			mounts[str(m, "mountPath")] = vols[str(m, "name")]
			if vols[str(m, "name")] == nil {
				t.Errorf("%s: mount %s of no volume", dep, str(m, "name"))
			}
		}
		for flag, file := range map[string]string{"tls-cert": "tls.crt", "tls-key": "tls.key", "tls-ca": "ca.crt"} {
			dir, base := filepath.Split(a[flag])
			v := mounts[strings.TrimSuffix(dir, "/")]
			if base != file || str(v, "secret", "secretName") != user+"-tls" {
				t.Errorf("%s: --%s=%s is not %s of the Secret %s-tls", dep, flag, a[flag], file, user)
			}
		}
		c := certs[user+"-tls"]
		if str(c, "spec", "commonName") != user || !slices.Equal(strs(c, "spec", "subject", "organizations"), []string{"Samspill"}) ||
			!slices.Contains(strs(c, "spec", "usages"), "client auth") {
			t.Errorf("certificates.yaml: no client certificate CN=%s,O=Samspill in %s-tls", user, user)
		} else if CertUser(user) != "CN="+user+",O=Samspill" {
			t.Errorf("CertUser(%s) = %s: certificates.yaml names another subject", user, CertUser(user))
		}
		if a["master-key"] != "" {
			dir := filepath.Dir(a["master-key"])
			v := mounts[dir]
			if get(v, "emptyDir", "medium") != "Memory" {
				t.Errorf("%s: the master key's folder %s is not an emptyDir in memory", dep, dir)
			}
			// An init container copies it there, owner-only.
			ok := slices.ContainsFunc(list(pod, "initContainers"), func(ic any) bool {
				script := strings.Join(strs(ic, "command"), " ")
				return strings.Contains(script, "chmod 0400") && strings.Contains(script, "master.key") &&
					slices.ContainsFunc(list(ic, "volumeMounts"), func(m any) bool { return str(m, "name") == str(v, "name") }) &&
					slices.ContainsFunc(list(ic, "volumeMounts"), func(m any) bool {
						return str(vols[str(m, "name")], "secret", "secretName") == "samspill-master-key"
					})
			})
			if !ok {
				t.Errorf("%s: no init container copies the Secret samspill-master-key into %s with mode 0400", dep, dir)
			}
		}
		for _, v := range vols {
			if str(v, "secret", "secretName") == "samspill-master-key" && a["master-key"] == "" {
				t.Errorf("%s: mounts the master key but does not read names", dep)
			}
		}
		if a["access-key"] != "" && str(mounts[filepath.Dir(a["access-key"])], "configMap", "name") != "samspill-access-key" {
			t.Errorf("%s: --access-key=%s is not in the ConfigMap samspill-access-key", dep, a["access-key"])
		}

		// HTTP, probes, resources.
		port := httpPort(t, dep, a["http"])
		if num(main, "ports", 0, "containerPort") != port || str(main, "ports", 0, "name") != "http" {
			t.Errorf("%s: containerPort %d, --http port %d", dep, num(main, "ports", 0, "containerPort"), port)
		}
		for _, p := range []string{"startupProbe", "readinessProbe", "livenessProbe"} {
			if str(main, p, "httpGet", "path") != "/metrics" || str(main, p, "httpGet", "port") != "http" {
				t.Errorf("%s: %s is not GET /metrics on http", dep, p)
			}
		}

		// Instances.
		replicas := num(d, "spec", "replicas")
		if ownDurable(user) && (replicas != 1 || str(d, "spec", "strategy", "type") != "Recreate") {
			t.Errorf("%s: %d replicas, strategy %q: %s reads the log through one durable of its own name; want 1 and Recreate",
				dep, replicas, str(d, "spec", "strategy", "type"), user)
		}
		if partitioned(user) {
			// Several instances sharing the maps: each named after its
			// pod, announcing its own address for forwarded HTTP.
			env := map[string]string{}
			for _, e := range list(main, "env") {
				env[str(e, "name")] = str(e, "valueFrom", "fieldRef", "fieldPath")
			}
			if replicas < 2 || env["SAMSPILL_INSTANCE"] != "metadata.name" || env["POD_IP"] != "status.podIP" ||
				a["advertise"] != "http://$(POD_IP):"+strconv.Itoa(port) {
				t.Errorf("%s: %d replicas, env %v, --advertise=%q: %s shares the maps among instances; want ≥ 2 replicas, SAMSPILL_INSTANCE from metadata.name and --advertise=http://$(POD_IP):%d",
					dep, replicas, env, a["advertise"], user, port)
			}
		}
		if replicas < 1 {
			t.Errorf("%s: replicas %d", dep, replicas)
		}

		// Pod Security restricted, and requests for every container.
		sc := get(pod, "securityContext")
		if get(sc, "runAsNonRoot") != true || num(sc, "runAsUser") != 65532 || str(sc, "seccompProfile", "type") != "RuntimeDefault" {
			t.Errorf("%s: pod securityContext %v", dep, sc)
		}
		if get(pod, "automountServiceAccountToken") != false {
			t.Errorf("%s: mounts a service account token it does not need", dep)
		}
		if get(pod, "hostNetwork") != nil {
			t.Errorf("%s: hostNetwork", dep)
		}
		for _, c := range append(list(pod, "initContainers"), list(pod, "containers")...) {
			cn := dep + "/" + str(c, "name")
			if get(c, "securityContext", "allowPrivilegeEscalation") != false || get(c, "securityContext", "readOnlyRootFilesystem") != true ||
				!slices.Equal(strs(c, "securityContext", "capabilities", "drop"), []string{"ALL"}) {
				t.Errorf("%s: securityContext %v", cn, get(c, "securityContext"))
			}
			if str(c, "resources", "requests", "cpu") == "" || str(c, "resources", "requests", "memory") == "" || str(c, "resources", "limits", "memory") == "" {
				t.Errorf("%s: resources %v: want cpu and memory requests and a memory limit", cn, get(c, "resources"))
			}
			for _, p := range list(c, "ports") {
				if get(p, "hostPort") != nil {
					t.Errorf("%s: hostPort", cn)
				}
			}
			if m := regexp.MustCompile(`http://(samspill-[a-z]+)/metrics`).FindStringSubmatch(strings.Join(strs(c, "command"), " ")); m != nil {
				waits[dep] = m[1]
			}
		}
		if get(d, "spec", "template", "metadata", "labels", samspillLabel) != "samspill" {
			t.Errorf("%s: pods lack %s: samspill, which the NetworkPolicy lets reach NATS", dep, samspillLabel)
		}
	}
	for name := range users {
		if !seen[name] {
			t.Errorf("no Deployment runs services/%s", name)
		}
	}
	// Start order: auth first, every other after it.
	for dep := range seen {
		d := "samspill-" + dep
		if d == natsperm.Auth {
			if waits[d] != "" {
				t.Errorf("%s waits for %s: it comes first", d, waits[d])
			}
			continue
		}
		chain, at := []string{d}, d
		for i := 0; i < 10 && at != natsperm.Auth && waits[at] != ""; i++ {
			at = waits[at]
			chain = append(chain, at)
		}
		if at != natsperm.Auth {
			t.Errorf("%s does not start after %s: %v", d, natsperm.Auth, chain)
		}
	}

	// Services: inside the cluster only.
	for _, s := range byKind["Service"] {
		if typ := str(s, "spec", "type"); typ != "" && typ != "ClusterIP" {
			t.Errorf("Service %s is %s", str(s, "metadata", "name"), typ)
		}
		if seen[strings.TrimPrefix(str(s, "metadata", "name"), "samspill-")] == false {
			t.Errorf("Service %s fronts no Samspill Deployment", str(s, "metadata", "name"))
		}
	}
	for _, k := range []string{"Ingress", "Gateway", "HTTPRoute"} {
		if len(byKind[k]) > 0 {
			t.Errorf("deploy/k8s has an %s: document what it exposes and teach this test", k)
		}
	}
	if ns := byKind["Namespace"]; len(ns) != 1 || get(ns[0], "metadata", "labels", "pod-security.kubernetes.io/enforce") != "restricted" ||
		str(ns[0], "metadata", "name") != str(kust, "namespace") {
		t.Errorf("want one Namespace, the kustomization's, enforcing Pod Security restricted")
	}

	// NetworkPolicy: NATS's client port from Samspill's pods only, routes
	// from NATS's pods only, nothing else.
	natsPods := map[string]any{"app.kubernetes.io/name": "nats", "app.kubernetes.io/instance": natsRelease}
	var natsPolicy doc
	for _, np := range byKind["NetworkPolicy"] {
		if fmt.Sprint(get(np, "spec", "podSelector", "matchLabels")) == fmt.Sprint(natsPods) {
			natsPolicy = np
		}
	}
	if natsPolicy == nil {
		t.Fatalf("no NetworkPolicy selects the NATS pods %v", natsPods)
	}
	if !slices.Equal(strs(natsPolicy, "spec", "policyTypes"), []string{"Ingress"}) {
		t.Errorf("NATS NetworkPolicy policyTypes %v", strs(natsPolicy, "spec", "policyTypes"))
	}
	allowed := map[int]string{}
	for _, rule := range list(natsPolicy, "spec", "ingress") {
		from := list(rule, "from")
		if len(from) != 1 || get(from[0], "namespaceSelector") != nil || get(from[0], "ipBlock") != nil {
			t.Errorf("NATS NetworkPolicy rule %v: want one podSelector of this namespace", rule)
			continue
		}
		sel := fmt.Sprint(get(from[0], "podSelector", "matchLabels"))
		for _, p := range list(rule, "ports") {
			allowed[num(p, "port")] = sel
		}
	}
	clientPort := num(values, "config", "nats", "port")
	if allowed[clientPort] != fmt.Sprint(map[string]any{samspillLabel: "samspill"}) {
		t.Errorf("NATS client port %d is open to %q, want the Samspill pods only", clientPort, allowed[clientPort])
	}
	routePort := num(values, "config", "cluster", "port")
	if allowed[routePort] != fmt.Sprint(natsPods) {
		t.Errorf("NATS route port %d is open to %q, want the NATS pods only", routePort, allowed[routePort])
	}
	for p := range allowed {
		if p != clientPort && p != routePort {
			t.Errorf("NATS port %d is open: document it in deploy/README.md and teach this test", p)
		}
	}
}

// TestDeployYAMLParses: every YAML file under deploy/ parses strictly.
func TestDeployYAMLParses(t *testing.T) {
	var files []string
	err := filepath.WalkDir(filepath.Join(repo, "deploy"), func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == "tls" {
			return filepath.SkipDir
		}
		if ext := filepath.Ext(path); ext == ".yaml" || ext == ".yml" {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 10 {
		t.Fatalf("found %d YAML files under deploy/: %v", len(files), files)
	}
	for _, f := range files {
		for i, d := range readYAML(t, f) {
			if strings.Contains(f, "k8s") && !strings.HasSuffix(f, "kustomization.yaml") && (str(d, "apiVersion") == "" || str(d, "kind") == "" || str(d, "metadata", "name") == "") {
				t.Errorf("%s: document %d lacks apiVersion, kind or metadata.name", f, i+1)
			}
		}
	}
}

// TestDeployReadme: the README names what was not run here.
func TestDeployReadme(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(repo, "deploy", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"compose.yaml", "compose.oidc.yaml", "helm/nats-values.yaml", "k8s/", "certificates.yaml", "no Docker engine"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("deploy/README.md does not mention %q", want)
		}
	}
}
