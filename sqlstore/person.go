package sqlstore

import (
	"context"
	"fmt"

	"github.com/kinbridge/kinbridge"
)

// personSelect reads persons with their unit's path, which every scope
// decision needs.
const personSelect = `SELECT p.id, p.kind, p.household_id, p.unit_id, u.path, p.relationship,
	p.name_native, p.name_second, p.name_latin, p.birth_date, p.sex, p.nationality, p.phone, p.notes,
	p.country, p.city, p.contact_channel, p.status, p.address, COALESCE(p.merged_into, 0), p.created, p.updated
	FROM persons p JOIN units u ON u.id = p.unit_id`

func scanPerson(row interface{ Scan(...any) error }) (*kinbridge.Person, error) {
	var p kinbridge.Person
	err := row.Scan(&p.ID, &p.Kind, &p.HouseholdID, &p.UnitID, &p.UnitPath, &p.Relationship,
		&p.Names.Native, &p.Names.Second, &p.Names.Latin, &p.BirthDate, &p.Sex, &p.Nationality, &p.Phone, &p.Notes,
		&p.Country, &p.City, &p.ContactChannel, &p.Status, &p.Address, &p.MergedInto, scanTime{&p.Created}, scanTime{&p.Updated})
	if err != nil {
		return nil, err
	}
	return &p, nil
}

// FindPersonByID returns the person, merged or not, with their unit's path,
// documents and programmes.
func (tx *Tx) FindPersonByID(ctx context.Context, id int64) (*kinbridge.Person, error) {
	ps, err := tx.findPersons(ctx, "p.id = ?", []any{id})
	if err != nil {
		return nil, err
	} else if len(ps) == 0 {
		return nil, notFound("person")
	}
	return ps[0], nil
}

// FindPersons returns the persons f selects, by id, each with their unit's
// path, documents and programmes; merged records only with IncludeMerged.
func (tx *Tx) FindPersons(ctx context.Context, f kinbridge.PersonFilter) ([]*kinbridge.Person, error) {
	var where []string
	var args []any
	if f.IDs != nil {
		if len(f.IDs) == 0 {
			return []*kinbridge.Person{}, nil
		}
		in, inArgs := placeholders(f.IDs)
		where, args = append(where, "p.id IN ("+in+")"), append(args, inArgs...)
	}
	if f.HouseholdID != 0 {
		where, args = append(where, "p.household_id = ?"), append(args, f.HouseholdID)
	}
	if f.FormerHouseholdID != 0 {
		// Residents who moved from the household into another: their move
		// is an event of this household, and they live elsewhere now.
		where = append(where, `p.household_id <> ? AND p.id IN
			(SELECT e.person_id FROM status_events e WHERE e.household_id = ? AND e.kind = 'moved' AND e.to_household_id IS NOT NULL)`)
		args = append(args, f.FormerHouseholdID, f.FormerHouseholdID)
	}
	if !f.IncludeMerged {
		where = append(where, "p.status <> 'merged'")
	}
	if len(where) == 0 {
		where = []string{"1 = 1"}
	}
	return tx.findPersons(ctx, joinAnd(where), args)
}

func joinAnd(conds []string) string {
	s := whereClause(conds)
	return s[len(" WHERE "):]
}

