package sqlstore

import (
	"cmp"
	"context"
	"encoding/binary"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/kinbridge/kinbridge"
)

// insertTerms stores the search terms of the persons, with each person's
// unit so that a search is scoped from the term index alone. The rows go
// in in the index's order (term, unit_id, person_id): the inserts then walk
// the index from left to right, each near the one before, instead of
// touching a page anywhere in it for every row — for an import of a
// million persons, one pass over the index rather than millions of random
// page reads and writes.
func (tx *Tx) insertTerms(ctx context.Context, ps []*kinbridge.Person) error {
	n := 0
	for _, p := range ps {
		n += len(p.Terms)
	}
	rows := make([]termRow, 0, n)
	for _, p := range ps {
		for _, t := range p.Terms {
			rows = append(rows, termRow{termKey(t.Term), t.Term, p.UnitID, p.ID, int64(t.Weight)})
		}
	}
	sortTermRows(rows)
	ids, units, weights, terms := make([]int64, n), make([]int64, n), make([]int64, n), make([]string, n)
	for i, r := range rows {
		ids[i], units[i], weights[i], terms[i] = r.id, r.unit, r.weight, r.term
	}
	return tx.insertRows(ctx, "create search terms", "person_terms", n, []column{
		intColumn("person_id", ids), textColumn("term", terms), intColumn("unit_id", units), intColumn("weight", weights),
	})
}

// termRow is one row of person_terms, with the first bytes of its term as
// numbers (termKey), which decide most comparisons of a sort.
type termRow struct {
	key              [2]uint64
	term             string
	unit, id, weight int64
}

// termKey returns the first 16 bytes of a term, zero-padded, as two
// big-endian numbers: they compare as the bytes do, and a term shorter
// than 16 bytes sorts before any longer one it begins, as it should.
func termKey(term string) [2]uint64 {
	var b [16]byte
	copy(b[:], term)
	return [2]uint64{binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])}
}

func compareTermRows(a, b termRow) int {
	if a.key != b.key {
		if a.key[0] != b.key[0] {
			return cmp.Compare(a.key[0], b.key[0])
		}
		return cmp.Compare(a.key[1], b.key[1])
	}
	if c := strings.Compare(a.term, b.term); c != 0 {
		return c
	}
	if c := cmp.Compare(a.unit, b.unit); c != 0 {
		return c
	}
	return cmp.Compare(a.id, b.id)
}

// sortTermRows sorts the rows in key order, a large set in parts sorted
// in parallel and then merged: an import sorts millions.
func sortTermRows(rows []termRow) {
	parts := runtime.GOMAXPROCS(0)
	if len(rows) < 50000 || parts < 2 {
		slices.SortFunc(rows, compareTermRows)
		return
	}
	size := (len(rows) + parts - 1) / parts
	var bounds [][2]int
	var wg sync.WaitGroup
	for start := 0; start < len(rows); start += size {
		part := rows[start:min(start+size, len(rows))]
		bounds = append(bounds, [2]int{start, min(start+size, len(rows))})
		wg.Go(func() { slices.SortFunc(part, compareTermRows) })
	}
	wg.Wait()
	// Merge the sorted parts pairwise into a buffer and back.
	buf := make([]termRow, len(rows))
	src, dst := rows, buf
	for len(bounds) > 1 {
		var next [][2]int
		for i := 0; i < len(bounds); i += 2 {
			if i+1 == len(bounds) {
				copy(dst[bounds[i][0]:bounds[i][1]], src[bounds[i][0]:bounds[i][1]])
				next = append(next, bounds[i])
				continue
			}
			lo, mid, hi := bounds[i][0], bounds[i][1], bounds[i+1][1]
			a, b, out := src[lo:mid], src[mid:hi], dst[lo:lo]
			for len(a) > 0 && len(b) > 0 {
				if compareTermRows(b[0], a[0]) < 0 {
					out, b = append(out, b[0]), b[1:]
				} else {
					out, a = append(out, a[0]), a[1:]
				}
			}
			out = append(append(out, a...), b...)
			next = append(next, [2]int{lo, hi})
		}
		bounds = next
		src, dst = dst, src
	}
	if &src[0] != &rows[0] {
		copy(rows, src)
	}
}

// termList is how a person's terms are listed in persons.terms.
func termList(terms []kinbridge.SearchTerm) string {
	var b strings.Builder
	for i, t := range terms {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(t.Term)
	}
	return b.String()
}

// personTerms are the term rows of one person, as persons.terms lists them.
type personTerms struct {
	personID, unitID int64
	terms            []string
}

// storedTerms returns the person's terms and the unit they are stored
// under.
func (tx *Tx) storedTerms(ctx context.Context, personID int64) (personTerms, error) {
	pt := personTerms{personID: personID}
	var list string
	if err := tx.queryRow(ctx, "SELECT unit_id, terms FROM persons WHERE id = ?", personID).Scan(&pt.unitID, &list); err != nil {
		return pt, tx.store.mapError(err, "find search terms", "person")
	}
	if list != "" {
		pt.terms = strings.Split(list, "\n")
	}
	return pt, nil
}

