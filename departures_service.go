package kinbridge

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kinbridge/kinbridge/departure"
)

// This file holds the departure list's services: requests and their
// status, the list ranked under the adopted policy, policy versions with
// their preview and adoption, crossings and their capacities, allocation,
// the forecast, day sheets and residents' codes.

// departureHorizon is how many days ahead expected days are forecast.
const departureHorizon = 366

// residentCodePrefix starts every resident code, so that one found in a
// log says what it is.
const residentCodePrefix = "kbr_"

// departureReadLimit bounds the internal reads of requests.
const departureReadLimit = 1000000

// findDepartureInScope loads a request and authorises the action on it.
func findDepartureInScope(ctx context.Context, tx Tx, a *Actor, action Action, id int64) (*DepartureRequest, error) {
	r, err := tx.FindDepartureRequestByID(ctx, id)
	if ErrorCode(err) == ENOTFOUND {
		return nil, notFound("departure request")
	} else if err != nil {
		return nil, err
	}
	if err := authorize(a, action, r.UnitPath, "departure request"); err != nil {
		return nil, err
	}
	return r, nil
}

// adoptedPolicy returns the adopted policy, or the default order when none
// was ever adopted.
func adoptedPolicy(ctx context.Context, tx Tx) (*DeparturePolicy, error) {
	p, err := tx.FindAdoptedDeparturePolicy(ctx)
	if ErrorCode(err) == ENOTFOUND {
		d := DefaultDeparturePolicy
		return &d, nil
	}
	return p, err
}

// liveDepartures returns every live request of the agency, by id.
func liveDepartures(ctx context.Context, tx Tx) ([]*DepartureRequest, error) {
	rs, _, err := tx.FindDepartureRequests(ctx, DepartureFilter{Statuses: LiveDepartureStatuses, Limit: departureReadLimit})
	return rs, err
}

// pureRequests turns requests into the pure package's, with the facts the
// policy reads: ages from the registry, programme membership (of the
// policy's programme, or any), and the facts recorded on the request.
// allocated says which day each request keeps ("" none).
func pureRequests(ctx context.Context, tx Tx, pol *DeparturePolicy, rs []*DepartureRequest, allocated func(*DepartureRequest) string) ([]*departure.Request, error) {
	var ids []int64
	for _, r := range rs {
		for _, m := range r.Members {
			ids = append(ids, m.PersonID)
		}
	}
	programmes := map[int64][]int64{}
	for start := 0; start < len(ids); start += 1000 {
		persons, err := tx.FindPersons(ctx, PersonFilter{IDs: ids[start:min(start+1000, len(ids))], IncludeMerged: true})
		if err != nil {
			return nil, err
		}
		for _, p := range persons {
			programmes[p.ID] = p.ProgrammeIDs
		}
	}
	out := make([]*departure.Request, len(rs))
	for i, r := range rs {
		q := &departure.Request{ID: r.ID, RegisteredAt: r.RegisteredAt}
		if r.PersonID == 0 {
			q.HouseholdID = r.HouseholdID
		}
		if allocated != nil {
			q.Allocated = allocated(r)
		}
		for _, m := range r.Members {
			pm := departure.Member{PersonID: m.PersonID, Illness: m.Illness, Disability: m.Disability, ChildSeparated: m.ChildSeparated}
			if len(m.BirthDate) == 10 {
				pm.BirthDate = m.BirthDate
			}
			if len(m.BirthDate) >= 4 {
				fmt.Sscanf(m.BirthDate[:4], "%d", &pm.BirthYear)
			}
			progs := programmes[m.PersonID]
			pm.ProgrammeMember = len(progs) > 0 && (pol.ProgrammeID == 0 || slices.Contains(progs, pol.ProgrammeID))
			q.Members = append(q.Members, pm)
		}
		out[i] = q
	}
	return out, nil
}

// departureBoard is the agency-wide list as the adopted policy ranks it,
// with the expected days at the open crossings.
type departureBoard struct {
	policy   *DeparturePolicy
	live     []*DepartureRequest
	ranked   map[int64]departure.Ranked
	expected map[int64]string
}

// readDepartureBoard ranks every live request under the adopted policy and
// forecasts their days at the open crossings together, from the day after
// today in loc: requests with a day keep it; the others follow in rank
// order at the crossings' summed capacity (an estimate: a household takes
// one crossing).
func readDepartureBoard(ctx context.Context, tx Tx, loc *time.Location) (*departureBoard, error) {
	pol, err := adoptedPolicy(ctx, tx)
	if err != nil {
		return nil, err
	}
	live, err := liveDepartures(ctx, tx)
	if err != nil {
		return nil, err
	}
	b := &departureBoard{policy: pol, live: live, ranked: map[int64]departure.Ranked{}, expected: map[int64]string{}}
	fromDay := AddDays(LocalDay(tx.Now(), loc), 1)
	lastDay := AddDays(fromDay, departureHorizon-1)
	reqs, err := pureRequests(ctx, tx, pol, live, nil)
	if err != nil {
		return nil, err
	}
	ranked := departure.Rank(&pol.Rules, reqs, tx.Now())
	var inWindow []departure.Ranked
	for _, rk := range ranked {
		b.ranked[rk.Request.ID] = rk
	}
	for _, r := range live {
		rk := b.ranked[r.ID]
		if r.Status == DepartureAllocated {
			b.expected[r.ID] = r.Day
			if r.Day < fromDay || r.Day > lastDay {
				continue
			}
			rk.Request.Allocated = r.Day
		}
		inWindow = append(inWindow, rk)
	}
	crossings, err := tx.FindCrossings(ctx)
	if err != nil {
		return nil, err
	}
	days := make([]departure.Day, departureHorizon)
	for i := range days {
		days[i].Date = AddDays(fromDay, i)
		for _, c := range crossings {
			days[i].Capacity += c.CapacityOn(days[i].Date)
		}
	}
	expected, _ := departure.Forecast(&pol.Rules, inWindow, days)
	for _, e := range expected {
		if e.Date != "" {
			b.expected[e.RequestID] = e.Date
		}
	}
	return b, nil
}

// fill sets the request's rank, reason and expected day.
func (b *departureBoard) fill(r *DepartureRequest) {
	if rk, ok := b.ranked[r.ID]; ok && r.Status.Live() {
		r.Rank, r.RankReason, r.Expected = rk.Rank, rk.Reason, b.expected[r.ID]
		r.Why = rankWhy(rk, b.policy)
	}
}

