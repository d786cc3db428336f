package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/kinbridge/kinbridge"
)

// tokenColumns are an API token's columns (api_tokens t); tokenDest scans
// them.
const tokenColumns = `t.id, t.user_id, t.name, t.hash, t.created, t.last_used, t.revoked`

func tokenDest(t *kinbridge.APIToken) []any {
	return []any{&t.ID, &t.UserID, &t.Name, &t.Hash, scanTime{&t.Created}, scanTime{&t.LastUsed}, scanTime{&t.Revoked}}
}

func scanAPIToken(row interface{ Scan(...any) error }) (*kinbridge.APIToken, error) {
	var t kinbridge.APIToken
	if err := row.Scan(tokenDest(&t)...); err != nil {
		return nil, err
	}
	return &t, nil
}

// CreateAPIToken stores a new API token and sets its ID; its creation time
// is t.Created, or the transaction's time if that is zero.
func (tx *Tx) CreateAPIToken(ctx context.Context, t *kinbridge.APIToken) error {
	if t.Created.IsZero() {
		t.Created = tx.now
	}
	err := tx.queryRow(ctx, `
		INSERT INTO api_tokens (user_id, name, hash, created, last_used, revoked)
		VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
		t.UserID, t.Name, t.Hash, t.Created, nullTime(t.LastUsed), nullTime(t.Revoked),
	).Scan(&t.ID)
	return tx.store.mapError(err, "create API token", "API token")
}

// FindAPITokenByHash returns the API token whose secret has the given hash.
func (tx *Tx) FindAPITokenByHash(ctx context.Context, hash string) (*kinbridge.APIToken, error) {
	t, err := scanAPIToken(tx.queryRow(ctx, "SELECT "+tokenColumns+" FROM api_tokens t WHERE t.hash = ?", hash))
	if err != nil {
		return nil, tx.store.mapError(err, "find API token", "API token")
	}
	return t, nil
}

// FindAPITokenUser returns the API token with the given hash and its user,
// in one query.
func (tx *Tx) FindAPITokenUser(ctx context.Context, hash string) (*kinbridge.APIToken, *kinbridge.User, error) {
	var t kinbridge.APIToken
	u, err := tx.findWithUser(ctx, tokenColumns, "api_tokens t", "t", tokenDest(&t), "t.hash = ?", hash)
	if err != nil {
		return nil, nil, tx.store.mapError(err, "find API token", "API token")
	}
	return &t, u, nil
}

// FindAPITokenByID returns the API token with the given ID.
func (tx *Tx) FindAPITokenByID(ctx context.Context, id int64) (*kinbridge.APIToken, error) {
	t, err := scanAPIToken(tx.queryRow(ctx, "SELECT "+tokenColumns+" FROM api_tokens t WHERE t.id = ?", id))
	if err != nil {
		return nil, tx.store.mapError(err, "find API token", "API token")
	}
	return t, nil
}

// FindAPITokens returns the user's API tokens, newest first.
func (tx *Tx) FindAPITokens(ctx context.Context, userID int64) ([]*kinbridge.APIToken, error) {
	rows, err := tx.query(ctx, "SELECT "+tokenColumns+" FROM api_tokens t WHERE t.user_id = ? ORDER BY t.id DESC", userID)
	if err != nil {
		return nil, tx.store.mapError(err, "find API tokens", "API token")
	}
	defer rows.Close()
	tokens := []*kinbridge.APIToken{}
	for rows.Next() {
		t, err := scanAPIToken(rows)
		if err != nil {
			return nil, fmt.Errorf("find API tokens: %w", err)
		}
		tokens = append(tokens, t)
	}
	if err := rows.Err(); err != nil {
		return nil, tx.store.mapError(err, "find API tokens", "API token")
	}
	return tokens, nil
}

// RevokeAPIToken marks the token revoked at the given time. A token revoked
// before keeps its first revocation time.
func (tx *Tx) RevokeAPIToken(ctx context.Context, id int64, at time.Time) error {
	return tx.execOne(ctx, "API token", "revoke API token",
		"UPDATE api_tokens SET revoked = COALESCE(revoked, ?) WHERE id = ?", at, id)
}
