package kinbridge

import (
	"context"
	"strconv"
	"strings"
)

// ExportRegistry writes every person of the caller's scope (narrowed by f),
// one row each with their household's columns, in the columns and formats
// of an import file (ImportColumns), so that an export can be imported
// again. fn receives the header first, then each row.
//
// The export is audited before the first row is read, in a transaction of
// its own: the scan then runs in a read transaction, so that a long export
// does not hold the single writer of SQLite. An export that fails halfway is
// thus audited as if it had finished — reads are over-reported, never
// under-reported.
func (s *Service) ExportRegistry(ctx context.Context, f HouseholdFilter, fn func(row []string) error) (int, error) {
	a, err := actor(ctx)
	if err != nil {
		return 0, err
	}
	if err := authorizeAction(a, ActionRegistryExport); err != nil {
		return 0, err
	}
	scope := scopeFilter(a)
	f.PathPrefix, f.Path = scope.PathPrefix, scope.Path
	err = s.store.Update(ctx, func(tx Tx) error {
		if f.UnitID != 0 {
			unit, err := findUnitInScope(ctx, tx, a, ActionRegistryExport, f.UnitID)
			if err != nil {
				return err
			}
			if a.Role.SubtreeScope() || a.System {
				f.PathPrefix, f.Path = unit.Path, ""
			}
		}
		return s.audit(ctx, tx, a, AuditEvent{Action: "registry.export", RecordType: "household", UnitID: a.UnitID,
			Detail: map[string]any{"unit_id": f.UnitID, "programme_id": f.ProgrammeID, "status": string(f.Status)}})
	})
	if err != nil {
		return 0, err
	}
	if err := fn(ImportColumns); err != nil {
		return 0, err
	}
	n := 0
	err = s.store.View(ctx, func(tx Tx) error {
		ps, err := tx.FindProgrammes(ctx)
		if err != nil {
			return err
		}
		codes := make(map[int64]string, len(ps))
		for _, p := range ps {
			codes[p.ID] = p.Code
		}
		return tx.ScanHouseholds(ctx, f, func(rec *HouseholdRecord) error {
			for _, row := range exportRows(rec, codes) {
				if err := fn(row); err != nil {
					return err
				}
				n++
			}
			return nil
		})
	})
	return n, err
}

// exportRows turns one household into import rows: residents first, then
// relatives abroad.
func exportRows(rec *HouseholdRecord, codes map[int64]string) [][]string {
	h := rec.Household
	href := "H" + strconv.FormatInt(h.ID, 10)
	related := map[int64]*RelativeLink{}
	for _, l := range rec.Links {
		if related[l.RelativeID] == nil {
			related[l.RelativeID] = l
		}
	}
	var rows [][]string
	for _, p := range append(append([]*Person(nil), rec.Members...), rec.Relatives...) {
		var progs []string
		for _, id := range p.ProgrammeIDs {
			progs = append(progs, codes[id])
		}
		cells := map[string]string{
			"household": href, "unit_id": strconv.FormatInt(h.UnitID, 10), "address": h.Address, "household_phone": h.Phone,
			"languages": strings.Join(h.Languages, "; "), "household_notes": h.Notes,
			"kind": string(p.Kind), "name_native": p.Names.Native, "name_second": p.Names.Second, "name_latin": p.Names.Latin,
			"birth_date": p.BirthDate, "sex": p.Sex, "nationality": p.Nationality, "relationship": p.Relationship, "phone": p.Phone,
			"documents": FormatDocuments(p.Documents), "programmes": strings.Join(progs, "; "), "country": p.Country, "city": p.City,
			"contact_channel": p.ContactChannel, "notes": p.Notes,
		}
		if p.Kind == PersonResident {
			cells["person"] = "P" + strconv.FormatInt(p.ID, 10)
		} else if l := related[p.ID]; l != nil {
			cells["related_to"] = "P" + strconv.FormatInt(l.MemberID, 10)
			cells["relationship"] = l.Relationship
		}
		row := make([]string, len(ImportColumns))
		for i, c := range ImportColumns {
			row[i] = cells[c]
		}
		rows = append(rows, row)
	}
	return rows
}
