package web

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kinbridge/kinbridge"
)

// timelineItem is one dated thing in the history of a household or a
// person. The registry contributes status events, welfare its visits and
// problems; later capabilities add their own types (calls, departures) as
// further fields and a branch each in the "timeline" template, and the
// pages merge them all into one list sorted by date.
type timelineItem struct {
	Type    string    // "status", "visit", "problem", "call"
	Date    string    // the day it happened, YYYY-MM-DD
	At      time.Time // when it was recorded: orders the items of one day
	Status  *statusItem
	Visit   *visitItem
	Problem *problemItem
	Call    *callItem
	// Departure is a step of a departure request: put on the list, given
	// a travel day, departed or withdrawn.
	Departure *departureItem
}

// visitItem is a visit on a timeline, with the names of the officers who
// were there and of the members they met.
type visitItem struct {
	Visit    *kinbridge.Visit
	Officers []string
	Met      []string
}

// problemItem is a problem on a timeline: raised, or (Closed) resolved or
// given up.
type problemItem struct {
	Problem    *kinbridge.Problem
	PersonName string
	Closed     bool
}

// statusItem is a status event on a timeline.
type statusItem struct {
	Event      *kinbridge.StatusEvent
	PersonName string
	// MovedIn marks, on the page of the household a person moved into, the
	// event that brought them from another household.
	MovedIn bool
}

// statusTimeline turns status events into timeline items; names gives each
// person's name, and householdID, when not zero, is the household whose
// page shows them.
func statusTimeline(events []*kinbridge.StatusEvent, names map[int64]string, householdID int64) []timelineItem {
	items := make([]timelineItem, 0, len(events))
	for _, e := range events {
		items = append(items, timelineItem{Type: "status", Date: e.Date, At: e.Recorded, Status: &statusItem{
			Event: e, PersonName: names[e.PersonID], MovedIn: householdID != 0 && e.ToHouseholdID == householdID && e.HouseholdID != householdID,
		}})
	}
	return items
}

// sortTimeline puts the newest first: by day, then by when it was recorded.
func sortTimeline(items []timelineItem) {
	slices.SortStableFunc(items, func(a, b timelineItem) int {
		if c := cmp.Compare(b.Date, a.Date); c != 0 {
			return c
		}
		return b.At.Compare(a.At)
	})
}

// timelineView is what the "timeline" template gets.
type timelineView struct {
	V          *view
	Items      []timelineItem
	ShowPerson bool // name the person of each item (a household's page)
}

// Timeline prepares items for the "timeline" template.
func (v *view) Timeline(items []timelineItem, showPerson bool) timelineView {
	return timelineView{V: v, Items: items, ShowPerson: showPerson}
}

// welfareTimeline turns a household's visits and problems into timeline
// items, on the days of the page's time zone: each visit, each problem
// raised, and each problem closed (resolved or given up). users and
// persons name the officers and members they mention.
func welfareTimeline(v *view, visits []*kinbridge.Visit, problems []*kinbridge.Problem, users, persons map[int64]string) []timelineItem {
	day := func(t time.Time) string { return t.In(v.Loc).Format("2006-01-02") }
	name := func(m map[int64]string, id int64) string {
		if n, ok := m[id]; ok {
			return n
		}
		return "#" + strconv.FormatInt(id, 10)
	}
	var items []timelineItem
	for _, vi := range visits {
		it := &visitItem{Visit: vi}
		for _, id := range vi.OfficerIDs {
			it.Officers = append(it.Officers, name(users, id))
		}
		for _, id := range vi.PersonIDs {
			it.Met = append(it.Met, name(persons, id))
		}
		items = append(items, timelineItem{Type: "visit", Date: day(vi.At), At: vi.At, Visit: it})
	}
	for _, p := range problems {
		var person string
		if p.PersonID != 0 {
			person = name(persons, p.PersonID)
		}
		items = append(items, timelineItem{Type: "problem", Date: day(p.Created), At: p.Created, Problem: &problemItem{Problem: p, PersonName: person}})
		if !p.ClosedAt.IsZero() && !p.Status.Active() {
			items = append(items, timelineItem{Type: "problem", Date: day(p.ClosedAt), At: p.ClosedAt, Problem: &problemItem{Problem: p, PersonName: person, Closed: true}})
		}
	}
	return items
}

// Join lists names in one line.
func (v *view) Join(names []string) string { return strings.Join(names, ", ") }
