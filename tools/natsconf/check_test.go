package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestDeployConfigs checks the configurations that are committed.
func TestDeployConfigs(t *testing.T) {
	var files []string
	for _, pattern := range []string{"../../deploy/nats/*.conf", "../../deploy/nats/*/*.conf"} {
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

// goodNode is a cluster node's configuration; nodeConf fills it in.
const goodNode = `
server_name: n%d
listen: 127.0.0.1:%d
http: 127.0.0.1:%d
jetstream { store_dir: "data/n%d", sync_interval: always }
cluster {
  name: samspill
  listen: 127.0.0.1:%d
  routes: [ %s ]
}
`

func TestRejects(t *testing.T) {
	single := `
server_name: one
listen: 127.0.0.1:4222
http: 127.0.0.1:8222
jetstream { store_dir: "data", sync_interval: always }
`
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
			files: []string{"server_name: one\nlisten: 127.0.0.1:4222\n"},
			want:  []string{"jetstream is not enabled"},
		},
		{
			name:  "no server name",
			files: []string{strings.Replace(single, "server_name: one", "", 1)},
			want:  []string{"server_name is not set"},
		},
		{
			name:  "all interfaces without tls",
			files: []string{strings.Replace(single, "listen: 127.0.0.1:4222", "listen: 0.0.0.0:4222", 1)},
			want:  []string{"client listener 0.0.0.0:4222 is not on loopback"},
		},
		{
			name:  "port only means all interfaces",
			files: []string{strings.Replace(single, "listen: 127.0.0.1:4222", "port: 4222", 1)},
			want:  []string{"client listener 0.0.0.0:4222 is not on loopback"},
		},
		{
			name:  "monitoring off loopback",
			files: []string{strings.Replace(single, "http: 127.0.0.1:8222", "http: 10.0.0.1:8222", 1)},
			want:  []string{"http monitoring 10.0.0.1:8222"},
		},
		{
			name: "good cluster",
			files: []string{
				nodeConf(1, 2, 3), nodeConf(2, 1, 3), nodeConf(3, 1, 2),
			},
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
			var files []string
			for i, conf := range tt.files {
				f := filepath.Join(dir, fmt.Sprintf("f%d.conf", i))
				if err := os.WriteFile(f, []byte(conf), 0o600); err != nil {
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
