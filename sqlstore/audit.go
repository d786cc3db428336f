package sqlstore

import (
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/kinbridge/kinbridge"
)

const auditColumns = `a.seq, a.at, a.actor_id, a.actor_name, a.unit_id, a.action, a.record_type, a.record_id, a.addr,
	a.detail, a.prev_hash, a.hash`

func scanAuditEntry(row interface{ Scan(...any) error }) (*kinbridge.AuditEntry, error) {
	var e kinbridge.AuditEntry
	err := row.Scan(&e.Seq, scanTime{&e.At}, &e.ActorID, &e.ActorName, &e.UnitID, &e.Action, &e.RecordType, &e.RecordID,
		&e.Addr, &e.Detail, &e.PrevHash, &e.Hash)
	if err != nil {
		return nil, err
	}
	return &e, nil
}

// AuditHead returns the sequence number and hash of the newest entry as the
// head record keeps them. In a read-write transaction the head row is locked
// (on engines that need it) until the transaction ends, so that two appends
// cannot both build on the same head; in a read-only one nothing is locked.
func (tx *Tx) AuditHead(ctx context.Context) (seq int64, hash []byte, err error) {
	q := "SELECT seq, hash FROM audit_head WHERE id = 1"
	if tx.writable {
		q += tx.store.dialect.LockHead
	}
	var hexHash string
	if err := tx.queryRow(ctx, q).Scan(&seq, &hexHash); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return 0, nil, nil // the migration inserts the head; without it the log is empty
		}
		return 0, nil, tx.store.mapError(err, "audit head", "audit head")
	}
	if hexHash == "" {
		return seq, nil, nil
	}
	if hash, err = hex.DecodeString(hexHash); err != nil {
		return 0, nil, fmt.Errorf("audit head: %w", err)
	}
	return seq, hash, nil
}

// AppendAudit stores the entry and makes it the head. The head moves only
// from the entry's predecessor: an append that raced past the head lock
// fails with ECONFLICT instead of forking the chain.
func (tx *Tx) AppendAudit(ctx context.Context, e *kinbridge.AuditEntry) error {
	_, err := tx.exec(ctx, `
		INSERT INTO audit_log (seq, at, actor_id, actor_name, unit_id, action, record_type, record_id, addr, detail, prev_hash, hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.Seq, e.At, e.ActorID, e.ActorName, e.UnitID, e.Action, e.RecordType, e.RecordID, e.Addr, e.Detail, e.PrevHash, e.Hash)
	if err != nil {
		return tx.store.mapError(err, "append audit entry", "audit entry")
	}
	res, err := tx.exec(ctx, "UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1 AND seq = ?", e.Seq, e.Hash, e.Seq-1)
	if err != nil {
		return tx.store.mapError(err, "move audit head", "audit head")
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("move audit head: %w", err)
	} else if n != 1 {
		return kinbridge.Errorf(kinbridge.ECONFLICT, "The audit log moved on during the change; try again.")
	}
	return nil
}

// FindAuditEntries returns the entries f selects, newest first. The unit
// scope is the units' current paths: an entry follows its unit when the unit
// moves. Without PathPrefix or Path every unit's entries are selected.
func (tx *Tx) FindAuditEntries(ctx context.Context, f kinbridge.AuditFilter) ([]*kinbridge.AuditEntry, error) {
	var where []string
	var args []any
	join := ""
	if f.PathPrefix != "" || f.Path != "" {
		join = " LEFT JOIN units n ON n.id = a.unit_id"
		var scope string
		if f.PathPrefix != "" {
			scope, args = "(n.path >= ? AND n.path < ?)", append(args, f.PathPrefix, SubtreeEnd(f.PathPrefix))
		} else {
			scope, args = "n.path = ?", append(args, f.Path)
		}
		if f.WithoutUnit {
			scope = "(" + scope + " OR a.unit_id = 0)"
		}
		where = append(where, scope)
	}
	if f.ActorID != 0 {
		where, args = append(where, "a.actor_id = ?"), append(args, f.ActorID)
	}
	if f.ActorName != "" {
		where, args = append(where, "a.actor_name = ?"), append(args, f.ActorName)
	}
	if f.RecordType != "" {
		where, args = append(where, "a.record_type = ?"), append(args, f.RecordType)
	}
	if f.RecordID != 0 {
		where, args = append(where, "a.record_id = ?"), append(args, f.RecordID)
	}
	if len(f.Records) > 0 {
		any := make([]string, len(f.Records))
		for i, r := range f.Records {
			any[i] = "(a.record_type = ? AND a.record_id = ?)"
			args = append(args, r.Type, r.ID)
		}
		where = append(where, "("+strings.Join(any, " OR ")+")")
	}
	if !f.From.IsZero() {
		where, args = append(where, "a.at >= ?"), append(args, f.From)
	}
	if !f.To.IsZero() {
		where, args = append(where, "a.at < ?"), append(args, f.To)
	}
	if f.BeforeSeq != 0 {
		where, args = append(where, "a.seq < ?"), append(args, f.BeforeSeq)
	}
	var q strings.Builder
	q.WriteString("SELECT " + auditColumns + " FROM audit_log a" + join + whereClause(where) + " ORDER BY a.seq DESC")
	if f.Limit > 0 {
		q.WriteString(" LIMIT ?")
		args = append(args, f.Limit)
	}
	rows, err := tx.query(ctx, q.String(), args...)
	if err != nil {
		return nil, tx.store.mapError(err, "find audit entries", "audit entry")
	}
	defer rows.Close()
	entries := []*kinbridge.AuditEntry{}
	for rows.Next() {
		e, err := scanAuditEntry(rows)
		if err != nil {
			return nil, fmt.Errorf("find audit entries: %w", err)
		}
		entries = append(entries, e)
	}
	if err := rows.Err(); err != nil {
		return nil, tx.store.mapError(err, "find audit entries", "audit entry")
	}
	return entries, nil
}

// ScanAudit calls fn for every entry in sequence order, streaming them from
// one query: the log may hold millions of entries and is never loaded whole.
// fn must not use the transaction; an error from it stops the scan and is
// returned as it is.
func (tx *Tx) ScanAudit(ctx context.Context, fn func(*kinbridge.AuditEntry) error) error {
	rows, err := tx.query(ctx, "SELECT "+auditColumns+" FROM audit_log a ORDER BY a.seq")
	if err != nil {
		return tx.store.mapError(err, "scan audit log", "audit entry")
	}
	defer rows.Close()
	for rows.Next() {
		e, err := scanAuditEntry(rows)
		if err != nil {
			return fmt.Errorf("scan audit log: %w", err)
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return tx.store.mapError(err, "scan audit log", "audit entry")
	}
	return nil
}
