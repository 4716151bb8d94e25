// Command natsconf checks Samspill's NATS server configurations (the files in
// deploy/nats) for what `nats-server -t` does not: the server's own
// validation of the options as a whole, and Samspill's deployment rules.
//
// Usage:
//
//	natsconf FILE...
//
// For each file, natsconf parses it as nats-server does, then builds (but
// does not start) a server from it, which runs the server's checks across
// options (a JetStream cluster needs server_name, and so on). Then it checks
// the rules below, and prints one line per file, or every problem found. The
// exit status is 1 if any file has a problem.
//
// # Rules for one file
//
//   - server_name is set;
//   - JetStream is enabled, with a store_dir and sync_interval: always (an
//     acknowledged event must survive a power cut);
//   - the client and cluster listeners are on loopback unless their tls
//     block is configured, and the plain HTTP monitoring port is on loopback;
//   - a cluster has a name.
//
// # Rules across files
//
// Files naming the same cluster are the nodes of that cluster: there must be
// at least three (streams are R3 in a cluster), with distinct server names,
// store directories and listen addresses, and each node's routes must name
// the cluster listener of every other node and nothing else.
//
// natsconf is its own module so that the nats-server it links is the one
// pinned in pkg/go.mod (a test keeps the two versions equal) without adding
// anything to the modules that ship.
package main
