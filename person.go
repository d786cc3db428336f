package kinbridge

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// PersonKind tells a resident of a household from a relative abroad.
type PersonKind string

// Person kinds.
const (
	PersonResident       PersonKind = "resident"
	PersonRelativeAbroad PersonKind = "relative_abroad"
)

// Valid reports whether k is a known kind.
func (k PersonKind) Valid() bool { return k == PersonResident || k == PersonRelativeAbroad }

// PersonStatus is a person's current status, derived from their status
// events (status.go); it is never set directly.
type PersonStatus string

// Person statuses.
const (
	StatusPresent  PersonStatus = "present"  // living here (the start, and after moved or returned)
	StatusAbroad   PersonStatus = "abroad"   // left the country, may return
	StatusDeparted PersonStatus = "departed" // left through the programme's departure list
	StatusDeceased PersonStatus = "deceased"
	StatusMerged   PersonStatus = "merged" // a duplicate record merged into another
)

// PersonStatuses lists the statuses a filter may choose.
var PersonStatuses = []PersonStatus{StatusPresent, StatusAbroad, StatusDeparted, StatusDeceased}

// Valid reports whether s is a status a filter may choose.
func (s PersonStatus) Valid() bool { return slices.Contains(PersonStatuses, s) }

// Relationships of a household member to the head of the household, and of
// a relative abroad to a member.
var Relationships = []string{"head", "spouse", "child", "parent", "sibling", "grandchild", "grandparent", "in_law", "other"}

// Sexes as recorded: female, male, another or not known ("").
var Sexes = []string{"f", "m", "x"}

// PersonNames are a person's names in up to three scripts; at least one is
// required. Native is the name as written in the person's own script (e.g.
// Chinese characters or Hangul), Second in a second script, Latin in Latin
// letters.
type PersonNames struct {
	Native, Second, Latin string
}

// Display returns the name to show: native, then Latin, then second script.
func (n PersonNames) Display() string {
	for _, s := range []string{n.Native, n.Latin, n.Second} {
		if s != "" {
			return s
		}
	}
	return ""
}

// All returns the non-empty names.
func (n PersonNames) All() []string {
	var all []string
	for _, s := range []string{n.Native, n.Second, n.Latin} {
		if s != "" {
			all = append(all, s)
		}
	}
	return all
}

// Document is an identity or travel document's number.
type Document struct {
	Kind   string // e.g. passport, residence_permit, id_card
	Number string
}

// Person is a resident of a household, or a relative abroad linked to its
// members.
type Person struct {
	ID           int64
	Kind         PersonKind
	HouseholdID  int64 // resident: current household; relative abroad: the household of the members they are linked to
	UnitID       int64 // of the household; filled by the store
	UnitPath     string
	Relationship string // resident: to the head of the household
	Names        PersonNames
	BirthDate    string // "2006-01-02", or "2006" when only the year is known
	Sex          string
	Nationality  string
	Phone        string
	Documents    []Document
	ProgrammeIDs []int64
	Notes        string

	// Relatives abroad.
	Country        string
	City           string
	ContactChannel string // how to reach them, e.g. "WeChat: li.wei"

	// Derived from the status events; kept by the store for filters.
	Status     PersonStatus
	Address    string // current address when not the household's (moved to an address)
	MergedInto int64

	Created time.Time
	Updated time.Time

	// Terms are the search and duplicate-detection keys of the person,
	// computed by the service (search.go) and stored with them.
	Terms []SearchTerm

	// An import's relative abroad: the person reference of the member they
	// are related to, and how.
	relatedTo, relatedAs string
}

// BirthYear returns the year of birth, or 0 when not known.
func (p *Person) BirthYear() int {
	if len(p.BirthDate) < 4 {
		return 0
	}
	y, _ := strconv.Atoi(p.BirthDate[:4])
	return y
}

// Age returns the age in whole years on the given day, or -1 when the birth
// date is not known; with only the year known it is the age reached that year.
func (p *Person) Age(on time.Time) int {
	y := p.BirthYear()
	if y == 0 {
		return -1
	}
	age := on.Year() - y
	if len(p.BirthDate) == 10 {
		if b, err := time.Parse("2006-01-02", p.BirthDate); err == nil && on.YearDay() < b.YearDay() {
			age--
		}
	}
	return age
}

var (
	birthDateRE = regexp.MustCompile(`^\d{4}(-\d{2}-\d{2})?$`)
	docKindRE   = regexp.MustCompile(`^[a-z][a-z0-9_]{0,31}$`)
)

