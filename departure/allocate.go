package departure

// Allocate gives travel days in rank order over the days: a request's whole
// party on one day, never over a day's capacity; requests that already have
// a day keep it (they take its capacity first) and are never moved to
// another; when a request does not fit the rest of a day, the policy's fit
// rule decides, and every overtaking is recorded.
func Allocate(p *Policy, ranked []Ranked, days []Day) Allocation {
	panic("departure: Allocate not written yet")
}
