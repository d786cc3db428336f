package kinbridge

import (
	"context"
	"slices"
	"sync"
)

// The call set-up. A booking, and every list of free slots, reads what an
// office's rules stand on: the unit, its call office and rooms, its own
// officers, their roster, leave and areas, and the programme's call
// policy. Someone changes these now and then; bookings come many a second.
// So the service keeps what it read with the version of the set-up it read
// it at (Tx.CallSetupVersion), and a transaction that reads the same
// version uses what was kept instead of reading it again. The database
// moves the version on in the transaction of every change to those
// records, whatever code makes it, and the version is read before the
// records: what is kept may be newer than its version, never older.
//
// What is kept is shared by every request and never changed once kept.

// setupCache is what the service keeps, all of one version.
type setupCache struct {
	mu         sync.Mutex
	version    int64
	units      map[int64]*Unit
	offices    map[int64]*officeSetup
	exceptions map[exceptionsKey][]*RosterException
	programmes map[int64]*Programme // nil: no such programme
}

// maxKept bounds each kind of record kept: a kind that reaches it is
// cleared (roster exceptions are kept for each office and run of days
// asked about, and would grow with the days).
const maxKept = 4096

type exceptionsKey struct {
	unit    int64
	fromDay string
	days    int
}

// officeSetup is what the rules need of an office for any day.
type officeSetup struct {
	office *CallOffice // nil: the unit holds no calls
	own    map[int64]bool
	roster []RosterEntry // of the unit's own officers
	areas  map[int64]string
}

// setupAt reads the call set-up as a transaction sees it: through the
// cache at the transaction's version, or, without a cache, from the
// records each time.
type setupAt struct {
	tx      Tx
	cache   *setupCache // nil: read every time
	version int64
}

// callSetup returns the set-up as tx sees it, through the service's cache.
func (s *Service) callSetup(ctx context.Context, tx Tx) (*setupAt, error) {
	v, err := tx.CallSetupVersion(ctx)
	if err != nil {
		return nil, err
	}
	return &setupAt{tx: tx, cache: &s.setup, version: v}, nil
}

// liveSetup reads the set-up from tx every time: for work that is not done
// often enough to keep it.
func liveSetup(tx Tx) *setupAt { return &setupAt{tx: tx} }

// kept returns what get finds kept at the version, if anything.
func kept[K comparable, V any](st *setupAt, get func(*setupCache) map[K]V, key K) (V, bool) {
	var zero V
	if st.cache == nil {
		return zero, false
	}
	c := st.cache
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.version != st.version {
		return zero, false
	}
	v, ok := get(c)[key]
	return v, ok
}

// keep keeps v, read at the version: a newer version than the cache's
// replaces everything kept; an older one keeps nothing.
func keep[K comparable, V any](st *setupAt, get func(*setupCache) map[K]V, key K, v V) {
	if st.cache == nil {
		return
	}
	c := st.cache
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case st.version < c.version:
		return
	case st.version > c.version || c.units == nil:
		c.version = st.version
		c.units, c.offices, c.programmes = map[int64]*Unit{}, map[int64]*officeSetup{}, map[int64]*Programme{}
		c.exceptions = map[exceptionsKey][]*RosterException{}
	}
	m := get(c)
	if len(m) >= maxKept {
		clear(m)
	}
	m[key] = v
}

func cachedUnits(c *setupCache) map[int64]*Unit                           { return c.units }
func cachedOffices(c *setupCache) map[int64]*officeSetup                  { return c.offices }
func cachedExceptions(c *setupCache) map[exceptionsKey][]*RosterException { return c.exceptions }
func cachedProgrammes(c *setupCache) map[int64]*Programme                 { return c.programmes }

// unit returns the unit.
func (st *setupAt) unit(ctx context.Context, id int64) (*Unit, error) {
	if u, ok := kept(st, cachedUnits, id); ok {
		return u, nil
	}
	u, err := st.tx.FindUnitByID(ctx, id)
	if err != nil {
		return nil, err
	}
	keep(st, cachedUnits, id, u)
	return u, nil
}

// office returns the unit's office set-up.
func (st *setupAt) office(ctx context.Context, unit *Unit) (*officeSetup, error) {
	if o, ok := kept(st, cachedOffices, unit.ID); ok {
		return o, nil
	}
	o := &officeSetup{}
	var err error
	o.office, err = st.tx.FindCallOffice(ctx, unit.ID)
	if ErrorCode(err) == ENOTFOUND {
		keep(st, cachedOffices, unit.ID, o)
		return o, nil
	} else if err != nil {
		return nil, err
	}
	users, _, err := st.tx.FindUsers(ctx, UserFilter{UnitID: unit.ID})
	if err != nil {
		return nil, err
	}
	o.own = make(map[int64]bool, len(users))
	for _, u := range users {
		o.own[u.ID] = true
	}
	entries, err := st.tx.FindRoster(ctx, unit.Path)
	if err != nil {
		return nil, err
	}
	o.roster = slices.DeleteFunc(entries, func(e RosterEntry) bool { return !o.own[e.OfficerID] })
	if o.areas, err = st.tx.FindOfficerAreas(ctx, unit.Path); err != nil {
		return nil, err
	}
	keep(st, cachedOffices, unit.ID, o)
	return o, nil
}

// exceptions returns the roster exceptions of the office's own officers
// (and of the whole office) on the days fromDay … fromDay+days-1.
func (st *setupAt) exceptions(ctx context.Context, unit *Unit, o *officeSetup, fromDay string, days int) ([]*RosterException, error) {
	key := exceptionsKey{unit.ID, fromDay, days}
	if exc, ok := kept(st, cachedExceptions, key); ok {
		return exc, nil
	}
	exc, err := st.tx.FindRosterExceptions(ctx, unit.Path, fromDay, AddDays(fromDay, days-1))
	if err != nil {
		return nil, err
	}
	exc = slices.DeleteFunc(exc, func(e *RosterException) bool {
		return e.UnitID != unit.ID || (e.OfficerID != 0 && !o.own[e.OfficerID])
	})
	keep(st, cachedExceptions, key, exc)
	return exc, nil
}

// programme returns the programme, or nil if there is none with the id.
func (st *setupAt) programme(ctx context.Context, id int64) (*Programme, error) {
	if p, ok := kept(st, cachedProgrammes, id); ok {
		return p, nil
	}
	p, err := st.tx.FindProgrammeByID(ctx, id)
	if ErrorCode(err) == ENOTFOUND {
		p, err = nil, nil
	} else if err != nil {
		return nil, err
	}
	keep(st, cachedProgrammes, id, p)
	return p, nil
}
