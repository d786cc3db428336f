package sqlstore

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	_ "modernc.org/sqlite"

	"github.com/kinbridge/kinbridge"
)

// TestPreparedStatements checks the statement cache of a dialect that
// prepares: a query runs unprepared in its first transaction and prepared
// from then on, giving the same results and errors; long queries are never
// kept prepared.
func TestPreparedStatements(t *testing.T) {
	db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "t.db")+"?_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	// One connection, as the SQLite writer has: preparing in a transaction
	// would wait for the connection the transaction holds.
	db.SetMaxOpenConns(1)
	s := New(db, db, Dialect{Name: "sqlite", PrepareStatements: true})
	t.Cleanup(func() { s.Close() })
	ctx := context.Background()
	if _, err := db.Exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL UNIQUE)"); err != nil {
		t.Fatal(err)
	}
	const insert = "INSERT INTO t (v) VALUES (?) RETURNING id"
	long := "SELECT COUNT(*) FROM t WHERE v <> ?" + strings.Repeat(" AND v <> ?", maxPreparedLen/10)
	longArgs := make([]any, 1+maxPreparedLen/10)
	for i := range longArgs {
		longArgs[i] = "x"
	}
	for i, v := range []string{"a", "b", "c"} {
		err := s.Update(ctx, func(ktx kinbridge.Tx) error {
			tx := ktx.(*Tx)
			var id int64
			if err := tx.queryRow(ctx, insert, v).Scan(&id); err != nil {
				return err
			}
			if id != int64(i+1) {
				t.Errorf("insert %s: id %d, want %d", v, id, i+1)
			}
			if (tx.stmts[insert] != nil) != (i > 0) {
				t.Errorf("transaction %d: insert prepared %v, want %v", i, tx.stmts[insert] != nil, i > 0)
			}
			// A statement that fails leaves the prepared statement usable.
			err := tx.queryRow(ctx, insert, "a").Scan(&id)
			if i > 0 && err == nil {
				t.Errorf("transaction %d: duplicate inserted", i)
			}
			var n int
			if err := tx.queryRow(ctx, long, longArgs...).Scan(&n); err != nil {
				return err
			}
			if n != i+1 {
				t.Errorf("transaction %d: %d rows, want %d", i, n, i+1)
			}
			return nil
		})
		if err != nil {
			t.Fatalf("transaction %d: %v", i, err)
		}
	}
	if _, ok := s.prepared.Load(stmtKey{db, insert}); !ok {
		t.Error("the insert is not prepared")
	}
	if _, ok := s.prepared.Load(stmtKey{db, long}); ok {
		t.Error("a query longer than maxPreparedLen is prepared")
	}
}
