package kinbridge

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// This file holds the family calls' services for booking one call at a
// time — free slots, book, cancel, reschedule, outcomes, an office's
// cancellation — and the settings behind them: households' settings, an
// office's rooms and hours, rosters and their exceptions.

// Notification kinds of the family calls.
const (
	NotifyCallCancelled        = "call_cancelled"         // a call of a household you look after was cancelled with its office's calls
	NotifyOfficeCallsCancelled = "office_calls_cancelled" // your office's calls were cancelled for a reason
)

// liveCallStatuses are the statuses of calls that keep their claims: every
// status but cancelled (a free no-show gives back only its quota seat).
var liveCallStatuses = []CallStatus{CallBooked, CallHeld, CallNoShow, CallOfficerMissing}

// callReadLimit bounds the internal reads of calls: far more than an
// office or a household has in the periods read.
const callReadLimit = 100000

// bookingAttempts is how often a booking is tried when another booking took
// the room or officer it chose while another was free.
const bookingAttempts = 5

// maxBlock is the longest time a call holds an officer: calls that start
// this long before a period may still hold it.
const maxBlock = 8 * time.Hour

// callPolicyOf returns the call policy that applies to a household with
// the settings, and its programme (0: the default policy).
func callPolicyOf(ctx context.Context, st *setupAt, hs *HouseholdCallSettings) (CallPolicy, int64, error) {
	id := hs.ProgrammeID
	if id == 0 {
		programmes, err := st.tx.FindResidentProgrammes(ctx, hs.HouseholdID)
		if err != nil {
			return CallPolicy{}, 0, err
		}
		id = CallProgrammeOf(0, programmes)
	}
	if id == 0 {
		cp, err := (*Programme)(nil).CallPolicy()
		return cp, 0, err
	}
	p, err := st.programme(ctx, id)
	if err != nil {
		return CallPolicy{}, 0, err
	} else if p == nil {
		cp, err := (*Programme)(nil).CallPolicy()
		return cp, 0, err
	}
	cp, err := p.CallPolicy()
	return cp, id, err
}

// memberProgrammes returns the programmes of each current resident of the
// household among persons.
func memberProgrammes(persons []*Person, householdID int64) [][]int64 {
	var ps [][]int64
	for _, m := range persons {
		if m.Kind == PersonResident && m.HouseholdID == householdID && m.Status != StatusMerged && m.Status != StatusDeceased &&
			m.Status != StatusDeparted {
			ps = append(ps, m.ProgrammeIDs)
		}
	}
	return ps
}

// householdCallSettings returns the household's settings, or the defaults.
func householdCallSettings(ctx context.Context, tx Tx, householdID int64) (*HouseholdCallSettings, error) {
	hs, err := tx.FindHouseholdCallSettings(ctx, householdID)
	if ErrorCode(err) == ENOTFOUND {
		return &HouseholdCallSettings{HouseholdID: householdID}, nil
	}
	return hs, err
}

// errNoCallOffice is the refusal for a household whose office holds no calls.
var errNoCallOffice = &Error{Code: EINVALID, Field: "household_id", Key: "error.calls.no_office",
	Message: "The household's office is not set up for calls."}

// callBoard reads what the rules need of an office for the local days
// fromDay … fromDay+days-1: its set-up (nil if it has none), its own
// officers' duties and areas, and its calls that hold officers and rooms.
func callBoard(ctx context.Context, st *setupAt, unit *Unit, fromDay string, days int) (*CallBoard, error) {
	return callBoardOf(ctx, st, unit, fromDay, days, nil)
}

// callBoardOf is callBoard; with a window, it reads only the calls that
// overlap it (the office's other calls cannot bear on a booking in it).
func callBoardOf(ctx context.Context, st *setupAt, unit *Unit, fromDay string, days int, window *[2]time.Time) (*CallBoard, error) {
	loc := unit.Location()
	setup, err := st.office(ctx, unit)
	if err != nil {
		return nil, err
	} else if setup.office == nil {
		return nil, nil
	}
	exc, err := st.exceptions(ctx, unit, setup, fromDay, days)
	if err != nil {
		return nil, err
	}
	duties, err := ResolveDuties(setup.office, loc, fromDay, days, setup.roster, exc)
	if err != nil {
		return nil, err
	}
	o, areas, tx := setup.office, setup.areas, st.tx
	from, _ := AtDayTime(fromDay, 0, loc)
	to, _ := AtDayTime(AddDays(fromDay, days), 0, loc)
	f := CallFilter{UnitID: unit.ID, From: from.Add(-maxBlock), To: to, Statuses: liveCallStatuses}
	if window != nil {
		f.From, f.To, f.EndsAfter = window[0].Add(-maxBlock), window[1], window[0]
	}
	f.Limit = callReadLimit
	calls, _, err := tx.FindCalls(ctx, f)
	if err != nil {
		return nil, err
	}
	return &CallBoard{Office: o, Loc: loc, Duties: duties, Areas: areas, Calls: calls}, nil
}

