package kinbridge

import (
	"sync"
	"time"
)

// ServiceConfig holds the settings of the services.
type ServiceConfig struct {
	SessionIdle time.Duration // a session unused this long ends
	SessionMax  time.Duration // a session ends this long after sign-in, used or not
}

// DefaultServiceConfig returns the defaults: 30 minutes idle, 12 hours at most.
func DefaultServiceConfig() ServiceConfig {
	return ServiceConfig{SessionIdle: 30 * time.Minute, SessionMax: 12 * time.Hour}
}

// Service applies the rules of kinbridge — who may do what, what is valid,
// what is audited — on top of a Store. Web handlers and the command line call
// it; neither decides anything itself.
type Service struct {
	store   Store
	clock   Clock
	cfg     ServiceConfig
	limiter *loginLimiter
	files   AttachmentStore // nil: no attachments
	// weekly remembers, per supervisor, the last week this process gave
	// them a directive digest for (or found nothing to tell): a memo that
	// spares the job a count per supervisor every minute. The digest's key
	// in the database is what makes it once only.
	weekly sync.Map
	// setup keeps the call set-up read at its latest version (calls_setup.go).
	setup setupCache
}

// NewService returns a service over the store. clock may be nil for the
// system clock.
func NewService(store Store, clock Clock, cfg ServiceConfig) *Service {
	if clock == nil {
		clock = SystemClock{}
	}
	if cfg.SessionIdle == 0 {
		cfg.SessionIdle = DefaultServiceConfig().SessionIdle
	}
	if cfg.SessionMax == 0 {
		cfg.SessionMax = DefaultServiceConfig().SessionMax
	}
	return &Service{store: store, clock: clock, cfg: cfg, limiter: newLoginLimiter()}
}

// Store returns the service's store, for the command line's maintenance work
// (backups, demo data) that has no rule to apply.
func (s *Service) Store() Store { return s.store }

// Clock returns the service's clock.
func (s *Service) Clock() Clock { return s.clock }

// SetAttachmentStore sets where attachments are kept; without one, files
// attached to directives and reports are refused.
func (s *Service) SetAttachmentStore(fs AttachmentStore) { s.files = fs }
