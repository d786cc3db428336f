package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	"github.com/kinbridge/kinbridge"
	"github.com/kinbridge/kinbridge/demo"
)

func runDemo(ctx context.Context, args []string, env *Env) error {
	fs := newFlagSet(env, "demo", "", `
Create the database of --db if it is missing, fill it with the deterministic
demo data set if it is empty (same --size and --seed, same data), print the
URL and one login per role, and serve. The data set holds units, users, the
registry, and eight weeks of welfare work up to today: visit plans, case
officers, visits, problems in every state with their history, referrals,
escalations and unread notifications; and headquarters' directive passed on
by every region to its offices, with acknowledgements, reports whose
evidence comes from those records, returns, acceptances, an amendment and
overdue offices; the family calls — offices' rooms and rosters, households'
windows, last week's and this week's calls in every state and a draft plan
of next week; and the departure list's requests. Attachments of the demo
reports go to --files. A database that already holds data is served as it
is.`)
	var size string
	var seed uint64
	cfg, err := loadConfig(env, fs, args, func(c *Config, fs *flag.FlagSet) {
		c.addServeFlags(fs)
		fs.StringVar(&size, "size", "town", "data-set size: "+strings.Join(demo.SizeNames, ", "))
		fs.Uint64Var(&seed, "seed", 1, "seed of the generator")
	})
	if err != nil {
		return err
	}
	sz, ok := demo.Sizes[size]
	if !ok {
		return fmt.Errorf("setting --size: %q is not one of %s", size, strings.Join(demo.SizeNames, ", "))
	}
	store, err := cfg.openStore(ctx)
	if err != nil {
		return err
	}
	defer store.Close()

	svc := kinbridge.NewService(store, nil, cfg.serviceConfig())
	attachments, err := cfg.openFiles()
	if err != nil {
		return err
	}
	svc.SetAttachmentStore(attachments)
	sysCtx := kinbridge.NewContextWithActor(ctx, kinbridge.SystemActor("demo"))
	units, err := svc.FindUnits(sysCtx)
	if err != nil {
		return err
	}
	if len(units) == 0 {
		fmt.Fprintf(env.Stderr, "generating the %s demo data set (seed %d) in %s\n", sz.Name, seed, cfg.DB)
		start := time.Now()
		err := demo.Generate(sysCtx, svc, demo.Options{Size: sz, Seed: seed, Files: attachments, Progress: progressPrinter(env.Stderr)})
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stderr, "generated in %s\n", time.Since(start).Round(time.Second))
	} else {
		fmt.Fprintf(env.Stderr, "%s already holds data (%d units): serving it as it is\n", cfg.DB, len(units))
	}

	onListen := env.OnListen
	denv := *env
	denv.OnListen = func(addr string) {
		printLogins(env.Stdout, addr)
		if onListen != nil {
			onListen(addr)
		}
	}
	return serve(ctx, cfg, store, &denv)
}

// progressPrinter shows progress on one terminal line per stage, and how
// long the stage took when it is done.
func progressPrinter(w io.Writer) func(stage string, done, total int) {
	current, start := "", time.Now()
	return func(stage string, done, total int) {
		if stage != current {
			current, start = stage, time.Now()
		}
		fmt.Fprintf(w, "\r  %-8s %7d / %-7d", stage, done, total)
		if done == total {
			fmt.Fprintf(w, " %s\n", time.Since(start).Round(100*time.Millisecond))
		}
	}
}

func printLogins(w io.Writer, addr string) {
	host, port, _ := net.SplitHostPort(addr)
	if host == "127.0.0.1" || host == "::1" || host == "" {
		host = "localhost"
	}
	fmt.Fprintf(w, "\nkinbridge demo is serving at http://%s\n\nSign in as (password %q for every user):\n", net.JoinHostPort(host, port), demo.Password)
	for _, l := range demo.Logins {
		fmt.Fprintf(w, "  %-12s %-17s %s\n", l.Username, l.Role, l.Unit)
	}
	fmt.Fprintln(w)
}
