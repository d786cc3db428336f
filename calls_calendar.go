package kinbridge

import (
	"context"
	"fmt"
	"slices"
	"time"

	ics "github.com/arran4/golang-ical"
)

// This file holds the officers' calendar feeds and the printable sheets: an
// office's day and an officer's week.

// calendarTokenPrefix starts every calendar feed token, so that one found
// in a log says what it is.
const calendarTokenPrefix = "kbcal_"

// calendarPast is how far back a feed lists calls.
const calendarPast = 28 * 24 * time.Hour

// CreateCalendarToken makes a new secret feed URL token for the caller: 32
// random bytes, of which only the hash is kept.
func (s *Service) CreateCalendarToken(ctx context.Context) (string, *CalendarToken, error) {
	a, err := actor(ctx)
	if err != nil {
		return "", nil, err
	}
	if err := authorizeAction(a, ActionCallView); err != nil {
		return "", nil, err
	}
	secret := randomToken(calendarTokenPrefix)
	t := &CalendarToken{UserID: a.UserID, Hash: HashToken(secret)}
	err = s.store.Update(ctx, func(tx Tx) error {
		t.Created = tx.Now()
		if err := tx.CreateCalendarToken(ctx, t); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, AuditEvent{Action: "calendar_token.create", RecordType: "calendar_token", RecordID: t.ID, UnitID: a.UnitID})
	})
	if err != nil {
		return "", nil, err
	}
	return secret, t, nil
}

