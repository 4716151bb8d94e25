package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestDeployConfigs checks the configurations that are committed, in a
// copy of deploy/nats with fresh development certificates and key (the
// files name their tls files relative to the repository root).
func TestDeployConfigs(t *testing.T) {
	root := t.TempDir()
	if err := os.CopyFS(filepath.Join(root, "deploy", "nats"), os.DirFS("../../deploy/nats")); err != nil {
		t.Fatal(err)
	}
	tlsDir := filepath.Join(root, "deploy", "nats", "tls")
	if err := os.RemoveAll(tlsDir); err != nil {
		t.Fatal(err)
	}
	devEnv(t, tlsDir)
	t.Chdir(root)
	var files []string
	for _, pattern := range []string{"deploy/nats/*.conf", "deploy/nats/*/*.conf"} {
		m, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	if len(files) < 4 {
		t.Fatalf("found %d configurations in deploy/nats, want single.conf and three cluster nodes", len(files))
	}
	nodes, problems := Check(files)
	for _, p := range problems {
		t.Error(p)
	}
	if len(nodes) != len(files) {
		t.Errorf("read %d of %d files", len(nodes), len(files))
	}
}

// TestAuthorizationIsGenerated keeps deploy/nats/authorization.inc equal
// to what pkg/natsperm makes.
func TestAuthorizationIsGenerated(t *testing.T) {
	committed, err := os.ReadFile(filepath.Join("../../deploy/nats", AuthorizationFile))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := WriteAuthorization(&b); err != nil {
		t.Fatal(err)
	}
	if string(committed) != b.String() {
		t.Errorf("deploy/nats/%s differs from pkg/natsperm's table; run: make nats-auth", AuthorizationFile)
	}
}

// devEnv makes development certificates in dir and sets JS_KEY from its
// dev.env for the test.
func devEnv(t *testing.T, dir string) {
	t.Helper()
	if _, err := DevCerts(dir); err != nil {
		t.Fatal(err)
	}
	env, err := os.ReadFile(filepath.Join(dir, "dev.env"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(env), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok && !strings.HasPrefix(k, "#") {
			t.Setenv(k, v)
		}
	}
	if os.Getenv("JS_KEY") == "" {
		t.Fatal("dev.env sets no JS_KEY")
	}
}

// TestPinnedVersion keeps the nats-server this tool links equal to the one
// Samspill embeds.
func TestPinnedVersion(t *testing.T) {
	re := regexp.MustCompile(`(?m)^\s*(?:require\s+)?github\.com/nats-io/nats-server/v2 (v\S+)`)
	version := func(path string) string {
		t.Helper()
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		m := re.FindSubmatch(b)
		if m == nil {
			t.Fatalf("%s does not require github.com/nats-io/nats-server/v2", path)
		}
		return string(m[1])
	}
	if got, want := version("go.mod"), version("../../pkg/go.mod"); got != want {
		t.Errorf("tools/natsconf links nats-server %s, pkg pins %s; run: cd tools/natsconf && go get github.com/nats-io/nats-server/v2@%s && go mod tidy", got, want, want)
	}
}

// goodNode is a cluster node's configuration; nodeConf fills it in. TLS
// and AUTH are replaced by the tls files and the authorization include of
// the test.
const goodNode = `
server_name: n%d
listen: 127.0.0.1:%d
tls { cert_file: "TLS/samspill-n1.pem", key_file: "TLS/samspill-n1-key.pem", ca_file: "TLS/ca.pem", verify_and_map: true }
https: 127.0.0.1:%d
jetstream { store_dir: "data/n%d", sync_interval: always, cipher: chachapoly, key: $JS_KEY }
cluster {
  name: samspill
  listen: 127.0.0.1:%d
  routes: [ %s ]
  tls { cert_file: "TLS/samspill-n1.pem", key_file: "TLS/samspill-n1-key.pem", ca_file: "TLS/ca.pem", verify: true }
}
include "AUTH"
`

func TestRejects(t *testing.T) {
	single := `
server_name: one
listen: 127.0.0.1:4222
tls { cert_file: "TLS/samspill-single.pem", key_file: "TLS/samspill-single-key.pem", ca_file: "TLS/ca.pem", verify_and_map: true }
https: 127.0.0.1:8222
jetstream { store_dir: "data", sync_interval: always, cipher: chachapoly, key: $JS_KEY }
include "AUTH"
`
	tlsDir := t.TempDir()
	devEnv(t, tlsDir)
	var auth strings.Builder
	if err := WriteAuthorization(&auth); err != nil {
		t.Fatal(err)
	}
	// Includes are relative to the including file: each case's directory
	// gets the generated file.
	fill := strings.NewReplacer("TLS/", tlsDir+"/", `"AUTH"`, strconv.Quote(AuthorizationFile))
	tests := []struct {
		name  string
		files []string
		want  []string // substrings of the problems, in order
	}{
		{
			name:  "good single node",
			files: []string{single},
		},
		{
			name:  "syntax error",
			files: []string{"listen: 127.0.0.1:4222\njetstream {"},
			want:  []string{"f0.conf"},
		},
		{
			name:  "no sync always",
			files: []string{strings.Replace(single, "sync_interval: always", "sync_interval: 2m", 1)},
			want:  []string{"sync_interval: always"},
		},
		{
			name:  "no jetstream",
			files: []string{strings.Replace(single, "jetstream {", "# jetstream {", 1)},
			want:  []string{"jetstream is not enabled"},
		},
		{
			name:  "no server name",
			files: []string{strings.Replace(single, "server_name: one", "", 1)},
			want:  []string{"server_name is not set"},
		},
		{
			name:  "not encrypted at rest",
			files: []string{strings.Replace(single, ", cipher: chachapoly, key: $JS_KEY", "", 1)},
			want:  []string{"jetstream has no key"},
		},
		{
			name:  "client listener without tls",
			files: []string{strings.Replace(strings.Replace(single, "tls {", "# tls {", 1), "https:", "http:", 1)},
			want:  []string{"client listener 127.0.0.1:4222 has no tls block", "http monitoring 127.0.0.1:8222 is plain HTTP"},
		},
		{
			name:  "client certificates not mapped to users",
			files: []string{strings.Replace(single, "verify_and_map: true", "verify: true", 1)},
			want:  []string{"verify_and_map"},
		},
		{
			name:  "plain http monitoring",
			files: []string{strings.Replace(single, "https: 127.0.0.1:8222", "http: 127.0.0.1:8222", 1)},
			want:  []string{"http monitoring 127.0.0.1:8222 is plain HTTP"},
		},
		{
			name:  "https monitoring off loopback",
			files: []string{strings.Replace(single, "https: 127.0.0.1:8222", "https: 10.0.0.1:8222", 1)},
			want:  []string{"https monitoring 10.0.0.1:8222 is not on loopback"},
		},
		{
			name:  "anonymous clients",
			files: []string{single + "\nno_auth_user: \"CN=samspill-cli,O=Samspill\"\n"},
			want:  []string{"no_auth_user"},
		},
		{
			name: "users not the table's",
			files: []string{strings.Replace(single, `include "AUTH"`,
				`authorization { users = [ {user: "CN=samspill-gap,O=Samspill", permissions: {publish: ">"}}, {user: "CN=stranger,O=Samspill"} ] }`, 1)},
			want: []string{
				"user CN=samspill-command,O=Samspill (samspill-command) is missing",
				"user CN=samspill-graph,O=Samspill (samspill-graph) is missing",
				"user CN=samspill-gap,O=Samspill: permissions differ from pkg/natsperm: publish allow [>]",
				"samspill-picture) is missing", "samspill-auth) is missing", "samspill-web) is missing", "samspill-cli) is missing",
				"user CN=stranger,O=Samspill is not in pkg/natsperm",
			},
		},
		{
			name: "good cluster",
			files: []string{
				nodeConf(1, 2, 3), nodeConf(2, 1, 3), nodeConf(3, 1, 2),
			},
		},
		{
			name:  "routes without tls",
			files: []string{strings.Replace(nodeConf(1, 2, 3), "  tls { cert_file", "  # tls { cert_file", 1), nodeConf(2, 1, 3), nodeConf(3, 1, 2)},
			want:  []string{"f0.conf: cluster listener 127.0.0.1:6001 has no tls block"},
		},
		{
			name:  "cluster of two",
			files: []string{nodeConf(1, 2), nodeConf(2, 1)},
			want:  []string{"R3 streams need 3", "R3 streams need 3"},
		},
		{
			name:  "missing route",
			files: []string{nodeConf(1, 2), nodeConf(2, 1, 3), nodeConf(3, 1, 2)},
			want:  []string{"f0.conf: no route to 127.0.0.1:6003"},
		},
		{
			name:  "route to a stranger",
			files: []string{nodeConf(1, 2, 3, 9), nodeConf(2, 1, 3), nodeConf(3, 1, 2)},
			want:  []string{"route nats-route://127.0.0.1:6009 is not the cluster listener"},
		},
		{
			name: "shared store dir",
			files: []string{
				nodeConf(1, 2, 3), nodeConf(2, 1, 3),
				strings.Replace(nodeConf(3, 1, 2), "data/n3", "data/n1", 1),
			},
			want: []string{"f2.conf: store_dir"},
		},
		{
			name: "jetstream cluster without server name",
			files: []string{
				strings.Replace(nodeConf(1, 2, 3), "server_name: n1", "", 1), nodeConf(2, 1, 3), nodeConf(3, 1, 2),
			},
			want: []string{"nats-server rejects the options", "server_name is not set"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, AuthorizationFile), []byte(auth.String()), 0o600); err != nil {
				t.Fatal(err)
			}
			var files []string
			for i, conf := range tt.files {
				f := filepath.Join(dir, fmt.Sprintf("f%d.conf", i))
				if err := os.WriteFile(f, []byte(fill.Replace(conf)), 0o600); err != nil {
					t.Fatal(err)
				}
				files = append(files, f)
			}
			_, problems := Check(files)
			if len(problems) != len(tt.want) {
				t.Fatalf("got %d problems, want %d: %v", len(problems), len(tt.want), problems)
			}
			for i, p := range problems {
				if !strings.Contains(p.Error(), tt.want[i]) {
					t.Errorf("problem %d = %q, want it to contain %q", i, p, tt.want[i])
				}
			}
		})
	}
}

// nodeConf returns the configuration of node i of a loopback cluster whose
// routes go to the given nodes.
func nodeConf(i int, routes ...int) string {
	var rs []string
	for _, r := range routes {
		rs = append(rs, fmt.Sprintf("nats-route://127.0.0.1:%d", 6000+r))
	}
	return fmt.Sprintf(goodNode, i, 4000+i, 8000+i, i, 6000+i, strings.Join(rs, ", "))
}
