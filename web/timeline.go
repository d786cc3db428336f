package web

import (
	"cmp"
	"slices"
	"time"

	"github.com/kinbridge/kinbridge"
)

// timelineItem is one dated thing in the history of a household or a
// person. The registry contributes status events; later capabilities add
// their own types (visits, problems, calls, departures) as further fields
// and a branch each in the "timeline" template, and the pages merge them
// all into one list sorted by date.
type timelineItem struct {
	Type   string    // "status"
	Date   string    // the day it happened, YYYY-MM-DD
	At     time.Time // when it was recorded: orders the items of one day
	Status *statusItem
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
