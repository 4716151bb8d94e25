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

func run(args []string, stdout io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		return errors.New("usage: natsconf FILE...")
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