// Validate checks the fields a user sets and normalises them.
func (p *Person) Validate(now time.Time) error {
	trim := func(s *string) { *s = strings.TrimSpace(*s) }
	for _, s := range []*string{&p.Names.Native, &p.Names.Second, &p.Names.Latin, &p.BirthDate, &p.Sex, &p.Nationality,
		&p.Phone, &p.Relationship, &p.Country, &p.City, &p.ContactChannel, &p.Notes} {
		trim(s)
	}
	p.Sex = strings.ToLower(p.Sex)
	p.Relationship = strings.ToLower(p.Relationship)
	if p.Kind == "" {
		p.Kind = PersonResident
	}
	switch {
	case !p.Kind.Valid():
		return FieldError("kind", "error.person.kind", "Choose resident or relative abroad.")
	case p.HouseholdID == 0:
		return FieldError("household_id", "error.person.household", "Choose the household.")
	case len(p.Names.All()) == 0:
		return FieldError("name_native", "error.person.name_required", "Give at least one of the names.")
	}
	for field, s := range map[string]string{"name_native": p.Names.Native, "name_second": p.Names.Second, "name_latin": p.Names.Latin} {
		if len([]rune(s)) > 200 {
			return FieldError(field, "error.too_long", "At most %d characters.", 200)
		}
	}
	if p.BirthDate != "" {
		if !birthDateRE.MatchString(p.BirthDate) {
			return FieldError("birth_date", "error.person.birth_date", "Write the birth date as YYYY-MM-DD, or the year alone as YYYY.")
		}
		if len(p.BirthDate) == 10 {
			d, err := time.Parse("2006-01-02", p.BirthDate)
			if err != nil {
				return FieldError("birth_date", "error.person.birth_date", "Write the birth date as YYYY-MM-DD, or the year alone as YYYY.")
			} else if d.After(now) {
				return FieldError("birth_date", "error.person.birth_future", "The birth date is in the future.")
			}
		}
		if y := p.BirthYear(); y < 1880 || y > now.Year() {
			return FieldError("birth_date", "error.person.birth_year", "The birth year must be between 1880 and this year.")
		}
	}
	if p.Sex != "" && !slices.Contains(Sexes, p.Sex) {
		return FieldError("sex", "error.person.sex", "Choose female, male or another.")
	}
	if p.Relationship != "" && !slices.Contains(Relationships, p.Relationship) {
		return FieldError("relationship", "error.person.relationship", "Choose a relationship from the list.")
	}
	if p.Phone != "" && !ValidPhone(p.Phone) {
		return FieldError("phone", "error.phone", "Not a phone number: use digits, spaces, +, -, ( and ).")
	}
	if len([]rune(p.Nationality)) > 60 || len([]rune(p.Country)) > 60 || len([]rune(p.City)) > 100 || len([]rune(p.ContactChannel)) > 200 {
		return FieldError("country", "error.too_long", "At most %d characters.", 100)
	}
	if len([]rune(p.Notes)) > 10000 {
		return FieldError("notes", "error.too_long", "At most %d characters.", 10000)
	}
	if p.Kind == PersonRelativeAbroad {
		if p.Country == "" {
			return FieldError("country", "error.person.country", "Give the country the relative lives in.")
		}
	} else if p.Country != "" || p.City != "" || p.ContactChannel != "" {
		return FieldError("country", "error.person.resident_abroad", "Country, city and contact channel are for relatives abroad.")
	}
	docs := p.Documents[:0]
	seen := map[string]bool{}
	for _, d := range p.Documents {
		d.Kind = strings.ToLower(strings.TrimSpace(d.Kind))
		d.Number = strings.TrimSpace(d.Number)
		if d.Kind == "" && d.Number == "" {
			continue
		}
		if !docKindRE.MatchString(d.Kind) {
			return FieldError("documents", "error.person.document_kind", "A document kind is a word such as passport or id_card.")
		}
		if NormalizeDocument(d.Number) == "" || len(d.Number) > 60 {
			return FieldError("documents", "error.person.document_number", "A document number has letters or digits, at most 60.")
		}
		key := d.Kind + ":" + NormalizeDocument(d.Number)
		if seen[key] {
			continue
		}
		seen[key] = true
		docs = append(docs, d)
	}
	p.Documents = docs
	slices.Sort(p.ProgrammeIDs)
	p.ProgrammeIDs = slices.Compact(p.ProgrammeIDs)
	return nil
}

