package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/kinbridge/kinbridge/files"
	"github.com/kinbridge/kinbridge/postgres"
	"github.com/kinbridge/kinbridge/sqlite"
)

func runBackup(ctx context.Context, args []string, env *Env) error {
	fs := newFlagSet(env, "backup", "FILE", `
Write a consistent copy of the database to FILE while the server runs.
SQLite: VACUUM INTO, a complete database file. PostgreSQL: pg_dump in its
custom format (pg_dump must be installed). FILE must not exist yet.
The attachments (--files) are copied after the database into FILE.files,
a directory: files are never rewritten, so it holds every file the
database copy names.`)
	cfg, err := loadConfig(env, fs, args, func(c *Config, fs *flag.FlagSet) {
		c.addDBFlag(fs)
		c.addFilesFlag(fs)
	})
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
	if dir := cfg.filesDir(); dir != "" {
		if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
			fmt.Fprintf(env.Stdout, "no attachments directory %s: no files to copy\n", dir)
			return nil
		}
		n, err := files.Copy(ctx, dir, fs.Arg(0)+".files")
		if err != nil {
			return fmt.Errorf("backup: the database is written, but copying the attachments failed: %w", err)
		}
		fmt.Fprintf(env.Stdout, "%d attachments copied to %s.files\n", n, fs.Arg(0))
	}
	return nil
}

func runRestore(ctx context.Context, args []string, env *Env) error {
	fs := newFlagSet(env, "restore", "FILE", `
Replace the database of --db with the backup in FILE, made by 'kinbridge
backup'. Stop the server first. SQLite: the backup is checked, then copied in
place durably. PostgreSQL: pg_restore --clean into the database. The
attachments of FILE.files, if there, are copied into --files (those
already there are kept).`)
	cfg, err := loadConfig(env, fs, args, func(c *Config, fs *flag.FlagSet) {
		c.addDBFlag(fs)
		c.addFilesFlag(fs)
	})
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
	if src, dir := fs.Arg(0)+".files", cfg.filesDir(); dir != "" {
		if _, err := os.Stat(src); err == nil {
			n, err := files.Copy(ctx, src, dir)
			if err != nil {
				return fmt.Errorf("restore: the database is restored, but copying the attachments failed: %w", err)
			}
			fmt.Fprintf(env.Stdout, "%d attachments restored into %s\n", n, dir)
		}
	}
	return nil
}
