package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/kinbridge/kinbridge"
	"github.com/kinbridge/kinbridge/sqlstore"
)

// errAuditBroken makes the process exit non-zero when the chain is broken.
var errAuditBroken = errors.New("audit log is NOT intact")

func runAudit(ctx context.Context, args []string, env *Env) error {
	return subcommand(ctx, "audit", args, env, map[string]func(context.Context, []string, *Env) error{
		"verify": runAuditVerify,
	}, []string{"verify"})
}

func runAuditVerify(ctx context.Context, args []string, env *Env) error {
	fs := newFlagSet(env, "audit verify", "", `
Walk the whole audit log and check its hash chain. Prints the number of
entries checked, or names the first entry that was edited, deleted, inserted
or reordered, and exits with status 2.`)
	cfg, err := loadConfig(env, fs, args, func(c *Config, fs *flag.FlagSet) { c.addDBFlag(fs) })
	if err != nil {
		return err
	}
	return withService(ctx, cfg, "audit verify", func(ctx context.Context, svc *kinbridge.Service, _ *sqlstore.Store) error {
		start := time.Now()
		n, problem, err := svc.VerifyAudit(ctx, func(checked int64) {
			fmt.Fprintf(env.Stderr, "\rchecked %d entries…", checked)
		})
		if n >= 100000 {
			fmt.Fprintln(env.Stderr)
		}
		if err != nil {
			return err
		}
		if problem != nil {
			fmt.Fprintf(env.Stdout, "FIRST BAD ENTRY: %s\n", problem)
			return errAuditBroken
		}
		fmt.Fprintf(env.Stdout, "audit log intact: %d entries verified in %s\n", n, time.Since(start).Round(time.Millisecond))
		return nil
	})
}
