package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"math"

	"github.com/kinbridge/kinbridge"
)

// householdSelect reads households with their unit's path and the count of
// their current residents (present, in this household).
const householdSelect = `SELECT h.id, h.unit_id, u.path, h.address, h.phone, h.languages, h.notes, h.created, h.updated,
	(SELECT COUNT(*) FROM persons p WHERE p.household_id = h.id AND p.kind = 'resident' AND p.status = 'present')
	FROM households h JOIN units u ON u.id = h.unit_id`

func scanHousehold(row interface{ Scan(...any) error }) (*kinbridge.Household, error) {
	var h kinbridge.Household
	var langs string
	err := row.Scan(&h.ID, &h.UnitID, &h.UnitPath, &h.Address, &h.Phone, &langs, &h.Notes,
		scanTime{&h.Created}, scanTime{&h.Updated}, &h.Members)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(langs), &h.Languages); err != nil {
		return nil, fmt.Errorf("household %d languages: %w", h.ID, err)
	}
	return &h, nil
}

func encodeLanguages(langs []string) string {
	if len(langs) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(langs) // strings always encode
	return string(b)
}

// FindHouseholdByID returns the household with its unit's path and its
// count of current residents.
func (tx *Tx) FindHouseholdByID(ctx context.Context, id int64) (*kinbridge.Household, error) {
	h, err := scanHousehold(tx.queryRow(ctx, householdSelect+" WHERE h.id = ?", id))
	if err != nil {
		return nil, tx.store.mapError(err, "find household", "household")
	}
	return h, nil
}

// householdWhere returns the conditions of a household filter (paging
// aside), on the alias h.
func (tx *Tx) householdWhere(ctx context.Context, f kinbridge.HouseholdFilter) ([]string, []any, error) {
	var where []string
	var args []any
	add := func(cond string, a []any) {
		if cond != "" {
			where, args = append(where, cond), append(args, a...)
		}
	}
	scope, scopeArgs, err := tx.tableScope(ctx, f.PathPrefix, f.Path, "h.unit_id")
	if err != nil {
		return nil, nil, err
	}
	where, args = append(where, scope...), append(args, scopeArgs...)
	if f.UnitID != 0 {
		add(unitSubtreeCond("h.unit_id", f.UnitID))
	}
	if f.Status != "" {
		add(`EXISTS (SELECT 1 FROM persons p WHERE p.household_id = h.id AND p.kind = 'resident' AND p.status = ?)`,
			[]any{string(f.Status)})
	}
	if f.ProgrammeID != 0 {
		add(`EXISTS (SELECT 1 FROM persons p JOIN person_programmes pp ON pp.person_id = p.id
			WHERE p.household_id = h.id AND p.kind = 'resident' AND p.status <> 'merged' AND pp.programme_id = ?)`,
			[]any{f.ProgrammeID})
	}
	return where, args, nil
}

// FindHouseholds returns one page of the households f selects, by id, and
// how many it selects in all.
func (tx *Tx) FindHouseholds(ctx context.Context, f kinbridge.HouseholdFilter) ([]*kinbridge.Household, int, error) {
	where, args, err := tx.householdWhere(ctx, f)
	if err != nil {
		return nil, 0, err
	}
	var total int
	if err := tx.queryRow(ctx, "SELECT COUNT(*) FROM households h"+whereClause(where), args...).Scan(&total); err != nil {
		return nil, 0, tx.store.mapError(err, "count households", "household")
	}
	q := householdSelect + whereClause(where) + " ORDER BY h.id"
	if f.Limit > 0 || f.Offset > 0 {
		limit := f.Limit
		if limit <= 0 {
			limit = math.MaxInt32
		}
		q, args = q+" LIMIT ? OFFSET ?", append(args, limit, max(f.Offset, 0))
	}
	hs, err := tx.findHouseholds(ctx, q, args...)
	if err != nil {
		return nil, 0, err
	}
	return hs, total, nil
}

func (tx *Tx) findHouseholds(ctx context.Context, q string, args ...any) ([]*kinbridge.Household, error) {
	rows, err := tx.query(ctx, q, args...)
	if err != nil {
		return nil, tx.store.mapError(err, "find households", "household")
	}
	defer rows.Close()
	hs := []*kinbridge.Household{}
	for rows.Next() {
		h, err := scanHousehold(rows)
		if err != nil {
			return nil, fmt.Errorf("find households: %w", err)
		}
		hs = append(hs, h)
	}
	if err := rows.Err(); err != nil {
		return nil, tx.store.mapError(err, "find households", "household")
	}
	return hs, nil
}

