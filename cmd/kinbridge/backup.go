package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/kinbridge/kinbridge/postgres"
	"github.com/kinbridge/kinbridge/sqlite"
)

func runBackup(ctx context.Context, args []string, env *Env) error {
	fs := newFlagSet(env, "backup", "FILE", `
Write a consistent copy of the database to FILE while the server runs.
SQLite: VACUUM INTO, a complete database file. PostgreSQL: pg_dump in its
custom format (pg_dump must be installed). FILE must not exist yet.`)
	cfg, err := loadConfig(env, fs, args, func(c *Config, fs *flag.FlagSet) { c.addDBFlag(fs) })
	if err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("backup: give exactly one FILE")
	}
	store, err := cfg.openStore(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	if err := store.Backup(ctx, fs.Arg(0)); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "backup written to %s\n", fs.Arg(0))
	return nil
}

func runRestore(ctx context.Context, args []string, env *Env) error {
	fs := newFlagSet(env, "restore", "FILE", `
Replace the database of --db with the backup in FILE, made by 'kinbridge
backup'. Stop the server first. SQLite: the backup is checked, then copied in
place durably. PostgreSQL: pg_restore --clean into the database.`)
	cfg, err := loadConfig(env, fs, args, func(c *Config, fs *flag.FlagSet) { c.addDBFlag(fs) })
	if err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("restore: give exactly one FILE")
	}
	engine, _ := cfg.engine()
	if engine == "postgres" {
		err = postgres.Restore(ctx, fs.Arg(0), cfg.DB)
	} else {
		err = sqlite.Restore(ctx, fs.Arg(0), cfg.DB)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "database restored from %s\n", fs.Arg(0))
	return nil
}
