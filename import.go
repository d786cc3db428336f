package kinbridge

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// ImportColumns are the columns of a registry import file, in the order an
// export writes them. One row is one person; rows with the same household
// reference make one household, whose columns (unit_id, address,
// household_phone, languages, household_notes) must agree on every row of
// it. docs/import-format.md describes each column.
var ImportColumns = []string{
	"household", "unit_id", "address", "household_phone", "languages", "household_notes",
	"person", "kind", "name_native", "name_second", "name_latin", "birth_date", "sex", "nationality",
	"relationship", "phone", "documents", "programmes", "country", "city", "contact_channel", "related_to", "notes",
}

// RequiredColumns must be present in an import file's header.
var RequiredColumns = []string{"household", "unit_id", "address"}

// ImportRow is one row of an import file: its line number and its cells by
// column name.
type ImportRow struct {
	Line  int
	Cells map[string]string
}

// RowError is why one row of an import was rejected.
type RowError struct {
	Line    int
	Field   string // the column
	Message string
}

func (e RowError) String() string {
	if e.Field == "" {
		return fmt.Sprintf("line %d: %s", e.Line, e.Message)
	}
	return fmt.Sprintf("line %d, column %s: %s", e.Line, e.Field, e.Message)
}

// ImportOptions control an import.
type ImportOptions struct {
	// SkipInvalid imports the valid rows and reports the others; without it
	// one bad row rejects the whole file and nothing is written.
	SkipInvalid bool
	// Progress, if not nil, is told how many rows are done, per stage
	// ("validate", "write").
	Progress func(stage string, done, total int)
}

// ImportResult says what an import did.
type ImportResult struct {
	Rows                              int
	Households                        int
	Persons                           int
	Rejected                          []RowError // one per rejected row: the first reason found
	DuplicateFlags                    int
	FirstHouseholdID, LastHouseholdID int64
	// HouseholdIDs are the ids of the households made, in the order they
	// first appear in the rows.
	HouseholdIDs []int64
	// PersonIDs are the ids of the persons made: household by household,
	// in the order the households first appear, each household's in the
	// order of its rows — the order of the valid rows when each household's
	// rows are together.
	PersonIDs []int64
}

// CheckImportHeader checks the header of an import file and returns the
// unknown columns as an error naming them.
func CheckImportHeader(header []string) error {
	seen := map[string]bool{}
	for _, h := range header {
		h = strings.TrimSpace(strings.ToLower(h))
		if !slices.Contains(ImportColumns, h) {
			return FieldError(h, "error.import.column", "Unknown column %q; the columns are: %s.", h, strings.Join(ImportColumns, ", "))
		}
		if seen[h] {
			return FieldError(h, "error.import.column_twice", "Column %q appears twice.", h)
		}
		seen[h] = true
	}
	for _, r := range RequiredColumns {
		if !seen[r] {
			return FieldError(r, "error.import.column_missing", "The header has no %q column.", r)
		}
	}
	return nil
}

// importHousehold is one household of an import, with its rows.
type importHousehold struct {
	ref       string
	household *Household
	rows      []int // indexes into the rows
	persons   []*Person
	refs      map[string]*Person // person reference → resident
}

