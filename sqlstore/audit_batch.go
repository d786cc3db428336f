package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/kinbridge/kinbridge"
)

// AppendAuditEntries stores entries that are linked one after the other,
// the first to the head, and makes the last the head — as AppendAudit for
// each in turn would, in one conditional move of the head and one
// multi-row insert: a search appends an entry for every person it shows,
// and on PostgreSQL each append would be a round trip of its own. If the
// head is no longer the first entry's predecessor it stores nothing and
// returns kinbridge.ErrAuditHeadMoved, as AppendAudit does, and the caller
// links them anew to the head (read under the lock from then on).
//
// It lives apart from AppendAudit, whose path (the entry sent with the
// COMMIT on PostgreSQL) it leaves alone: an entry waiting to go with the
// COMMIT goes first.
//
// On an engine with group commit, entries linked to the head that AuditHead
// gives wait in the transaction, as AppendAudit's do.
func (tx *Tx) AppendAuditEntries(ctx context.Context, es []*kinbridge.AuditEntry) error {
	if len(es) == 0 {
		return nil
	}
	if tx.deferAudit(es...) {
		return nil
	}
	return tx.appendEntriesNow(ctx, es)
}

// linkedInOrder checks that each entry is linked to the one before it.
func linkedInOrder(es []*kinbridge.AuditEntry) error {
	for i := 1; i < len(es); i++ {
		if es[i].Seq != es[i-1].Seq+1 || es[i].PrevHash != es[i-1].Hash {
			return fmt.Errorf("append audit entries: entry %d is not linked to the one before", i)
		}
	}
	return nil
}

// appendEntriesNow is AppendAuditEntries writing the entries at once.
func (tx *Tx) appendEntriesNow(ctx context.Context, es []*kinbridge.AuditEntry) error {
	if err := tx.flushAudit(ctx); err != nil {
		return err
	}
	first, last := es[0], es[len(es)-1]
	if err := linkedInOrder(es); err != nil {
		return err
	}
	n := len(es)
	seqs, actorIDs, unitIDs, recordIDs := make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n)
	names, actions, types, addrs, details, prevs, hashes := make([]string, n), make([]string, n), make([]string, n),
		make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	for i, e := range es {
		seqs[i], actorIDs[i], unitIDs[i], recordIDs[i] = e.Seq, e.ActorID, e.UnitID, e.RecordID
		names[i], actions[i], types[i], addrs[i], details[i], prevs[i], hashes[i] = e.ActorName, e.Action, e.RecordType, e.Addr, e.Detail, e.PrevHash, e.Hash
	}
	moveHead := []any{last.Seq, last.Hash, last.At, first.Seq - 1, first.PrevHash}
	var moved int64
	if tx.store.dialect.DataModifyingWith {
		// One statement: the entries are inserted only if the UPDATE of the
		// head returns its row.
		times := make([]time.Time, n)
		for i, e := range es {
			times[i] = e.At.UTC()
		}
		res, err := tx.exec(ctx, `
			WITH head AS (
				UPDATE audit_head SET seq = ?, hash = ?, at = ? WHERE id = 1 AND seq = ? AND hash = ?
				RETURNING seq
			)
			INSERT INTO audit_log (seq, at, actor_id, actor_name, unit_id, action, record_type, record_id, addr, detail, prev_hash, hash)
			SELECT u.seq, u.at, u.actor_id, u.actor_name, u.unit_id, u.action, u.record_type, u.record_id, u.addr, u.detail,
				u.prev_hash, u.hash
			FROM head, unnest(?::bigint[], ?::timestamptz[], ?::bigint[], ?::text[], ?::bigint[], ?::text[], ?::text[], ?::bigint[],
				?::text[], ?::text[], ?::text[], ?::text[])
				AS u(seq, at, actor_id, actor_name, unit_id, action, record_type, record_id, addr, detail, prev_hash, hash)`,
			append(moveHead, seqs, times, actorIDs, names, unitIDs, actions, types, recordIDs, addrs, details, prevs, hashes)...)
		if err != nil {
			return tx.store.mapError(err, "append audit entries", "audit entry")
		}
		if moved, err = res.RowsAffected(); err != nil {
			return fmt.Errorf("append audit entries: %w", err)
		}
		if moved != int64(n) {
			moved = 0
		}
	} else {
		res, err := tx.exec(ctx, "UPDATE audit_head SET seq = ?, hash = ?, at = ? WHERE id = 1 AND seq = ? AND hash = ?", moveHead...)
		if err != nil {
			return tx.store.mapError(err, "append audit entries", "audit entry")
		}
		if moved, err = res.RowsAffected(); err != nil {
			return fmt.Errorf("append audit entries: %w", err)
		}
		if moved == 1 {
			times := make([]any, n)
			for i, e := range es {
				times[i] = tx.store.dialect.EncodeTime(e.At)
			}
			if err := tx.insertAuditRows(ctx, n, []column{
				intColumn("seq", seqs), anyColumn("at", times), intColumn("actor_id", actorIDs), textColumn("actor_name", names),
				intColumn("unit_id", unitIDs), textColumn("action", actions), textColumn("record_type", types),
				intColumn("record_id", recordIDs), textColumn("addr", addrs), textColumn("detail", details),
				textColumn("prev_hash", prevs), textColumn("hash", hashes),
			}); err != nil {
				return err
			}
		}
	}
	if moved == 0 {
		tx.headMoved = true
		return kinbridge.ErrAuditHeadMoved
	}
	tx.head, tx.headLocked = &kinbridge.AuditHead{Seq: last.Seq, Hash: last.Hash, At: last.At}, true
	return nil
}

// insertAuditRows inserts the audit rows on SQLite, in statements of as
// many rows as the variable limit allows.
func (tx *Tx) insertAuditRows(ctx context.Context, n int, cols []column) error {
	_, err := tx.bulkInsert(ctx, "append audit entries", "audit_log", n, cols, bulkOptions{})
	return err
}

var _ interface {
	AppendAuditEntries(context.Context, []*kinbridge.AuditEntry) error
} = (*Tx)(nil)
