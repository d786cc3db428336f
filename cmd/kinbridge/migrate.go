package main

import (
	"context"
	"flag"
	"fmt"
)

func runMigrate(ctx context.Context, args []string, env *Env) error {
	fs := newFlagSet(env, "migrate", "", `
Apply the embedded migrations that the database of --db does not have yet,
each in its own transaction, and list what was applied. serve and demo do
this at start as well; running it twice is harmless.`)
	cfg, err := loadConfig(env, fs, args, func(c *Config, fs *flag.FlagSet) { c.addDBFlag(fs) })
	if err != nil {
		return err
	}
	store, err := cfg.openStore(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	applied, err := store.Migrate(ctx)
	if err != nil {
		return err
	}
	if len(applied) == 0 {
		fmt.Fprintln(env.Stdout, "database is up to date")
	}
	for _, name := range applied {
		fmt.Fprintln(env.Stdout, "applied", name)
	}
	return nil
}
