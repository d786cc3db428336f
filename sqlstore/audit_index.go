package sqlstore

import (
	"context"
	"fmt"

	"github.com/kinbridge/kinbridge"
)

// auditIndexBatch is how far the audit log grows past audit_head.indexed
// before a write transaction writes the new entries' keys to the index
// tables (Dialect.AuditIndexTables): the most entries a reader of the log
// tests one by one, and the fewest a batch of index rows holds.
const auditIndexBatch = 512

// finishAudit is the audit's part of a write transaction's end, before its
// COMMIT: the deferred entries are written, and, if the log has grown by a
// batch, indexed (indexAudit). It returns what to note once the
// transaction has committed (Store.noteCommitted).
func (tx *Tx) finishAudit(ctx context.Context) (indexed int64, err error) {
	if err := tx.writeDeferred(ctx); err != nil {
		return 0, err
	}
	return tx.indexAudit(ctx)
}

// noteCommitted remembers what a write transaction committed: the audit
// head it moved to, if any, and how far it indexed the log, if it did.
func (s *Store) noteCommitted(head *kinbridge.AuditHead, indexed int64) {
	if head != nil {
		s.noteAuditHead(head)
	}
	s.noteAuditIndexed(indexed)
}

// indexAudit runs before a write transaction that moved the audit head
// commits. If the log has grown by auditIndexBatch entries since the
// index tables were last written (as far as this store knows), it writes
// the keys of every entry after audit_head.indexed to them, in key order,
// and moves indexed to the newest entry. It returns what to note
// (noteAuditIndexed) once the transaction has committed, or 0.
//
// What is indexed is decided in the database, from audit_head.indexed: a
// store that knows less than another process has done indexes early, and
// finds nothing twice.
func (tx *Tx) indexAudit(ctx context.Context) (int64, error) {
	head := tx.head
	if !tx.store.dialect.AuditIndexTables || head == nil || head.Seq-tx.store.auditIndexed.Load() < auditIndexBatch {
		return 0, nil
	}
	for _, q := range []string{
		`INSERT OR IGNORE INTO audit_unit_index (unit_id, actor_id, seq)
			SELECT unit_id, actor_id, seq FROM audit_log WHERE seq > (SELECT indexed FROM audit_head WHERE id = 1)
			ORDER BY unit_id, actor_id, seq`,
		`INSERT OR IGNORE INTO audit_record_index (record_type, record_id, seq)
			SELECT record_type, record_id, seq FROM audit_log WHERE seq > (SELECT indexed FROM audit_head WHERE id = 1)
			ORDER BY record_type, record_id, seq`,
		`UPDATE audit_head SET indexed = (SELECT COALESCE(MAX(seq), 0) FROM audit_log) WHERE id = 1`,
	} {
		if _, err := tx.exec(ctx, q); err != nil {
			return 0, fmt.Errorf("index audit entries: %w", tx.store.dialect.MapError(err))
		}
	}
	return head.Seq, nil
}

// noteAuditIndexed remembers that the index tables hold the entries up to
// seq, committed.
func (s *Store) noteAuditIndexed(seq int64) {
	for {
		cur := s.auditIndexed.Load()
		if cur >= seq || s.auditIndexed.CompareAndSwap(cur, seq) {
			return
		}
	}
}