// ImportRegistry validates every row, then imports all of them in one
// transaction — or, when one is bad, none (unless SkipInvalid, which imports
// the valid rows). It returns what it did; with rejected rows and without
// SkipInvalid the error is EINVALID and nothing was written.
func (s *Service) ImportRegistry(ctx context.Context, rows []ImportRow, opt ImportOptions) (*ImportResult, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if err := authorizeAction(a, ActionRegistryImport); err != nil {
		return nil, err
	}
	progress := opt.Progress
	if progress == nil {
		progress = func(string, int, int) {}
	}
	res := &ImportResult{Rows: len(rows)}

	// What the rows refer to: units in scope and programme codes.
	var units map[int64]*Unit
	var programmes map[string]int64
	err = s.store.View(ctx, func(tx Tx) error {
		us, err := tx.FindUnits(ctx, scopeFilter(a))
		if err != nil {
			return err
		}
		units = make(map[int64]*Unit, len(us))
		for _, u := range us {
			units[u.ID] = u
		}
		ps, err := tx.FindProgrammes(ctx)
		if err != nil {
			return err
		}
		programmes = make(map[string]int64, len(ps))
		for _, p := range ps {
			programmes[strings.ToLower(p.Code)] = p.ID
		}
		return nil
	})
	if err != nil {
		return nil, err
	}

	households, rejected := validateImport(rows, units, programmes, s.clock, progress)
	res.Rejected = rejected
	if len(rejected) > 0 && !opt.SkipInvalid {
		return res, &Error{Code: EINVALID, Key: "error.import.rejected",
			Message: fmt.Sprintf("%d of %d rows are not valid; nothing was imported.", len(rejected), len(rows))}
	}
	var hs []*Household
	var ps []*Person
	for _, h := range households {
		if len(h.persons) == 0 {
			continue
		}
		hs = append(hs, h.household)
		ps = append(ps, h.persons...)
	}
	res.Households, res.Persons = len(hs), len(ps)
	if len(hs) == 0 {
		return res, nil
	}
	err = s.store.Update(ctx, func(tx Tx) error {
		// Households first: persons take their ids.
		if err := tx.CreateHouseholds(ctx, hs); err != nil {
			return err
		}
		for _, h := range households {
			for _, p := range h.persons {
				p.HouseholdID = h.household.ID
			}
		}
		var links []*RelativeLink
		// All persons in one call: the store writes their search terms in
		// the term index's order, in one pass over it, rather than a
		// batch's terms scattered over all of it for every batch.
		progress("write", 0, len(ps))
		if err := tx.CreatePersons(ctx, ps); err != nil {
			return err
		}
		progress("write", len(ps), len(ps))
		for _, h := range households {
			for _, p := range h.persons {
				if p.Kind == PersonRelativeAbroad && p.relatedTo != "" {
					links = append(links, &RelativeLink{RelativeID: p.ID, MemberID: h.refs[p.relatedTo].ID, Relationship: p.relatedAs})
				}
			}
		}
		if err := tx.CreateRelativeLinks(ctx, links); err != nil {
			return err
		}
		n, err := tx.FlagDuplicatesOf(ctx, ps[0].ID, ps[len(ps)-1].ID)
		if err != nil {
			return err
		}
		res.DuplicateFlags = n
		res.FirstHouseholdID, res.LastHouseholdID = hs[0].ID, hs[len(hs)-1].ID
		res.HouseholdIDs = make([]int64, len(hs))
		for i, h := range hs {
			res.HouseholdIDs[i] = h.ID
		}
		res.PersonIDs = make([]int64, len(ps))
		for i, p := range ps {
			res.PersonIDs[i] = p.ID
		}
		// One entry for the whole import, not one per record: the import is
		// one transaction, and the entry names who imported, the counts and
		// the id ranges of the households and persons it made. The ids are
		// ascending in row order (ImportResult); on SQLite, whose one writer
		// holds the database, each range holds exactly the import's records,
		// and on PostgreSQL, whose ids come from sequences that concurrent
		// writes also draw on, it does when last-first+1 equals the count.
		return s.audit(ctx, tx, a, AuditEvent{Action: "registry.import", RecordType: "household", RecordID: hs[0].ID, UnitID: a.UnitID,
			Detail: map[string]any{"rows": len(rows), "households": len(hs), "persons": len(ps), "rejected": len(rejected),
				"first_household_id": hs[0].ID, "last_household_id": hs[len(hs)-1].ID,
				"first_person_id": ps[0].ID, "last_person_id": ps[len(ps)-1].ID, "duplicate_flags": n}})
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// validateImport turns rows into households and persons, and returns the
// rows it rejects (a row whose household's other rows disagree, or whose
// relative refers to a rejected member, is rejected too).
func validateImport(rows []ImportRow, units map[int64]*Unit, programmes map[string]int64, clock Clock, progress func(string, int, int)) ([]*importHousehold, []RowError) {
	now := clock.Now()
	var rejected []RowError
	bad := map[int]bool{}
	reject := func(i int, field, format string, args ...any) {
		if bad[i] {
			return
		}
		bad[i] = true
		rejected = append(rejected, RowError{Line: rows[i].Line, Field: field, Message: fmt.Sprintf(format, args...)})
	}
	byRef := map[string]*importHousehold{}
	var order []*importHousehold
	persons := make([]*Person, len(rows))
	for i, row := range rows {
		if i%10000 == 0 {
			progress("validate", i, len(rows))
		}
		c := func(name string) string { return strings.TrimSpace(row.Cells[name]) }
		ref := c("household")
		if ref == "" {
			reject(i, "household", "Give the household reference that groups its rows.")
			continue
		}
		h := byRef[ref]
		if h == nil {
			unitID, err := strconv.ParseInt(c("unit_id"), 10, 64)
			if err != nil || units[unitID] == nil {
				reject(i, "unit_id", "No unit %q in your scope.", c("unit_id"))
				continue
			}
			hh := &Household{UnitID: unitID, UnitPath: units[unitID].Path, Address: c("address"), Phone: c("household_phone"),
				Languages: splitList(c("languages")), Notes: c("household_notes")}
			if err := hh.Validate(); err != nil {
				reject(i, importField(ErrorField(err)), "%s", ErrorMessage(err))
				continue
			}
			h = &importHousehold{ref: ref, household: hh, refs: map[string]*Person{}}
			byRef[ref] = h
			order = append(order, h)
		} else if c("unit_id") != strconv.FormatInt(h.household.UnitID, 10) || c("address") != h.household.Address ||
			c("household_phone") != h.household.Phone || c("household_notes") != h.household.Notes ||
			strings.Join(splitList(c("languages")), ";") != strings.Join(h.household.Languages, ";") {
			reject(i, "household", "The household columns differ from the household's first row (line %d).", rows[h.rows[0]].Line)
			continue
		}
		h.rows = append(h.rows, i)
		p := &Person{Kind: PersonKind(strings.ToLower(c("kind"))), HouseholdID: -1, UnitID: h.household.UnitID, UnitPath: h.household.UnitPath,
			Names: PersonNames{Native: c("name_native"), Second: c("name_second"), Latin: c("name_latin")}, BirthDate: c("birth_date"),
			Sex: c("sex"), Nationality: c("nationality"), Relationship: c("relationship"), Phone: c("phone"), Notes: c("notes"),
			Country: c("country"), City: c("city"), ContactChannel: c("contact_channel"), Status: StatusPresent}
		docs, err := parseDocuments(c("documents"))
		if err != nil {
			reject(i, "documents", "%s", err)
			continue
		}
		p.Documents = docs
		for _, code := range splitList(c("programmes")) {
			id, ok := programmes[strings.ToLower(code)]
			if !ok {
				reject(i, "programmes", "No programme with the code %q.", code)
				break
			}
			p.ProgrammeIDs = append(p.ProgrammeIDs, id)
		}
		if bad[i] {
			continue
		}
		if p.Kind == PersonRelativeAbroad {
			p.relatedTo, p.relatedAs = c("related_to"), p.Relationship
			p.Relationship = ""
		}
		if err := p.Validate(now); err != nil {
			reject(i, importField(ErrorField(err)), "%s", ErrorMessage(err))
			continue
		}
		if p.Kind == PersonRelativeAbroad && p.relatedTo != "" && (p.relatedAs == "" || p.relatedAs == "head" || !slices.Contains(Relationships, p.relatedAs)) {
			reject(i, "relationship", "Give the relative's relationship to the member of related_to.")
			continue
		}
		if pref := c("person"); pref != "" {
			if p.Kind != PersonResident {
				reject(i, "person", "Only residents have a person reference; relatives refer to one with related_to.")
				continue
			} else if h.refs[pref] != nil {
				reject(i, "person", "Person reference %q appears twice in the household.", pref)
				continue
			}
			h.refs[pref] = p
		}
		persons[i] = p
	}
	fillTerms(persons)
	// Relatives must refer to a valid resident of their household.
	for _, h := range order {
		for _, i := range h.rows {
			p := persons[i]
			if p == nil || bad[i] {
				continue
			}
			if p.Kind == PersonRelativeAbroad && p.relatedTo != "" {
				m := h.refs[p.relatedTo]
				if m == nil {
					reject(i, "related_to", "No resident with the person reference %q in household %q.", p.relatedTo, h.ref)
					continue
				}
				if mi := slices.IndexFunc(h.rows, func(j int) bool { return persons[j] == m }); mi < 0 || bad[h.rows[mi]] {
					reject(i, "related_to", "The member %q it refers to was rejected.", p.relatedTo)
					continue
				}
			}
			h.persons = append(h.persons, p)
		}
	}
	progress("validate", len(rows), len(rows))
	slices.SortFunc(rejected, func(a, b RowError) int { return a.Line - b.Line })
	return order, rejected
}

// importField maps a domain field name to its import column.
func importField(field string) string {
	switch field {
	case "phone":
		return "phone"
	case "programme_ids":
		return "programmes"
	case "notes":
		return "notes"
	}
	return field
}

// splitList splits a cell holding a list: items separated by ";" or ",".
func splitList(s string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == ',' }) {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// parseDocuments parses "passport:E1234567; id_card:123-456".
func parseDocuments(s string) ([]Document, error) {
	var docs []Document
	for _, item := range strings.Split(s, ";") {
		if item = strings.TrimSpace(item); item == "" {
			continue
		}
		kind, number, ok := strings.Cut(item, ":")
		if !ok {
			return nil, fmt.Errorf("write each document as kind:number, e.g. passport:E1234567; got %q", item)
		}
		docs = append(docs, Document{Kind: strings.TrimSpace(kind), Number: strings.TrimSpace(number)})
	}
	return docs, nil
}

// FormatDocuments writes documents as an import cell.
func FormatDocuments(docs []Document) string {
	parts := make([]string, len(docs))
	for i, d := range docs {
		parts[i] = d.Kind + ":" + d.Number
	}
	return strings.Join(parts, "; ")
}
