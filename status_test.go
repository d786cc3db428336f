package kinbridge

import "testing"

func TestStatusTransitions(t *testing.T) {
	ev := func(k StatusKind) *StatusEvent { return &StatusEvent{Kind: k, ToAddress: "x"} }
	tests := []struct {
		from PersonStatus
		kind StatusKind
		want PersonStatus // "" means refused
	}{
		{StatusPresent, EventMoved, StatusPresent},
		{StatusPresent, EventLeftCountry, StatusAbroad},
		{StatusPresent, EventReturned, ""},
		{StatusPresent, EventDeparted, StatusDeparted},
		{StatusPresent, EventDied, StatusDeceased},
		{StatusAbroad, EventReturned, StatusPresent},
		{StatusAbroad, EventMoved, ""},
		{StatusAbroad, EventLeftCountry, ""},
		{StatusAbroad, EventDied, StatusDeceased},
		{StatusDeparted, EventReturned, StatusPresent},
		{StatusDeparted, EventDeparted, ""},
		{StatusDeceased, EventDied, ""},
		{StatusDeceased, EventReturned, ""},
		{StatusDeceased, EventMoved, ""},
	}
	for _, tt := range tests {
		got, err := PersonState{Status: tt.from}.Apply(ev(tt.kind))
		switch {
		case tt.want == "" && err == nil:
			t.Errorf("%s after %s: allowed, want refused", tt.kind, tt.from)
		case tt.want != "" && err != nil:
			t.Errorf("%s after %s: %v", tt.kind, tt.from, err)
		case tt.want != "" && got.Status != tt.want:
			t.Errorf("%s after %s: %s, want %s", tt.kind, tt.from, got.Status, tt.want)
		}
	}
}

func TestDeriveState(t *testing.T) {
	st, err := DeriveState(1, []*StatusEvent{
		{Kind: EventMoved, ToHouseholdID: 2},
		{Kind: EventLeftCountry},
		{Kind: EventReturned},
		{Kind: EventMoved, ToAddress: "12 Harbour Road"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if st != (PersonState{Status: StatusPresent, HouseholdID: 2, Address: "12 Harbour Road"}) {
		t.Errorf("state %+v", st)
	}
}

func TestStatusEventValidate(t *testing.T) {
	tests := []struct {
		name  string
		e     StatusEvent
		last  string
		field string
	}{
		{"ok", StatusEvent{Kind: EventDied, Date: "2026-11-01"}, "2026-10-01", ""},
		{"future", StatusEvent{Kind: EventDied, Date: "2026-11-28"}, "", "date"},
		{"before last", StatusEvent{Kind: EventDied, Date: "2026-09-01"}, "2026-10-01", "date"},
		{"bad date", StatusEvent{Kind: EventDied, Date: "1.11.2026"}, "", "date"},
		{"moved nowhere", StatusEvent{Kind: EventMoved, Date: "2026-11-01"}, "", "to_household_id"},
		{"moved twice", StatusEvent{Kind: EventMoved, Date: "2026-11-01", ToHouseholdID: 3, ToAddress: "x"}, "", "to_household_id"},
		{"destination without a move", StatusEvent{Kind: EventDied, Date: "2026-11-01", ToAddress: "x"}, "", "to_household_id"},
		{"kind", StatusEvent{Kind: "vanished", Date: "2026-11-01"}, "", "kind"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.e.validate("2026-11-27", tt.last)
			if got := ErrorField(err); got != tt.field {
				t.Errorf("field %q (%v), want %q", got, err, tt.field)
			}
		})
	}
}
