package departure

import "fmt"

// FieldError is a policy that fails Validate: Field names the field at
// fault as a path of JSON names ("tiers[1].fact"); Key is the last part
// of the translation key of Message (the service prefixes
// "error.departure.", e.g. "tiers_empty").
type FieldError struct {
	Field   string
	Key     string
	Message string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Message }

// knownFact reports whether fact is a fact kind a member can have.
func knownFact(fact string) bool {
	switch fact {
	case FactProgramme, FactAgeAtLeast, FactIllness, FactChildSeparated, FactDisability:
		return true
	}
	return false
}

// Validate checks a policy, naming the field at fault (e.g. "tiers[1].fact").
//
// Tiers: at least one; each has a name and a fact among FactProgramme,
// FactIllness, FactChildSeparated, FactDisability and, for the last tier
// only, FactAll; FactAgeAtLeast selects no tier (a tier has no threshold:
// age is worth points instead); no fact twice (the second tier could never
// be reached). Points: a known member fact (not FactAll), points and max at
// least 0, a threshold of 1 to 130 for FactAgeAtLeast and none for the
// others. FitRule: FitKeepEmpty or FitNextThatFits.
func (p *Policy) Validate() error {
	bad := func(field, key, format string, args ...any) error {
		return &FieldError{Field: field, Key: key, Message: fmt.Sprintf(format, args...)}
	}
	if len(p.Tiers) == 0 {
		return bad("tiers", "tiers_empty", "A policy needs at least one tier.")
	}
	seen := map[string]int{}
	for i, t := range p.Tiers {
		field := fmt.Sprintf("tiers[%d]", i)
		if t.Name == "" {
			return bad(field+".name", "tier_name", "A tier needs a name.")
		}
		switch {
		case t.Fact == FactAll && i != len(p.Tiers)-1:
			return bad(field+".fact", "tier_all_last", "Only the last tier may take every request.")
		case t.Fact == FactAgeAtLeast:
			return bad(field+".fact", "tier_age", "Age gives vulnerability points; it does not select a tier.")
		case t.Fact != FactAll && !knownFact(t.Fact):
			return bad(field+".fact", "fact_unknown", "Unknown fact %q.", t.Fact)
		}
		if j, dup := seen[t.Fact]; dup {
			return bad(field+".fact", "tier_twice", "Tier %d already selects this fact; this tier could never be reached.", j+1)
		}
		seen[t.Fact] = i
	}
	for i, r := range p.Points {
		field := fmt.Sprintf("points[%d]", i)
		if !knownFact(r.Fact) {
			return bad(field+".fact", "fact_unknown", "Unknown fact %q.", r.Fact)
		}
		if r.Points < 0 {
			return bad(field+".points", "points_negative", "Points must be 0 or more.")
		}
		if r.Max < 0 {
			return bad(field+".max", "max_negative", "The maximum must be 0 (no maximum) or more.")
		}
		if r.Fact == FactAgeAtLeast {
			if r.Threshold < 1 || r.Threshold > 130 {
				return bad(field+".threshold", "threshold", "The age must be between 1 and 130.")
			}
		} else if r.Threshold != 0 {
			return bad(field+".threshold", "threshold_unused", "Only an age rule has a threshold.")
		}
	}
	if p.FitRule != FitKeepEmpty && p.FitRule != FitNextThatFits {
		return bad("fit_rule", "fit_rule", "The fit rule must be %q or %q.", FitKeepEmpty, FitNextThatFits)
	}
	return nil
}

// RuleText says a fit rule in words, as the allocation and its notes
// quote it.
func RuleText(rule string) string {
	switch rule {
	case FitKeepEmpty:
		return "the space stays empty"
	case FitNextThatFits:
		return "the next household that fits may use it"
	}
	return rule
}