// FindCalendarTokens returns the caller's tokens.
func (s *Service) FindCalendarTokens(ctx context.Context) ([]*CalendarToken, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	var ts []*CalendarToken
	err = s.store.View(ctx, func(tx Tx) error {
		ts, err = tx.FindCalendarTokens(ctx, a.UserID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return ts, nil
}

// RevokeCalendarToken ends one of the caller's feed URLs.
func (s *Service) RevokeCalendarToken(ctx context.Context, id int64) error {
	a, err := actor(ctx)
	if err != nil {
		return err
	}
	return s.store.Update(ctx, func(tx Tx) error {
		ts, err := tx.FindCalendarTokens(ctx, a.UserID)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(ts, func(t *CalendarToken) bool { return t.ID == id })
		if i < 0 {
			return notFound("calendar token")
		}
		if ts[i].Revoked.IsZero() {
			if err := tx.RevokeCalendarToken(ctx, id, tx.Now()); err != nil {
				return err
			}
		}
		return s.audit(ctx, tx, a, AuditEvent{Action: "calendar_token.revoke", RecordType: "calendar_token", RecordID: id, UnitID: a.UnitID})
	})
}

// callAddresses returns the addresses of the households of the units, by
// household id: one query per unit (the calls of a feed or a sheet are at
// one office or a few).
func callAddresses(ctx context.Context, tx Tx, paths []string) (map[int64]string, error) {
	out := map[int64]string{}
	for _, p := range paths {
		hs, _, err := tx.FindHouseholds(ctx, HouseholdFilter{Path: p})
		if err != nil {
			return nil, err
		}
		for _, h := range hs {
			out[h.ID] = h.Address
		}
	}
	return out, nil
}

// callPaths returns the distinct unit paths of the calls.
func callPaths(calls []*Call) []string {
	var ps []string
	for _, c := range calls {
		if !slices.Contains(ps, c.UnitPath) {
			ps = append(ps, c.UnitPath)
		}
	}
	return ps
}

// CalendarFeed returns the iCalendar (RFC 5545) feed of the officer whose
// token it is: their calls from four weeks back on, each with a stable UID,
// its SEQUENCE, and STATUS:CANCELLED once cancelled. The summary says the
// place and the household's address, never a relative's name. No actor:
// the token is the credential; the read is audited as the token's user's.
func (s *Service) CalendarFeed(ctx context.Context, token string) ([]byte, error) {
	var cal *ics.Calendar
	err := s.store.Update(ctx, func(tx Tx) error {
		t, err := tx.FindCalendarTokenByHash(ctx, HashToken(token))
		if ErrorCode(err) == ENOTFOUND || (err == nil && !t.Revoked.IsZero()) {
			return notFound("calendar")
		} else if err != nil {
			return err
		}
		u, err := tx.FindUserByID(ctx, t.UserID)
		if ErrorCode(err) == ENOTFOUND || (err == nil && u.Disabled) {
			return notFound("calendar")
		} else if err != nil {
			return err
		}
		now := tx.Now()
		calls, _, err := tx.FindCalls(ctx, CallFilter{OfficerID: u.ID, From: now.Add(-calendarPast), To: now.AddDate(1, 0, 0), Limit: 5000})
		if err != nil {
			return err
		}
		addresses, err := callAddresses(ctx, tx, callPaths(calls))
		if err != nil {
			return err
		}
		rooms := map[int64]string{}
		var units []int64
		for _, c := range calls {
			if c.RoomID != 0 && !slices.Contains(units, c.UnitID) {
				units = append(units, c.UnitID)
			}
		}
		for _, id := range units {
			o, err := tx.FindCallOffice(ctx, id)
			if err != nil && ErrorCode(err) != ENOTFOUND {
				return err
			}
			if o != nil {
				for _, r := range o.Rooms {
					rooms[r.ID] = r.Name
				}
			}
		}
		cal = ics.NewCalendarFor("kinbridge")
		cal.SetMethod(ics.MethodPublish)
		cal.SetName("kinbridge: " + userName(u))
		for _, c := range calls {
			e := cal.AddEvent(fmt.Sprintf("call-%d@kinbridge", c.ID))
			e.SetSequence(c.Sequence)
			e.SetDtStampTime(c.Updated)
			e.SetCreatedTime(c.Created)
			e.SetLastModifiedAt(c.Updated)
			e.SetStartAt(c.Start)
			// The officer's time: a home call's block includes the travel.
			e.SetEndAt(c.BlockEnd)
			addr := addresses[c.HouseholdID]
			switch c.Place {
			case CallAtHome:
				e.SetSummary(fmt.Sprintf("Family call at home: %s", addr))
				e.SetLocation(addr)
			default:
				e.SetSummary(fmt.Sprintf("Family call at the office, %s: household of %s", rooms[c.RoomID], addr))
				e.SetLocation(rooms[c.RoomID])
			}
			e.SetDescription(fmt.Sprintf("Household %d. The call is %s–%s. Status: %s.", c.HouseholdID,
				c.Start.UTC().Format("15:04Z"), c.End.UTC().Format("15:04Z"), c.Status))
			if c.Status == CallCancelled {
				e.SetStatus(ics.ObjectStatusCancelled)
			} else {
				e.SetStatus(ics.ObjectStatusConfirmed)
			}
		}
		a := &Actor{UserID: u.ID, Username: u.Username, Role: u.Role, UnitID: u.UnitID, UnitPath: u.UnitPath, Addr: "calendar-feed"}
		return s.audit(ctx, tx, a, AuditEvent{Action: "calendar.feed", RecordType: "calendar_token", RecordID: t.ID, UnitID: u.UnitID,
			Detail: map[string]any{"calls": len(calls)}})
	})
	if err != nil {
		return nil, err
	}
	return []byte(cal.Serialize()), nil
}

// auditCallList audits a read that shows calls: the read, and each call
// shown as a read of its household's.
func (s *Service) auditCallList(ctx context.Context, tx Tx, a *Actor, action string, unitID int64, calls []*Call, detail map[string]any) error {
	events := make([]AuditEvent, 0, 1+len(calls))
	detail["shown"] = len(calls)
	events = append(events, AuditEvent{Action: action, RecordType: "call", UnitID: unitID, Detail: detail})
	for _, c := range calls {
		events = append(events, AuditEvent{Action: "call.list_result", RecordType: "call", RecordID: c.ID, UnitID: c.UnitID,
			Detail: map[string]any{"household_id": c.HouseholdID}})
	}
	return s.auditAll(ctx, tx, a, events)
}

// OfficeDay returns an office's day sheet: its rooms by slots, its
// officers' duties, and the day's calls that are not cancelled, with the
// households' addresses (by household id) and the officers' names.
func (s *Service) OfficeDay(ctx context.Context, unitID int64, day string) (*OfficeDay, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := ParseCallDay(day); err != nil {
		return nil, FieldError("day", "error.calls.day", "A date is YYYY-MM-DD.")
	}
	od := &OfficeDay{Day: day, Calls: []*Call{}, Officers: map[int64]string{}, Households: map[int64]string{}}
	err = s.store.Update(ctx, func(tx Tx) error {
		if od.Unit, err = findUnitInScope(ctx, tx, a, ActionCallView, unitID); err != nil {
			return err
		}
		board, err := callBoard(ctx, liveSetup(tx), od.Unit, day, 1)
		if err != nil {
			return err
		}
		users, err := unitOfficers(ctx, tx, unitID)
		if err != nil {
			return err
		}
		for _, u := range users {
			od.Officers[u.ID] = userName(u)
		}
		if board != nil {
			od.Office, od.Duties = board.Office, board.Duties
			minutes := DefaultCallPolicy.CallMinutes
			for _, c := range board.Calls {
				if c.Day == day {
					od.Calls = append(od.Calls, c)
					minutes = int(c.End.Sub(c.Start) / time.Minute)
				}
			}
			od.Slots = board.OfficeSlots(minutes)
		}
		if od.Households, err = callAddresses(ctx, tx, []string{od.Unit.Path}); err != nil {
			return err
		}
		return s.auditCallList(ctx, tx, a, "call.office_day", unitID, od.Calls, map[string]any{"day": day})
	})
	if err != nil {
		return nil, err
	}
	return od, nil
}

// OfficerWeek returns an officer's week (weekStart: a local Monday): their
// duties and their calls that are not cancelled.
func (s *Service) OfficerWeek(ctx context.Context, officerID int64, weekStart string) (*OfficerWeek, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if m, err := WeekMonday(weekStart); err != nil || m != weekStart {
		return nil, FieldError("week_start", "error.calls.week_start", "A week starts on a Monday, YYYY-MM-DD.")
	}
	ow := &OfficerWeek{WeekStart: weekStart, Duties: []Duty{}, Calls: []*Call{}}
	err = s.store.Update(ctx, func(tx Tx) error {
		u, err := tx.FindUserByID(ctx, officerID)
		if ErrorCode(err) == ENOTFOUND {
			return notFound("officer")
		} else if err != nil {
			return err
		}
		if officerID != a.UserID {
			if err := authorize(a, ActionCallView, u.UnitPath, "officer"); err != nil {
				return err
			}
		} else if err := authorizeAction(a, ActionCallView); err != nil {
			return err
		}
		ow.Officer = u
		unit, err := tx.FindUnitByID(ctx, u.UnitID)
		if err != nil {
			return err
		}
		board, err := callBoard(ctx, liveSetup(tx), unit, weekStart, 7)
		if err != nil {
			return err
		}
		if board != nil {
			for _, d := range board.Duties {
				if d.OfficerID == officerID {
					ow.Duties = append(ow.Duties, d)
				}
			}
		}
		loc := unit.Location()
		from, _ := AtDayTime(weekStart, 0, loc)
		to, _ := AtDayTime(AddDays(weekStart, 7), 0, loc)
		if ow.Calls, _, err = tx.FindCalls(ctx, CallFilter{OfficerID: officerID, From: from, To: to, Statuses: liveCallStatuses, Limit: callReadLimit}); err != nil {
			return err
		}
		if ow.Households, err = callAddresses(ctx, tx, callPaths(ow.Calls)); err != nil {
			return err
		}
		return s.auditCallList(ctx, tx, a, "call.officer_week", u.UnitID, ow.Calls, map[string]any{"officer_id": officerID, "week_start": weekStart})
	})
	if err != nil {
		return nil, err
	}
	return ow, nil
}