// RelativeLink ties a relative abroad to a member of the household with the
// relationship the relative has to the member (e.g. "child": the relative is
// the member's child).
type RelativeLink struct {
	RelativeID   int64
	MemberID     int64
	Relationship string
}

// PersonFilter selects persons for the store.
type PersonFilter struct {
	HouseholdID       int64   // current members and relatives of the household
	FormerHouseholdID int64   // residents who moved away from the household
	IDs               []int64 // exactly these
	IncludeMerged     bool
}

// PersonRecord is a person with everything their page shows.
type PersonRecord struct {
	Person     *Person
	Household  *Household
	Programmes []*Programme
	Events     []*StatusEvent
	Links      []*RelativeLink // as member or as relative
	Related    []*Person       // the persons at the other end of Links
	Duplicates []*DuplicateFlag
}

// findPersonInScope loads a person and authorises the action on them.
func findPersonInScope(ctx context.Context, tx Tx, a *Actor, action Action, id int64) (*Person, error) {
	p, err := tx.FindPersonByID(ctx, id)
	if ErrorCode(err) == ENOTFOUND {
		return nil, notFound("person")
	} else if err != nil {
		return nil, err
	}
	if err := authorize(a, action, p.UnitPath, "person"); err != nil {
		return nil, err
	}
	return p, nil
}

// checkProgrammes refuses programme ids that do not exist.
func checkProgrammes(ctx context.Context, tx Tx, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	all, err := tx.FindProgrammes(ctx)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if !slices.ContainsFunc(all, func(p *Programme) bool { return p.ID == id }) {
			return FieldError("programme_ids", "error.person.programme", "Unknown programme.")
		}
	}
	return nil
}

// CreatePerson adds a person to a household in the caller's scope, and flags
// the possible duplicates it finds (returned, and shown on both records).
func (s *Service) CreatePerson(ctx context.Context, p *Person) ([]*DuplicateFlag, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if err := p.Validate(s.clock.Now()); err != nil {
		return nil, err
	}
	var flags []*DuplicateFlag
	err = s.store.Update(ctx, func(tx Tx) error {
		h, err := findHouseholdInScope(ctx, tx, a, ActionRegistryEdit, p.HouseholdID)
		if ErrorCode(err) == ENOTFOUND {
			return FieldError("household_id", "error.person.household", "Choose the household.")
		} else if err != nil {
			return err
		}
		if err := checkProgrammes(ctx, tx, p.ProgrammeIDs); err != nil {
			return err
		}
		p.UnitID, p.UnitPath, p.Status = h.UnitID, h.UnitPath, StatusPresent
		p.Terms = PersonTerms(p)
		if err := tx.CreatePerson(ctx, p); err != nil {
			return err
		}
		if flags, err = flagDuplicates(ctx, tx, p); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, AuditEvent{Action: "person.create", RecordType: "person", RecordID: p.ID, UnitID: p.UnitID,
			Detail: map[string]any{"household_id": p.HouseholdID, "kind": string(p.Kind), "possible_duplicates": len(flags)}})
	})
	if err != nil {
		return nil, err
	}
	return flags, nil
}

// UpdatePerson changes a person's own fields. Household membership and
// status change only through status events.
func (s *Service) UpdatePerson(ctx context.Context, p *Person) error {
	a, err := actor(ctx)
	if err != nil {
		return err
	}
	return s.store.Update(ctx, func(tx Tx) error {
		old, err := findPersonInScope(ctx, tx, a, ActionRegistryEdit, p.ID)
		if err != nil {
			return err
		}
		if old.MergedInto != 0 {
			return &Error{Code: ECONFLICT, Message: "This record was merged into another; edit that one.", Key: "error.person.merged"}
		}
		p.Kind, p.HouseholdID, p.UnitID, p.UnitPath = old.Kind, old.HouseholdID, old.UnitID, old.UnitPath
		p.Status, p.Address = old.Status, old.Address
		if err := p.Validate(s.clock.Now()); err != nil {
			return err
		}
		if err := checkProgrammes(ctx, tx, p.ProgrammeIDs); err != nil {
			return err
		}
		p.Terms = PersonTerms(p)
		if err := tx.UpdatePerson(ctx, p); err != nil {
			return err
		}
		if _, err := flagDuplicates(ctx, tx, p); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, AuditEvent{Action: "person.update", RecordType: "person", RecordID: p.ID, UnitID: p.UnitID})
	})
}

