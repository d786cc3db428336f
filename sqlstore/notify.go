package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/kinbridge/kinbridge"
)

// CreateNotification stores n and sets its ID, unless the user has a
// notification with the same key: then it stores nothing and reports
// false. The insert does nothing on the key rather than fail, so that the
// job that tried goes on in a good transaction.
func (tx *Tx) CreateNotification(ctx context.Context, n *kinbridge.Notification) (bool, error) {
	args := "{}"
	if len(n.Args) > 0 {
		b, err := json.Marshal(n.Args)
		if err != nil {
			return false, fmt.Errorf("create notification: %w", err)
		}
		args = string(b)
	}
	if n.Created.IsZero() {
		n.Created = tx.now
	}
	n.Created = micro(n.Created)
	err := tx.queryRow(ctx, `
		INSERT INTO notifications (user_id, kind, key, problem_id, text, args, created)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id`,
		n.UserID, n.Kind, n.Key, nullID(n.ProblemID), n.Text, args, n.Created).Scan(&n.ID)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	} else if err != nil {
		return false, tx.store.mapError(err, "create notification", "notification")
	}
	return true, nil
}

// FindNotifications returns the user's notifications f selects, newest
// first.
func (tx *Tx) FindNotifications(ctx context.Context, f kinbridge.NotificationFilter) ([]*kinbridge.Notification, error) {
	q := `SELECT id, user_id, kind, key, COALESCE(problem_id, 0), text, args, created, read_at
		FROM notifications WHERE user_id = ?`
	args := []any{f.UserID}
	if f.Unread {
		q += " AND read_at IS NULL"
	}
	q += " ORDER BY id DESC"
	if f.Limit > 0 {
		q, args = q+" LIMIT ?", append(args, f.Limit)
	}
	rows, err := tx.query(ctx, q, args...)
	if err != nil {
		return nil, tx.store.mapError(err, "find notifications", "notification")
	}
	defer rows.Close()
	ns := []*kinbridge.Notification{}
	for rows.Next() {
		var n kinbridge.Notification
		var a string
		if err := rows.Scan(&n.ID, &n.UserID, &n.Kind, &n.Key, &n.ProblemID, &n.Text, &a, scanTime{&n.Created}, scanTime{&n.ReadAt}); err != nil {
			return nil, fmt.Errorf("find notifications: %w", err)
		}
		if a != "" && a != "{}" {
			if err := json.Unmarshal([]byte(a), &n.Args); err != nil {
				return nil, fmt.Errorf("notification %d args: %w", n.ID, err)
			}
		}
		ns = append(ns, &n)
	}
	if err := rows.Err(); err != nil {
		return nil, tx.store.mapError(err, "find notifications", "notification")
	}
	return ns, nil
}

// CountUnread returns how many of the user's notifications are unread,
// from the partial index of unread ones.
func (tx *Tx) CountUnread(ctx context.Context, userID int64) (int, error) {
	var n int
	if err := tx.queryRow(ctx, "SELECT COUNT(*) FROM notifications WHERE user_id = ? AND read_at IS NULL", userID).Scan(&n); err != nil {
		return 0, tx.store.mapError(err, "count unread", "notification")
	}
	return n, nil
}

// MarkRead marks the user's unread notifications with the ids (all of
// them if ids is empty) read at the time. Other users' ids are left alone.
func (tx *Tx) MarkRead(ctx context.Context, userID int64, ids []int64, at time.Time) error {
	q := "UPDATE notifications SET read_at = ? WHERE user_id = ? AND read_at IS NULL"
	args := []any{micro(at), userID}
	if len(ids) > 0 {
		in, inArgs := placeholders(ids)
		q, args = q+" AND id IN ("+in+")", append(args, inArgs...)
	}
	_, err := tx.exec(ctx, q, args...)
	return tx.store.mapError(err, "mark read", "notification")
}

