package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/kinbridge/kinbridge"
	"github.com/kinbridge/kinbridge/sheet"
	"github.com/kinbridge/kinbridge/sqlstore"
)

// maxPrintedRejections is how many rejected rows import prints; a count
// stands for the rest.
const maxPrintedRejections = 100

func runImport(ctx context.Context, args []string, env *Env) error {
	fs := newFlagSet(env, "import", "FILE", `
Import households, residents and relatives abroad from FILE, a CSV (UTF-8)
or XLSX file in the format of docs/import-format.md, as the command line's
system actor. Every row is checked first. If any row is bad, each bad row
is listed ("line N, column C: reason") and nothing is imported, unless
--skip-invalid is given: then the valid rows are imported and the rejected
ones written, with their line and reason in front, to the --rejected file.
Progress is shown on standard error.`)
	var skipInvalid bool
	var rejectedPath, format string
	cfg, err := loadConfig(env, fs, args, func(c *Config, fs *flag.FlagSet) {
		c.addDBFlag(fs)
		fs.BoolVar(&skipInvalid, "skip-invalid", false, "import the valid rows and write the rejected ones to the --rejected file")
		fs.StringVar(&rejectedPath, "rejected", "", "where --skip-invalid writes the rejected rows, .csv or .xlsx (default: FILE's name with .rejected.csv, next to it)")
		fs.StringVar(&format, "format", "", "format of FILE, csv or xlsx (default: from its extension, else from its content)")
	})
	if err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("import: give exactly one FILE")
	}
	path := fs.Arg(0)
	var ff sheet.Format
	if format != "" {
		if ff, err = sheet.ParseFormat(format); err != nil {
			return fmt.Errorf("--format: %s", kinbridge.ErrorMessage(err))
		}
	} else {
		ff, _ = sheet.FormatFromName(path) // else sniffed from the content
	}
	if rejectedPath == "" {
		rejectedPath = strings.TrimSuffix(path, filepath.Ext(path)) + ".rejected.csv"
	}
	rejectedFormat, ok := sheet.FormatFromName(rejectedPath)
	if !ok {
		rejectedFormat = sheet.CSV
	}

	imp, err := readImportFile(path, ff, env.Stderr)
	if err != nil {
		return err
	}
	return withService(ctx, cfg, "import", func(ctx context.Context, svc *kinbridge.Service, _ *sqlstore.Store) error {
		res, err := svc.ImportRegistry(ctx, imp.Rows, kinbridge.ImportOptions{SkipInvalid: skipInvalid, Progress: progressPrinter(env.Stderr)})
		if res != nil && len(res.Rejected) > 0 {
			printRejected(env.Stderr, path, res.Rejected)
		}
		if err != nil {
			if kinbridge.ErrorCode(err) == kinbridge.EINVALID && res != nil && len(res.Rejected) > 0 {
				return fmt.Errorf("%s: %d of %d rows are not valid; nothing was imported. Correct them and import again, or give --skip-invalid to import the valid rows",
					path, len(res.Rejected), len(imp.Rows))
			}
			return fmt.Errorf("%s: %w", path, flagError(err, nil))
		}
		if len(res.Rejected) > 0 {
			err := writeFileAtomic(rejectedPath, func(w io.Writer) error {
				return sheet.WriteRejected(w, rejectedFormat, imp, res.Rejected)
			})
			if err != nil {
				return fmt.Errorf("%d rows were imported, but the %d rejected rows (listed above) could not be written to %s: %w",
					res.Rows-len(res.Rejected), len(res.Rejected), rejectedPath, err)
			}
		}
		fmt.Fprintf(env.Stdout, "imported %d households and %d persons from %d rows of %s", res.Households, res.Persons, res.Rows-len(res.Rejected), path)
		if res.DuplicateFlags > 0 {
			fmt.Fprintf(env.Stdout, "; %d possible duplicates flagged for review", res.DuplicateFlags)
		}
		fmt.Fprintln(env.Stdout)
		if len(res.Rejected) > 0 {
			fmt.Fprintf(env.Stdout, "rejected %d rows, written with their reasons to %s\n", len(res.Rejected), rejectedPath)
		}
		return nil
	})
}

// readImportFile reads a whole import file, showing progress on w.
func readImportFile(path string, format sheet.Format, w io.Writer) (*sheet.Import, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	imp, err := sheet.ReadImport(f, st.Size(), format, readProgress(w))
	if err != nil {
		if field := kinbridge.ErrorField(err); field != "" && field != "file" {
			return nil, fmt.Errorf("%s, header, column %s: %s", path, field, kinbridge.ErrorMessage(err))
		}
		return nil, fmt.Errorf("%s: %s", path, flagError(err, nil))
	}
	return imp, nil
}

// readProgress shows how far the reading of a file is, on one line; while
// the number of rows is not known it shows the rows read so far.
func readProgress(w io.Writer) sheet.Progress {
	return func(done, total int) {
		if total == 0 {
			fmt.Fprintf(w, "\r  %-8s %7d rows", "read", done)
			return
		}
		fmt.Fprintf(w, "\r  %-8s %7d / %-7d", "read", done, total)
		if done == total {
			fmt.Fprintln(w)
		}
	}
}

// printRejected lists rejected rows, the first maxPrintedRejections of them.
func printRejected(w io.Writer, path string, rejected []kinbridge.RowError) {
	for i, r := range rejected {
		if i == maxPrintedRejections {
			fmt.Fprintf(w, "%s: … and %d more rejected rows\n", path, len(rejected)-i)
			break
		}
		fmt.Fprintf(w, "%s: %s\n", path, r)
	}
}