// callSeeker reads what the rules need of a household for the local days
// fromDay … fromDay+days-1: its settings and policy, the days it has calls
// and the quota seats it holds in each ISO week of the days.
func callSeeker(ctx context.Context, st *setupAt, householdID int64, loc *time.Location, fromDay string, days int) (*CallSeeker, error) {
	tx := st.tx
	hs, err := householdCallSettings(ctx, tx, householdID)
	if err != nil {
		return nil, err
	}
	cp, _, err := callPolicyOf(ctx, st, hs)
	if err != nil {
		return nil, err
	}
	h := &CallSeeker{HouseholdID: householdID, Settings: *hs, Policy: cp, Days: map[string]bool{}, Used: map[string]int{}}
	from, _ := AtDayTime(fromDay, 0, loc)
	to, _ := AtDayTime(AddDays(fromDay, days), 0, loc)
	calls, _, err := tx.FindCalls(ctx, CallFilter{HouseholdID: householdID, From: from, To: to, Statuses: liveCallStatuses, Limit: callReadLimit})
	if err != nil {
		return nil, err
	}
	for _, c := range calls {
		h.Days[c.Day] = true
	}
	weeks := weeksOf(fromDay, days)
	used, err := tx.CountWeeksQuotaSeats(ctx, householdID, weeks[0], weeks[len(weeks)-1])
	if err != nil {
		return nil, err
	}
	for _, week := range weeks {
		h.Used[week] = used[week]
	}
	return h, nil
}

// weeksOf returns the ISO weeks the days touch, in order.
func weeksOf(fromDay string, days int) []string {
	var weeks []string
	d, _ := ParseCallDay(fromDay)
	for i := range days {
		if w := ISOWeekOf(d.AddDate(0, 0, i), time.UTC); !slices.Contains(weeks, w) {
			weeks = append(weeks, w)
		}
	}
	return weeks
}

