package sqlstore

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/kinbridge/kinbridge"
)

// insertTerms stores the search terms of the persons, with each person's
// unit so that a search is scoped from the term index alone.
func (tx *Tx) insertTerms(ctx context.Context, ps []*kinbridge.Person) error {
	n := 0
	for _, p := range ps {
		n += len(p.Terms)
	}
	type row struct {
		term         string
		id, unit, wt int64
	}
	rows := make([]row, 0, n)
	for _, p := range ps {
		for _, t := range p.Terms {
			rows = append(rows, row{t.Term, p.ID, p.UnitID, int64(t.Weight)})
		}
	}
	// In term order, the inserts into the term index walk it from left to
	// right, each near the one before, instead of touching a page anywhere
	// in it for every row.
	slices.SortFunc(rows, func(a, b row) int {
		if c := strings.Compare(a.term, b.term); c != 0 {
			return c
		}
		return cmp.Compare(a.id, b.id)
	})
	ids, units, weights, terms := make([]int64, n), make([]int64, n), make([]int64, n), make([]string, n)
	for i, r := range rows {
		ids[i], units[i], weights[i], terms[i] = r.id, r.unit, r.wt, r.term
	}
	return tx.insertRows(ctx, "create search terms", "person_terms", n, []column{
		intColumn("person_id", ids), textColumn("term", terms), intColumn("unit_id", units), intColumn("weight", weights),
	})
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