// rankWhy is the reason of a rank under the policy (nil: none adopted),
// item by item.
func rankWhy(rk departure.Ranked, pol *DeparturePolicy) *RankWhy {
	if rk.Request == nil {
		return nil // not ranked
	}
	why := &RankWhy{Points: rk.Points, Facts: rk.Facts, Registered: rk.Request.RegisteredAt.UTC().Format(time.DateOnly)}
	if pol != nil && rk.Tier < len(pol.Rules.Tiers) {
		why.Tier, why.TierName = rk.Tier+1, pol.Rules.Tiers[rk.Tier].Name
	}
	return why
}

// DepartureMove is a request whose rank a policy version would change,
// with both reasons item by item (for pages in other languages).
type DepartureMove struct {
	departure.Move
	OldWhy, NewWhy *RankWhy // nil where the request has no rank
}

// actorLocation is the time zone of the actor's unit (UTC for the system).
func actorLocation(ctx context.Context, tx Tx, a *Actor) (*time.Location, error) {
	if a.UnitID == 0 {
		return time.UTC, nil
	}
	u, err := tx.FindUnitByID(ctx, a.UnitID)
	if err != nil {
		return nil, err
	}
	return u.Location(), nil
}

// currentResidents returns the household's residents living there now.
func currentResidents(persons []*Person, householdID int64) []*Person {
	var out []*Person
	for _, p := range persons {
		if p.Kind == PersonResident && p.HouseholdID == householdID && p.Status == StatusPresent {
			out = append(out, p)
		}
	}
	return out
}

// errDepartureLive is the refusal of a second live request.
func errDepartureLive(field string) *Error {
	return &Error{Code: ECONFLICT, Field: field, Key: "error.departure.live",
		Message: "There is already a request on the departure list for this household or person."}
}

// CreateDepartureRequest puts a person, or a whole household (its current
// residents), on the list. r.Members may carry the facts of members
// (illness, disability, child separated) by person id; the party itself is
// read from the registry. RegisteredAt is now unless an administrator gives
// it. A second live request of the same person or household is refused
// (ECONFLICT). Sets ID and the stored fields.
func (s *Service) CreateDepartureRequest(ctx context.Context, r *DepartureRequest) error {
	a, err := actor(ctx)
	if err != nil {
		return err
	}
	if err := r.Validate(); err != nil {
		return err
	}
	if !r.RegisteredAt.IsZero() && !a.System && a.Role != RoleAdministrator {
		return FieldError("registered_at", "error.departure.registered_at", "Only an administrator may give the registration time.")
	}
	return s.store.Update(ctx, func(tx Tx) error {
		var party []*Person
		if r.PersonID != 0 {
			p, err := findPersonInScope(ctx, tx, a, ActionDepartureRecord, r.PersonID)
			if err != nil {
				return err
			}
			if p.Kind != PersonResident || p.Status != StatusPresent {
				return FieldError("person_id", "error.departure.person", "Only a resident living here can be put on the list.")
			}
			r.HouseholdID, party = p.HouseholdID, []*Person{p}
		} else {
			h, err := findHouseholdInScope(ctx, tx, a, ActionDepartureRecord, r.HouseholdID)
			if err != nil {
				return err
			}
			persons, err := tx.FindPersons(ctx, PersonFilter{HouseholdID: h.ID})
			if err != nil {
				return err
			}
			if party = currentResidents(persons, h.ID); len(party) == 0 {
				return FieldError("household_id", "error.departure.empty", "The household has no residents living here.")
			}
		}
		facts := r.Members
		r.Members = make([]DepartureMember, len(party))
		for i, p := range party {
			r.Members[i] = DepartureMember{PersonID: p.ID, Name: p.Names.Display(), BirthDate: p.BirthDate}
		}
		for i, f := range facts {
			j := slices.IndexFunc(r.Members, func(m DepartureMember) bool { return m.PersonID == f.PersonID })
			if j < 0 {
				return FieldError(fmt.Sprintf("members[%d].person_id", i), "error.departure.member", "Person %d does not travel with this request.", f.PersonID)
			}
			r.Members[j].Illness, r.Members[j].Disability, r.Members[j].ChildSeparated = f.Illness, f.Disability, f.ChildSeparated
		}
		// The partial unique indexes refuse a second live request too;
		// checking first gives the refusal its field.
		if r.PersonID == 0 {
			rs, _, err := tx.FindDepartureRequests(ctx, DepartureFilter{HouseholdID: r.HouseholdID, Statuses: LiveDepartureStatuses})
			if err != nil {
				return err
			}
			if slices.ContainsFunc(rs, func(o *DepartureRequest) bool { return o.PersonID == 0 }) {
				return errDepartureLive("household_id")
			}
		}
		for _, m := range r.Members {
			rs, _, err := tx.FindDepartureRequests(ctx, DepartureFilter{PersonID: m.PersonID, Statuses: LiveDepartureStatuses})
			if err != nil {
				return err
			} else if len(rs) > 0 {
				if r.PersonID != 0 {
					return errDepartureLive("person_id")
				}
				return errDepartureLive("household_id")
			}
		}
		if r.RegisteredAt.IsZero() {
			r.RegisteredAt = tx.Now()
		} else if r.RegisteredAt.After(tx.Now()) {
			return FieldError("registered_at", "error.departure.registered_future", "The registration time cannot be in the future.")
		}
		r.Status, r.CreatedBy = DepartureWaiting, a.UserID
		r.CrossingID, r.Day, r.AllocationNote, r.Reason, r.Missed = 0, "", "", "", 0
		if err := tx.CreateDepartureRequest(ctx, r); ErrorCode(err) == ECONFLICT {
			return errDepartureLive("household_id")
		} else if err != nil {
			return err
		}
		h, err := tx.FindHouseholdByID(ctx, r.HouseholdID)
		if err != nil {
			return err
		}
		r.UnitID, r.UnitPath = h.UnitID, h.UnitPath
		return s.audit(ctx, tx, a, AuditEvent{Action: "departure.create", RecordType: "departure_request", RecordID: r.ID, UnitID: r.UnitID,
			Detail: map[string]any{"household_id": r.HouseholdID, "person_id": r.PersonID, "persons": len(r.Members),
				"destination": r.Destination, "travel_docs": r.TravelDocs, "registered_at": r.RegisteredAt}})
	})
}