// findPersons returns the persons that match where (on the alias p), by
// id, with their documents and programmes: three queries whatever the
// number of persons, never one per person.
func (tx *Tx) findPersons(ctx context.Context, where string, args []any) ([]*kinbridge.Person, error) {
	rows, err := tx.query(ctx, personSelect+" WHERE "+where+" ORDER BY p.id", args...)
	if err != nil {
		return nil, tx.store.mapError(err, "find persons", "person")
	}
	persons := []*kinbridge.Person{}
	byID := map[int64]*kinbridge.Person{}
	for rows.Next() {
		p, err := scanPerson(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("find persons: %w", err)
		}
		persons = append(persons, p)
		byID[p.ID] = p
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, tx.store.mapError(err, "find persons", "person")
	}
	if len(persons) == 0 {
		return persons, nil
	}
	sub := "SELECT p.id FROM persons p WHERE " + where
	rows, err = tx.query(ctx, `SELECT d.person_id, d.kind, d.number FROM person_documents d
		WHERE d.person_id IN (`+sub+`) ORDER BY d.person_id, d.pos`, args...)
	if err != nil {
		return nil, tx.store.mapError(err, "find documents", "person")
	}
	for rows.Next() {
		var id int64
		var d kinbridge.Document
		if err := rows.Scan(&id, &d.Kind, &d.Number); err != nil {
			rows.Close()
			return nil, fmt.Errorf("find documents: %w", err)
		}
		if p := byID[id]; p != nil {
			p.Documents = append(p.Documents, d)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, tx.store.mapError(err, "find documents", "person")
	}
	rows, err = tx.query(ctx, `SELECT pp.person_id, pp.programme_id FROM person_programmes pp
		WHERE pp.person_id IN (`+sub+`) ORDER BY pp.person_id, pp.programme_id`, args...)
	if err != nil {
		return nil, tx.store.mapError(err, "find programmes of persons", "person")
	}
	defer rows.Close()
	for rows.Next() {
		var id, prog int64
		if err := rows.Scan(&id, &prog); err != nil {
			return nil, fmt.Errorf("find programmes of persons: %w", err)
		}
		if p := byID[id]; p != nil {
			p.ProgrammeIDs = append(p.ProgrammeIDs, prog)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, tx.store.mapError(err, "find programmes of persons", "person")
	}
	return persons, nil
}

// CreatePerson stores the person with their documents, programmes and
// terms, and sets ID, UnitID (the household's), Created and Updated.
func (tx *Tx) CreatePerson(ctx context.Context, p *kinbridge.Person) error {
	return tx.CreatePersons(ctx, []*kinbridge.Person{p})
}

// CreatePersons stores many persons with their documents, programmes and
// terms, in as few statements as the engine allows (see insertRows), and
// sets their IDs in order. A person's UnitID, when the caller has not set
// it, is read from their household; when set, it must be the household's.
func (tx *Tx) CreatePersons(ctx context.Context, ps []*kinbridge.Person) error {
	if len(ps) == 0 {
		return nil
	}
	if err := tx.fillUnits(ctx, ps); err != nil {
		return err
	}
	if err := tx.bulkCache(ctx, len(ps)); err != nil {
		return err
	}
	n := len(ps)
	households, units := make([]int64, n), make([]int64, n)
	var (
		kinds, rels, natives, seconds, latins, births, sexes = make([]string, n), make([]string, n), make([]string, n),
			make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		nats, phones, notes, countries, cities, channels, statuses, addrs = make([]string, n), make([]string, n),
			make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		termLists = make([]string, n)
	)
	for i, p := range ps {
		if p.Status == "" {
			p.Status = kinbridge.StatusPresent
		}
		households[i], units[i] = p.HouseholdID, p.UnitID
		kinds[i], rels[i], natives[i], seconds[i], latins[i] = string(p.Kind), p.Relationship, p.Names.Native, p.Names.Second, p.Names.Latin
		births[i], sexes[i], nats[i], phones[i], notes[i] = p.BirthDate, p.Sex, p.Nationality, p.Phone, p.Notes
		countries[i], cities[i], channels[i], statuses[i], addrs[i] = p.Country, p.City, p.ContactChannel, string(p.Status), p.Address
		termLists[i] = termList(p.Terms)
	}
	ids, err := tx.insertWithIDs(ctx, "create persons", "persons", n, []column{
		textColumn("kind", kinds), intColumn("household_id", households), intColumn("unit_id", units),
		textColumn("relationship", rels), textColumn("name_native", natives), textColumn("name_second", seconds),
		textColumn("name_latin", latins), textColumn("birth_date", births), textColumn("sex", sexes),
		textColumn("nationality", nats), textColumn("phone", phones), textColumn("notes", notes),
		textColumn("country", countries), textColumn("city", cities), textColumn("contact_channel", channels),
		textColumn("status", statuses), textColumn("address", addrs), textColumn("terms", termLists),
		constColumn("created", tx.now), constColumn("updated", tx.now),
	})
	if err != nil {
		return err
	}
	for i, p := range ps {
		p.ID, p.Created, p.Updated = ids[i], tx.now, tx.now
	}
	if err := tx.insertDocuments(ctx, ps); err != nil {
		return err
	}
	if err := tx.insertProgrammes(ctx, ps); err != nil {
		return err
	}
	return tx.insertTerms(ctx, ps)
}

// fillUnits sets the UnitID (and UnitPath) of the persons that lack it from
// their households, with one query.
func (tx *Tx) fillUnits(ctx context.Context, ps []*kinbridge.Person) error {
	var missing []int64
	for _, p := range ps {
		if p.UnitID == 0 {
			missing = append(missing, p.HouseholdID)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	in, args := placeholders(missing)
	rows, err := tx.query(ctx, "SELECT h.id, h.unit_id, u.path FROM households h JOIN units u ON u.id = h.unit_id WHERE h.id IN ("+in+")", args...)
	if err != nil {
		return tx.store.mapError(err, "create persons: find households", "household")
	}
	defer rows.Close()
	type unit struct {
		id   int64
		path string
	}
	units := map[int64]unit{}
	for rows.Next() {
		var h int64
		var u unit
		if err := rows.Scan(&h, &u.id, &u.path); err != nil {
			return fmt.Errorf("create persons: find households: %w", err)
		}
		units[h] = u
	}
	if err := rows.Err(); err != nil {
		return tx.store.mapError(err, "create persons: find households", "household")
	}
	for _, p := range ps {
		if p.UnitID == 0 {
			u, ok := units[p.HouseholdID]
			if !ok {
				return &kinbridge.Error{Code: kinbridge.EINVALID, Message: "The record refers to a record that does not exist.", Key: "error.invalid_reference"}
			}
			p.UnitID, p.UnitPath = u.id, u.path
		}
	}
	return nil
}

func (tx *Tx) insertDocuments(ctx context.Context, ps []*kinbridge.Person) error {
	var ids, pos []int64
	var kinds, numbers []string
	for _, p := range ps {
		for i, d := range p.Documents {
			ids, pos, kinds, numbers = append(ids, p.ID), append(pos, int64(i)), append(kinds, d.Kind), append(numbers, d.Number)
		}
	}
	return tx.insertRows(ctx, "create documents", "person_documents", len(ids), []column{
		intColumn("person_id", ids), intColumn("pos", pos), textColumn("kind", kinds), textColumn("number", numbers),
	})
}

func (tx *Tx) insertProgrammes(ctx context.Context, ps []*kinbridge.Person) error {
	var ids, progs []int64
	for _, p := range ps {
		for _, prog := range p.ProgrammeIDs {
			ids, progs = append(ids, p.ID), append(progs, prog)
		}
	}
	return tx.insertRows(ctx, "create programme memberships", "person_programmes", len(ids), []column{
		intColumn("person_id", ids), intColumn("programme_id", progs),
	})
}

// UpdatePerson stores the person's own fields and replaces their documents,
// programmes and terms; kind, household, unit and status stay as they are.
func (tx *Tx) UpdatePerson(ctx context.Context, p *kinbridge.Person) error {
	// The old terms are found by the list the row holds, before it changes;
	// the new ones take the unit the person has now, whatever the caller
	// holds.
	old, err := tx.storedTerms(ctx, p.ID)
	if err != nil {
		return err
	}
	err = tx.execOne(ctx, "person", "update person", `
		UPDATE persons SET relationship = ?, name_native = ?, name_second = ?, name_latin = ?, birth_date = ?, sex = ?,
			nationality = ?, phone = ?, notes = ?, country = ?, city = ?, contact_channel = ?, terms = ?, updated = ?
		WHERE id = ?`,
		p.Relationship, p.Names.Native, p.Names.Second, p.Names.Latin, p.BirthDate, p.Sex,
		p.Nationality, p.Phone, p.Notes, p.Country, p.City, p.ContactChannel, termList(p.Terms), tx.now, p.ID)
	if err != nil {
		return err
	}
	for _, table := range []string{"person_documents", "person_programmes"} {
		if _, err := tx.exec(ctx, "DELETE FROM "+table+" WHERE person_id = ?", p.ID); err != nil {
			return tx.store.mapError(err, "update person", "person")
		}
	}
	if err := tx.deleteTerms(ctx, old); err != nil {
		return err
	}
	p.UnitID = old.unitID
	ps := []*kinbridge.Person{p}
	if err := tx.insertDocuments(ctx, ps); err != nil {
		return err
	}
	if err := tx.insertProgrammes(ctx, ps); err != nil {
		return err
	}
	if err := tx.insertTerms(ctx, ps); err != nil {
		return err
	}
	p.Updated = tx.now
	return nil
}

// UpdatePersonState stores the derived status, household and address. The
// person's unit is the household's: a move into a household of another unit
// moves the person, and their search terms, into that unit's scope.
func (tx *Tx) UpdatePersonState(ctx context.Context, id int64, st kinbridge.PersonState) error {
	var unitID int64
	if err := tx.queryRow(ctx, "SELECT unit_id FROM households WHERE id = ?", st.HouseholdID).Scan(&unitID); err != nil {
		return tx.store.mapError(err, "update person state", "household")
	}
	// The terms move first: they are found under the person's old unit.
	if err := tx.moveTerms(ctx, id, unitID); err != nil {
		return err
	}
	err := tx.execOne(ctx, "person", "update person state",
		"UPDATE persons SET status = ?, household_id = ?, address = ?, unit_id = ?, updated = ? WHERE id = ?",
		string(st.Status), st.HouseholdID, st.Address, unitID, tx.now, id)
	return err
}

// MergePerson stores keep (as UpdatePerson), marks dup as merged into keep
// (its record and history stay; its terms go, so that searches and
// duplicate checks find only keep), moves dup's relative links to keep
// (a link keep already has is kept once), and deletes the duplicate flags
// between the two.
func (tx *Tx) MergePerson(ctx context.Context, keep, dup *kinbridge.Person) error {
	if err := tx.UpdatePerson(ctx, keep); err != nil {
		return err
	}
	terms, err := tx.storedTerms(ctx, dup.ID)
	if err != nil {
		return err
	}
	if err := tx.deleteTerms(ctx, terms); err != nil {
		return err
	}
	err = tx.execOne(ctx, "person", "merge person",
		"UPDATE persons SET status = 'merged', merged_into = ?, terms = '', updated = ? WHERE id = ?", keep.ID, tx.now, dup.ID)
	if err != nil {
		return err
	}
	for _, st := range []struct {
		q    string
		args []any
	}{
		{`INSERT INTO relative_links (relative_id, member_id, relationship)
			SELECT ?, member_id, relationship FROM relative_links WHERE relative_id = ? ON CONFLICT DO NOTHING`, []any{keep.ID, dup.ID}},
		{"DELETE FROM relative_links WHERE relative_id = ?", []any{dup.ID}},
		{`INSERT INTO relative_links (relative_id, member_id, relationship)
			SELECT relative_id, ?, relationship FROM relative_links WHERE member_id = ? ON CONFLICT DO NOTHING`, []any{keep.ID, dup.ID}},
		{"DELETE FROM relative_links WHERE member_id = ?", []any{dup.ID}},
	} {
		if _, err := tx.exec(ctx, st.q, st.args...); err != nil {
			return tx.store.mapError(err, "merge person", "person")
		}
	}
	_, err = tx.exec(ctx, "DELETE FROM duplicate_flags WHERE person_id = ? AND other_id = ?", min(keep.ID, dup.ID), max(keep.ID, dup.ID))
	if err != nil {
		return tx.store.mapError(err, "merge person: delete flags", "person")
	}
	dup.Status, dup.MergedInto, dup.Updated = kinbridge.StatusMerged, keep.ID, tx.now
	return nil
}
