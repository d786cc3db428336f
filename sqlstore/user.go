package sqlstore

import (
	"context"
	"fmt"
	"math"

	"github.com/kinbridge/kinbridge"
)

// userColumns are a user's columns, with the path of its unit (units n),
// which the domain needs for every scope decision; userDest scans them.
const userColumns = `u.id, u.username, u.display_name, u.role, u.unit_id, n.path, u.password_hash, u.lang,
	u.disabled, u.created, u.updated`

// userSelect reads users with the path of their unit.
const userSelect = "SELECT " + userColumns + " FROM users u JOIN units n ON n.id = u.unit_id"

func userDest(u *kinbridge.User) []any {
	return []any{&u.ID, &u.Username, &u.DisplayName, &u.Role, &u.UnitID, &u.UnitPath, &u.PasswordHash, &u.Lang,
		&u.Disabled, scanTime{&u.Created}, scanTime{&u.Updated}}
}

func scanUser(row interface{ Scan(...any) error }) (*kinbridge.User, error) {
	var u kinbridge.User
	if err := row.Scan(userDest(&u)...); err != nil {
		return nil, err
	}
	return &u, nil
}

// FindUserByID returns the user with the given ID.
func (tx *Tx) FindUserByID(ctx context.Context, id int64) (*kinbridge.User, error) {
	u, err := scanUser(tx.queryRow(ctx, userSelect+" WHERE u.id = ?", id))
	if err != nil {
		return nil, tx.store.mapError(err, "find user", "user")
	}
	return u, nil
}

// FindUserByUsername returns the user with the given username.
func (tx *Tx) FindUserByUsername(ctx context.Context, username string) (*kinbridge.User, error) {
	u, err := scanUser(tx.queryRow(ctx, userSelect+" WHERE u.username = ?", username))
	if err != nil {
		return nil, tx.store.mapError(err, "find user", "user")
	}
	return u, nil
}

// FindUsers returns one page of the users f selects, ordered by username,
// and how many users it selects in all.
func (tx *Tx) FindUsers(ctx context.Context, f kinbridge.UserFilter) ([]*kinbridge.User, int, error) {
	var where []string
	var args []any
	if f.PathPrefix != "" {
		where, args = append(where, "n.path >= ? AND n.path < ?"), append(args, f.PathPrefix, SubtreeEnd(f.PathPrefix))
	}
	if f.Path != "" {
		where, args = append(where, "n.path = ?"), append(args, f.Path)
	}
	if f.UnitID != 0 {
		where, args = append(where, "u.unit_id = ?"), append(args, f.UnitID)
	}
	if f.Role != "" {
		where, args = append(where, "u.role = ?"), append(args, string(f.Role))
	}
	if !f.IncludeDisabled {
		where, args = append(where, "u.disabled = ?"), append(args, false)
	}
	from := " FROM users u JOIN units n ON n.id = u.unit_id" + whereClause(where)

	limit, offset := f.Limit, max(f.Offset, 0)
	if limit <= 0 {
		limit = math.MaxInt32
	}
	q, pageArgs := userSelect+whereClause(where)+" ORDER BY u.username", args
	if limit < math.MaxInt32 || offset > 0 {
		q, pageArgs = q+" LIMIT ? OFFSET ?", append(args[:len(args):len(args)], limit, offset)
	}
	rows, err := tx.query(ctx, q, pageArgs...)
	if err != nil {
		return nil, 0, tx.store.mapError(err, "find users", "user")
	}
	defer rows.Close()
	users := []*kinbridge.User{}
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, 0, fmt.Errorf("find users: %w", err)
		}
		users = append(users, u)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, tx.store.mapError(err, "find users", "user")
	}
	total, err := pageTotal(offset, limit, len(users), func() (n int, err error) {
		err = tx.queryRow(ctx, "SELECT COUNT(*)"+from, args...).Scan(&n)
		return n, tx.store.mapError(err, "count users", "user")
	})
	if err != nil {
		return nil, 0, err
	}
	return users, total, nil
}

// CreateUser inserts the user and sets its ID, UnitPath and times. A taken
// username is ECONFLICT.
func (tx *Tx) CreateUser(ctx context.Context, u *kinbridge.User) error {
	// The unit's path comes back with the insert, so the caller's copy is
	// right even if it did not look the unit up.
	err := tx.queryRow(ctx, `
		INSERT INTO users (username, display_name, role, unit_id, password_hash, lang, disabled, created, updated)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		RETURNING id, (SELECT path FROM units WHERE id = users.unit_id)`,
		u.Username, u.DisplayName, string(u.Role), u.UnitID, u.PasswordHash, u.Lang, u.Disabled, tx.now, tx.now,
	).Scan(&u.ID, &u.UnitPath)
	if err != nil {
		return tx.store.mapError(err, "create user", "user")
	}
	u.Created, u.Updated = tx.now, tx.now
	return nil
}

// UpdateUser stores every field of the user but its ID, username and
// creation time.
func (tx *Tx) UpdateUser(ctx context.Context, u *kinbridge.User) error {
	err := tx.execOne(ctx, "user", "update user", `
		UPDATE users SET display_name = ?, role = ?, unit_id = ?, password_hash = ?, lang = ?, disabled = ?, updated = ?
		WHERE id = ?`,
		u.DisplayName, string(u.Role), u.UnitID, u.PasswordHash, u.Lang, u.Disabled, tx.now, u.ID)
	if err != nil {
		return err
	}
	u.Updated = tx.now
	return nil
}
