package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/kinbridge/kinbridge"
)

// The registry's storage is split by capability: programme.go, household.go,
// person.go, status.go (status events and relatives' links), search.go
// (terms) and duplicate.go. This file holds what they share: scope
// conditions, ID lists, prefix bounds and the bulk insert.

// scopeCond returns the condition that keeps the rows whose unit (the
// column col) is in the scope: the subtree at pathPrefix, or the one unit
// at path. The scope's units are selected by a subquery on the path index,
// which both engines evaluate once (SQLite into an ephemeral table,
// PostgreSQL as a hashed subplan) and then probe per row; a join to units
// would look each row's unit up instead. The whole tree ("/") needs no
// condition at all.
func scopeCond(col, pathPrefix, path string) (string, []any) {
	switch {
	case path != "":
		return col + " IN (SELECT id FROM units WHERE path = ?)", []any{path}
	case pathPrefix != "" && pathPrefix != "/":
		return col + " IN (SELECT id FROM units WHERE path >= ? AND path < ?)", []any{pathPrefix, SubtreeEnd(pathPrefix)}
	}
	return "", nil
}

// bigScopeUnits is the size of subtree, in units, from which SQLite reads
// a table in its own order (or by an index made for large subtrees) and
// tests each row's unit, rather than reading the table unit by unit.
const bigScopeUnits = 128

// scopeOf returns the condition that keeps col in the subtree of
// pathPrefix — none when the subtree is every unit —, and whether the
// subtree is big (bigScopeUnits).
func (tx *Tx) scopeOf(ctx context.Context, col, pathPrefix string) (cond string, args []any, big bool, err error) {
	cond, args = scopeCond(col, pathPrefix, "")
	if cond == "" {
		return "", nil, true, nil
	}
	var n, all int
	if err := tx.queryRow(ctx, "SELECT (SELECT COUNT(*) FROM units WHERE path >= ? AND path < ?), (SELECT COUNT(*) FROM units)",
		pathPrefix, SubtreeEnd(pathPrefix)).Scan(&n, &all); err != nil {
		return "", nil, false, err
	}
	if n == all {
		return "", nil, true, nil
	}
	return cond, args, n > bigScopeUnits, nil
}

// tableScope returns the conditions that keep the rows of a table read in
// its own order — by id, a page or a batch at a time — in the subtree of
// pathPrefix, or the unit of path: one for each column of cols that holds
// a unit, with their arguments in order. Of a big subtree, SQLite is kept
// (by the unary +) from reading the rows unit by unit through the index on
// a column, which makes it sort the whole subtree's rows to give the first
// few; it reads them in order and tests each one's unit instead. Of every
// unit there is nothing to test, and no condition.
func (tx *Tx) tableScope(ctx context.Context, pathPrefix, path string, cols ...string) ([]string, []any, error) {
	big := false
	if path == "" {
		cond, _, b, err := tx.scopeOf(ctx, cols[0], pathPrefix)
		if err != nil {
			return nil, nil, tx.store.mapError(err, "scope", "unit")
		} else if cond == "" {
			return nil, nil, nil
		}
		big = b
	}
	var conds []string
	var args []any
	for _, col := range cols {
		cond, a := scopeCond(col, pathPrefix, path)
		if big && !tx.postgres() {
			cond = "+" + cond
		}
		conds, args = append(conds, cond), append(args, a...)
	}
	return conds, args, nil
}

// unitSubtreeCond keeps the rows whose unit (col) is in the subtree of the
// unit with the given ID.
func unitSubtreeCond(col string, unitID int64) (string, []any) {
	return col + ` IN (SELECT c.id FROM units c, units r
		WHERE r.id = ? AND c.path >= r.path AND c.path < substr(r.path, 1, length(r.path) - 1) || '0')`, []any{unitID}
}

// placeholders returns "?, ?, …" for n values and the values, padded to the
// next power of two by repeating the last one (which changes nothing in an
// IN list): the shapes of a query stay few, so that statement caches and
// the rebinding cache stay small.
func placeholders[T any](values []T) (string, []any) {
	n := 1
	for n < len(values) {
		n *= 2
	}
	args := make([]any, n)
	for i := range n {
		args[i] = values[min(i, len(values)-1)]
	}
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", "), args
}