// SetUserEmail sets the user's address; "" removes it.
func (tx *Tx) SetUserEmail(ctx context.Context, userID int64, email string) error {
	var err error
	if email == "" {
		_, err = tx.exec(ctx, "DELETE FROM user_emails WHERE user_id = ?", userID)
	} else {
		_, err = tx.exec(ctx, `INSERT INTO user_emails (user_id, email) VALUES (?, ?)
			ON CONFLICT (user_id) DO UPDATE SET email = excluded.email`, userID, email)
	}
	return tx.store.mapError(err, "set e-mail", "user")
}

// FindUserEmail returns the user's address, "" if none.
func (tx *Tx) FindUserEmail(ctx context.Context, userID int64) (string, error) {
	var email string
	err := tx.queryRow(ctx, "SELECT email FROM user_emails WHERE user_id = ?", userID).Scan(&email)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	} else if err != nil {
		return "", tx.store.mapError(err, "find e-mail", "user")
	}
	return email, nil
}

// CreateOutboxMail stores m and sets its ID unless a mail with the same key
// exists; it reports whether it stored it.
func (tx *Tx) CreateOutboxMail(ctx context.Context, m *kinbridge.OutboxMail) (bool, error) {
	if m.Created.IsZero() {
		m.Created = tx.now
	}
	m.Created = micro(m.Created)
	err := tx.queryRow(ctx, `
		INSERT INTO outbox_mail (key, to_addr, subject, body, created) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT DO NOTHING RETURNING id`, m.Key, m.To, m.Subject, m.Body, m.Created).Scan(&m.ID)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	} else if err != nil {
		return false, tx.store.mapError(err, "create outbox mail", "mail")
	}
	return true, nil
}

// ClaimOutboxMail claims up to limit unclaimed mails, oldest first, in one
// UPDATE … RETURNING whose WHERE says "still unclaimed": on PostgreSQL a
// second sender's UPDATE waits for the first's rows, then finds them
// claimed and passes them by (rows another sender has locked are skipped
// from the start); on SQLite writers take turns anyway.
func (tx *Tx) ClaimOutboxMail(ctx context.Context, at time.Time, limit int) ([]*kinbridge.OutboxMail, error) {
	lock := ""
	if tx.postgres() {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	rows, err := tx.query(ctx, `
		UPDATE outbox_mail SET claimed_at = ?
		WHERE claimed_at IS NULL AND id IN (SELECT id FROM outbox_mail WHERE claimed_at IS NULL ORDER BY id LIMIT ?`+lock+`)
		RETURNING id, key, to_addr, subject, body, created, claimed_at, sent_at, error`, micro(at), limit)
	if err != nil {
		return nil, tx.store.mapError(err, "claim outbox mail", "mail")
	}
	defer rows.Close()
	ms := []*kinbridge.OutboxMail{}
	for rows.Next() {
		var m kinbridge.OutboxMail
		if err := rows.Scan(&m.ID, &m.Key, &m.To, &m.Subject, &m.Body, scanTime{&m.Created}, scanTime{&m.ClaimedAt},
			scanTime{&m.SentAt}, &m.Error); err != nil {
			return nil, fmt.Errorf("claim outbox mail: %w", err)
		}
		ms = append(ms, &m)
	}
	if err := rows.Err(); err != nil {
		return nil, tx.store.mapError(err, "claim outbox mail", "mail")
	}
	slices.SortFunc(ms, func(a, b *kinbridge.OutboxMail) int { return int(a.ID - b.ID) })
	return ms, nil
}

// FinishOutboxMail records how sending a claimed mail went: when, and the
// error if it failed.
func (tx *Tx) FinishOutboxMail(ctx context.Context, id int64, sentAt time.Time, errText string) error {
	return tx.execOne(ctx, "mail", "finish outbox mail", "UPDATE outbox_mail SET sent_at = ?, error = ? WHERE id = ?",
		nullTime(micro(sentAt)), errText, id)
}