// FreeSlots lists the free slots of a household in [from, to), within the
// policy's horizon and notice: office slots with a free room and officer,
// and home blocks of free officers of its area, inside its windows, at its
// places, on days it has no call, in weeks with quota left. A read of a
// handful of queries, whatever the size of the office.
func (s *Service) FreeSlots(ctx context.Context, householdID int64, from, to time.Time) (*FreeSlots, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if !from.Before(to) {
		return nil, FieldError("to", "error.calls.period", "The end must be after the start.")
	}
	fs := &FreeSlots{HouseholdID: householdID, Slots: []Slot{}}
	err = s.store.View(ctx, func(tx Tx) error {
		h, err := findHouseholdInScope(ctx, tx, a, ActionCallView, householdID)
		if err != nil {
			return err
		}
		st, err := s.callSetup(ctx, tx)
		if err != nil {
			return err
		}
		unit, err := st.unit(ctx, h.UnitID)
		if err != nil {
			return err
		}
		loc, now := unit.Location(), s.clock.Now()
		// Nothing before now or past the horizon can be booked: read only
		// the days between (the policy's horizon is at most 90 days).
		from = later(from, now)
		if limit := now.AddDate(0, 0, 91); to.After(limit) {
			to = limit
		}
		fromDay := LocalDay(from, loc)
		days := 1
		for d := fromDay; d < LocalDay(to.Add(-time.Nanosecond), loc); d = AddDays(d, 1) {
			days++
		}
		seeker, err := callSeeker(ctx, st, householdID, loc, fromDay, days)
		if err != nil {
			return err
		}
		if horizon := now.AddDate(0, 0, seeker.Policy.HorizonDays).Add(time.Minute); to.After(horizon) {
			to = horizon
		}
		fs.Policy = seeker.Policy
		for _, w := range weeksOf(fromDay, days) {
			fs.Weeks = append(fs.Weeks, QuotaWeek{Week: w, Used: seeker.Used[w], Quota: seeker.Policy.Quota})
		}
		if !from.Before(to) {
			fs.ReasonCode, fs.Reason = NoSlotsPast, "The period is past, or beyond the booking horizon."
			return nil
		}
		board, err := callBoard(ctx, st, unit, fromDay, days)
		if err != nil {
			return err
		} else if board == nil {
			fs.ReasonCode, fs.Reason = NoSlotsNoOffice, errNoCallOffice.Message
			return nil
		}
		fs.Slots = board.FreeSlots(seeker, from, to, now)
		if len(fs.Slots) == 0 {
			fs.ReasonCode, fs.Reason = noSlotsReason(seeker, fs.Weeks)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return fs, nil
}

// noSlotsReason says why a household has no free slot: its code and, in
// English, its reason.
func noSlotsReason(h *CallSeeker, weeks []QuotaWeek) (code, reason string) {
	full := 0
	for _, w := range weeks {
		if w.Used >= w.Quota {
			full++
		}
	}
	switch {
	case len(weeks) > 0 && full == len(weeks):
		return NoSlotsQuotaUsed, fmt.Sprintf("The household has used its %d calls in every week of the period.", h.Policy.Quota)
	case len(h.AllowedPlaces()) == 0:
		return NoSlotsNoPlace, "The household's settings allow no place the policy allows."
	case len(h.Settings.Windows) > 0:
		return NoSlotsWindows, "No free office slot or home block lies inside the household's windows."
	}
	return NoSlotsNone, "No free office slot or home block in the period."
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// bookingRetry says that a booking lost a room or an officer to another
// booking while another may be free: the transaction is tried again.
type bookingRetry struct{ err *Error }

func (r *bookingRetry) Error() string { return r.err.Error() }

// updateBooking runs a booking's transaction, again when it says to retry,
// a few times at most.
func (s *Service) updateBooking(ctx context.Context, fn func(tx Tx) error) error {
	return retryBooking(func() error { return s.store.Update(ctx, fn) })
}

// retryBooking runs attempt again while it says to retry (a room or officer
// another booking took while another was free), a few times at most, and
// then answers with the last refusal.
func retryBooking(attempt func() error) error {
	for n := 1; ; n++ {
		err := attempt()
		var retry *bookingRetry
		if !errors.As(err, &retry) {
			return err
		} else if n == bookingAttempts {
			return retry.err
		}
	}
}

// concurrentWriter is a Store that can say whether its read-write
// transactions run beside each other (PostgreSQL's do; SQLite has one
// writer at a time).
type concurrentWriter interface {
	WritesRunTogether() bool
}

// BookCall books one call after checking every rule the free slots apply,
// naming the field at fault. An office call gets the first free room and,
// unless the request names one, the first free officer on office duty. A
// request with an idempotency key that the same user booked already returns
// that call.
//
// The checks read one snapshot in a read-only transaction, which runs
// beside other bookings; the read-write transaction then only stores the
// call with its claims. The claims decide every race: a booking that two
// requests passed the checks for at once commits once, and the other is
// refused — or, when it lost a room or officer while another is free, or
// raced a retry of itself, checked again on a new snapshot. On a store whose
// writers run beside each other, the checks and the write share one
// read-write transaction instead, which holds no lock until the write.
func (s *Service) BookCall(ctx context.Context, req BookCall) (*Call, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	var c *Call
	if w, ok := s.store.(concurrentWriter); ok && w.WritesRunTogether() {
		// Checked and stored in one transaction: no read snapshot to begin
		// and end apart.
		err = s.updateBooking(ctx, func(tx Tx) (err error) {
			c, err = s.bookCall(ctx, tx, a, req, 0)
			return err
		})
	} else {
		err = retryBooking(func() error {
			var quota int
			var existing bool
			err := s.store.View(ctx, func(tx Tx) error {
				var err error
				c, quota, existing, err = s.checkBooking(ctx, tx, a, req)
				return err
			})
			if err != nil || existing {
				return err
			}
			return s.store.Update(ctx, func(tx Tx) error {
				return s.storeBooking(ctx, tx, a, req, c, quota)
			})
		})
	}
	if err != nil {
		return nil, err
	}
	return c, nil
}

// bookCall books req in tx (see BookCall): the checks and the write in one
// transaction; planID marks a call of a weekly plan.
func (s *Service) bookCall(ctx context.Context, tx Tx, a *Actor, req BookCall, planID int64) (*Call, error) {
	c, quota, existing, err := s.checkBooking(ctx, tx, a, req)
	if err != nil || existing {
		return c, err
	}
	c.PlanID = planID
	return c, s.storeBooking(ctx, tx, a, req, c, quota)
}

// checkBooking checks req against every rule on what tx reads, and returns
// the call to store with the household's quota — or, for a key the user
// booked with already, that call and existing.
func (s *Service) checkBooking(ctx context.Context, tx Tx, a *Actor, req BookCall) (c *Call, quota int, existing bool, err error) {
	req.Note = strings.TrimSpace(req.Note)
	switch {
	case len(req.IdempotencyKey) > 100:
		return nil, 0, false, FieldError("idempotency_key", "error.too_long", "At most %d characters.", 100)
	case len([]rune(req.Note)) > 2000:
		return nil, 0, false, FieldError("note", "error.too_long", "At most %d characters.", 2000)
	case req.Start.IsZero():
		return nil, 0, false, FieldError("start", "error.calls.start", "Choose when the call starts.")
	}
	if req.IdempotencyKey != "" {
		c, err := tx.FindCallByIdempotencyKey(ctx, a.UserID, req.IdempotencyKey)
		if err == nil {
			if err := authorize(a, ActionCallBook, c.UnitPath, "call"); err != nil {
				return nil, 0, false, err
			}
			// The call this user booked with the key already.
			return c, 0, true, nil
		} else if ErrorCode(err) != ENOTFOUND {
			return nil, 0, false, err
		}
	}
	h, err := findHouseholdInScope(ctx, tx, a, ActionCallBook, req.HouseholdID)
	if err != nil {
		return nil, 0, false, err
	}
	st, err := s.callSetup(ctx, tx)
	if err != nil {
		return nil, 0, false, err
	}
	unit, err := st.unit(ctx, h.UnitID)
	if err != nil {
		return nil, 0, false, err
	}
	loc := unit.Location()
	day := LocalDay(req.Start, loc)
	// The longest time a call holds anyone is its home block.
	window := [2]time.Time{req.Start, req.Start.Add(maxBlock)}
	board, err := callBoardOf(ctx, st, unit, day, 1, &window)
	if err != nil {
		return nil, 0, false, err
	} else if board == nil {
		return nil, 0, false, errNoCallOffice
	}
	seeker, err := callSeeker(ctx, st, h.ID, loc, day, 1)
	if err != nil {
		return nil, 0, false, err
	}
	if c, err = board.Place(seeker, req, tx.Now()); err != nil {
		return nil, 0, false, err
	}
	if len(c.RelativeIDs) == 0 {
		c.RelativeIDs = seeker.Settings.RelativeIDs
	} else if err := checkCallRelatives(ctx, tx, h.ID, c.RelativeIDs); err != nil {
		return nil, 0, false, err
	}
	c.UnitPath, c.CreatedBy = h.UnitPath, a.UserID
	return c, seeker.Policy.Quota, false, nil
}

// storeBooking stores the checked call c with its claims, and maps a claim
// another booking holds to the refusal of its kind, or to a retry.
func (s *Service) storeBooking(ctx context.Context, tx Tx, a *Actor, req BookCall, c *Call, quota int) error {
	if err := tx.CreateCall(ctx, c, quota); err != nil {
		var e *Error
		if !errors.As(err, &e) || e.Code != ECONFLICT {
			return err
		}
		refusal := ClaimConflictError(e.Field, quota, c.Week)
		switch {
		case strings.HasPrefix(e.Field, "r:"), strings.HasPrefix(e.Field, "o:") && req.OfficerID == 0:
			// Another booking took the room or officer chosen: another
			// may still be free.
			return &bookingRetry{refusal}
		case !strings.Contains(e.Field, ":") && req.IdempotencyKey != "":
			// The same request, sent twice at once: the retry finds the
			// first one's call by its key.
			return &bookingRetry{refusal}
		}
		return refusal
	}
	return s.audit(ctx, tx, a, AuditEvent{Action: "call.book", RecordType: "call", RecordID: c.ID, UnitID: c.UnitID,
		Detail: map[string]any{"household_id": c.HouseholdID, "start": c.Start, "place": c.Place, "officer_id": c.OfficerID,
			"room_id": c.RoomID, "plan_id": c.PlanID}})
}

// checkCallRelatives checks that the persons are the household's relatives
// abroad.
func checkCallRelatives(ctx context.Context, tx Tx, householdID int64, ids []int64) error {
	persons, err := tx.FindPersons(ctx, PersonFilter{HouseholdID: householdID})
	if err != nil {
		return err
	}
	for _, id := range ids {
		if !slices.ContainsFunc(persons, func(p *Person) bool { return p.ID == id && p.Kind == PersonRelativeAbroad }) {
			return FieldError("relative_ids", "error.calls.relative", "Person %d is not a relative abroad of the household.", id)
		}
	}
	return nil
}

// findCallInScope loads a call and authorises the action on it.
func findCallInScope(ctx context.Context, tx Tx, a *Actor, action Action, id int64) (*Call, error) {
	c, err := tx.FindCallByID(ctx, id)
	if ErrorCode(err) == ENOTFOUND {
		return nil, notFound("call")
	} else if err != nil {
		return nil, err
	}
	if err := authorize(a, action, c.UnitPath, "call"); err != nil {
		return nil, err
	}
	return c, nil
}

// errCallStale is the refusal of a change to a call someone changed first.
var errCallStale = &Error{Code: ECONFLICT, Key: "error.calls.stale", Message: "Someone changed the call meanwhile; reload it and try again."}

// changeCall moves a booked call to next and releases its claims (all of
// them when cancelled; the quota seat only for a free no-show), raising its
// sequence, and audits.
func (s *Service) changeCall(ctx context.Context, tx Tx, a *Actor, c *Call, version int, next CallStatus, note, reason string) error {
	if version != 0 && version != c.Version {
		return errCallStale
	}
	if !c.Status.CanBecome(next) {
		return &Error{Code: ECONFLICT, Field: "status", Key: "error.calls.status", Message: fmt.Sprintf("The call is %s: it changes no more.", c.Status)}
	}
	release, quotaOnly := next == CallCancelled, false
	switch next {
	case CallOfficerMissing:
		// Not the household's doing: its quota seat is its own again.
		release, quotaOnly = true, true
	case CallNoShow:
		hs, err := householdCallSettings(ctx, tx, c.HouseholdID)
		if err != nil {
			return err
		}
		cp, _, err := callPolicyOf(ctx, liveSetup(tx), hs)
		if err != nil {
			return err
		}
		release, quotaOnly = cp.NoShow == "free", true
	}
	c.Status, c.Reason = next, reason
	if note != "" {
		c.Note = note
	}
	c.Sequence++
	if err := tx.UpdateCall(ctx, c); ErrorCode(err) == ECONFLICT {
		return errCallStale
	} else if err != nil {
		return err
	}
	if release {
		if err := tx.ReleaseCallClaims(ctx, c.ID, quotaOnly); err != nil {
			return err
		}
	}
	action := "call.cancel"
	if next != CallCancelled {
		action = "call.outcome"
	}
	return s.audit(ctx, tx, a, AuditEvent{Action: action, RecordType: "call", RecordID: c.ID, UnitID: c.UnitID,
		Detail: map[string]any{"household_id": c.HouseholdID, "status": next, "reason": reason, "quota_released": release && quotaOnly}})
}

// cancelCall cancels c for the reason, within the cut-off unless the actor
// plans calls.
func (s *Service) cancelCall(ctx context.Context, tx Tx, a *Actor, c *Call, version int, reason string) error {
	if !a.Can(ActionCallPlan) && c.Status == CallBooked {
		hs, err := householdCallSettings(ctx, tx, c.HouseholdID)
		if err != nil {
			return err
		}
		cp, _, err := callPolicyOf(ctx, liveSetup(tx), hs)
		if err != nil {
			return err
		}
		if cutoff := time.Duration(cp.CancelCutoffMinutes) * time.Minute; c.Start.Sub(tx.Now()) < cutoff {
			return callConflict("start", "error.calls.cancel_cutoff", "Calls are cancelled at least %d minutes before they start; ask the call coordinator.",
				cp.CancelCutoffMinutes)
		}
	}
	return s.changeCall(ctx, tx, a, c, version, CallCancelled, "", reason)
}

func checkReason(reason string) (string, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return "", FieldError("reason", "error.calls.reason", "Say why the call is cancelled.")
	} else if len([]rune(reason)) > 500 {
		return "", FieldError("reason", "error.too_long", "At most %d characters.", 500)
	}
	return reason, nil
}

// CancelCall cancels a booked call with a reason, releasing its claims. A
// household's cancellation closer to the start than the policy's cut-off is
// refused, unless the actor plans calls.
func (s *Service) CancelCall(ctx context.Context, id int64, version int, reason string) (*Call, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if reason, err = checkReason(reason); err != nil {
		return nil, err
	}
	var c *Call
	err = s.store.Update(ctx, func(tx Tx) error {
		if c, err = findCallInScope(ctx, tx, a, ActionCallBook, id); err != nil {
			return err
		}
		return s.cancelCall(ctx, tx, a, c, version, reason)
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// RescheduleCall cancels a booked call and books req instead, for the same
// household, in one transaction: if the new booking is refused, the old call
// stands.
func (s *Service) RescheduleCall(ctx context.Context, id int64, version int, req BookCall) (*Call, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	var c *Call
	err = s.updateBooking(ctx, func(tx Tx) error {
		old, err := findCallInScope(ctx, tx, a, ActionCallBook, id)
		if err != nil {
			return err
		}
		req.HouseholdID = old.HouseholdID
		if len(req.RelativeIDs) == 0 {
			req.RelativeIDs = old.RelativeIDs
		}
		if err := s.cancelCall(ctx, tx, a, old, version, "Rescheduled"); err != nil {
			return err
		}
		c, err = s.bookCall(ctx, tx, a, req, 0)
		return err
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// RecordCallOutcome marks a booked call held, no-show or officer missing,
// with a note, once it has started. A call the officer missed, and a
// no-show under a policy whose no-shows are free, give the household its
// quota seat back.
func (s *Service) RecordCallOutcome(ctx context.Context, id int64, version int, status CallStatus, note string) (*Call, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if status != CallHeld && status != CallNoShow && status != CallOfficerMissing {
		return nil, FieldError("status", "error.calls.outcome", "A call was held, a no-show, or the officer was missing.")
	}
	note = strings.TrimSpace(note)
	if len([]rune(note)) > 2000 {
		return nil, FieldError("note", "error.too_long", "At most %d characters.", 2000)
	}
	var c *Call
	err = s.store.Update(ctx, func(tx Tx) error {
		if c, err = findCallInScope(ctx, tx, a, ActionCallBook, id); err != nil {
			return err
		}
		if tx.Now().Before(c.Start) {
			return FieldError("status", "error.calls.not_started", "The call has not started yet.")
		}
		return s.changeCall(ctx, tx, a, c, version, status, note, "")
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// CancelOfficeCalls cancels every booked call of the office in [from, to)
// for a reason (a power cut, an officer ill), tells the households' case
// officers and the office's call coordinators, and returns the calls so
// that they can be booked again.
func (s *Service) CancelOfficeCalls(ctx context.Context, unitID int64, from, to time.Time, reason string) (*OfficeCancellation, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if reason, err = checkReason(reason); err != nil {
		return nil, err
	}
	if !from.Before(to) {
		return nil, FieldError("to", "error.calls.period", "The end must be after the start.")
	}
	oc := &OfficeCancellation{UnitID: unitID, Reason: reason, Calls: []*Call{}}
	err = s.store.Update(ctx, func(tx Tx) error {
		unit, err := findUnitInScope(ctx, tx, a, ActionCallPlan, unitID)
		if err != nil {
			return err
		}
		calls, _, err := tx.FindCalls(ctx, CallFilter{UnitID: unit.ID, From: from, To: to, Statuses: []CallStatus{CallBooked}, Limit: callReadLimit})
		if err != nil {
			return err
		}
		coords, _, err := tx.FindUsers(ctx, UserFilter{UnitID: unit.ID, Role: RoleCallCoordinator})
		if err != nil {
			return err
		}
		loc := unit.Location()
		for _, c := range calls {
			if err := s.changeCall(ctx, tx, a, c, 0, CallCancelled, "", reason); err != nil {
				return err
			}
			officer, err := tx.FindCaseOfficer(ctx, c.HouseholdID)
			if err != nil && ErrorCode(err) != ENOTFOUND {
				return err
			}
			if officer != 0 && officer != a.UserID {
				at := c.Start.In(loc).Format("2006-01-02 15:04")
				if err := s.notify(ctx, tx, &Notification{UserID: officer, Kind: NotifyCallCancelled, Key: fmt.Sprintf("%s:%d", NotifyCallCancelled, c.ID),
					Text: fmt.Sprintf("The call of household %d at %s was cancelled: %s. Book it again.", c.HouseholdID, at, reason),
					Args: map[string]string{"call": fmt.Sprint(c.ID), "household": fmt.Sprint(c.HouseholdID), "start": at, "reason": reason}}); err != nil {
					return err
				}
			}
		}
		oc.Calls = calls
		if len(calls) > 0 {
			for _, u := range coords {
				if u.ID == a.UserID {
					continue
				}
				if err := s.notify(ctx, tx, &Notification{UserID: u.ID, Kind: NotifyOfficeCallsCancelled,
					Key:  fmt.Sprintf("%s:%d:%d", NotifyOfficeCallsCancelled, unit.ID, calls[0].ID),
					Text: fmt.Sprintf("%d calls of %s were cancelled: %s. Book them again.", len(calls), unit.Names.EN, reason),
					Args: map[string]string{"unit": fmt.Sprint(unit.ID), "calls": fmt.Sprint(len(calls)), "reason": reason}}); err != nil {
					return err
				}
			}
		}
		return s.audit(ctx, tx, a, AuditEvent{Action: "call.cancel_office", RecordType: "unit", RecordID: unit.ID, UnitID: unit.ID,
			Detail: map[string]any{"from": from, "to": to, "reason": reason, "calls": len(calls)}})
	})
	if err != nil {
		return nil, err
	}
	return oc, nil
}

// FindCallByID returns one call of the caller's scope. Audited, as a read
// of the household's calls.
func (s *Service) FindCallByID(ctx context.Context, id int64) (*Call, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	var c *Call
	err = s.store.Update(ctx, func(tx Tx) error {
		if c, err = findCallInScope(ctx, tx, a, ActionCallView, id); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, AuditEvent{Action: "call.view", RecordType: "call", RecordID: c.ID, UnitID: c.UnitID,
			Detail: map[string]any{"household_id": c.HouseholdID}})
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// FindCalls returns the calls in scope f selects, by start, and the total.
// Audited: the list, and each call shown as a read of its household's.
func (s *Service) FindCalls(ctx context.Context, f CallFilter) ([]*Call, int, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, 0, err
	}
	if err := authorizeAction(a, ActionCallView); err != nil {
		return nil, 0, err
	}
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 200
	}
	var calls []*Call
	var total int
	err = s.store.Update(ctx, func(tx Tx) error {
		if err := scopeCallFilter(ctx, tx, a, &f); err != nil {
			return err
		}
		if calls, total, err = tx.FindCalls(ctx, f); err != nil {
			return err
		}
		events := make([]AuditEvent, 0, 1+len(calls))
		events = append(events, AuditEvent{Action: "call.list", RecordType: "call", UnitID: a.UnitID,
			Detail: map[string]any{"household_id": f.HouseholdID, "unit_id": f.UnitID, "officer_id": f.OfficerID, "shown": len(calls)}})
		for _, c := range calls {
			events = append(events, AuditEvent{Action: "call.list_result", RecordType: "call", RecordID: c.ID, UnitID: c.UnitID,
				Detail: map[string]any{"household_id": c.HouseholdID}})
		}
		return s.auditAll(ctx, tx, a, events)
	})
	if err != nil {
		return nil, 0, err
	}
	return calls, total, nil
}

// scopeCallFilter narrows f to the actor's scope: its subtree, or its own
// unit only; a household or unit named must be in it.
func scopeCallFilter(ctx context.Context, tx Tx, a *Actor, f *CallFilter) error {
	prefix, subtree := a.ScopePrefix()
	f.PathPrefix = prefix
	if f.HouseholdID != 0 {
		if _, err := findHouseholdInScope(ctx, tx, a, ActionCallView, f.HouseholdID); err != nil {
			return err
		}
	}
	if f.UnitID != 0 {
		if _, err := findUnitInScope(ctx, tx, a, ActionCallView, f.UnitID); err != nil {
			return err
		}
	} else if !subtree {
		f.UnitID = a.UnitID
	}
	return nil
}

// FindHouseholdCallSettings returns a household's settings (the defaults if
// it has none).
func (s *Service) FindHouseholdCallSettings(ctx context.Context, householdID int64) (*HouseholdCallSettings, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	var hs *HouseholdCallSettings
	err = s.store.View(ctx, func(tx Tx) error {
		if _, err := findHouseholdInScope(ctx, tx, a, ActionCallView, householdID); err != nil {
			return err
		}
		hs, err = householdCallSettings(ctx, tx, householdID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return hs, nil
}

// SetHouseholdCallSettings writes a household's settings: the programme
// (0: the members'), its area, places, windows and preferred times (valid,
// not overlapping), and the relatives abroad the calls are with.
func (s *Service) SetHouseholdCallSettings(ctx context.Context, hs *HouseholdCallSettings) error {
	a, err := actor(ctx)
	if err != nil {
		return err
	}
	hs.Area = strings.TrimSpace(hs.Area)
	if len([]rune(hs.Area)) > 100 {
		return FieldError("area", "error.too_long", "At most %d characters.", 100)
	}
	for i, p := range hs.Places {
		if !p.Valid() || slices.Index(hs.Places, p) != i {
			return FieldError(fmt.Sprintf("places[%d]", i), "error.calls.place", "Places are office and home, each once.")
		}
	}
	if err := ValidatePeriods("windows", hs.Windows); err != nil {
		return err
	}
	if err := ValidatePeriods("preferred", hs.Preferred); err != nil {
		return err
	}
	return s.store.Update(ctx, func(tx Tx) error {
		h, err := findHouseholdInScope(ctx, tx, a, ActionCallBook, hs.HouseholdID)
		if err != nil {
			return err
		}
		if hs.ProgrammeID != 0 {
			p, err := tx.FindProgrammeByID(ctx, hs.ProgrammeID)
			if ErrorCode(err) == ENOTFOUND {
				return FieldError("programme_id", "error.calls.programme", "Choose the programme.")
			} else if err != nil {
				return err
			}
			if _, err := p.CallPolicy(); err != nil {
				return err
			}
		}
		if err := checkCallRelatives(ctx, tx, h.ID, hs.RelativeIDs); err != nil {
			return err
		}
		hs.Updated = tx.Now()
		if err := tx.PutHouseholdCallSettings(ctx, hs); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, AuditEvent{Action: "call_settings.update", RecordType: "household", RecordID: h.ID, UnitID: h.UnitID,
			Detail: map[string]any{"programme_id": hs.ProgrammeID, "area": hs.Area, "places": hs.Places, "windows": len(hs.Windows),
				"preferred": len(hs.Preferred), "relatives": len(hs.RelativeIDs)}})
	})
}

// unitOfficers returns the active users of exactly the unit.
func unitOfficers(ctx context.Context, tx Tx, unitID int64) ([]*User, error) {
	users, _, err := tx.FindUsers(ctx, UserFilter{UnitID: unitID})
	return users, err
}

// FindRoster returns an office's set-up, its officers, their weekly
// template and areas, and the exceptions from today on.
func (s *Service) FindRoster(ctx context.Context, unitID int64) (*Roster, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	r := &Roster{}
	err = s.store.View(ctx, func(tx Tx) error {
		if r.Unit, err = findUnitInScope(ctx, tx, a, ActionCallView, unitID); err != nil {
			return err
		}
		o, err := tx.FindCallOffice(ctx, unitID)
		if err == nil {
			r.Office = o
		} else if ErrorCode(err) != ENOTFOUND {
			return err
		}
		users, err := unitOfficers(ctx, tx, unitID)
		if err != nil {
			return err
		}
		own := map[int64]bool{}
		for _, u := range users {
			if u.Role == RoleOfficer || u.Role == RoleSupervisor {
				r.Officers = append(r.Officers, u)
				own[u.ID] = true
			}
		}
		slices.SortFunc(r.Officers, func(x, y *User) int { return strings.Compare(userName(x), userName(y)) })
		entries, err := tx.FindRoster(ctx, r.Unit.Path)
		if err != nil {
			return err
		}
		r.Entries = slices.DeleteFunc(entries, func(e RosterEntry) bool { return !own[e.OfficerID] })
		areas, err := tx.FindOfficerAreas(ctx, r.Unit.Path)
		if err != nil {
			return err
		}
		r.Areas = map[int64]string{}
		for id, area := range areas {
			if own[id] {
				r.Areas[id] = area
			}
		}
		today := LocalDay(tx.Now(), r.Unit.Location())
		exc, err := tx.FindRosterExceptions(ctx, r.Unit.Path, today, AddDays(today, 366))
		if err != nil {
			return err
		}
		r.Exceptions = slices.DeleteFunc(exc, func(e *RosterException) bool { return e.UnitID != unitID })
		return nil
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

func userName(u *User) string {
	if u.DisplayName != "" {
		return u.DisplayName
	}
	return u.Username
}

// SetCallOffice writes an office's hours and rooms: rooms without an ID are
// added, the others changed; rooms are never deleted, only made inactive,
// and the names of all of them are unique.
func (s *Service) SetCallOffice(ctx context.Context, o *CallOffice) error {
	a, err := actor(ctx)
	if err != nil {
		return err
	}
	if o.MorningStart == 0 && o.MorningEnd == 0 && o.AfternoonStart == 0 && o.AfternoonEnd == 0 {
		d := DefaultCallOffice(o.UnitID)
		o.MorningStart, o.MorningEnd, o.AfternoonStart, o.AfternoonEnd = d.MorningStart, d.MorningEnd, d.AfternoonStart, d.AfternoonEnd
	}
	return s.store.Update(ctx, func(tx Tx) error {
		if _, err := findUnitInScope(ctx, tx, a, ActionCallConfigure, o.UnitID); err != nil {
			return err
		}
		old, err := tx.FindCallOffice(ctx, o.UnitID)
		if ErrorCode(err) == ENOTFOUND {
			old = &CallOffice{}
		} else if err != nil {
			return err
		}
		for i, r := range o.Rooms {
			r.UnitID = o.UnitID
			if r.ID != 0 && !slices.ContainsFunc(old.Rooms, func(x *CallRoom) bool { return x.ID == r.ID }) {
				return FieldError(fmt.Sprintf("rooms[%d].id", i), "error.calls.room", "The office has no room %d.", r.ID)
			}
		}
		if err := o.Validate(); err != nil {
			return err
		}
		// The rooms not named keep their names, which the named may not take.
		for _, r := range old.Rooms {
			if slices.ContainsFunc(o.Rooms, func(x *CallRoom) bool { return x.ID == r.ID }) {
				continue
			}
			if i := slices.IndexFunc(o.Rooms, func(x *CallRoom) bool { return strings.EqualFold(x.Name, r.Name) }); i >= 0 {
				return FieldError(fmt.Sprintf("rooms[%d].name", i), "error.calls.room_unique", "The office has a room named %s already.", r.Name)
			}
		}
		o.Updated = tx.Now()
		if err := tx.PutCallOffice(ctx, o); err != nil {
			return err
		}
		rooms := make([]string, 0, len(o.Rooms))
		for _, r := range o.Rooms {
			rooms = append(rooms, fmt.Sprintf("%d:%s:%t", r.ID, r.Name, r.Active))
		}
		return s.audit(ctx, tx, a, AuditEvent{Action: "call_office.update", RecordType: "unit", RecordID: o.UnitID, UnitID: o.UnitID,
			Detail: map[string]any{"morning": o.MorningStart.String() + "-" + o.MorningEnd.String(),
				"afternoon": o.AfternoonStart.String() + "-" + o.AfternoonEnd.String(), "rooms": rooms}})
	})
}

// SetRoster replaces an office's weekly template and its officers' areas
// (an officer not in areas keeps theirs). Every officer named must be an
// active user of the office.
func (s *Service) SetRoster(ctx context.Context, unitID int64, entries []RosterEntry, areas map[int64]string) error {
	a, err := actor(ctx)
	if err != nil {
		return err
	}
	if err := ValidateRoster(entries); err != nil {
		return err
	}
	return s.store.Update(ctx, func(tx Tx) error {
		if _, err := findUnitInScope(ctx, tx, a, ActionCallConfigure, unitID); err != nil {
			return err
		}
		users, err := unitOfficers(ctx, tx, unitID)
		if err != nil {
			return err
		}
		own := func(id int64) bool { return slices.ContainsFunc(users, func(u *User) bool { return u.ID == id }) }
		for i, e := range entries {
			if !own(e.OfficerID) {
				return FieldError(fmt.Sprintf("entries[%d].officer_id", i), "error.calls.roster_officer", "User %d is not an officer of the office.", e.OfficerID)
			}
		}
		ids := make([]int64, 0, len(areas))
		for id := range areas {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		for _, id := range ids {
			area := strings.TrimSpace(areas[id])
			if !own(id) {
				return FieldError(fmt.Sprintf("areas[%d]", id), "error.calls.roster_officer", "User %d is not an officer of the office.", id)
			} else if len([]rune(area)) > 100 {
				return FieldError(fmt.Sprintf("areas[%d]", id), "error.too_long", "At most %d characters.", 100)
			}
			if err := tx.SetOfficerArea(ctx, id, area); err != nil {
				return err
			}
		}
		if err := tx.ReplaceRoster(ctx, unitID, entries); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, AuditEvent{Action: "call_roster.update", RecordType: "unit", RecordID: unitID, UnitID: unitID,
			Detail: map[string]any{"entries": len(entries), "areas": areas}})
	})
}

// AddRosterException records an officer's leave, or (OfficerID 0) a
// holiday of the whole office, for one half-day, with a reason.
func (s *Service) AddRosterException(ctx context.Context, e *RosterException) error {
	a, err := actor(ctx)
	if err != nil {
		return err
	}
	e.Reason = strings.TrimSpace(e.Reason)
	switch _, err := ParseCallDay(e.Day); {
	case err != nil:
		return FieldError("day", "error.calls.day", "A date is YYYY-MM-DD.")
	case e.Half != Morning && e.Half != Afternoon:
		return FieldError("half", "error.calls.half", "A half-day is the morning or the afternoon.")
	case !e.Kind.Valid():
		return FieldError("kind", "error.calls.duty", "A duty is office, home or off.")
	case e.Reason == "":
		return FieldError("reason", "error.calls.exception_reason", "Say why (leave, a holiday).")
	case len([]rune(e.Reason)) > 500:
		return FieldError("reason", "error.too_long", "At most %d characters.", 500)
	}
	return s.store.Update(ctx, func(tx Tx) error {
		if _, err := findUnitInScope(ctx, tx, a, ActionCallConfigure, e.UnitID); err != nil {
			return err
		}
		if e.OfficerID != 0 {
			users, err := unitOfficers(ctx, tx, e.UnitID)
			if err != nil {
				return err
			}
			if !slices.ContainsFunc(users, func(u *User) bool { return u.ID == e.OfficerID }) {
				return FieldError("officer_id", "error.calls.roster_officer", "User %d is not an officer of the office.", e.OfficerID)
			}
		}
		e.CreatedBy, e.Created = a.UserID, tx.Now()
		if err := tx.CreateRosterException(ctx, e); ErrorCode(err) == ECONFLICT {
			return FieldError("day", "error.calls.exception_exists", "There is an exception for that half-day already.")
		} else if err != nil {
			return err
		}
		return s.audit(ctx, tx, a, AuditEvent{Action: "call_exception.create", RecordType: "roster_exception", RecordID: e.ID, UnitID: e.UnitID,
			Detail: map[string]any{"officer_id": e.OfficerID, "day": e.Day, "half": e.Half, "kind": e.Kind, "reason": e.Reason}})
	})
}

// DeleteRosterException removes one.
func (s *Service) DeleteRosterException(ctx context.Context, id int64) error {
	a, err := actor(ctx)
	if err != nil {
		return err
	}
	return s.store.Update(ctx, func(tx Tx) error {
		e, err := tx.FindRosterExceptionByID(ctx, id)
		if ErrorCode(err) == ENOTFOUND {
			return notFound("roster exception")
		} else if err != nil {
			return err
		}
		if _, err := findUnitInScope(ctx, tx, a, ActionCallConfigure, e.UnitID); ErrorCode(err) == ENOTFOUND {
			return notFound("roster exception")
		} else if err != nil {
			return err
		}
		if err := tx.DeleteRosterException(ctx, id); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, AuditEvent{Action: "call_exception.delete", RecordType: "roster_exception", RecordID: id, UnitID: e.UnitID,
			Detail: map[string]any{"officer_id": e.OfficerID, "day": e.Day, "half": e.Half}})
	})
}
