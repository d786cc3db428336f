package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"sync"

	"github.com/kinbridge/kinbridge"
)

// Group commit. On an engine with one writer (SQLite), every read-write
// transaction waits for the one before it, and each COMMIT waits for the
// disk: a few hundred commits a second, however short the transactions.
// So concurrent Update calls are grouped: the first caller to find no
// group running leads one. It begins one transaction and runs the queued
// functions in it one after another, each inside a savepoint, so that one
// function's error undoes its own writes and nothing else; then it commits
// once, and tells each caller how it went. Functions that arrive while a
// group runs join it, up to maxGroup; the rest wait for the next group,
// which the first of them leads.
//
// Each function still runs alone, in order, and sees every write of the
// functions before it, as if it had its own transaction; it is durable when
// Update returns nil, as before. If the COMMIT fails, every function of the
// group gets the error: none of them took effect.

// maxGroup bounds the functions of one group, and so the wait of its last.
const maxGroup = 64

// writeGroup is the queue of Update calls waiting to run.
type writeGroup struct {
	mu      sync.Mutex
	queue   []*writeCall
	running bool // a leader is running a group
}

// writeCall is one Update call in the queue.
type writeCall struct {
	ctx      context.Context
	fn       func(kinbridge.Tx) error
	err      error
	panicked any
	// wake is signalled once: when the call has run (done), or when it is
	// the head of the queue and must lead the next group (lead).
	wake chan struct{}
	done bool
}

// updateGrouped runs fn as part of a group of read-write transactions.
func (s *Store) updateGrouped(ctx context.Context, fn func(kinbridge.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c := &writeCall{ctx: ctx, fn: fn, wake: make(chan struct{}, 1)}
	g := &s.group
	g.mu.Lock()
	g.queue = append(g.queue, c)
	lead := !g.running
	g.running = true
	g.mu.Unlock()
	for {
		if lead {
			s.runGroup()
		} else {
			<-c.wake
		}
		g.mu.Lock()
		done := c.done
		g.mu.Unlock()
		if done {
			break
		}
		lead = true // woken at the head of the queue
	}
	if c.panicked != nil {
		panic(c.panicked)
	}
	return c.err
}

// take removes up to n calls from the head of the queue.
func (g *writeGroup) take(n int) []*writeCall {
	g.mu.Lock()
	defer g.mu.Unlock()
	n = min(n, len(g.queue))
	calls := g.queue[:n:n]
	g.queue = g.queue[n:]
	return calls
}

// runGroup runs one group: the head of the queue and whoever joins, then
// hands the lead to the next waiting call, if any.
func (s *Store) runGroup() {
	g := &s.group
	calls := g.take(maxGroup)
	var ran []*writeCall
	err := s.runCalls(calls, &ran)
	for _, c := range ran {
		if c.err == nil && c.panicked == nil && err != nil {
			c.err = err
		}
	}
	g.mu.Lock()
	for _, c := range ran {
		c.done = true
		c.wake <- struct{}{}
	}
	if len(g.queue) > 0 {
		g.queue[0].wake <- struct{}{}
	} else {
		g.running = false
	}
	g.mu.Unlock()
}

// runCalls runs calls, and those that join while it runs, in one
// transaction, appending each to ran once it has run; it returns the error
// that ended the transaction (begin or commit), which every call that
// succeeded shares. The first function of a transaction runs without a
// savepoint — a lone write costs what it did before grouping —, and if it
// fails the transaction is rolled back and the next call begins another.
func (s *Store) runCalls(calls []*writeCall, ran *[]*writeCall) error {
	// The transaction belongs to no one caller: a caller that gives up
	// must not end the others' work.
	ctx := context.WithoutCancel(calls[0].ctx)
	var (
		sqlTx *sql.Tx
		fresh bool // nothing has run in sqlTx yet
		stmts map[string]*sql.Stmt
		head  *kinbridge.AuditHead
		// deferred are the audit entries of the functions that have run,
		// written before the COMMIT (Tx.AppendAudit); a function that fails
		// leaves them as they were.
		deferred []*kinbridge.AuditEntry
	)
	defer func() {
		if sqlTx != nil {
			sqlTx.Rollback()
		}
		s.prepare(ctx, s.write, stmts)
	}()
	for len(calls) > 0 {
		for i, c := range calls {
			*ran = append(*ran, c)
			if err := c.ctx.Err(); err != nil {
				c.err = err
				continue
			}
			if sqlTx == nil {
				var err error
				if sqlTx, err = s.write.BeginTx(ctx, &s.dialect.WriteTx); err != nil {
					sqlTx = nil
					*ran = append(*ran, calls[i+1:]...)
					return fmt.Errorf("begin transaction: %w", s.dialect.MapError(err))
				}
				fresh, stmts, head, deferred = true, nil, nil, nil
			}
			tx := &Tx{tx: sqlTx, db: s.write, store: s, now: s.now(), writable: true, stmts: stmts, head: head, headLocked: head != nil,
				deferred: deferred[:len(deferred):len(deferred)]}
			if fresh {
				runCall(tx, c)
				stmts = tx.stmts
				if c.err != nil || c.panicked != nil {
					// Nothing else is in the transaction: end it.
					sqlTx.Rollback()
					sqlTx = nil
					s.prepare(ctx, s.write, stmts)
					stmts = nil
					continue
				}
				fresh = false
			} else if err := s.runSaved(ctx, sqlTx, tx, c); err != nil {
				// The transaction is lost: nobody's work commits.
				*ran = append(*ran, calls[i+1:]...)
				return err
			}
			stmts = tx.stmts
			if c.err == nil && c.panicked == nil {
				deferred = tx.deferred
				if tx.head != nil {
					head = tx.head
				}
			}
		}
		calls = s.group.take(maxGroup - len(*ran))
	}
	if sqlTx == nil {
		return nil // every function failed: nothing to commit
	}
	tx := &Tx{tx: sqlTx, db: s.write, store: s, now: s.now(), writable: true, stmts: stmts, head: head, headLocked: head != nil, deferred: deferred}
	indexed, err := tx.finishAudit(ctx)
	stmts = tx.stmts
	if err != nil {
		return err
	}
	err = sqlTx.Commit()
	sqlTx = nil
	if err != nil {
		return fmt.Errorf("commit: %w", s.dialect.MapError(err))
	}
	s.noteCommitted(tx.head, indexed)
	return nil
}

// runCall runs one call's function on tx, keeping its error or panic.
func runCall(tx *Tx, c *writeCall) {
	defer func() {
		if p := recover(); p != nil {
			c.panicked = p
		}
	}()
	c.err = c.fn(tx)
}

// runSaved runs one call's function inside a savepoint, rolled back to if
// the function fails or panics. It returns an error only when the
// transaction itself is lost.
func (s *Store) runSaved(ctx context.Context, sqlTx *sql.Tx, tx *Tx, c *writeCall) error {
	if _, err := sqlTx.ExecContext(ctx, "SAVEPOINT grouped"); err != nil {
		return fmt.Errorf("savepoint: %w", s.dialect.MapError(err))
	}
	runCall(tx, c)
	if c.err != nil || c.panicked != nil {
		if _, err := sqlTx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT grouped"); err != nil {
			return fmt.Errorf("roll back to savepoint: %w", s.dialect.MapError(err))
		}
	}
	if _, err := sqlTx.ExecContext(ctx, "RELEASE SAVEPOINT grouped"); err != nil {
		return fmt.Errorf("release savepoint: %w", s.dialect.MapError(err))
	}
	return nil
}
