// Command natsconf checks Samspill's NATS server configurations (the files in
// deploy/nats) for what `nats-server -t` does not: the server's own
// validation of the options as a whole, and Samspill's deployment rules.
//
// Usage:
//
//	natsconf FILE...              check configurations
//	natsconf -authorization       print deploy/nats/authorization.inc from pkg/natsperm
//	natsconf -dev-certs DIR       make development certificates and JS_KEY (make dev-certs)
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
//     acknowledged event must survive a power cut), and encrypted at rest
//     (a key; cipher chachapoly);
//   - every listener has TLS: clients with verify_and_map (a client
//     certificate is required and names the user), cluster routes (always
//     verified both ways), gateways, leaf nodes, websocket and MQTT if
//     configured; monitoring is https, not http, and on loopback;
//   - the users are exactly pkg/natsperm's table: one per service, named
//     by its certificate's subject (CertUser), with the table's publish and
//     subscribe lists and allow_responses, no password, no anonymous
//     user;
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
