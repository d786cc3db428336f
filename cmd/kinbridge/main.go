// Command kinbridge is the kinbridge case-management system: the web server,
// and the command-line tools that administer its database. It is the only
// place where the packages are wired together.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	env := &Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}
	if err := Run(ctx, os.Args[1:], env); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "kinbridge:", err)
		}
		os.Exit(2)
	}
}

// Env is what a command may touch of the outside world; tests give their own.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
	// OnListen, if set, is told the address the server listens on (tests
	// serve on port 0).
	OnListen func(addr string)
}

// command is one sub-command.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, env *Env) error
}

func commands() []command {
	return []command{
		{"serve", "serve the web UI and the JSON API", runServe},
		{"demo", "create and fill a demo database, print logins, and serve", runDemo},
		{"migrate", "apply the database migrations and list them", runMigrate},
		{"import", "import households and persons from a CSV or XLSX file", runImport},
		{"export", "export the registry to a CSV or XLSX file", runExport},
		{"user", "manage users: add, list, passwd, disable, enable", runUser},
		{"unit", "manage units: add, list, rename, move", runUnit},
		{"audit", "check the audit log: verify", runAudit},
		{"jobs", "run the background jobs (escalations, digests, mail) once: run", runJobs},
		{"backup", "write a consistent copy of the database to a file", runBackup},
		{"restore", "replace the database with a backup", runRestore},
		{"plan", "plan a week of family calls from an instance file (plan-format.md)", runPlan},
	}
}

// Run runs the command line args (without the program name).
func Run(ctx context.Context, args []string, env *Env) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		if len(args) > 1 {
			return Run(ctx, []string{args[1], "-h"}, env)
		}
		usage(env.Stdout)
		return nil
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, args[1:], env)
		}
	}
	usage(env.Stderr)
	return fmt.Errorf("unknown command %q; run 'kinbridge help'", args[0])
}

func usage(w io.Writer) {
	fmt.Fprint(w, `kinbridge — case management for residents cut off by a closed border, and their families.

Usage:
  kinbridge <command> [flags] [arguments]

Commands:
`)
	cmds := commands()
	for _, c := range cmds {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, `
Run 'kinbridge <command> -h' for a command's flags.

Settings also come from the environment: KINBRIDGE_DB (a SQLite file path,
default kinbridge.db, or a postgres:// URL), KINBRIDGE_FILES (the
attachments directory; default <db>.files beside a SQLite file, none with
PostgreSQL unless set), KINBRIDGE_ADDR (default
localhost:8080), KINBRIDGE_SESSION_IDLE, KINBRIDGE_SESSION_MAX,
KINBRIDGE_SECURE_COOKIES, KINBRIDGE_LOG_FORMAT, and for the digest mail
KINBRIDGE_SMTP_ADDR (host:port; unset: no mail), KINBRIDGE_SMTP_FROM,
KINBRIDGE_SMTP_USER, KINBRIDGE_SMTP_PASSWORD. Flags win over the environment.
`)
}

// newFlagSet returns a flag set for a command, with usage text that explains
// it, writing to the command's standard error.
func newFlagSet(env *Env, name, argsUsage, explain string) *flag.FlagSet {
	fs := flag.NewFlagSet("kinbridge "+name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() {
		fmt.Fprintf(env.Stderr, "Usage: kinbridge %s [flags] %s\n\n%s\n", name, argsUsage, strings.TrimSpace(explain))
		var any bool
		fs.VisitAll(func(*flag.Flag) { any = true })
		if any {
			fmt.Fprintln(env.Stderr, "\nFlags:")
			fs.PrintDefaults()
		}
	}
	return fs
}

// loadConfig builds the configuration of a command: defaults, then the
// environment, then the flags registered by addFlags.
func loadConfig(env *Env, fs *flag.FlagSet, args []string, addFlags func(*Config, *flag.FlagSet)) (*Config, error) {
	cfg := DefaultConfig()
	if err := cfg.loadEnv(env.Getenv); err != nil {
		return nil, err
	}
	addFlags(&cfg, fs)
	if err := parseInterspersed(fs, args); err != nil {
		return nil, err
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &cfg, nil
}

// parseInterspersed parses flags that come before or after the positional
// arguments ("unit move 3 --parent 4"); fs.Args() then holds the positional
// ones.
func parseInterspersed(fs *flag.FlagSet, args []string) error {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return err
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		if args[0] == "--" { // everything after -- is positional
			positional = append(positional, args[1:]...)
			break
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
	return fs.Parse(append([]string{"--"}, positional...))
}