// PrefixEnd returns the exclusive upper bound of the strings that start with
// prefix, in bytewise order: the prefix with its last character replaced by
// the next one. UTF-8 orders bytewise as it orders code points, so every
// string with the prefix sorts in [prefix, PrefixEnd(prefix)); the bound is
// itself valid UTF-8, which PostgreSQL requires of text. "" means no bound
// (the prefix is empty, or only of the last code point).
func PrefixEnd(prefix string) string {
	for prefix != "" {
		r, size := utf8.DecodeLastRuneInString(prefix)
		prefix = prefix[:len(prefix)-size]
		switch {
		case r == utf8.RuneError && size <= 1:
			continue // not UTF-8: drop the byte, a shorter prefix bounds it
		case r == utf8.MaxRune:
			continue
		case r == 0xD7FF:
			return prefix + string(rune(0xE000)) // skip the surrogates
		}
		return prefix + string(r+1)
	}
	return ""
}

// insertOnce runs an INSERT … ON CONFLICT DO NOTHING and answers ECONFLICT
// when it inserted nothing. A unique violation would abort a PostgreSQL
// transaction; the services treat "exists already" as done and go on, so
// the conflict must not be an error of the database's.
func (tx *Tx) insertOnce(ctx context.Context, op, what, query string, args ...any) error {
	res, err := tx.exec(ctx, query, args...)
	if err != nil {
		return tx.store.mapError(err, op, what)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	} else if n == 0 {
		return &kinbridge.Error{Code: kinbridge.ECONFLICT, Message: "A record with the same key exists already.", Key: "error.conflict"}
	}
	return nil
}

// column is one column of a bulk insert: a value per row (ints or texts),
// or one value for every row (constant).
type column struct {
	name     string
	pgType   string // element type of the array PostgreSQL unnests
	ints     []int64
	texts    []string
	anys     []any
	constant any
	isConst  bool
}

// anyColumn is a column of values of any type, for SQLite only.
func anyColumn(name string, v []any) column     { return column{name: name, anys: v} }
func intColumn(name string, v []int64) column   { return column{name: name, pgType: "bigint", ints: v} }
func textColumn(name string, v []string) column { return column{name: name, pgType: "text", texts: v} }
func constColumn(name string, v any) column     { return column{name: name, constant: v, isConst: true} }
func (c column) value(i int) any {
	switch {
	case c.isConst:
		return c.constant
	case c.ints != nil:
		return c.ints[i]
	case c.anys != nil:
		return c.anys[i]
	}
	return c.texts[i]
}

// sqliteMaxVariables is the most parameters one SQLite statement may have:
// SQLITE_MAX_VARIABLE_NUMBER, 32766 since SQLite 3.32 and as
// modernc.org/sqlite is built.
const sqliteMaxVariables = 32766

// bulkRows is the batch from which a write is a bulk write (bulkCache):
// below it, the defaults serve.
const bulkRows = 100

// sqliteBulkCacheKiB is the writer's page cache for bulk writes, in KiB:
// at least the smaller figure, and sqliteBulkCacheKiBPerRow for each row
// of the batch up to the larger (a registry takes some 800 bytes a person
// on disk, households and flags included, and a transaction keeps every
// page it changed in the cache — those that do not fit are written to the
// WAL early, and again when they change again).
var (
	sqliteBulkCacheKiB       = 1 << 20
	sqliteBulkCacheKiBPerRow = 2
	sqliteBulkCacheKiBMax    = 4 << 20
)

// insertRows inserts n rows of the columns into table in as few statements
// as the engine allows. On PostgreSQL it is one INSERT … SELECT FROM
// unnest(…) with one array parameter per column, whatever n is: the rows
// travel as arrays in the binary protocol and the server expands them, at
// close to COPY's speed, inside the transaction and through database/sql.
// On SQLite it is multi-row INSERT … VALUES with as many rows per
// statement as the variable limit allows; constant columns are bound once
// per row (SQLite has no arrays to pass). Rows are inserted in order.
func (tx *Tx) insertRows(ctx context.Context, op, table string, n int, cols []column) error {
	_, err := tx.bulkInsert(ctx, op, table, n, cols, bulkOptions{})
	return err
}

// bulkOptions vary insertRows.
type bulkOptions struct {
	// after, if set, is called on SQLite with the count of rows of each
	// statement once it has run (insertWithIDs reads the ids there).
	after func(rows int) error
	// skipExisting leaves out, without an error, the rows whose key is in
	// the table already (ON CONFLICT DO NOTHING).
	skipExisting bool
	// upsert, if set, is the conflict clause (ON CONFLICT … DO UPDATE …)
	// of each statement. On PostgreSQL the rows are then taken strictly in
	// the order given (WITH ORDINALITY), so that two transactions that
	// upsert the same keys in the same order lock them in that order, and
	// wait rather than deadlock.
	upsert string
}

