package sqlstore

import (
	"context"
	"fmt"

	"github.com/kinbridge/kinbridge"
)

// CreateDuplicateFlag stores a flag; one that exists (same pair, same
// reason) is ECONFLICT, and the transaction goes on.
func (tx *Tx) CreateDuplicateFlag(ctx context.Context, f *kinbridge.DuplicateFlag) error {
	return tx.insertOnce(ctx, "create duplicate flag", "duplicate flag",
		"INSERT INTO duplicate_flags (person_id, other_id, reason, created) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
		f.PersonID, f.OtherID, f.Reason, f.Created)
}

// duplicateKinds are the duplicate-key term kinds and the reason each gives
// (kinbridge's search terms).
var duplicateKinds = []struct{ prefix, reason string }{
	{"k:", "name_birth_year"},
	{"d:", "document"},
	{"q:", "phone"},
}

// FlagDuplicatesOf flags every pair of a person with id in [firstID,
// lastID] and another person that share a duplicate key, and returns the
// flags made. Each key kind is one INSERT … SELECT, and the pairs never
// leave the database: the new persons' keys of that kind (a range of the
// term index) joined to the same term of every other person, a pair of two
// new persons once (the lower id on the left), two persons that share more
// than one key of the kind once, inserted in the flags' key order — an
// import of a million persons makes some two million flags, which in the
// join's order would each touch a page anywhere in the table.
func (tx *Tx) FlagDuplicatesOf(ctx context.Context, firstID, lastID int64) (int, error) {
	// Every flag found has a person of the range on one side. When no flag
	// has one yet — an import's new persons — none can exist already, and
	// the rows go in without the check for each (on SQLite an upsert keeps
	// a statement journal; OR FAIL does not, and fails the transaction on a
	// row that breaks a constraint, as the caller wants).
	var exists bool
	err := tx.queryRow(ctx, `SELECT EXISTS (SELECT 1 FROM duplicate_flags WHERE person_id >= ? AND person_id <= ?)
		OR EXISTS (SELECT 1 FROM duplicate_flags WHERE other_id >= ? AND other_id <= ?)`, firstID, lastID, firstID, lastID).Scan(&exists)
	if err != nil {
		return 0, tx.store.mapError(err, "flag duplicates", "duplicate flag")
	}
	insert, tail := "INSERT OR FAIL INTO", ""
	switch {
	case tx.postgres() && exists:
		insert, tail = "INSERT INTO", " ON CONFLICT DO NOTHING"
	case tx.postgres():
		insert = "INSERT INTO"
	case exists:
		insert = "INSERT OR IGNORE INTO"
	}
	// The reason and the time are the select list's: PostgreSQL types them
	// there, not from the columns they go to.
	values := "CAST(? AS TEXT), ?"
	if tx.postgres() {
		values = "CAST(? AS TEXT), CAST(? AS timestamptz)"
	}
	made := 0
	for _, k := range duplicateKinds {
		res, err := tx.exec(ctx, insert+` duplicate_flags (person_id, other_id, reason, created)
			SELECT DISTINCT CASE WHEN a.person_id < b.person_id THEN a.person_id ELSE b.person_id END,
				CASE WHEN a.person_id < b.person_id THEN b.person_id ELSE a.person_id END, `+values+`
			FROM person_terms a JOIN person_terms b ON b.term = a.term
			WHERE a.term >= ? AND a.term < ? AND a.person_id >= ? AND a.person_id <= ?
				AND b.person_id <> a.person_id AND (b.person_id > a.person_id OR b.person_id < ?)
			ORDER BY 1, 2`+tail,
			k.reason, tx.now, k.prefix, PrefixEnd(k.prefix), firstID, lastID, firstID)
		if err != nil {
			return 0, tx.store.mapError(err, "flag duplicates", "duplicate flag")
		}
		n, err := res.RowsAffected()
		if err != nil {
			return 0, fmt.Errorf("flag duplicates: %w", err)
		}
		made += int(n)
	}
	return made, nil
}

// FindDuplicateFlags returns the flags f selects, by pair and reason, with
// both persons' display names and unit paths.
func (tx *Tx) FindDuplicateFlags(ctx context.Context, f kinbridge.DuplicateFilter) ([]*kinbridge.DuplicateFlag, error) {
	var where []string
	var args []any
	if f.PersonID != 0 {
		where, args = append(where, "(f.person_id = ? OR f.other_id = ?)"), append(args, f.PersonID, f.PersonID)
	}
	scope, scopeArgs, err := tx.tableScope(ctx, f.PathPrefix, f.Path, "p.unit_id", "o.unit_id")
	if err != nil {
		return nil, err
	}
	where, args = append(where, scope...), append(args, scopeArgs...)
	q := `SELECT f.person_id, f.other_id, f.reason, f.created,
		p.name_native, p.name_second, p.name_latin, pu.path, o.name_native, o.name_second, o.name_latin, ou.path
		FROM duplicate_flags f
		JOIN persons p ON p.id = f.person_id JOIN units pu ON pu.id = p.unit_id
		JOIN persons o ON o.id = f.other_id JOIN units ou ON ou.id = o.unit_id` +
		whereClause(where) + " ORDER BY f.person_id, f.other_id, f.reason"
	if f.Limit > 0 {
		q, args = q+" LIMIT ?", append(args, f.Limit)
	}
	rows, err := tx.query(ctx, q, args...)
	if err != nil {
		return nil, tx.store.mapError(err, "find duplicate flags", "duplicate flag")
	}
	defer rows.Close()
	flags := []*kinbridge.DuplicateFlag{}
	for rows.Next() {
		var fl kinbridge.DuplicateFlag
		var pn, on kinbridge.PersonNames
		err := rows.Scan(&fl.PersonID, &fl.OtherID, &fl.Reason, scanTime{&fl.Created},
			&pn.Native, &pn.Second, &pn.Latin, &fl.PersonUnitPath, &on.Native, &on.Second, &on.Latin, &fl.OtherPath)
		if err != nil {
			return nil, fmt.Errorf("find duplicate flags: %w", err)
		}
		fl.PersonName, fl.OtherName = pn.Display(), on.Display()
		flags = append(flags, &fl)
	}
	if err := rows.Err(); err != nil {
		return nil, tx.store.mapError(err, "find duplicate flags", "duplicate flag")
	}
	return flags, nil
}

// DeleteDuplicateFlags deletes every flag between the two persons (the
// lower id first), whatever its reason.
func (tx *Tx) DeleteDuplicateFlags(ctx context.Context, personID, otherID int64) error {
	_, err := tx.exec(ctx, "DELETE FROM duplicate_flags WHERE person_id = ? AND other_id = ?", min(personID, otherID), max(personID, otherID))
	if err != nil {
		return tx.store.mapError(err, "delete duplicate flags", "duplicate flag")
	}
	return nil
}
