package departure

import "time"

// Days returns n consecutive days from the date from (YYYY-MM-DD), each
// with the daily capacity unless overrides gives another for its date (0:
// closed). It returns nil if from is not a date or n < 1.
func Days(from string, n int, daily int, overrides map[string]int) []Day {
	start, err := time.Parse(time.DateOnly, from)
	if err != nil || n < 1 {
		return nil
	}
	days := make([]Day, n)
	for i := range days {
		date := start.AddDate(0, 0, i).Format(time.DateOnly)
		c, ok := overrides[date]
		if !ok {
			c = daily
		}
		days[i] = Day{Date: date, Capacity: c}
	}
	return days
}

// Expected is a request's expected day under a forecast.
type Expected struct {
	RequestID int64
	Rank      int
	Persons   int
	// Date is the expected day, "" if none within the days forecast.
	Date string
	Kept bool // the request already had this day
	// Note is the assignment's note (an overtaking, a day over capacity) or,
	// without a date, why (Reason holds the code then).
	Note   string
	Reason string // ReasonTooLarge, ReasonNoRoom or ""
}

// Drain is a point of the queue draining over time: the requests and
// persons still waiting after a day.
type Drain struct {
	Date     string
	Requests int
	Persons  int
}

// Forecast allocates the ranked requests over the days as Allocate does
// (requests with a day keep it) and returns each request's expected day,
// in rank order, and the queue draining: after each day, in date order,
// how many requests and persons have not left yet (those without a day
// never leave within the forecast). A "what if" is the same call with
// other days (see Days).
func Forecast(p *Policy, ranked []Ranked, days []Day) ([]Expected, []Drain) {
	a := Allocate(p, ranked, days)
	at := make(map[int64]Assignment, len(a.Assignments))
	for _, as := range a.Assignments {
		at[as.RequestID] = as
	}
	order := byRank(ranked)
	expected := make([]Expected, len(order))
	waiting, people := len(order), 0
	leaving := map[string][2]int{} // date → requests, persons
	for i, r := range order {
		e := Expected{RequestID: r.Request.ID, Rank: r.Rank, Persons: r.Request.Size()}
		people += e.Persons
		if as, ok := at[e.RequestID]; ok {
			e.Date, e.Kept, e.Note = as.Date, as.Kept, as.Note
			l := leaving[as.Date]
			leaving[as.Date] = [2]int{l[0] + 1, l[1] + e.Persons}
		} else {
			why := a.Reasons[e.RequestID]
			e.Reason, e.Note = why.Code, why.Text
		}
		expected[i] = e
	}
	ds := normalDays(days)
	drain := make([]Drain, len(ds))
	// Requests kept on a day before the first leave by then.
	for date, l := range leaving {
		if len(ds) > 0 && date < ds[0].Date {
			waiting, people = waiting-l[0], people-l[1]
		}
	}
	for i, d := range ds {
		l := leaving[d.Date]
		waiting, people = waiting-l[0], people-l[1]
		drain[i] = Drain{Date: d.Date, Requests: waiting, Persons: people}
	}
	return expected, drain
}