// bulkInsert is insertRows with options; it returns the count of rows
// inserted.
func (tx *Tx) bulkInsert(ctx context.Context, op, table string, n int, cols []column, opt bulkOptions) (int64, error) {
	if n == 0 {
		return 0, nil
	}
	tail := ""
	if opt.skipExisting {
		tail = " ON CONFLICT DO NOTHING"
	}
	if opt.upsert != "" {
		tail = opt.upsert
	}
	var inserted int64
	count := func(res sql.Result) error {
		k, err := res.RowsAffected()
		if err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
		inserted += k
		return nil
	}
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.name
	}
	head := "INSERT INTO " + table + " (" + strings.Join(names, ", ") + ") "
	if tx.postgres() {
		// The constants' placeholders come first in the text, in the select
		// list; the arrays' after them, in unnest.
		var sel, unnest []string
		var args, arrays []any
		k := 0
		for _, c := range cols {
			if c.isConst {
				sel, args = append(sel, "?"), append(args, c.constant)
				continue
			}
			k++
			sel = append(sel, fmt.Sprintf("u.c%d", k))
			unnest = append(unnest, "?::"+c.pgType+"[]")
			if c.ints != nil {
				arrays = append(arrays, c.ints)
			} else {
				arrays = append(arrays, c.texts)
			}
		}
		args = append(args, arrays...)
		aliases := make([]string, k)
		for i := range aliases {
			aliases[i] = fmt.Sprintf("c%d", i+1)
		}
		from := ") AS u(" + strings.Join(aliases, ", ") + ")"
		if opt.upsert != "" {
			from = ") WITH ORDINALITY AS u(" + strings.Join(aliases, ", ") + ", ord) ORDER BY u.ord"
		}
		q := head + "SELECT " + strings.Join(sel, ", ") + " FROM unnest(" + strings.Join(unnest, ", ") + from + tail
		res, err := tx.exec(ctx, q, args...)
		if err != nil {
			return 0, tx.store.mapError(err, op, table)
		}
		return inserted, count(res)
	}
	// OR FAIL: a row that breaks a constraint stops the statement with an
	// error, as the default ABORT does, but keeps the rows before it instead
	// of undoing the statement — which spares SQLite the statement journal,
	// a copy of every page the statement changes. The caller's transaction
	// is rolled back on any error, so nothing half-written stays.
	// (An upsert keeps the plain INSERT its conflict clause is written for.)
	if opt.upsert == "" {
		head = "INSERT OR FAIL INTO " + strings.TrimPrefix(head, "INSERT INTO ")
	}
	perRow := len(cols)
	rowsPerStmt := min(n, sqliteMaxVariables/perRow)
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", perRow), ", ") + ")"
	// The statement of a full chunk is prepared once and run for every full
	// chunk: parsing a statement of some 30,000 parameters costs about as
	// much as running it.
	var full *sql.Stmt
	defer func() {
		if full != nil {
			full.Close()
		}
	}()
	args := make([]any, 0, rowsPerStmt*perRow)
	for start := 0; start < n; start += rowsPerStmt {
		end := min(start+rowsPerStmt, n)
		args = args[:0]
		for i := start; i < end; i++ {
			for _, c := range cols {
				args = append(args, c.value(i))
			}
		}
		values := func(rows int) string {
			return head + "VALUES " + strings.TrimSuffix(strings.Repeat(row+", ", rows), ", ") + tail
		}
		var res sql.Result
		var err error
		switch {
		case end-start < rowsPerStmt:
			res, err = tx.exec(ctx, values(end-start), args...)
		case n-start < 2*rowsPerStmt && full == nil:
			res, err = tx.exec(ctx, values(rowsPerStmt), args...) // the only full chunk
		default:
			if full == nil {
				if full, err = tx.tx.PrepareContext(ctx, values(rowsPerStmt)); err != nil {
					return 0, tx.store.mapError(err, op, table)
				}
			}
			res, err = full.ExecContext(ctx, tx.store.encode(args)...)
		}
		if err != nil {
			return 0, tx.store.mapError(err, op, table)
		}
		if err := count(res); err != nil {
			return 0, err
		}
		if opt.after != nil {
			if err := opt.after(end - start); err != nil {
				return 0, err
			}
		}
	}
	return inserted, nil
}