// FindDepartureRequest returns one request of the caller's scope with its
// rank, reason and expected day. Audited.
func (s *Service) FindDepartureRequest(ctx context.Context, id int64) (*DepartureRequest, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	var r *DepartureRequest
	err = s.store.Update(ctx, func(tx Tx) error {
		if r, err = findDepartureInScope(ctx, tx, a, ActionDepartureView, id); err != nil {
			return err
		}
		loc, err := actorLocation(ctx, tx, a)
		if err != nil {
			return err
		}
		b, err := readDepartureBoard(ctx, tx, loc)
		if err != nil {
			return err
		}
		b.fill(r)
		return s.audit(ctx, tx, a, AuditEvent{Action: "departure.view", RecordType: "departure_request", RecordID: r.ID, UnitID: r.UnitID,
			Detail: map[string]any{"household_id": r.HouseholdID}})
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// FindDepartureRequests returns the requests of the caller's scope that f
// selects (e.g. a household's, for its timeline), by id, with ranks, and
// the total.
func (s *Service) FindDepartureRequests(ctx context.Context, f DepartureFilter) ([]*DepartureRequest, int, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, 0, err
	}
	if err := authorizeAction(a, ActionDepartureView); err != nil {
		return nil, 0, err
	}
	f.PathPrefix = scopeOf(a)
	var rs []*DepartureRequest
	var total int
	err = s.store.Update(ctx, func(tx Tx) error {
		if rs, total, err = tx.FindDepartureRequests(ctx, f); err != nil {
			return err
		}
		if _, subtree := a.ScopePrefix(); !subtree {
			f.Limit, f.Offset = departureReadLimit, 0
			all, _, err := tx.FindDepartureRequests(ctx, f)
			if err != nil {
				return err
			}
			all = slices.DeleteFunc(all, func(r *DepartureRequest) bool { return !a.InScope(r.UnitPath) })
			total = len(all)
			rs = slices.DeleteFunc(rs, func(r *DepartureRequest) bool { return !a.InScope(r.UnitPath) })
		}
		loc, err := actorLocation(ctx, tx, a)
		if err != nil {
			return err
		}
		b, err := readDepartureBoard(ctx, tx, loc)
		if err != nil {
			return err
		}
		for _, r := range rs {
			b.fill(r)
		}
		return s.auditDepartureList(ctx, tx, a, rs)
	})
	if err != nil {
		return nil, 0, err
	}
	return rs, total, nil
}

// scopeOf returns the path prefix of the actor's scope for filters. An
// actor whose role reaches only their unit gets the unit's path: its
// subtree is that unit (units of such roles are offices, without children
// in scope) — the service authorises each record again where it matters.
func scopeOf(a *Actor) string {
	p, _ := a.ScopePrefix()
	return p
}

// auditDepartureList records that the actor saw the requests (names of
// persons among them) in a list: one entry for the list, one per request.
func (s *Service) auditDepartureList(ctx context.Context, tx Tx, a *Actor, rs []*DepartureRequest) error {
	events := make([]AuditEvent, 0, 1+len(rs))
	events = append(events, AuditEvent{Action: "departure.list", RecordType: "departure_request", UnitID: a.UnitID,
		Detail: map[string]any{"shown": len(rs)}})
	for _, r := range rs {
		events = append(events, AuditEvent{Action: "departure.list_result", RecordType: "departure_request", RecordID: r.ID, UnitID: r.UnitID,
			Detail: map[string]any{"household_id": r.HouseholdID}})
	}
	return s.auditAll(ctx, tx, a, events)
}

// FindDepartureList returns a page of the agency-wide list ranked under the
// adopted policy, as the caller's scope shows it, in rank order (requests
// not on the list after them, by id); f filters by status (default: live),
// crossing and day.
func (s *Service) FindDepartureList(ctx context.Context, f DepartureFilter) (*DepartureList, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if err := authorizeAction(a, ActionDepartureView); err != nil {
		return nil, err
	}
	limit, offset := f.Limit, max(f.Offset, 0)
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	f.PathPrefix, f.Limit, f.Offset = scopeOf(a), departureReadLimit, 0
	if len(f.Statuses) == 0 {
		f.Statuses = LiveDepartureStatuses
	}
	list := &DepartureList{}
	err = s.store.Update(ctx, func(tx Tx) error {
		rs, _, err := tx.FindDepartureRequests(ctx, f)
		if err != nil {
			return err
		}
		rs = slices.DeleteFunc(rs, func(r *DepartureRequest) bool { return !a.InScope(r.UnitPath) })
		loc, err := actorLocation(ctx, tx, a)
		if err != nil {
			return err
		}
		b, err := readDepartureBoard(ctx, tx, loc)
		if err != nil {
			return err
		}
		for _, r := range rs {
			b.fill(r)
		}
		slices.SortStableFunc(rs, func(x, y *DepartureRequest) int {
			return cmp.Or(cmp.Compare(rankKey(x), rankKey(y)), cmp.Compare(x.ID, y.ID))
		})
		list.Policy, list.Total = b.policy, len(rs)
		list.Requests = rs[min(offset, len(rs)):min(offset+limit, len(rs))]
		return s.auditDepartureList(ctx, tx, a, list.Requests)
	})
	if err != nil {
		return nil, err
	}
	return list, nil
}

// rankKey orders ranked requests first.
func rankKey(r *DepartureRequest) int {
	if r.Rank == 0 {
		return 1 << 30
	}
	return r.Rank
}

// errDepartureStale is the refusal of a change to a request someone changed
// first.
var errDepartureStale = &Error{Code: ECONFLICT, Key: "error.departure.stale", Message: "Someone changed the request meanwhile; reload it and try again."}

// changeDeparture moves the request to next after change has set its
// fields, writes it and audits.
func (s *Service) changeDeparture(ctx context.Context, id int64, version int, next DepartureStatus, action string,
	change func(tx Tx, r *DepartureRequest) (map[string]any, error)) (*DepartureRequest, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	var r *DepartureRequest
	err = s.store.Update(ctx, func(tx Tx) error {
		if r, err = findDepartureInScope(ctx, tx, a, ActionDepartureRecord, id); err != nil {
			return err
		}
		if version != 0 && version != r.Version {
			return errDepartureStale
		}
		from := r.Status
		if err := from.CheckTransition(next); err != nil {
			return err
		}
		detail, err := change(tx, r)
		if err != nil {
			return err
		}
		if err := tx.UpdateDepartureRequest(ctx, r); ErrorCode(err) == ECONFLICT {
			return errDepartureStale
		} else if err != nil {
			return err
		}
		if detail == nil {
			detail = map[string]any{}
		}
		detail["from"], detail["status"], detail["household_id"] = from, r.Status, r.HouseholdID
		return s.audit(ctx, tx, a, AuditEvent{Action: action, RecordType: "departure_request", RecordID: r.ID, UnitID: r.UnitID, Detail: detail})
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// WithdrawDepartureRequest takes a live request off the list for a reason.
// version 0 skips the check of the version.
func (s *Service) WithdrawDepartureRequest(ctx context.Context, id int64, version int, reason string) (*DepartureRequest, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return nil, FieldError("reason", "error.departure.reason", "Say why the request is withdrawn.")
	} else if len([]rune(reason)) > 500 {
		return nil, FieldError("reason", "error.too_long", "At most %d characters.", 500)
	}
	return s.changeDeparture(ctx, id, version, DepartureWithdrawn, "departure.withdraw", func(tx Tx, r *DepartureRequest) (map[string]any, error) {
		r.Status, r.Reason = DepartureWithdrawn, reason
		return map[string]any{"reason": reason}, nil
	})
}

// MarkDeparted records that an allocated request's party left on its day.
func (s *Service) MarkDeparted(ctx context.Context, id int64, version int) (*DepartureRequest, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	return s.changeDeparture(ctx, id, version, DepartureDeparted, "departure.departed", func(tx Tx, r *DepartureRequest) (map[string]any, error) {
		r.Status, r.DepartedAt = DepartureDeparted, tx.Now()
		// The registry learns it too: each member's status history gets
		// the departure, dated today where the household lives.
		today := tx.Now().In(unitLocation(ctx, tx, r.UnitID)).Format(time.DateOnly)
		for _, m := range r.Members {
			e := &StatusEvent{PersonID: m.PersonID, Kind: EventDeparted, Date: today,
				Note: fmt.Sprintf("Departed through the departure list (request %d).", r.ID)}
			p, err := addStatusEvent(ctx, tx, a, e)
			if err != nil {
				return nil, fmt.Errorf("person %d: %w", m.PersonID, err)
			}
			if err := s.audit(ctx, tx, a, AuditEvent{Action: "person.status", RecordType: "person", RecordID: p.ID, UnitID: e.UnitID,
				Detail: map[string]any{"kind": string(e.Kind), "date": e.Date, "status": string(p.Status), "departure_request": r.ID}}); err != nil {
				return nil, err
			}
		}
		return map[string]any{"crossing_id": r.CrossingID, "day": r.Day}, nil
	})
}

// MarkMissed records that an allocated request missed its day: it goes
// back on the list, waiting, under the adopted policy's missed rule —
// keeping its registration, or registered anew now.
func (s *Service) MarkMissed(ctx context.Context, id int64, version int) (*DepartureRequest, error) {
	return s.changeDeparture(ctx, id, version, DepartureMissed, "departure.missed", func(tx Tx, r *DepartureRequest) (map[string]any, error) {
		pol, err := adoptedPolicy(ctx, tx)
		if err != nil {
			return nil, err
		}
		detail := map[string]any{"crossing_id": r.CrossingID, "day": r.Day, "rule": pol.MissedRule}
		r.Status, r.CrossingID, r.Day, r.AllocationNote = DepartureWaiting, 0, "", ""
		r.Missed++
		if pol.MissedRule == MissedToEnd {
			r.RegisteredAt = tx.Now()
		}
		detail["registered_at"] = r.RegisteredAt
		return detail, nil
	})
}

// CreateDeparturePolicy stores a new draft with the next version.
func (s *Service) CreateDeparturePolicy(ctx context.Context, p *DeparturePolicy) error {
	a, err := actor(ctx)
	if err != nil {
		return err
	}
	if err := authorizeAction(a, ActionDeparturePolicy); err != nil {
		return err
	}
	if err := p.Validate(); err != nil {
		return err
	}
	return s.store.Update(ctx, func(tx Tx) error {
		if p.ProgrammeID != 0 {
			if err := checkProgrammes(ctx, tx, []int64{p.ProgrammeID}); err != nil {
				return FieldError("programme_id", "error.departure.programme", "Unknown programme.")
			}
		}
		p.Status, p.CreatedBy, p.AdoptedBy, p.AdoptedAt = PolicyDraft, a.UserID, 0, time.Time{}
		if err := tx.CreateDeparturePolicy(ctx, p); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, AuditEvent{Action: "departure_policy.create", RecordType: "departure_policy", RecordID: p.ID,
			Detail: map[string]any{"version": p.Version, "name": p.Rules.Name}})
	})
}

// UpdateDeparturePolicy changes a draft's rules, programme and missed rule;
// adopted and retired versions do not change.
func (s *Service) UpdateDeparturePolicy(ctx context.Context, p *DeparturePolicy) error {
	a, err := actor(ctx)
	if err != nil {
		return err
	}
	if err := authorizeAction(a, ActionDeparturePolicy); err != nil {
		return err
	}
	if err := p.Validate(); err != nil {
		return err
	}
	return s.store.Update(ctx, func(tx Tx) error {
		cur, err := tx.FindDeparturePolicyByID(ctx, p.ID)
		if err != nil {
			return err
		}
		if cur.Status != PolicyDraft {
			return &Error{Code: ECONFLICT, Field: "status", Key: "error.departure.policy_not_draft",
				Message: fmt.Sprintf("Version %d is %s: only a draft changes. Make a new version.", cur.Version, cur.Status)}
		}
		if p.ProgrammeID != 0 {
			if err := checkProgrammes(ctx, tx, []int64{p.ProgrammeID}); err != nil {
				return FieldError("programme_id", "error.departure.programme", "Unknown programme.")
			}
		}
		cur.Rules, cur.ProgrammeID, cur.MissedRule = p.Rules, p.ProgrammeID, p.MissedRule
		if err := tx.UpdateDeparturePolicy(ctx, cur); err != nil {
			return err
		}
		*p = *cur
		return s.audit(ctx, tx, a, AuditEvent{Action: "departure_policy.update", RecordType: "departure_policy", RecordID: p.ID,
			Detail: map[string]any{"version": p.Version, "name": p.Rules.Name}})
	})
}

// viewAgencyWide reads, in one read-only transaction, records that every
// user whose role may do action sees, whatever their unit: policies and
// crossings are the agency's.
func viewAgencyWide[T any](ctx context.Context, s *Service, action Action, read func(Tx) (T, error)) (T, error) {
	var v T
	a, err := actor(ctx)
	if err != nil {
		return v, err
	}
	if err := authorizeAction(a, action); err != nil {
		return v, err
	}
	err = s.store.View(ctx, func(tx Tx) error {
		v, err = read(tx)
		return err
	})
	return v, err
}

// FindDeparturePolicy returns one version.
func (s *Service) FindDeparturePolicy(ctx context.Context, id int64) (*DeparturePolicy, error) {
	return viewAgencyWide(ctx, s, ActionDepartureView, func(tx Tx) (*DeparturePolicy, error) { return tx.FindDeparturePolicyByID(ctx, id) })
}

// FindDeparturePolicies returns every version, newest first.
func (s *Service) FindDeparturePolicies(ctx context.Context) ([]*DeparturePolicy, error) {
	return viewAgencyWide(ctx, s, ActionDepartureView, func(tx Tx) ([]*DeparturePolicy, error) { return tx.FindDeparturePolicies(ctx) })
}

// PreviewDeparturePolicy ranks the live requests under the version and
// under the adopted one (the default order if none) and returns those of
// the caller's scope whose rank differs, with both reasons, by new rank.
// Each policy reads programme membership of its own programme.
func (s *Service) PreviewDeparturePolicy(ctx context.Context, id int64) ([]DepartureMove, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if err := authorizeAction(a, ActionDeparturePolicy); err != nil {
		return nil, err
	}
	var moves []DepartureMove
	err = s.store.View(ctx, func(tx Tx) error {
		p, err := tx.FindDeparturePolicyByID(ctx, id)
		if err != nil {
			return err
		}
		old, err := adoptedPolicy(ctx, tx)
		if err != nil {
			return err
		}
		live, err := liveDepartures(ctx, tx)
		if err != nil {
			return err
		}
		rank := func(pol *DeparturePolicy) (map[int64]departure.Ranked, error) {
			reqs, err := pureRequests(ctx, tx, pol, live, nil)
			if err != nil {
				return nil, err
			}
			m := map[int64]departure.Ranked{}
			for _, rk := range departure.Rank(&pol.Rules, reqs, tx.Now()) {
				m[rk.Request.ID] = rk
			}
			return m, nil
		}
		before, err := rank(old)
		if err != nil {
			return err
		}
		after, err := rank(p)
		if err != nil {
			return err
		}
		moves = []DepartureMove{}
		for _, r := range live {
			o, n := before[r.ID], after[r.ID]
			if o.Rank != n.Rank && a.InScope(r.UnitPath) {
				moves = append(moves, DepartureMove{
					Move:   departure.Move{RequestID: r.ID, OldRank: o.Rank, NewRank: n.Rank, OldReason: o.Reason, NewReason: n.Reason},
					OldWhy: rankWhy(o, old), NewWhy: rankWhy(n, p)})
			}
		}
		slices.SortFunc(moves, func(x, y DepartureMove) int { return cmp.Compare(x.NewRank, y.NewRank) })
		return nil
	})
	if err != nil {
		return nil, err
	}
	return moves, nil
}

// AdoptDeparturePolicy makes a draft the adopted policy and retires the
// previous one. Audited.
func (s *Service) AdoptDeparturePolicy(ctx context.Context, id int64) (*DeparturePolicy, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if err := authorizeAction(a, ActionDeparturePolicy); err != nil {
		return nil, err
	}
	var p *DeparturePolicy
	err = s.store.Update(ctx, func(tx Tx) error {
		if p, err = tx.FindDeparturePolicyByID(ctx, id); err != nil {
			return err
		}
		if p.Status != PolicyDraft {
			return &Error{Code: ECONFLICT, Field: "status", Key: "error.departure.policy_not_draft",
				Message: fmt.Sprintf("Version %d is %s: only a draft is adopted.", p.Version, p.Status)}
		}
		if err := p.Validate(); err != nil {
			return err
		}
		previous := 0
		old, err := tx.FindAdoptedDeparturePolicy(ctx)
		if err == nil {
			old.Status, previous = PolicyRetired, old.Version
			if err := tx.UpdateDeparturePolicy(ctx, old); err != nil {
				return err
			}
		} else if ErrorCode(err) != ENOTFOUND {
			return err
		}
		p.Status, p.AdoptedBy, p.AdoptedAt = PolicyAdopted, a.UserID, tx.Now()
		if err := tx.UpdateDeparturePolicy(ctx, p); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, AuditEvent{Action: "departure_policy.adopt", RecordType: "departure_policy", RecordID: p.ID,
			Detail: map[string]any{"version": p.Version, "previous_version": previous, "name": p.Rules.Name}})
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// CreateCrossing adds a crossing.
func (s *Service) CreateCrossing(ctx context.Context, c *Crossing) error {
	a, err := actor(ctx)
	if err != nil {
		return err
	}
	if err := authorizeAction(a, ActionDepartureAllocate); err != nil {
		return err
	}
	if err := c.Validate(); err != nil {
		return err
	}
	return s.store.Update(ctx, func(tx Tx) error {
		if err := tx.CreateCrossing(ctx, c); ErrorCode(err) == ECONFLICT {
			return &Error{Code: ECONFLICT, Field: "name", Key: "error.crossing.name_taken", Message: "Another crossing has this name."}
		} else if err != nil {
			return err
		}
		c.Overrides = map[string]int{}
		return s.audit(ctx, tx, a, AuditEvent{Action: "crossing.create", RecordType: "crossing", RecordID: c.ID,
			Detail: map[string]any{"name": c.Name, "open": c.Open, "daily_capacity": c.DailyCapacity}})
	})
}

// UpdateCrossing changes a crossing's name, open state and daily capacity.
func (s *Service) UpdateCrossing(ctx context.Context, c *Crossing) error {
	a, err := actor(ctx)
	if err != nil {
		return err
	}
	if err := authorizeAction(a, ActionDepartureAllocate); err != nil {
		return err
	}
	if err := c.Validate(); err != nil {
		return err
	}
	return s.store.Update(ctx, func(tx Tx) error {
		cur, err := tx.FindCrossingByID(ctx, c.ID)
		if err != nil {
			return err
		}
		if err := tx.UpdateCrossing(ctx, c); ErrorCode(err) == ECONFLICT {
			return &Error{Code: ECONFLICT, Field: "name", Key: "error.crossing.name_taken", Message: "Another crossing has this name."}
		} else if err != nil {
			return err
		}
		c.Overrides, c.Created = cur.Overrides, cur.Created
		return s.audit(ctx, tx, a, AuditEvent{Action: "crossing.update", RecordType: "crossing", RecordID: c.ID,
			Detail: map[string]any{"name": c.Name, "open": c.Open, "daily_capacity": c.DailyCapacity,
				"was_open": cur.Open, "was_daily_capacity": cur.DailyCapacity}})
	})
}

// SetCrossingDayCapacity sets one day's capacity (negative: back to the
// daily capacity).
func (s *Service) SetCrossingDayCapacity(ctx context.Context, crossingID int64, day string, capacity int) error {
	a, err := actor(ctx)
	if err != nil {
		return err
	}
	if err := authorizeAction(a, ActionDepartureAllocate); err != nil {
		return err
	}
	if _, err := ParseCallDay(day); err != nil {
		return FieldError("day", "error.departure.day", "A day is written YYYY-MM-DD.")
	} else if capacity > 100000 {
		return FieldError("capacity", "error.crossing.capacity", "A capacity is 0 to 100000 persons a day.")
	}
	if capacity < 0 {
		capacity = -1
	}
	return s.store.Update(ctx, func(tx Tx) error {
		if _, err := tx.FindCrossingByID(ctx, crossingID); err != nil {
			return err
		}
		if err := tx.SetCrossingDayCapacity(ctx, crossingID, day, capacity); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, AuditEvent{Action: "crossing.capacity", RecordType: "crossing", RecordID: crossingID,
			Detail: map[string]any{"day": day, "capacity": capacity}})
	})
}

// FindCrossing returns one crossing with its overrides.
func (s *Service) FindCrossing(ctx context.Context, id int64) (*Crossing, error) {
	return viewAgencyWide(ctx, s, ActionDepartureView, func(tx Tx) (*Crossing, error) { return tx.FindCrossingByID(ctx, id) })
}

// FindCrossings returns the crossings by name.
func (s *Service) FindCrossings(ctx context.Context) ([]*Crossing, error) {
	return viewAgencyWide(ctx, s, ActionDepartureView, func(tx Tx) ([]*Crossing, error) { return tx.FindCrossings(ctx) })
}

// agencyWide refuses an allocation by a user below the top of the tree:
// the list is one, agency-wide, and an allocation writes requests of every
// unit.
func agencyWide(a *Actor) error {
	if a.System || strings.Count(a.UnitPath, "/") == 2 {
		return nil
	}
	return &Error{Code: EFORBIDDEN, Key: "error.departure.agency_wide",
		Message: "Allocation is agency-wide: only users of the top unit allocate travel days."}
}

// AllocateCrossing gives travel days at the crossing over fromDay …
// fromDay+days-1 to the list in rank order (departure.Allocate), keeping
// the allocations made before, in one transaction; audited; the case
// officers of the households are told of new days and of days now over
// capacity.
func (s *Service) AllocateCrossing(ctx context.Context, crossingID int64, fromDay string, days int) (*CrossingAllocation, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if err := authorizeAction(a, ActionDepartureAllocate); err != nil {
		return nil, err
	}
	if err := agencyWide(a); err != nil {
		return nil, err
	}
	if _, err := ParseCallDay(fromDay); err != nil {
		return nil, FieldError("from", "error.departure.day", "A day is written YYYY-MM-DD.")
	} else if days < 1 || days > 90 {
		return nil, FieldError("days", "error.departure.days", "Allocate 1 to 90 days at a time.")
	}
	lastDay := AddDays(fromDay, days-1)
	out := &CrossingAllocation{CrossingID: crossingID, FromDay: fromDay, Days: days}
	err = s.store.Update(ctx, func(tx Tx) error {
		c, err := tx.FindCrossingByID(ctx, crossingID)
		if err != nil {
			return err
		}
		if !c.Open {
			return &Error{Code: ECONFLICT, Field: "crossing_id", Key: "error.crossing.closed", Message: "The crossing is closed."}
		}
		pol, err := adoptedPolicy(ctx, tx)
		if err != nil {
			return err
		}
		live, err := liveDepartures(ctx, tx)
		if err != nil {
			return err
		}
		// Waiting requests, and those this crossing gave a day within the
		// period (they keep it); allocations elsewhere or at other times
		// take no part.
		byID := map[int64]*DepartureRequest{}
		var in []*DepartureRequest
		for _, r := range live {
			if r.Status == DepartureWaiting || (r.CrossingID == crossingID && r.Day >= fromDay && r.Day <= lastDay) {
				in = append(in, r)
				byID[r.ID] = r
			}
		}
		reqs, err := pureRequests(ctx, tx, pol, in, func(r *DepartureRequest) string {
			if r.Status == DepartureAllocated {
				return r.Day
			}
			return ""
		})
		if err != nil {
			return err
		}
		ranked := departure.Rank(&pol.Rules, reqs, tx.Now())
		out.Allocation = departure.Allocate(&pol.Rules, ranked, c.Days(fromDay, days, 0))
		var written []int64
		for _, as := range out.Assignments {
			if as.Kept {
				continue
			}
			r := byID[as.RequestID]
			r.Status, r.CrossingID, r.Day, r.AllocatedAt = DepartureAllocated, crossingID, as.Date, tx.Now()
			r.AllocationNote = as.Note
			if r.AllocationNote == "" {
				r.AllocationNote = fmt.Sprintf("Allocated in rank order under policy version %d; when a household does not fit, %s.",
					pol.Version, out.RuleText)
			}
			if err := tx.UpdateDepartureRequest(ctx, r); err != nil {
				return err
			}
			written = append(written, r.ID)
			if err := s.tellOfficer(ctx, tx, a, r, NotifyDepartureAllocated, fmt.Sprintf("%s:%d:%s", NotifyDepartureAllocated, r.ID, r.Day),
				fmt.Sprintf("Departure request %d (household %d) travels on %s at %s. Tell them.", r.ID, r.HouseholdID, r.Day, c.Name),
				map[string]string{"request": fmt.Sprint(r.ID), "household": fmt.Sprint(r.HouseholdID), "day": r.Day, "crossing": c.Name}); err != nil {
				return err
			}
		}
		out.New = len(written)
		overDays := make([]string, 0, len(out.Over))
		for d := range out.Over {
			overDays = append(overDays, d)
		}
		slices.Sort(overDays)
		for _, d := range overDays {
			od := OverDay{Day: d, Capacity: c.CapacityOn(d), Used: out.Used[d]}
			for _, as := range out.Assignments {
				if as.Date != d {
					continue
				}
				r := byID[as.RequestID]
				od.RequestIDs = append(od.RequestIDs, r.ID)
				if err := s.tellOfficer(ctx, tx, a, r, NotifyDepartureOver, fmt.Sprintf("%s:%d:%s:%d", NotifyDepartureOver, r.ID, d, od.Capacity),
					fmt.Sprintf("The capacity of %s on %s is now %d persons, below the %d allocated: departure request %d (household %d) keeps its day, but tell them it may change.",
						c.Name, d, od.Capacity, od.Used, r.ID, r.HouseholdID),
					map[string]string{"request": fmt.Sprint(r.ID), "household": fmt.Sprint(r.HouseholdID), "day": d, "crossing": c.Name,
						"capacity": fmt.Sprint(od.Capacity), "used": fmt.Sprint(od.Used)}); err != nil {
					return err
				}
			}
			out.OverDays = append(out.OverDays, od)
		}
		return s.audit(ctx, tx, a, AuditEvent{Action: "departure.allocate", RecordType: "crossing", RecordID: crossingID,
			Detail: map[string]any{"from": fromDay, "days": days, "policy_version": pol.Version, "rule": out.Rule,
				"allocated": written, "unallocated": len(out.Unallocated), "over_days": overDays}})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// tellOfficer notifies the case officer of the request's household, if it
// has one other than the actor.
func (s *Service) tellOfficer(ctx context.Context, tx Tx, a *Actor, r *DepartureRequest, kind, key, text string, args map[string]string) error {
	officer, err := tx.FindCaseOfficer(ctx, r.HouseholdID)
	if err != nil && ErrorCode(err) != ENOTFOUND {
		return err
	}
	if officer == 0 || officer == a.UserID {
		return nil
	}
	return s.notify(ctx, tx, &Notification{UserID: officer, Kind: kind, Key: key, Text: text, Args: args})
}

// Forecast returns the expected day of the live requests of the caller's
// scope at the crossing, from the day after today, under its capacities or
// under whatIfDaily persons a day (> 0, even while it is closed), and the
// whole queue draining day by day. Requests allocated elsewhere take no
// part.
func (s *Service) Forecast(ctx context.Context, crossingID int64, whatIfDaily int) (*DepartureForecast, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if err := authorizeAction(a, ActionDepartureView); err != nil {
		return nil, err
	}
	if whatIfDaily < 0 || whatIfDaily > 100000 {
		return nil, FieldError("what_if", "error.crossing.capacity", "A capacity is 0 to 100000 persons a day.")
	}
	out := &DepartureForecast{CrossingID: crossingID, WhatIfDaily: whatIfDaily, Days: departureHorizon}
	err = s.store.View(ctx, func(tx Tx) error {
		c, err := tx.FindCrossingByID(ctx, crossingID)
		if err != nil {
			return err
		}
		loc, err := actorLocation(ctx, tx, a)
		if err != nil {
			return err
		}
		out.FromDay = AddDays(LocalDay(tx.Now(), loc), 1)
		lastDay := AddDays(out.FromDay, departureHorizon-1)
		pol, err := adoptedPolicy(ctx, tx)
		if err != nil {
			return err
		}
		live, err := liveDepartures(ctx, tx)
		if err != nil {
			return err
		}
		var in []*DepartureRequest
		for _, r := range live {
			if r.Status == DepartureWaiting || (r.CrossingID == crossingID && r.Day >= out.FromDay && r.Day <= lastDay) {
				in = append(in, r)
			}
		}
		reqs, err := pureRequests(ctx, tx, pol, in, func(r *DepartureRequest) string {
			if r.Status == DepartureAllocated {
				return r.Day
			}
			return ""
		})
		if err != nil {
			return err
		}
		ranked := departure.Rank(&pol.Rules, reqs, tx.Now())
		days := c.Days(out.FromDay, departureHorizon, whatIfDaily)
		if whatIfDaily > 0 {
			for i := range days {
				days[i].Capacity = whatIfDaily
			}
		}
		expected, series := departure.Forecast(&pol.Rules, ranked, days)
		inScope := map[int64]bool{}
		for _, r := range in {
			inScope[r.ID] = a.InScope(r.UnitPath)
		}
		out.Expected = []departure.Expected{}
		for _, e := range expected {
			if inScope[e.RequestID] {
				out.Expected = append(out.Expected, e)
			}
		}
		out.Series = series
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DaySheet returns the requests of the caller's scope allocated to the
// crossing's day (and those that left on it), with their members, in rank
// order, for printing. Audited.
func (s *Service) DaySheet(ctx context.Context, crossingID int64, day string) (*DepartureDaySheet, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if err := authorizeAction(a, ActionDepartureView); err != nil {
		return nil, err
	}
	if _, err := ParseCallDay(day); err != nil {
		return nil, FieldError("day", "error.departure.day", "A day is written YYYY-MM-DD.")
	}
	sheet := &DepartureDaySheet{Day: day}
	err = s.store.Update(ctx, func(tx Tx) error {
		if sheet.Crossing, err = tx.FindCrossingByID(ctx, crossingID); err != nil {
			return err
		}
		sheet.Capacity = sheet.Crossing.CapacityOn(day)
		rs, _, err := tx.FindDepartureRequests(ctx, DepartureFilter{PathPrefix: scopeOf(a), CrossingID: crossingID, Day: day,
			Statuses: []DepartureStatus{DepartureAllocated, DepartureDeparted}, Limit: departureReadLimit})
		if err != nil {
			return err
		}
		rs = slices.DeleteFunc(rs, func(r *DepartureRequest) bool { return !a.InScope(r.UnitPath) })
		loc, err := actorLocation(ctx, tx, a)
		if err != nil {
			return err
		}
		b, err := readDepartureBoard(ctx, tx, loc)
		if err != nil {
			return err
		}
		ids := make([]int64, len(rs))
		for i, r := range rs {
			b.fill(r)
			sheet.Persons += r.Size()
			ids[i] = r.ID
		}
		slices.SortStableFunc(rs, func(x, y *DepartureRequest) int {
			return cmp.Or(cmp.Compare(rankKey(x), rankKey(y)), cmp.Compare(x.ID, y.ID))
		})
		sheet.Requests = rs
		return s.audit(ctx, tx, a, AuditEvent{Action: "departure.day_sheet", RecordType: "crossing", RecordID: crossingID, UnitID: a.UnitID,
			Detail: map[string]any{"day": day, "requests": ids}})
	})
	if err != nil {
		return nil, err
	}
	return sheet, nil
}

// CreateResidentCode makes a new code for the request's slip: 32 random
// bytes, base64url; it is returned once and stored hashed.
func (s *Service) CreateResidentCode(ctx context.Context, requestID int64) (string, *ResidentCode, error) {
	a, err := actor(ctx)
	if err != nil {
		return "", nil, err
	}
	secret := randomToken(residentCodePrefix)
	c := &ResidentCode{RequestID: requestID, Hash: HashToken(secret), CreatedBy: a.UserID}
	err = s.store.Update(ctx, func(tx Tx) error {
		r, err := findDepartureInScope(ctx, tx, a, ActionDepartureRecord, requestID)
		if err != nil {
			return err
		}
		c.Created = tx.Now()
		if err := tx.CreateResidentCode(ctx, c); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, AuditEvent{Action: "resident_code.create", RecordType: "departure_request", RecordID: r.ID, UnitID: r.UnitID,
			Detail: map[string]any{"code_id": c.ID}})
	})
	if err != nil {
		return "", nil, err
	}
	return secret, c, nil
}

// FindResidentCodes returns the codes of a request (hashes only).
func (s *Service) FindResidentCodes(ctx context.Context, requestID int64) ([]*ResidentCode, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	var cs []*ResidentCode
	err = s.store.View(ctx, func(tx Tx) error {
		if _, err := findDepartureInScope(ctx, tx, a, ActionDepartureView, requestID); err != nil {
			return err
		}
		cs, err = tx.FindResidentCodes(ctx, requestID)
		return err
	})
	return cs, err
}

// RevokeResidentCode ends a code; revoking it again changes nothing.
func (s *Service) RevokeResidentCode(ctx context.Context, id int64) error {
	a, err := actor(ctx)
	if err != nil {
		return err
	}
	return s.store.Update(ctx, func(tx Tx) error {
		c, err := tx.FindResidentCodeByID(ctx, id)
		if err != nil {
			return err
		}
		r, err := findDepartureInScope(ctx, tx, a, ActionDepartureRecord, c.RequestID)
		if ErrorCode(err) == ENOTFOUND {
			return notFound("resident code")
		} else if err != nil {
			return err
		}
		if !c.Revoked.IsZero() {
			return nil
		}
		if err := tx.RevokeResidentCode(ctx, id, tx.Now()); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, AuditEvent{Action: "resident_code.revoke", RecordType: "departure_request", RecordID: r.ID, UnitID: r.UnitID,
			Detail: map[string]any{"code_id": c.ID}})
	})
}

// errResidentCode is the answer to an unknown or revoked code.
var errResidentCode = &Error{Code: ENOTFOUND, Key: "error.departure.code", Message: "This code is not known, or no longer valid."}

// ResidentLookup shows what a resident's code shows: its own request's
// position among the waiting and allocated requests, expected day, status
// and destination — nothing of anyone else. It needs no actor: every
// look-up is audited as a system read from addr, naming the request, and
// unknown or revoked codes are audited too (without a request) and not
// found. The web layer limits the rate.
func (s *Service) ResidentLookup(ctx context.Context, code, addr string) (*ResidentView, error) {
	sys := SystemActor("resident")
	sys.Addr = addr
	code = strings.TrimSpace(code)
	var v *ResidentView
	err := s.store.Update(ctx, func(tx Tx) error {
		c, err := tx.FindResidentCodeByHash(ctx, HashToken(code))
		if ErrorCode(err) == ENOTFOUND || (err == nil && !c.Revoked.IsZero()) {
			return s.audit(ctx, tx, sys, AuditEvent{Action: "departure.resident_lookup_failed", RecordType: "departure_request"})
		} else if err != nil {
			return err
		}
		r, err := tx.FindDepartureRequestByID(ctx, c.RequestID)
		if err != nil {
			return err
		}
		h, err := tx.FindHouseholdByID(ctx, r.HouseholdID)
		if err != nil {
			return err
		}
		unit, err := tx.FindUnitByID(ctx, h.UnitID)
		if err != nil {
			return err
		}
		b, err := readDepartureBoard(ctx, tx, unit.Location())
		if err != nil {
			return err
		}
		b.fill(r)
		v = &ResidentView{RequestID: r.ID, Status: r.Status, Position: r.Rank, Expected: r.Expected, Destination: r.Destination, Persons: r.Size()}
		if r.Status == DepartureAllocated || r.Status == DepartureDeparted {
			v.Day = r.Day
			if r.CrossingID != 0 {
				cr, err := tx.FindCrossingByID(ctx, r.CrossingID)
				if err != nil {
					return err
				}
				v.Crossing = cr.Name
			}
		}
		return s.audit(ctx, tx, sys, AuditEvent{Action: "departure.resident_lookup", RecordType: "departure_request", RecordID: r.ID,
			UnitID: r.UnitID, Detail: map[string]any{"code_id": c.ID}})
	})
	if err != nil {
		return nil, err
	}
	if v == nil {
		return nil, errResidentCode
	}
	return v, nil
}
