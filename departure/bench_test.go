package departure

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkForecast forecasts 20,000 requests (households of 1–8) over a
// year at 300 persons a day under each fit rule.
func BenchmarkForecast(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	reqs := randomRequests(rng, 20000, 0)
	days := Days("2026-07-01", 365, 300, nil)
	for _, rule := range []string{FitKeepEmpty, FitNextThatFits} {
		p := basePolicy()
		p.FitRule = rule
		ranked := Rank(p, reqs, on)
		b.Run(rule, func(b *testing.B) {
			for b.Loop() {
				Forecast(p, ranked, days)
			}
		})
	}
}