// termChunk bounds the terms one statement names, far below both engines'
// parameter limits.
const termChunk = 256

// deleteTerms deletes the person's term rows, each found by its key.
func (tx *Tx) deleteTerms(ctx context.Context, pt personTerms) error {
	for start := 0; start < len(pt.terms); start += termChunk {
		in, args := placeholders(pt.terms[start:min(start+termChunk, len(pt.terms))])
		_, err := tx.exec(ctx, "DELETE FROM person_terms WHERE unit_id = ? AND person_id = ? AND term IN ("+in+")",
			append([]any{pt.unitID, pt.personID}, args...)...)
		if err != nil {
			return tx.store.mapError(err, "delete search terms", "person")
		}
	}
	return nil
}

// moveTerms moves the person's term rows to another unit, if they are not
// there yet.
func (tx *Tx) moveTerms(ctx context.Context, personID, unitID int64) error {
	pt, err := tx.storedTerms(ctx, personID)
	if err != nil || pt.unitID == unitID {
		return err
	}
	for start := 0; start < len(pt.terms); start += termChunk {
		in, args := placeholders(pt.terms[start:min(start+termChunk, len(pt.terms))])
		_, err := tx.exec(ctx, "UPDATE person_terms SET unit_id = ? WHERE unit_id = ? AND person_id = ? AND term IN ("+in+")",
			append([]any{unitID, pt.unitID, personID}, args...)...)
		if err != nil {
			return tx.store.mapError(err, "move search terms", "person")
		}
	}
	return nil
}

// SearchTerms returns, for each query term, up to f.Limit stored terms of
// persons in scope that equal it, or start with it for a prefix term, in
// term order — so that a term equal to the query comes before the longer
// ones it begins. Each query term is one range of the key (term, unit_id,
// person_id): term = ?, or term >= prefix AND term < PrefixEnd(prefix); all
// of them go in one statement.
func (tx *Tx) SearchTerms(ctx context.Context, f kinbridge.SearchFilter) ([]kinbridge.SearchHit, error) {
	if len(f.Terms) == 0 {
		return []kinbridge.SearchHit{}, nil
	}
	var scope string
	var scopeArgs []any
	if f.Subtree {
		scope, scopeArgs = scopeCond("t.unit_id", f.PathPrefix, "")
	} else {
		scope, scopeArgs = scopeCond("t.unit_id", "", f.PathPrefix)
	}
	if scope != "" {
		scope = " AND " + scope
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 200
	}
	var parts []string
	var args []any
	for i, qt := range f.Terms {
		var cond string
		switch end := PrefixEnd(qt.Term); {
		case !qt.Prefix:
			cond, args = "t.term = ?", append(args, qt.Term)
		case end == "":
			cond, args = "t.term >= ?", append(args, qt.Term)
		default:
			cond, args = "t.term >= ? AND t.term < ?", append(args, qt.Term, end)
		}
		args = append(append(args, scopeArgs...), limit)
		parts = append(parts, fmt.Sprintf("SELECT * FROM (SELECT t.person_id, t.term, t.weight FROM person_terms t WHERE %s%s ORDER BY t.term LIMIT ?) AS q%d",
			cond, scope, i))
	}
	rows, err := tx.query(ctx, strings.Join(parts, " UNION ALL "), args...)
	if err != nil {
		return nil, tx.store.mapError(err, "search terms", "person")
	}
	defer rows.Close()
	hits := []kinbridge.SearchHit{}
	for rows.Next() {
		var h kinbridge.SearchHit
		if err := rows.Scan(&h.PersonID, &h.Term, &h.Weight); err != nil {
			return nil, fmt.Errorf("search terms: %w", err)
		}
		hits = append(hits, h)
	}
	if err := rows.Err(); err != nil {
		return nil, tx.store.mapError(err, "search terms", "person")
	}
	return hits, nil
}

// FindTermMatches returns the persons other than excludeID that have any
// of the terms exactly. Merged records have no terms left, so they are
// never among them.
func (tx *Tx) FindTermMatches(ctx context.Context, terms []string, excludeID int64) ([]kinbridge.TermMatch, error) {
	if len(terms) == 0 {
		return []kinbridge.TermMatch{}, nil
	}
	in, args := placeholders(terms)
	rows, err := tx.query(ctx, "SELECT person_id, term FROM person_terms WHERE term IN ("+in+") AND person_id <> ? ORDER BY person_id, term",
		append(args, excludeID)...)
	if err != nil {
		return nil, tx.store.mapError(err, "find term matches", "person")
	}
	defer rows.Close()
	matches := []kinbridge.TermMatch{}
	for rows.Next() {
		var m kinbridge.TermMatch
		if err := rows.Scan(&m.PersonID, &m.Term); err != nil {
			return nil, fmt.Errorf("find term matches: %w", err)
		}
		matches = append(matches, m)
	}
	if err := rows.Err(); err != nil {
		return nil, tx.store.mapError(err, "find term matches", "person")
	}
	return matches, nil
}