// bulkCache readies an SQLite transaction for bulk writes, and gives the
// writer connection a page cache fit for them (sqliteBulkCacheKiB).
// SQLite's default (2 MiB) holds a sliver of the term index of a large
// registry: each insert then reads its page back from the file and spills
// a dirty one into the WAL, and an import spends its time in system calls.
// The setting stays with the connection until the next bulk write sets
// it; a smaller one frees the pages above it.
func (tx *Tx) bulkCache(ctx context.Context, rows int) error {
	if tx.postgres() || rows < bulkRows {
		return nil
	}
	// Foreign keys are checked at commit rather than per statement: an
	// immediate check may abort a statement, which needs a statement journal
	// (see insertRows); a violation still fails the transaction, at commit.
	// defer_foreign_keys ends with the transaction.
	// Temporary files — the statement journals of multi-row INSERTs that
	// SQLite keeps all the same, sorters — are kept in memory rather than
	// written to and read back from disk; the setting stays with the
	// connection, like the cache's, and only spares the writer disk I/O.
	cache := min(max(sqliteBulkCacheKiB, rows*sqliteBulkCacheKiBPerRow), sqliteBulkCacheKiBMax)
	for _, q := range []string{fmt.Sprintf("PRAGMA cache_size = -%d", cache), "PRAGMA defer_foreign_keys = ON", "PRAGMA temp_store = MEMORY"} {
		if _, err := tx.exec(ctx, q); err != nil {
			return tx.store.mapError(err, "set cache size", "cache")
		}
	}
	return nil
}

// postgres reports whether the store runs on PostgreSQL, for the few bulk
// paths whose best form differs by engine (arrays and sequences there,
// variable-limited VALUES lists and the single writer's rowids in SQLite).
func (tx *Tx) postgres() bool { return tx.store.dialect.Name == "postgres" }

// reserveIDs returns n new ids of table's identity column, ascending, for
// rows inserted with explicit ids (PostgreSQL). Each is the sequence's own:
// unique even when other transactions take ids at the same time, and never
// reused.
func (tx *Tx) reserveIDs(ctx context.Context, table string, n int) ([]int64, error) {
	rows, err := tx.query(ctx, "SELECT nextval(pg_get_serial_sequence(?, 'id')) FROM generate_series(1, ?::int) ORDER BY 1", table, n)
	if err != nil {
		return nil, tx.store.mapError(err, "reserve ids", table)
	}
	defer rows.Close()
	ids := make([]int64, 0, n)
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("reserve ids: %w", err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, tx.store.mapError(err, "reserve ids", table)
	}
	if len(ids) != n {
		return nil, fmt.Errorf("reserve ids: got %d of %d", len(ids), n)
	}
	return ids, nil
}

// insertWithIDs inserts n rows into table and returns their ids, in row
// order. On PostgreSQL the ids are reserved from the table's sequence
// first and inserted explicitly. On SQLite the rows go in without an id
// and the ids are read back from last_insert_rowid: the one writer
// connection and BEGIN IMMEDIATE mean nothing else inserts meanwhile, and
// AUTOINCREMENT gives each row of a multi-row INSERT the next id in VALUES
// order, so a chunk of k rows holds the k ids ending at the last one.
func (tx *Tx) insertWithIDs(ctx context.Context, op, table string, n int, cols []column) ([]int64, error) {
	if n == 0 {
		return nil, nil
	}
	if tx.postgres() {
		ids, err := tx.reserveIDs(ctx, table, n)
		if err != nil {
			return nil, err
		}
		if err := tx.insertRows(ctx, op, table, n, append([]column{intColumn("id", ids)}, cols...)); err != nil {
			return nil, err
		}
		return ids, nil
	}
	ids := make([]int64, 0, n)
	_, err := tx.bulkInsert(ctx, op, table, n, cols, bulkOptions{after: func(rows int) error {
		var last int64
		if err := tx.queryRow(ctx, "SELECT last_insert_rowid()").Scan(&last); err != nil {
			return tx.store.mapError(err, op, table)
		}
		for id := last - int64(rows) + 1; id <= last; id++ {
			ids = append(ids, id)
		}
		return nil
	}})
	if err != nil {
		return nil, err
	}
	return ids, nil
}