// FindPersonByID returns a person with their household, programmes, status
// history, links and possible duplicates. The read is audited.
func (s *Service) FindPersonByID(ctx context.Context, id int64) (*PersonRecord, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	rec := &PersonRecord{}
	err = s.store.Update(ctx, func(tx Tx) error {
		if rec.Person, err = findPersonInScope(ctx, tx, a, ActionRegistryView, id); err != nil {
			return err
		}
		if rec.Household, err = tx.FindHouseholdByID(ctx, rec.Person.HouseholdID); err != nil {
			return err
		}
		all, err := tx.FindProgrammes(ctx)
		if err != nil {
			return err
		}
		for _, p := range all {
			if slices.Contains(rec.Person.ProgrammeIDs, p.ID) {
				rec.Programmes = append(rec.Programmes, p)
			}
		}
		if rec.Events, err = tx.FindStatusEvents(ctx, StatusEventFilter{PersonID: id}); err != nil {
			return err
		}
		links, err := tx.FindRelativeLinks(ctx, rec.Person.HouseholdID)
		if err != nil {
			return err
		}
		var ids []int64
		for _, l := range links {
			if l.MemberID == id || l.RelativeID == id {
				rec.Links = append(rec.Links, l)
				ids = append(ids, l.MemberID, l.RelativeID)
			}
		}
		if len(ids) > 0 {
			if rec.Related, err = tx.FindPersons(ctx, PersonFilter{IDs: ids}); err != nil {
				return err
			}
		}
		flags, err := tx.FindDuplicateFlags(ctx, DuplicateFilter{PersonID: id})
		if err != nil {
			return err
		}
		rec.Duplicates = visibleFlags(a, flags)
		return s.audit(ctx, tx, a, AuditEvent{Action: "person.view", RecordType: "person", RecordID: id, UnitID: rec.Person.UnitID})
	})
	if err != nil {
		return nil, err
	}
	return rec, nil
}

// LinkRelative records that a relative abroad is related to a member of the
// same household.
func (s *Service) LinkRelative(ctx context.Context, l RelativeLink) error {
	a, err := actor(ctx)
	if err != nil {
		return err
	}
	l.Relationship = strings.ToLower(strings.TrimSpace(l.Relationship))
	if !slices.Contains(Relationships, l.Relationship) || l.Relationship == "head" {
		return FieldError("relationship", "error.person.relationship", "Choose a relationship from the list.")
	}
	return s.store.Update(ctx, func(tx Tx) error {
		rel, err := findPersonInScope(ctx, tx, a, ActionRegistryEdit, l.RelativeID)
		if err != nil {
			return err
		}
		member, err := findPersonInScope(ctx, tx, a, ActionRegistryEdit, l.MemberID)
		if ErrorCode(err) == ENOTFOUND {
			return FieldError("member_id", "error.person.member", "Choose a member of the household.")
		} else if err != nil {
			return err
		}
		if rel.Kind != PersonRelativeAbroad || member.Kind != PersonResident || rel.HouseholdID != member.HouseholdID {
			return FieldError("member_id", "error.person.member", "Choose a member of the household.")
		}
		if err := tx.CreateRelativeLink(ctx, &l); ErrorCode(err) == ECONFLICT {
			return nil // already linked
		} else if err != nil {
			return err
		}
		return s.audit(ctx, tx, a, AuditEvent{Action: "person.link", RecordType: "person", RecordID: rel.ID, UnitID: rel.UnitID,
			Detail: map[string]any{"member_id": member.ID, "relationship": l.Relationship}})
	})
}

// sortMembers puts the head of the household first, then by age, oldest
// first, then by id.
func sortMembers(ps []*Person) {
	slices.SortStableFunc(ps, func(a, b *Person) int {
		ah, bh := a.Relationship == "head", b.Relationship == "head"
		switch {
		case ah && !bh:
			return -1
		case bh && !ah:
			return 1
		}
		ad, bd := a.BirthDate, b.BirthDate
		if ad == "" {
			ad = "9999"
		}
		if bd == "" {
			bd = "9999"
		}
		if c := strings.Compare(ad, bd); c != 0 {
			return c
		}
		return int(a.ID - b.ID)
	})
}

// String is for logs and tests.
func (p *Person) String() string { return fmt.Sprintf("person %d %q", p.ID, p.Names.Display()) }
