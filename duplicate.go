package kinbridge

import (
	"context"
	"slices"
	"strings"
	"time"
)

// DuplicateFlag says two person records may be the same person, and why.
// Flags are made when a person is created, edited or imported; a supervisor
// merges the two records or dismisses the flag.
type DuplicateFlag struct {
	PersonID int64 // the lower id of the pair
	OtherID  int64
	Reason   string // "name_birth_year", "document" or "phone"
	Created  time.Time

	// Filled by the store on reads, for display and scope.
	PersonName, OtherName     string
	PersonUnitPath, OtherPath string
}

// Duplicate reasons, by the kind of key two records share.
var duplicateReasons = map[string]string{termDupName: "name_birth_year", termDocument: "document", termDupPhone: "phone"}

// DuplicateFilter selects flags.
type DuplicateFilter struct {
	PersonID   int64  // flags on this person (either side)
	PathPrefix string // flags with both persons in this subtree
	Path       string // flags with both persons in this unit
	Limit      int
}

// TermMatch is a stored term of a person that equals one looked up.
type TermMatch struct {
	PersonID int64
	Term     string
}

// duplicateKeys returns the person's terms that identify duplicates.
func duplicateKeys(p *Person) []string {
	var keys []string
	for _, t := range p.Terms {
		for prefix := range duplicateReasons {
			if strings.HasPrefix(t.Term, prefix) {
				keys = append(keys, t.Term)
			}
		}
	}
	return keys
}

// flagDuplicates records a flag for every other record that shares a
// duplicate key with p, and returns the flags.
func flagDuplicates(ctx context.Context, tx Tx, p *Person) ([]*DuplicateFlag, error) {
	keys := duplicateKeys(p)
	if len(keys) == 0 {
		return nil, nil
	}
	matches, err := tx.FindTermMatches(ctx, keys, p.ID)
	if err != nil {
		return nil, err
	}
	var flags []*DuplicateFlag
	seen := map[[2]int64]map[string]bool{}
	for _, m := range matches {
		reason := ""
		for prefix, r := range duplicateReasons {
			if strings.HasPrefix(m.Term, prefix) {
				reason = r
			}
		}
		a, b := min(p.ID, m.PersonID), max(p.ID, m.PersonID)
		if seen[[2]int64{a, b}] == nil {
			seen[[2]int64{a, b}] = map[string]bool{}
		}
		if seen[[2]int64{a, b}][reason] {
			continue
		}
		seen[[2]int64{a, b}][reason] = true
		f := &DuplicateFlag{PersonID: a, OtherID: b, Reason: reason, Created: tx.Now()}
		if err := tx.CreateDuplicateFlag(ctx, f); err != nil && ErrorCode(err) != ECONFLICT {
			return nil, err
		}
		flags = append(flags, f)
	}
	return flags, nil
}

// FindDuplicateFlags lists the possible duplicates of the caller's scope.
func (s *Service) FindDuplicateFlags(ctx context.Context, limit int) ([]*DuplicateFlag, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if err := authorizeAction(a, ActionRegistryMerge); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	scope := scopeFilter(a)
	var flags []*DuplicateFlag
	err = s.store.View(ctx, func(tx Tx) error {
		flags, err = tx.FindDuplicateFlags(ctx, DuplicateFilter{PathPrefix: scope.PathPrefix, Path: scope.Path, Limit: limit})
		return err
	})
	return flags, err
}

// DismissDuplicate removes the flags between two persons who are not the
// same person.
func (s *Service) DismissDuplicate(ctx context.Context, personID, otherID int64) error {
	a, err := actor(ctx)
	if err != nil {
		return err
	}
	return s.store.Update(ctx, func(tx Tx) error {
		p, err := findPersonInScope(ctx, tx, a, ActionRegistryMerge, personID)
		if err != nil {
			return err
		}
		if _, err := findPersonInScope(ctx, tx, a, ActionRegistryMerge, otherID); err != nil {
			return err
		}
		if err := tx.DeleteDuplicateFlags(ctx, min(personID, otherID), max(personID, otherID)); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, AuditEvent{Action: "person.dismiss_duplicate", RecordType: "person", RecordID: personID, UnitID: p.UnitID,
			Detail: map[string]any{"other_id": otherID}})
	})
}

// MergePersons merges the record dupID into keepID: the kept record gains
// the other's documents, programmes and any field it lacks, and its links
// to relatives; the merged record stays, with its own status history, marked
// as merged so that nothing is lost and every view of it leads to the kept
// one. Both must be in scope; supervisors and administrators may merge.
func (s *Service) MergePersons(ctx context.Context, keepID, dupID int64) (*Person, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if keepID == dupID {
		return nil, FieldError("other_id", "error.merge.same", "Choose another record to merge.")
	}
	var keep *Person
	err = s.store.Update(ctx, func(tx Tx) error {
		if keep, err = findPersonInScope(ctx, tx, a, ActionRegistryMerge, keepID); err != nil {
			return err
		}
		dup, err := findPersonInScope(ctx, tx, a, ActionRegistryMerge, dupID)
		if err != nil {
			return err
		}
		if keep.MergedInto != 0 || dup.MergedInto != 0 {
			return &Error{Code: ECONFLICT, Message: "One of the records was already merged.", Key: "error.merge.merged"}
		}
		if keep.Kind != dup.Kind {
			return &Error{Code: ECONFLICT, Message: "A resident and a relative abroad cannot be merged.", Key: "error.merge.kind"}
		}
		fill := func(dst *string, src string) {
			if *dst == "" {
				*dst = src
			}
		}
		fill(&keep.Names.Native, dup.Names.Native)
		fill(&keep.Names.Second, dup.Names.Second)
		fill(&keep.Names.Latin, dup.Names.Latin)
		fill(&keep.BirthDate, dup.BirthDate)
		fill(&keep.Sex, dup.Sex)
		fill(&keep.Nationality, dup.Nationality)
		fill(&keep.Phone, dup.Phone)
		fill(&keep.Country, dup.Country)
		fill(&keep.City, dup.City)
		fill(&keep.ContactChannel, dup.ContactChannel)
		keep.Documents = append(keep.Documents, dup.Documents...)
		keep.ProgrammeIDs = append(keep.ProgrammeIDs, dup.ProgrammeIDs...)
		if err := keep.Validate(tx.Now()); err != nil {
			return err
		}
		keep.Terms = PersonTerms(keep)
		if err := tx.MergePerson(ctx, keep, dup); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, AuditEvent{Action: "person.merge", RecordType: "person", RecordID: keep.ID, UnitID: keep.UnitID,
			Detail: map[string]any{"merged_id": dup.ID, "merged_unit_id": dup.UnitID}})
	})
	if err != nil {
		return nil, err
	}
	return keep, nil
}

// visibleFlags keeps the flags whose other person is in the actor's scope.
func visibleFlags(a *Actor, flags []*DuplicateFlag) []*DuplicateFlag {
	return slices.DeleteFunc(flags, func(f *DuplicateFlag) bool {
		return !a.InScope(f.PersonUnitPath) || !a.InScope(f.OtherPath)
	})
}
