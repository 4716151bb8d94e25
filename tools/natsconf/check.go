package main

import (
	"cmp"
	"crypto/tls"
	"fmt"
	"net"
	"path/filepath"
	"slices"
	"strconv"

	"github.com/nats-io/nats-server/v2/server"
)

// node is one configuration file, as nats-server reads it.
type node struct {
	file string
	opts *server.Options
	ok   bool // no problem found in this file
}

func (n *node) summary() string {
	s := fmt.Sprintf("server %s, client %s (tls), %d users", n.opts.ServerName, hostPort(n.opts.Host, n.opts.Port), len(n.opts.Users))
	if n.opts.Cluster.Port != 0 {
		s += fmt.Sprintf(", cluster %s at %s (tls)", n.opts.Cluster.Name, hostPort(n.opts.Cluster.Host, n.opts.Cluster.Port))
	}
	return s
}

// problem is a finding about one file.
type problem struct {
	file string
	msg  string
}

func (p problem) Error() string { return p.file + ": " + p.msg }

// Check reads every file and returns the nodes it could read and all
// problems found, in file order.
func Check(files []string) ([]*node, []error) {
	var (
		nodes    []*node
		problems []error
	)
	report := func(n *node, format string, args ...any) {
		n.ok = false
		problems = append(problems, problem{n.file, fmt.Sprintf(format, args...)})
	}
	for _, f := range files {
		n := &node{file: f, ok: true}
		opts, err := server.ProcessConfigFile(f)
		if err != nil {
			problems = append(problems, problem{f, err.Error()})
			continue
		}
		n.opts = opts
		nodes = append(nodes, n)
		// NewServer validates the options as a whole; it does not listen
		// or touch the store.
		if s, err := server.NewServer(opts.Clone()); err != nil {
			report(n, "nats-server rejects the options: %v", err)
		} else {
			s.Shutdown()
		}
		checkNode(n, func(format string, args ...any) { report(n, format, args...) })
	}

	clusters := map[string][]*node{}
	for _, n := range nodes {
		if name := n.opts.Cluster.Name; name != "" {
			clusters[name] = append(clusters[name], n)
		}
	}
	names := make([]string, 0, len(clusters))
	for name := range clusters {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		checkCluster(name, clusters[name], report)
	}
	return nodes, problems
}

func checkNode(n *node, report func(format string, args ...any)) {
	o := n.opts
	if o.ServerName == "" {
		report("server_name is not set")
	}
	if !o.JetStream {
		report("jetstream is not enabled")
	} else {
		if o.StoreDir == "" {
			report("jetstream has no store_dir")
		}
		if !o.SyncAlways {
			report("jetstream does not have sync_interval: always (acknowledged events must be on disk)")
		}
		if o.JetStreamKey == "" {
			report("jetstream has no key: the store must be encrypted at rest (cipher: chachapoly, key: $JS_KEY)")
		} else if o.JetStreamCipher != server.ChaCha {
			report("jetstream cipher is %s, want chachapoly", o.JetStreamCipher)
		}
	}
	// Every listener has TLS.
	switch {
	case o.TLSConfig == nil:
		report("client listener %s has no tls block", hostPort(o.Host, o.Port))
	case o.TLSConfig.ClientAuth != tls.RequireAndVerifyClientCert || !o.TLSMap:
		report("client listener %s: tls must have verify_and_map: true (each service is the user its certificate names)", hostPort(o.Host, o.Port))
	}
	if o.HTTPPort != 0 {
		report("http monitoring %s is plain HTTP; use https", hostPort(cmp.Or(o.HTTPHost, o.Host), o.HTTPPort))
	}
	if o.HTTPSPort != 0 && !isLoopback(cmp.Or(o.HTTPHost, o.Host)) {
		report("https monitoring %s is not on loopback (it has no authentication)", hostPort(cmp.Or(o.HTTPHost, o.Host), o.HTTPSPort))
	}
	if o.Cluster.Port != 0 {
		if o.Cluster.Name == "" {
			report("cluster has no name")
		}
		// With a tls block, nats-server always verifies the other node's
		// certificate on routes (mutual TLS), whatever verify says.
		if o.Cluster.TLSConfig == nil {
			report("cluster listener %s has no tls block", hostPort(o.Cluster.Host, o.Cluster.Port))
		}
	}
	if o.Gateway.Port != 0 && o.Gateway.TLSConfig == nil {
		report("gateway listener %s has no tls block", hostPort(o.Gateway.Host, o.Gateway.Port))
	}
	if o.LeafNode.Port != 0 && o.LeafNode.TLSConfig == nil {
		report("leafnode listener %s has no tls block", hostPort(o.LeafNode.Host, o.LeafNode.Port))
	}
	if o.Websocket.Port != 0 && o.Websocket.TLSConfig == nil {
		report("websocket listener %s has no tls block", hostPort(o.Websocket.Host, o.Websocket.Port))
	}
	if o.MQTT.Port != 0 && o.MQTT.TLSConfig == nil {
		report("mqtt listener %s has no tls block", hostPort(o.MQTT.Host, o.MQTT.Port))
	}
	checkUsers(o, report)
}

func checkCluster(name string, nodes []*node, report func(n *node, format string, args ...any)) {
	if len(nodes) < 3 {
		for _, n := range nodes {
			report(n, "cluster %s has %d node(s) among the files given; R3 streams need 3", name, len(nodes))
		}
		return
	}
	seen := map[string]*node{}
	unique := func(n *node, what, value string) {
		key := what + "\x00" + value
		if first, ok := seen[key]; ok {
			report(n, "%s %s is also used by %s", what, value, first.file)
			return
		}
		seen[key] = n
	}
	listeners := map[string]*node{} // cluster listen address -> node
	for _, n := range nodes {
		o := n.opts
		unique(n, "server_name", o.ServerName)
		if o.StoreDir != "" {
			dir, err := filepath.Abs(o.StoreDir)
			if err != nil {
				dir = o.StoreDir
			}
			unique(n, "store_dir", dir)
		}
		unique(n, "listen address", hostPort(o.Host, o.Port))
		unique(n, "listen address", hostPort(o.Cluster.Host, o.Cluster.Port))
		if o.HTTPPort != 0 {
			unique(n, "listen address", hostPort(cmp.Or(o.HTTPHost, o.Host), o.HTTPPort))
		}
		if o.HTTPSPort != 0 {
			unique(n, "listen address", hostPort(cmp.Or(o.HTTPHost, o.Host), o.HTTPSPort))
		}
		listeners[hostPort(o.Cluster.Host, o.Cluster.Port)] = n
	}
	for _, n := range nodes {
		self := hostPort(n.opts.Cluster.Host, n.opts.Cluster.Port)
		routes := map[string]bool{}
		for _, u := range n.opts.Routes {
			addr := hostPort(u.Hostname(), port(u.Port()))
			routes[addr] = true
			if listeners[addr] == nil {
				report(n, "route %s is not the cluster listener of any node of cluster %s", u.Redacted(), name)
			}
		}
		for addr, other := range listeners {
			if addr != self && !routes[addr] {
				report(n, "no route to %s (%s)", addr, other.file)
			}
		}
	}
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func hostPort(host string, p int) string {
	if host == "" {
		host = "0.0.0.0"
	}
	return net.JoinHostPort(host, strconv.Itoa(p))
}

func port(s string) int {
	p, _ := strconv.Atoi(s)
	return p
}
