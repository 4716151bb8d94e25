package main

import (
	"errors"
	"fmt"
	"io"
	"os"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "natsconf:", err)
		os.Exit(1)
	}
}

const usage = `usage:
  natsconf FILE...              check NATS server configurations
  natsconf -authorization       print the authorization block made from pkg/natsperm
  natsconf -dev-certs DIR       make a development CA, certificates and JS_KEY in DIR`

func run(args []string, stdout io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		return errors.New(usage)
	}
	switch args[0] {
	case "-authorization":
		if len(args) != 1 {
			return errors.New(usage)
		}
		return WriteAuthorization(stdout)
	case "-dev-certs":
		if len(args) != 2 {
			return errors.New(usage)
		}
		wrote, err := DevCerts(args[1])
		if err != nil {
			return err
		}
		if len(wrote) == 0 {
			fmt.Fprintf(stdout, "natsconf: %s has every development certificate already\n", args[1])
		}
		for _, f := range wrote {
			fmt.Fprintf(stdout, "natsconf: wrote %s\n", f)
		}
		return nil
	}
	nodes, problems := Check(args)
	for _, n := range nodes {
		if n.ok {
			fmt.Fprintf(stdout, "natsconf: %s ok (%s)\n", n.file, n.summary())
		}
	}
	if len(problems) > 0 {
		return errors.Join(problems...)
	}
	return nil
}
