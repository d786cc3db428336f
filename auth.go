package kinbridge

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/argon2"
	"golang.org/x/time/rate"
)

// Session is a signed-in browser. The cookie holds a random token; the store
// keeps only its SHA-256, so a copy of the database opens no session.
type Session struct {
	TokenHash string
	UserID    int64
	Created   time.Time
	LastSeen  time.Time
	Addr      string
	UserAgent string
}

// APIToken lets a program call the JSON API as its owner. Only the SHA-256 of
// the secret is stored; the secret is shown once, when created.
type APIToken struct {
	ID       int64
	UserID   int64
	Name     string
	Hash     string
	Created  time.Time
	LastUsed time.Time
	Revoked  time.Time // zero while valid
}

// argon2id parameters: the OWASP recommendation of 2024 (19 MiB, 2 passes).
const (
	argonMemory  = 19 * 1024
	argonTime    = 2
	argonThreads = 1
	argonKeyLen  = 32
)

// HashPassword hashes a password with argon2id into a PHC string.
func HashPassword(password string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

func (s *Service) hashPassword(password string) (string, error) { return HashPassword(password) }

// checkPassword compares a password with a PHC argon2id hash in constant time.
func checkPassword(encoded, password string) (bool, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, fmt.Errorf("check password: unknown hash format")
	}
	var version int
	var memory, passes uint32
	var threads uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil {
		return false, fmt.Errorf("check password: %w", err)
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &memory, &passes, &threads); err != nil {
		return false, fmt.Errorf("check password: %w", err)
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return false, fmt.Errorf("check password: %w", err)
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil {
		return false, fmt.Errorf("check password: %w", err)
	}
	got := argon2.IDKey([]byte(password), salt, passes, memory, threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// dummyHash is checked against when the username is unknown, so that the
// answer takes as long as for a known one.
var dummyHash, _ = HashPassword("kinbridge-dummy-password")

func randomToken(prefix string) string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return prefix + base64.RawURLEncoding.EncodeToString(b)
}

// HashToken returns the stored form of a session or API token.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// loginLimiter limits failed sign-ins per account and per address: each key
// may fail a burst of times, then once per interval.
type loginLimiter struct {
	mu       sync.Mutex
	accounts map[string]*rate.Limiter
	addrs    map[string]*rate.Limiter
	account  rate.Limit
	addr     rate.Limit
	burstAcc int
	burstAd  int
}

func newLoginLimiter() *loginLimiter {
	return &loginLimiter{
		accounts: map[string]*rate.Limiter{}, addrs: map[string]*rate.Limiter{},
		account: rate.Every(time.Minute), burstAcc: 5,
		addr: rate.Every(10 * time.Second), burstAd: 20,
	}
}

// blocked reports whether either key has used up its failures.
func (l *loginLimiter) blocked(account, addr string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.get(l.accounts, account, l.account, l.burstAcc).TokensAt(now) < 1 ||
		l.get(l.addrs, addr, l.addr, l.burstAd).TokensAt(now) < 1
}

// fail records a failed attempt against both keys.
func (l *loginLimiter) fail(account, addr string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.get(l.accounts, account, l.account, l.burstAcc).AllowN(now, 1)
	l.get(l.addrs, addr, l.addr, l.burstAd).AllowN(now, 1)
	if len(l.accounts) > 100000 || len(l.addrs) > 100000 {
		// Bound the memory an attacker can make us spend; full limiters are
		// the ones worth keeping, but a reset is the simple safe choice.
		l.accounts, l.addrs = map[string]*rate.Limiter{}, map[string]*rate.Limiter{}
	}
}

func (l *loginLimiter) get(m map[string]*rate.Limiter, key string, r rate.Limit, burst int) *rate.Limiter {
	lim, ok := m[key]
	if !ok {
		lim = rate.NewLimiter(r, burst)
		m[key] = lim
	}
	return lim
}

var errBadLogin = &Error{Code: EUNAUTHORIZED, Message: "Wrong username or password.", Key: "error.login"}

// Login checks a username and password and opens a new session, whose token
// is returned once, for the cookie. Failures are rate limited per account and
// per address, and audited.
func (s *Service) Login(ctx context.Context, username, password, addr, userAgent string) (token string, a *Actor, err error) {
	username = strings.ToLower(strings.TrimSpace(username))
	now := s.clock.Now()
	if s.limiter.blocked(username, addr, now) {
		return "", nil, &Error{Code: ETOOMANY, Message: "Too many failed sign-ins. Wait a few minutes and try again.", Key: "error.login_rate"}
	}
	var u *User
	err = s.store.View(ctx, func(tx Tx) error {
		u, err = tx.FindUserByUsername(ctx, username)
		return err
	})
	if err != nil && ErrorCode(err) != ENOTFOUND {
		return "", nil, err
	}
	hash := dummyHash
	if u != nil {
		hash = u.PasswordHash
	}
	ok, err := checkPassword(hash, password)
	if err != nil {
		return "", nil, err
	}
	if u == nil || !ok || u.Disabled {
		s.limiter.fail(username, addr, now)
		ev := AuditEvent{Action: "login.failed", RecordType: "user", Detail: map[string]any{"username": username}}
		if u != nil {
			ev.RecordID, ev.UnitID = u.ID, u.UnitID
		}
		anon := &Actor{Username: username, Addr: addr}
		if err := s.store.Update(ctx, func(tx Tx) error { return s.audit(ctx, tx, anon, ev) }); err != nil {
			return "", nil, err
		}
		return "", nil, errBadLogin
	}
	token = randomToken("")
	a = &Actor{UserID: u.ID, Username: u.Username, Role: u.Role, UnitID: u.UnitID, UnitPath: u.UnitPath, Lang: u.Lang, Addr: addr}
	err = s.store.Update(ctx, func(tx Tx) error {
		sess := &Session{TokenHash: HashToken(token), UserID: u.ID, Created: tx.Now(), LastSeen: tx.Now(), Addr: addr, UserAgent: truncate(userAgent, 300)}
		if err := tx.CreateSession(ctx, sess); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, AuditEvent{Action: "login", RecordType: "user", RecordID: u.ID, UnitID: u.UnitID})
	})
	if err != nil {
		return "", nil, err
	}
	return token, a, nil
}

// Logout ends the session of the token.
func (s *Service) Logout(ctx context.Context, token string) error {
	a := ActorFromContext(ctx)
	return s.store.Update(ctx, func(tx Tx) error {
		if err := tx.DeleteSession(ctx, HashToken(token)); err != nil {
			return err
		}
		if a == nil {
			return nil
		}
		return s.audit(ctx, tx, a, AuditEvent{Action: "logout", RecordType: "user", RecordID: a.UserID, UnitID: a.UnitID})
	})
}

// touchInterval bounds how often a session's last-seen time is written: the
// idle timeout needs minutes, not every request.
const touchInterval = time.Minute

// AuthenticateSession returns the actor of a session token, or EUNAUTHORIZED
// when the session does not exist, has been idle too long, has reached its
// absolute lifetime, or its user is disabled.
func (s *Service) AuthenticateSession(ctx context.Context, token, addr string) (*Actor, error) {
	if token == "" {
		return nil, errUnauthorized
	}
	hash := HashToken(token)
	now := s.clock.Now()
	var sess *Session
	var u *User
	err := s.store.Read(ctx, func(tx Tx) error {
		var err error
		sess, u, err = tx.FindSessionUser(ctx, hash)
		return err
	})
	if ErrorCode(err) == ENOTFOUND {
		return nil, errUnauthorized
	} else if err != nil {
		return nil, err
	}
	if u.Disabled || now.Sub(sess.LastSeen) > s.cfg.SessionIdle || now.Sub(sess.Created) > s.cfg.SessionMax {
		if err := s.store.Update(ctx, func(tx Tx) error { return tx.DeleteSession(ctx, hash) }); err != nil {
			return nil, err
		}
		return nil, errUnauthorized
	}
	if now.Sub(sess.LastSeen) > touchInterval {
		if err := s.store.Update(ctx, func(tx Tx) error { return tx.TouchSession(ctx, hash, now) }); err != nil {
			return nil, err
		}
	}
	return &Actor{UserID: u.ID, Username: u.Username, Role: u.Role, UnitID: u.UnitID, UnitPath: u.UnitPath, Lang: u.Lang, Addr: addr}, nil
}

var errUnauthorized = &Error{Code: EUNAUTHORIZED, Message: "Sign in first.", Key: "error.unauthorized"}

// AuthenticateToken returns the actor of an API token.
func (s *Service) AuthenticateToken(ctx context.Context, token, addr string) (*Actor, error) {
	if !strings.HasPrefix(token, apiTokenPrefix) {
		return nil, errUnauthorized
	}
	var t *APIToken
	var u *User
	err := s.store.Read(ctx, func(tx Tx) error {
		var err error
		t, u, err = tx.FindAPITokenUser(ctx, HashToken(token))
		return err
	})
	if ErrorCode(err) == ENOTFOUND {
		return nil, errUnauthorized
	} else if err != nil {
		return nil, err
	}
	if !t.Revoked.IsZero() || u.Disabled {
		return nil, errUnauthorized
	}
	return &Actor{UserID: u.ID, Username: u.Username, Role: u.Role, UnitID: u.UnitID, UnitPath: u.UnitPath, Lang: u.Lang, Addr: addr}, nil
}

const apiTokenPrefix = "kb_"

// CreateAPIToken creates an API token for the caller and returns its secret,
// which is shown this once and never stored.
func (s *Service) CreateAPIToken(ctx context.Context, name string) (*APIToken, string, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, "", err
	}
	name = strings.TrimSpace(name)
	if name == "" {
		return nil, "", FieldError("name", "error.token.name", "Name the token after the program that will use it.")
	} else if len([]rune(name)) > 100 {
		return nil, "", FieldError("name", "error.too_long", "At most %d characters.", 100)
	}
	secret := randomToken(apiTokenPrefix)
	t := &APIToken{UserID: a.UserID, Name: name, Hash: HashToken(secret)}
	err = s.store.Update(ctx, func(tx Tx) error {
		t.Created = tx.Now()
		if err := tx.CreateAPIToken(ctx, t); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, AuditEvent{Action: "token.create", RecordType: "api_token", RecordID: t.ID, UnitID: a.UnitID,
			Detail: map[string]any{"name": name}})
	})
	if err != nil {
		return nil, "", err
	}
	return t, secret, nil
}

