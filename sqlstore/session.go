package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/kinbridge/kinbridge"
)

// CreateSession stores a new session.
func (tx *Tx) CreateSession(ctx context.Context, s *kinbridge.Session) error {
	_, err := tx.exec(ctx, `
		INSERT INTO sessions (token_hash, user_id, created, last_seen, addr, user_agent)
		VALUES (?, ?, ?, ?, ?, ?)`,
		s.TokenHash, s.UserID, s.Created, s.LastSeen, s.Addr, s.UserAgent)
	return tx.store.mapError(err, "create session", "session")
}

// sessionColumns are a session's columns (sessions s); sessionDest scans
// them.
const sessionColumns = "s.token_hash, s.user_id, s.created, s.last_seen, s.addr, s.user_agent"

func sessionDest(s *kinbridge.Session) []any {
	return []any{&s.TokenHash, &s.UserID, scanTime{&s.Created}, scanTime{&s.LastSeen}, &s.Addr, &s.UserAgent}
}

// FindSession returns the session with the given token hash.
func (tx *Tx) FindSession(ctx context.Context, tokenHash string) (*kinbridge.Session, error) {
	var s kinbridge.Session
	err := tx.queryRow(ctx, "SELECT "+sessionColumns+" FROM sessions s WHERE s.token_hash = ?", tokenHash).Scan(sessionDest(&s)...)
	if err != nil {
		return nil, tx.store.mapError(err, "find session", "session")
	}
	return &s, nil
}

// FindSessionUser returns the session with the given token hash and its
// user, in one query.
func (tx *Tx) FindSessionUser(ctx context.Context, tokenHash string) (*kinbridge.Session, *kinbridge.User, error) {
	var s kinbridge.Session
	u, err := tx.findWithUser(ctx, sessionColumns, "sessions s", "s", sessionDest(&s), "s.token_hash = ?", tokenHash)
	if err != nil {
		return nil, nil, tx.store.mapError(err, "find session", "session")
	}
	return &s, u, nil
}

// findWithUser reads the one row of from (aliased alias) that where
// selects, its columns cols into dest, with the user its user_id names.
func (tx *Tx) findWithUser(ctx context.Context, cols, from, alias string, dest []any, where string, args ...any) (*kinbridge.User, error) {
	var u kinbridge.User
	err := tx.queryRow(ctx, "SELECT "+cols+", "+userColumns+" FROM "+from+
		" JOIN users u ON u.id = "+alias+".user_id JOIN units n ON n.id = u.unit_id WHERE "+where, args...).
		Scan(append(dest, userDest(&u)...)...)
	if err != nil {
		return nil, err
	}
	return &u, nil
}

// TouchSession records that the session was used at the given time.
func (tx *Tx) TouchSession(ctx context.Context, tokenHash string, at time.Time) error {
	return tx.execOne(ctx, "session", "touch session",
		"UPDATE sessions SET last_seen = ? WHERE token_hash = ?", at, tokenHash)
}

// DeleteSession ends the session; ending one that does not exist is not an
// error, so that signing out twice is harmless.
func (tx *Tx) DeleteSession(ctx context.Context, tokenHash string) error {
	_, err := tx.exec(ctx, "DELETE FROM sessions WHERE token_hash = ?", tokenHash)
	return tx.store.mapError(err, "delete session", "session")
}

// DeleteUserSessions ends every session of the user.
func (tx *Tx) DeleteUserSessions(ctx context.Context, userID int64) error {
	_, err := tx.exec(ctx, "DELETE FROM sessions WHERE user_id = ?", userID)
	return tx.store.mapError(err, "delete user sessions", "session")
}

// DeleteExpiredSessions deletes the sessions last seen before idleBefore or
// created before createdBefore, and returns how many.
func (tx *Tx) DeleteExpiredSessions(ctx context.Context, idleBefore, createdBefore time.Time) (int64, error) {
	res, err := tx.exec(ctx, "DELETE FROM sessions WHERE last_seen < ? OR created < ?", idleBefore, createdBefore)
	if err != nil {
		return 0, tx.store.mapError(err, "delete expired sessions", "session")
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("delete expired sessions: %w", err)
	}
	return n, nil
}
