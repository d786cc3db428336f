package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"time"

	"github.com/kinbridge/kinbridge"
	"github.com/kinbridge/kinbridge/sqlstore"
)

// jobsEvery is how often the server runs the background jobs.
const jobsEvery = time.Minute

// jobsGrace is how long a run of the jobs in flight when the server stops
// may go on: an interrupted run loses nothing (each step is keyed in the
// database), but a mail claimed and not yet marked sent would stay so.
const jobsGrace = 20 * time.Second

func runJobs(ctx context.Context, args []string, env *Env) error {
	return subcommand(ctx, "jobs", args, env, map[string]func(context.Context, []string, *Env) error{
		"run": runJobsRun,
	}, []string{"run"})
}

func runJobsRun(ctx context.Context, args []string, env *Env) error {
	fs := newFlagSet(env, "jobs run", "", `
Run the background jobs once, as the server does every minute: escalate the
problems past their next escalation (a level at a time, catching up on every
period missed), put the day's digest in the inbox of each user with work
overdue or due within two days, and, with an SMTP server set, mail the
digests to the users who gave an address. Safe to run at any time and from
several processes at once: nothing is done twice. Prints what was done.`)
	cfg, err := loadConfig(env, fs, args, func(c *Config, fs *flag.FlagSet) {
		c.addDBFlag(fs)
		c.addSMTPFlags(fs)
	})
	if err != nil {
		return err
	}
	mailer, err := cfg.mailer()
	if err != nil {
		return err
	}
	return withService(ctx, cfg, "jobs", func(ctx context.Context, svc *kinbridge.Service, _ *sqlstore.Store) error {
		start := time.Now()
		r, err := svc.RunJobs(ctx, mailer)
		fmt.Fprintf(env.Stdout, "escalated %d, digests %d, mails sent %d, mails failed %d (%s)\n",
			r.Escalated, r.Digests, r.MailsSent, r.MailsFailed, time.Since(start).Round(time.Millisecond))
		if err != nil {
			return fmt.Errorf("jobs run: %w", err)
		}
		if mailer == nil {
			fmt.Fprintln(env.Stdout, "no SMTP server set (KINBRIDGE_SMTP_ADDR): the digests are in the inboxes only")
		}
		return nil
	})
}

// runJobsEvery runs the jobs at once and then every period until ctx ends.
// A run in flight then gets jobsGrace to finish; runJobsEvery returns when
// it has.
func runJobsEvery(ctx context.Context, svc *kinbridge.Service, mailer kinbridge.Mailer, logger *slog.Logger, every time.Duration) {
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	stop := context.AfterFunc(ctx, func() { time.AfterFunc(jobsGrace, cancel) })
	defer stop()
	runCtx = kinbridge.NewContextWithActor(runCtx, kinbridge.SystemActor("jobs"))
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		runJobsOnce(runCtx, svc, mailer, logger)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// runJobsOnce runs the jobs and logs what they did, if anything.
func runJobsOnce(ctx context.Context, svc *kinbridge.Service, mailer kinbridge.Mailer, logger *slog.Logger) {
	start := time.Now()
	r, err := svc.RunJobs(ctx, mailer)
	attrs := []any{"escalated", r.Escalated, "digests", r.Digests, "mails_sent", r.MailsSent, "mails_failed", r.MailsFailed,
		"took", time.Since(start).Round(time.Millisecond)}
	switch {
	case err != nil:
		logger.Error("background jobs failed", append(attrs, "err", err)...)
	case r.MailsFailed > 0:
		logger.Warn("background jobs: some mail was not sent", attrs...)
	case r != kinbridge.JobReport{}:
		logger.Info("background jobs", attrs...)
	}
}
