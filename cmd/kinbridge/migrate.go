package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/kinbridge/kinbridge/postgres"
	"github.com/kinbridge/kinbridge/sqlite"
	"github.com/kinbridge/kinbridge/sqlstore"
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
	// Opening the store applied what was missing; this pass finds nothing
	// left to do unless another process raced it, and says where the
	// schema stands.
	applied, err := store.Migrate(ctx)
	if err != nil {
		return err
	}
	for _, name := range applied {
		fmt.Fprintln(env.Stdout, "applied", name)
	}
	migrations := sqlite.Migrations()
	if engine, _ := cfg.engine(); engine == "postgres" {
		migrations = postgres.Migrations()
	}
	names, err := sqlstore.MigrationNames(migrations)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "%s schema is up to date: %d migrations, the last %s\n", store.Engine(), len(names), names[len(names)-1])
	return nil
}
