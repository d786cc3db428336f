package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/kinbridge/kinbridge"
	"github.com/kinbridge/kinbridge/sheet"
	"github.com/kinbridge/kinbridge/sqlstore"
)

func runExport(ctx context.Context, args []string, env *Env) error {
	fs := newFlagSet(env, "export", "FILE", `
Export the registry to FILE (CSV or XLSX; "-" for standard output, CSV
unless --format says otherwise): one row per resident or relative abroad,
with their household's columns, in the format that 'kinbridge import' reads
(docs/import-format.md). Cells that a spreadsheet would run as a formula are
prefixed with an apostrophe; import removes it again. The export is audited.
FILE is replaced only once the export is complete.`)
	var format string
	var unit int64
	cfg, err := loadConfig(env, fs, args, func(c *Config, fs *flag.FlagSet) {
		c.addDBFlag(fs)
		fs.StringVar(&format, "format", "", "csv or xlsx (default: from FILE's extension)")
		fs.Int64Var(&unit, "unit", 0, "export only the households of this unit and the units below it")
	})
	if err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("export: give exactly one FILE")
	}
	path := fs.Arg(0)
	var ff sheet.Format
	switch {
	case format != "":
		if ff, err = sheet.ParseFormat(format); err != nil {
			return fmt.Errorf("--format: %s", kinbridge.ErrorMessage(err))
		}
	case path == "-":
		ff = sheet.CSV
	default:
		var ok bool
		if ff, ok = sheet.FormatFromName(path); !ok {
			return fmt.Errorf("--format: FILE %s ends neither in .csv nor in .xlsx; name the format with --format csv or --format xlsx", path)
		}
	}
	return withService(ctx, cfg, "export", func(ctx context.Context, svc *kinbridge.Service, _ *sqlstore.Store) error {
		var n int
		write := func(w io.Writer) error {
			sw, err := sheet.NewWriter(w, ff)
			if err != nil {
				return err
			}
			rows := -1 // the header is not a row
			n, err = svc.ExportRegistry(ctx, kinbridge.HouseholdFilter{UnitID: unit}, func(row []string) error {
				if rows++; rows > 0 && rows%10000 == 0 {
					fmt.Fprintf(env.Stderr, "\r  %-8s %7d rows", "export", rows)
				}
				return sw.Write(row)
			})
			if err != nil {
				return flagError(err, map[string]string{"unit_id": "unit"})
			}
			fmt.Fprintf(env.Stderr, "\r  %-8s %7d rows\n", "export", n)
			return sw.Close()
		}
		if path == "-" {
			return write(env.Stdout)
		}
		if err := writeFileAtomic(path, write); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "exported %d rows to %s\n", n, path)
		return nil
	})
}

// writeFileAtomic writes a file through fn so that it appears complete or
// not at all: into a temporary file next to it, synced, then renamed over
// path, and the directory synced. The file is readable by its owner only
// (os.CreateTemp's 0600): it holds personal records.
func writeFileAtomic(path string, fn func(io.Writer) error) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err := fn(f); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	return errors.Join(d.Sync(), d.Close())
}
