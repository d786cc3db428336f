// Package web serves kinbridge over HTTP: server-rendered HTML pages for
// people, a JSON API under /api/v1 for programs, and /healthz and /metrics
// for operations. It decides nothing itself: every handler calls the
// kinbridge.Service, which authorises and audits, and turns its answer (or
// its *kinbridge.Error) into a page or a JSON document.
package web

import (
	"context"
	"database/sql"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/kinbridge/kinbridge"
	"github.com/prometheus/client_golang/prometheus"
)

// Options configures a Server.
type Options struct {
	// Logger receives one line per request and the details of internal
	// errors; nil discards them.
	Logger *slog.Logger
	// DBs are the database connection pools to export pool statistics of on
	// /metrics, by name (sqlstore.Store.DBs gives them).
	DBs map[string]*sql.DB
	// SecureCookies marks cookies Secure: set it whenever the site is served
	// over HTTPS, directly or behind a proxy.
	SecureCookies bool
	// Registry receives the metrics and is what /metrics exposes; nil makes a
	// new one, with the Go and process collectors.
	Registry *prometheus.Registry
	// TrustedOrigins are origins (e.g. "https://kinbridge.example.org") whose
	// cross-origin form posts are accepted anyway; normally none.
	TrustedOrigins []string
}

// Server is the HTTP face of a kinbridge.Service. It holds no state of its
// own beyond templates, catalogs and metrics; sessions live in the store.
type Server struct {
	svc        *kinbridge.Service
	opts       Options
	logger     *slog.Logger
	mux        *http.ServeMux
	handler    http.Handler
	routes     []route
	pages      map[string]*template.Template
	localizers map[string]*localizer
	metrics    *metrics
	csrf       *http.CrossOriginProtection
	imports    *importJobs
	feeds      *feedLimiter // wrong calendar feed tokens per address
	residents  *feedLimiter // resident code look-ups per address
}

// NewServer returns a server for svc. It panics only on a programming error
// (a broken embedded template or catalog, a duplicate route or metric),
// which every test run would show.
func NewServer(svc *kinbridge.Service, opts Options) *Server {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s := &Server{svc: svc, opts: opts, logger: opts.Logger, mux: http.NewServeMux(), imports: newImportJobs(), feeds: newFeedLimiter(),
		residents: newFeedLimiter()}
	cats, err := loadCatalogs()
	if err != nil {
		panic(err)
	}
	s.localizers = map[string]*localizer{}
	for _, lang := range kinbridge.Langs {
		s.localizers[lang] = newLocalizer(cats, lang)
	}
	if s.pages, err = parsePages(); err != nil {
		panic(err)
	}
	s.metrics = newMetrics(opts.Registry, opts.DBs)

	s.csrf = http.NewCrossOriginProtection()
	for _, o := range opts.TrustedOrigins {
		if err := s.csrf.AddTrustedOrigin(o); err != nil {
			panic(fmt.Sprintf("web: trusted origin %q: %v", o, err))
		}
	}
	s.csrf.SetDenyHandler(http.HandlerFunc(s.crossOriginDenied))

	s.routes = s.routeTable()
	for _, rt := range s.routes {
		s.mux.Handle(rt.method+" "+rt.pattern, s.routeHandler(rt))
	}
	s.mux.HandleFunc("/", s.notFound)
	s.handler = s.observe(s.csrf.Handler(s.mux))
	return s
}

// Handler returns the handler of the whole site: pages, API, health and
// metrics, with CSRF protection, metrics and request logs around them.
func (s *Server) Handler() http.Handler { return s.handler }

// Registry returns the registry /metrics exposes, so that the caller can add
// collectors of its own.
func (s *Server) Registry() *prometheus.Registry { return s.metrics.registry }

// requestInfo is filled in as a request goes down the handlers, for the
// request log and metrics written on its way back up.
type requestInfo struct {
	route  string
	userID int64
}

type requestInfoKey struct{}

func requestInfoFrom(ctx context.Context) *requestInfo {
	info, _ := ctx.Value(requestInfoKey{}).(*requestInfo)
	if info == nil {
		return &requestInfo{} // a throwaway, so callers need not check
	}
	return info
}

// observe logs and counts every request, labelled by route pattern rather
// than path, so that ids in paths do not make a metric series each.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		info := &requestInfo{}
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), requestInfoKey{}, info)))
		if info.route == "" {
			// Refused before routing (a cross-origin post) or unmatched.
			if _, pattern := s.mux.Handler(r); pattern != "" && pattern != "/" {
				info.route = routeOfPattern(pattern)
			} else {
				info.route = "unmatched"
			}
		}
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		d := time.Since(start)
		s.metrics.observe(info.route, r.Method, rec.status, d)
		// Probes and scrapes come every few seconds: logged only at debug
		// level, so that the log shows what people and programs did.
		level := slog.LevelInfo
		switch info.route {
		case "/healthz", "/metrics", "/static/":
			level = slog.LevelDebug
		}
		s.logger.LogAttrs(r.Context(), level, "request",
			slog.String("method", r.Method),
			slog.String("route", info.route),
			slog.String("path", r.URL.Path),
			slog.Int("status", rec.status),
			slog.Duration("duration", d),
			slog.Int64("user_id", info.userID),
			slog.String("addr", remoteAddr(r)),
		)
	})
}

// statusRecorder remembers the status a handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (w *statusRecorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusRecorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the real writer.
func (w *statusRecorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// remoteAddr is the address the audit log records: the host of the TCP peer.
// Behind a reverse proxy this is the proxy's address; see
// docs/AUTHORIZATION.md for why X-Forwarded-For is not trusted by default.
func remoteAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// crossOriginDenied answers a state-changing request that came from another
// site: the browser's Sec-Fetch-Site or Origin said so.
func (s *Server) crossOriginDenied(w http.ResponseWriter, r *http.Request) {
	err := &kinbridge.Error{Code: kinbridge.EFORBIDDEN, Message: "Cross-origin request refused.", Key: "error.cross_origin"}
	if isAPIPath(r.URL.Path) {
		s.apiError(w, r, err)
		return
	}
	s.htmlError(w, r, err)
}
