package daemon_test

import (
	"flag"
	"testing"

	"github.com/samspill/samspill/pkg/daemon"
)

func TestLogFormatFlags(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, "json"},
		{[]string{"--log-format", "text"}, "text"},
		{[]string{"--log-format", "text", "--log-json"}, "json"},
		{[]string{"--log-json=false"}, "text"},
	} {
		var f daemon.Flags
		fs := flag.NewFlagSet("x", flag.ContinueOnError)
		f.Register(fs, "127.0.0.1:1")
		if err := fs.Parse(c.args); err != nil || f.LogFormat != c.want {
			t.Errorf("%q: log format %q (%v), want %s", c.args, f.LogFormat, err, c.want)
		}
	}
}
