// Command turnaround runs the Turnaround suite: every component in one
// process (-target=all, the default) or one component per process for
// Kubernetes (-target=gateway, -target=inspection). `turnaround token` prints
// a development token that an embedded instance accepts; `turnaround rebuild
// -target=oversight` rebuilds the oversight read models from the streams;
// `turnaround docs-access` writes the access matrix into docs/access.md.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	os.Exit(mainWithArgs(os.Args[1:], os.Stdout, os.Stderr))
}

func mainWithArgs(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "token" {
		if err := tokenCommand(args[1:], stdout); err != nil {
			fmt.Fprintln(stderr, "turnaround token:", err)
			return 2
		}
		return 0
	}
	if len(args) > 0 && args[0] == "docs-access" {
		if err := docsAccessCommand(args[1:], stdout); err != nil {
			fmt.Fprintln(stderr, "turnaround docs-access:", err)
			return 2
		}
		return 0
	}
	if len(args) > 0 && args[0] == "rebuild" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		if err := rebuildCommand(ctx, args[1:], stdout); err != nil {
			fmt.Fprintln(stderr, "turnaround rebuild:", err)
			return 2
		}
		return 0
	}
	cfg, err := parseConfig(args)
	if errors.Is(err, errHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "turnaround:", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cfg, stdout, stderr); err != nil {
		fmt.Fprintln(stderr, "turnaround:", err)
		return 1
	}
	return 0
}
