package sqlstore

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

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
// flags made. The pairs are found with one set-based query per key kind:
// the new persons' keys of that kind (a range of the term index) joined
// to the same term of every other person; a pair of two new persons is
// produced once (the lower id on the left). They are then sorted, and
// inserted in the flags' key order, skipping those that exist already: an
// import of a million persons makes some two million flags, which in the
// join's order would each touch a page anywhere in the table.
func (tx *Tx) FlagDuplicatesOf(ctx context.Context, firstID, lastID int64) (int, error) {
	type flag struct {
		lo, hi int64
		reason string
	}
	var flags []flag
	for _, k := range duplicateKinds {
		rows, err := tx.query(ctx, `
			SELECT a.person_id, b.person_id
			FROM person_terms a JOIN person_terms b ON b.term = a.term
			WHERE a.term >= ? AND a.term < ? AND a.person_id >= ? AND a.person_id <= ?
				AND b.person_id <> a.person_id AND (b.person_id > a.person_id OR b.person_id < ?)`,
			k.prefix, PrefixEnd(k.prefix), firstID, lastID, firstID)
		if err != nil {
			return 0, tx.store.mapError(err, "flag duplicates", "duplicate flag")
		}
		for rows.Next() {
			var a, b int64
			if err := rows.Scan(&a, &b); err != nil {
				rows.Close()
				return 0, fmt.Errorf("flag duplicates: %w", err)
			}
			flags = append(flags, flag{min(a, b), max(a, b), k.reason})
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return 0, tx.store.mapError(err, "flag duplicates", "duplicate flag")
		}
	}
	// Two persons may share more than one key of a kind: one flag a reason.
	slices.SortFunc(flags, func(a, b flag) int {
		return cmp.Or(cmp.Compare(a.lo, b.lo), cmp.Compare(a.hi, b.hi), strings.Compare(a.reason, b.reason))
	})
	flags = slices.Compact(flags)
	n := len(flags)
	los, his, reasons := make([]int64, n), make([]int64, n), make([]string, n)
	for i, f := range flags {
		los[i], his[i], reasons[i] = f.lo, f.hi, f.reason
	}
	// Every flag found has a person of the range on one side. When no flag
	// has one yet — an import's new persons — none can exist already, and
	// the rows go in without the check for each (an upsert, which on
	// SQLite also keeps a statement journal).
	var exists bool
	err := tx.queryRow(ctx, `SELECT EXISTS (SELECT 1 FROM duplicate_flags WHERE person_id >= ? AND person_id <= ?)
		OR EXISTS (SELECT 1 FROM duplicate_flags WHERE other_id >= ? AND other_id <= ?)`, firstID, lastID, firstID, lastID).Scan(&exists)
	if err != nil {
		return 0, tx.store.mapError(err, "flag duplicates", "duplicate flag")
	}
	made, err := tx.bulkInsert(ctx, "flag duplicates", "duplicate_flags", n, []column{
		intColumn("person_id", los), intColumn("other_id", his), textColumn("reason", reasons), constColumn("created", tx.now),
	}, bulkOptions{skipExisting: exists})
	return int(made), err
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
