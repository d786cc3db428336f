package sqlstore

import (
	"context"
	"fmt"
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
	ids, units, weights, terms := make([]int64, 0, n), make([]int64, 0, n), make([]int64, 0, n), make([]string, 0, n)
	for _, p := range ps {
		for _, t := range p.Terms {
			ids, units, weights, terms = append(ids, p.ID), append(units, p.UnitID), append(weights, int64(t.Weight)), append(terms, t.Term)
		}
	}
	return tx.insertRows(ctx, "create search terms", "person_terms", n, []column{
		intColumn("person_id", ids), textColumn("term", terms), intColumn("unit_id", units), intColumn("weight", weights),
	})
}

// SearchTerms returns, for each query term, up to f.Limit stored terms of
// persons in scope that equal it, or start with it for a prefix term, in
// term order — so that a term equal to the query comes before the longer
// ones it begins. Each query term is one range of the index on (term,
// unit_id): term = ?, or term >= prefix AND term < PrefixEnd(prefix); all of
// them go in one statement.
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