// CreateHousehold inserts the household and sets its ID and times.
func (tx *Tx) CreateHousehold(ctx context.Context, h *kinbridge.Household) error {
	err := tx.queryRow(ctx, `
		INSERT INTO households (unit_id, address, phone, languages, notes, created, updated)
		VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		h.UnitID, h.Address, h.Phone, encodeLanguages(h.Languages), h.Notes, tx.now, tx.now,
	).Scan(&h.ID)
	if err != nil {
		return tx.store.mapError(err, "create household", "household")
	}
	h.Created, h.Updated = tx.now, tx.now
	return nil
}

// CreateHouseholds inserts many households in as few statements as the
// engine allows and sets their IDs, in order, and times.
func (tx *Tx) CreateHouseholds(ctx context.Context, hs []*kinbridge.Household) error {
	if err := tx.bulkCache(ctx, len(hs)); err != nil {
		return err
	}
	n := len(hs)
	unitIDs := make([]int64, n)
	addrs, phones, langs, notes := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	for i, h := range hs {
		unitIDs[i], addrs[i], phones[i], langs[i], notes[i] = h.UnitID, h.Address, h.Phone, encodeLanguages(h.Languages), h.Notes
	}
	ids, err := tx.insertWithIDs(ctx, "create households", "households", n, []column{
		intColumn("unit_id", unitIDs), textColumn("address", addrs), textColumn("phone", phones),
		textColumn("languages", langs), textColumn("notes", notes),
		constColumn("created", tx.now), constColumn("updated", tx.now),
	})
	if err != nil {
		return err
	}
	for i, h := range hs {
		h.ID, h.Created, h.Updated = ids[i], tx.now, tx.now
	}
	return nil
}

// UpdateHousehold stores the household's fields. When its unit changed, its
// persons and their search terms move to the new unit with it, in the same
// transaction, so that they stay in the scope of the household (a
// statement per person for the terms: a household has a handful).
func (tx *Tx) UpdateHousehold(ctx context.Context, h *kinbridge.Household) error {
	var oldUnit int64
	if err := tx.queryRow(ctx, "SELECT unit_id FROM households WHERE id = ?", h.ID).Scan(&oldUnit); err != nil {
		return tx.store.mapError(err, "update household", "household")
	}
	err := tx.execOne(ctx, "household", "update household", `
		UPDATE households SET unit_id = ?, address = ?, phone = ?, languages = ?, notes = ?, updated = ? WHERE id = ?`,
		h.UnitID, h.Address, h.Phone, encodeLanguages(h.Languages), h.Notes, tx.now, h.ID)
	if err != nil {
		return err
	}
	if h.UnitID != oldUnit {
		// The terms first: they are found under their persons' old unit.
		var ids []int64
		rows, err := tx.query(ctx, "SELECT id FROM persons WHERE household_id = ? ORDER BY id", h.ID)
		if err != nil {
			return tx.store.mapError(err, "update household: find persons", "person")
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return fmt.Errorf("update household: find persons: %w", err)
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return tx.store.mapError(err, "update household: find persons", "person")
		}
		for _, id := range ids {
			if err := tx.moveTerms(ctx, id, h.UnitID); err != nil {
				return err
			}
		}
		if _, err := tx.exec(ctx, "UPDATE persons SET unit_id = ? WHERE household_id = ?", h.UnitID, h.ID); err != nil {
			return tx.store.mapError(err, "update household: move persons", "person")
		}
	}
	h.Updated = tx.now
	return nil
}

// scanBatch is how many households ScanHouseholds reads at a time.
const scanBatch = 500

// ScanHouseholds calls fn for each household f selects, by id, with its
// members (residents, by id), relatives abroad and their links. It reads
// scanBatch households at a time, then their persons, documents,
// programmes and links with one query each, and calls fn only after a
// batch is read, so that fn may take its time without holding a cursor.
// Merged records are left out: they are kept for their history, and are
// not persons of the household any more.
func (tx *Tx) ScanHouseholds(ctx context.Context, f kinbridge.HouseholdFilter, fn func(*kinbridge.HouseholdRecord) error) error {
	where, args, err := tx.householdWhere(ctx, f)
	if err != nil {
		return err
	}
	var after int64
	for {
		q := householdSelect + whereClause(append(where[:len(where):len(where)], "h.id > ?")) + " ORDER BY h.id LIMIT ?"
		hs, err := tx.findHouseholds(ctx, q, append(args[:len(args):len(args)], after, scanBatch)...)
		if err != nil {
			return err
		}
		if len(hs) == 0 {
			return nil
		}
		after = hs[len(hs)-1].ID
		ids := make([]int64, len(hs))
		recs := make(map[int64]*kinbridge.HouseholdRecord, len(hs))
		for i, h := range hs {
			ids[i] = h.ID
			recs[h.ID] = &kinbridge.HouseholdRecord{Household: h}
		}
		in, inArgs := placeholders(ids)
		persons, err := tx.findPersons(ctx, "p.household_id IN ("+in+") AND p.status <> 'merged'", inArgs)
		if err != nil {
			return err
		}
		for _, p := range persons {
			rec := recs[p.HouseholdID]
			if p.Kind == kinbridge.PersonRelativeAbroad {
				rec.Relatives = append(rec.Relatives, p)
			} else {
				rec.Members = append(rec.Members, p)
			}
		}
		links, err := tx.findRelativeLinks(ctx, "r.household_id IN ("+in+")", inArgs)
		if err != nil {
			return err
		}
		for _, l := range links {
			rec := recs[l.householdID]
			rec.Links = append(rec.Links, l.RelativeLink)
		}
		for _, h := range hs {
			if err := fn(recs[h.ID]); err != nil {
				return err
			}
		}
		if len(hs) < scanBatch {
			return nil
		}
	}
}
