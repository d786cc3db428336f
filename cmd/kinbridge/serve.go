package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/kinbridge/kinbridge"
	"github.com/kinbridge/kinbridge/sqlstore"
	"github.com/kinbridge/kinbridge/web"
)

func runServe(ctx context.Context, args []string, env *Env) error {
	fs := newFlagSet(env, "serve", "", `
Serve the web UI, the JSON API (/api/v1), /healthz and /metrics on --addr,
with the database of --db. Migrations are applied at start. Attachments
are kept in --files (default: next to a SQLite file, as <db>.files; with
PostgreSQL none unless set, and attachments are then refused). The background
jobs (escalations, daily digests, their mail through --smtp-addr) run at
start and every minute. SIGTERM or Ctrl-C stops the server gracefully:
requests and the jobs in flight are finished first.`)
	cfg, err := loadConfig(env, fs, args, func(c *Config, fs *flag.FlagSet) { c.addServeFlags(fs) })
	if err != nil {
		return err
	}
	store, err := cfg.openStore(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	return serve(ctx, cfg, store, env)
}

// serve runs the HTTP server and the background jobs until ctx is
// cancelled, then shuts them down gracefully.
func serve(ctx context.Context, cfg *Config, store *sqlstore.Store, env *Env) error {
	logger := newLogger(cfg, env.Stderr)
	svc := kinbridge.NewService(store, nil, cfg.serviceConfig())
	mailer, err := cfg.mailer()
	if err != nil {
		return err
	}
	attachments, err := cfg.openFiles()
	if err != nil {
		return err
	}
	if attachments != nil {
		svc.SetAttachmentStore(attachments)
		logger.Info("attachments", "dir", cfg.filesDir())
	} else {
		logger.Warn("attachments are off: files attached to directives and reports are refused; set KINBRIDGE_FILES (--files) to a directory to keep them")
	}
	srv := web.NewServer(svc, web.Options{Logger: logger, DBs: store.DBs(), SecureCookies: cfg.SecureCookies})

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return settingError("addr", "KINBRIDGE_ADDR", "cannot listen on %s: %v", cfg.Addr, err)
	}
	addr := ln.Addr().String()
	logger.Info("serving", "url", "http://"+addr, "engine", store.Engine())
	if env.OnListen != nil {
		env.OnListen(addr)
	}
	hs := &http.Server{
		Handler:           srv.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	go expireSessions(ctx, svc, logger)
	jobsCtx, stopJobs := context.WithCancel(ctx)
	jobsDone := make(chan struct{})
	go func() {
		defer close(jobsDone)
		runJobsEvery(jobsCtx, svc, mailer, logger, jobsEvery)
	}()
	// The jobs stop before the store closes, whichever way serve returns.
	defer func() { stopJobs(); <-jobsDone }()
	if mailer != nil {
		logger.Info("mail", "smtp", cfg.SMTPAddr, "from", cfg.SMTPFrom)
	}

	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	logger.Info("shutting down: finishing requests in flight")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := hs.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	stopJobs()
	<-jobsDone
	logger.Info("stopped")
	return nil
}

// expireSessions deletes expired sessions every few minutes; expiry is also
// checked on every request, so this only keeps the table small.
func expireSessions(ctx context.Context, svc *kinbridge.Service, logger *slog.Logger) {
	t := time.NewTicker(5 * time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if n, err := svc.ExpireSessions(ctx); err != nil && ctx.Err() == nil {
				logger.Error("expire sessions", "err", err)
			} else if n > 0 {
				logger.Info("expired sessions", "count", n)
			}
		}
	}
}

func newLogger(cfg *Config, w io.Writer) *slog.Logger {
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return slog.New(slog.NewTextHandler(w, nil))
}