// FindOwnAPITokens lists the caller's API tokens.
func (s *Service) FindOwnAPITokens(ctx context.Context) ([]*APIToken, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	var tokens []*APIToken
	err = s.store.View(ctx, func(tx Tx) error {
		tokens, err = tx.FindAPITokens(ctx, a.UserID)
		return err
	})
	return tokens, err
}

// RevokeAPIToken revokes one of the caller's API tokens.
func (s *Service) RevokeAPIToken(ctx context.Context, id int64) error {
	a, err := actor(ctx)
	if err != nil {
		return err
	}
	return s.store.Update(ctx, func(tx Tx) error {
		t, err := tx.FindAPITokenByID(ctx, id)
		if ErrorCode(err) == ENOTFOUND || (err == nil && t.UserID != a.UserID) {
			return notFound("API token")
		} else if err != nil {
			return err
		}
		if !t.Revoked.IsZero() {
			return nil
		}
		if err := tx.RevokeAPIToken(ctx, id, tx.Now()); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, AuditEvent{Action: "token.revoke", RecordType: "api_token", RecordID: id, UnitID: a.UnitID})
	})
}

// ExpireSessions deletes sessions past their idle or absolute timeout.
func (s *Service) ExpireSessions(ctx context.Context) (int64, error) {
	now := s.clock.Now()
	var n int64
	err := s.store.Update(ctx, func(tx Tx) error {
		var err error
		n, err = tx.DeleteExpiredSessions(ctx, now.Add(-s.cfg.SessionIdle), now.Add(-s.cfg.SessionMax))
		return err
	})
	return n, err
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
