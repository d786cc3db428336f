package kinbridge

import (
	"context"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"github.com/mozillazg/go-pinyin"
	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// SearchTerm is one key under which a person is found. Its text starts
// with its kind: "n:" a name form or a romanisation of one, "l:" a loose
// phonetic form of those (Jong/Jeong/Chong alike), "p:" a phone number's
// digits reversed (so that a prefix search finds the number's ending), "d:"
// a document number; "k:" (name and birth year) and "q:" (a phone's last
// eight digits) are duplicate-detection keys only.
type SearchTerm struct {
	Term   string
	Weight int // how good a match on this term is; higher ranks first
}

// Term kinds, as text prefixes.
const (
	termName      = "n:"
	termLoose     = "l:"
	termPhone     = "p:"
	termDocument  = "d:"
	termDupName   = "k:"
	termDupPhone  = "q:"
	phoneTermLen  = 9 // digits compared at the end of a phone number when searching
	dupPhoneLen   = 8 // digits that must agree for two phones to be "the same"
	maxTermLength = 120
)

// stripMarkers hold the transformer that removes accents. A chain keeps
// state between calls, so each call takes one of its own: searches and
// creates run concurrently.
var stripMarkers = sync.Pool{New: func() any {
	return transform.Chain(norm.NFKD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
}}

// NormalizeName folds a name for comparison: compatibility forms unified,
// accents removed, case folded, and everything but letters and digits
// dropped (spaces, hyphens, dots, apostrophes).
func NormalizeName(s string) string {
	if isASCII(s) { // nothing to decompose: the common case of Latin names
		var b strings.Builder
		b.Grow(len(s))
		for i := 0; i < len(s); i++ {
			switch c := s[i]; {
			case c >= 'A' && c <= 'Z':
				b.WriteByte(c + 'a' - 'A')
			case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
				b.WriteByte(c)
			}
		}
		return b.String()
	}
	t := stripMarkers.Get().(transform.Transformer)
	out, _, err := transform.String(t, s)
	stripMarkers.Put(t)
	if err != nil {
		out = s
	}
	var b strings.Builder
	for _, r := range out {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// NormalizeDocument folds a document number: letters and digits only, upper
// case.
func NormalizeDocument(s string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		if (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// PhoneDigits returns the digits of a phone number.
func PhoneDigits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func reverse(s string) string {
	r := []rune(s)
	slices.Reverse(r)
	return string(r)
}

func lastN(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[len(s)-n:]
}

// splitName splits a name into its words.
func splitName(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || r == '-' || r == '.' || r == ',' || r == '·' || r == '・' || r == '\''
	})
}

// Loose folds a romanised name into a phonetic key that treats the usual
// spellings of one sound alike: Kim/Gim, Jong/Jeong/Chong, Un/Eun, Lee/Li,
// Park/Bak (with a surname table), Zhang/Chang. It errs towards finding too
// much; matches on it rank below exact ones.
func Loose(s string) string {
	s = NormalizeName(s)
	for _, r := range []struct{ from, to string }{
		{"tch", "c"}, {"eo", "o"}, {"eu", "u"}, {"oo", "u"}, {"ee", "i"}, {"ou", "u"}, {"ae", "e"},
		{"sh", "s"}, {"ch", "c"}, {"zh", "c"}, {"ph", "p"}, {"kh", "k"}, {"th", "t"}, {"rh", "l"},
		{"j", "c"}, {"z", "c"}, {"q", "c"}, {"x", "s"}, {"g", "k"}, {"d", "t"}, {"b", "p"}, {"r", "l"}, {"'", ""},
	} {
		s = strings.ReplaceAll(s, r.from, r.to)
	}
	// Doubled letters are one sound.
	var b strings.Builder
	var prev rune
	for _, r := range s {
		if r != prev {
			b.WriteRune(r)
		}
		prev = r
	}
	return b.String()
}

func isHan(r rune) bool    { return unicode.Is(unicode.Han, r) }
func isHangul(r rune) bool { return r >= 0xAC00 && r <= 0xD7A3 }

func containsFunc(s string, f func(rune) bool) bool { return strings.IndexFunc(s, f) >= 0 }

// romanizations returns the Latin spellings of a name written in Chinese
// characters or Hangul, each as (family, given) pairs; nil for other scripts.
func romanizations(name string) [][2]string {
	words := splitName(name)
	var family, given string
	switch {
	case len(words) >= 2:
		family, given = words[0], strings.Join(words[1:], "")
	case len(words) == 1:
		family, given = splitFamily(words[0])
	default:
		return nil
	}
	var fs, gs []string
	switch {
	case containsFunc(name, isHangul):
		fs = hangulSurname(family)
		gs = romanizeHangul(given)
	case containsFunc(name, isHan):
		fs = hanPinyin(family)
		gs = hanPinyin(given)
	default:
		return nil
	}
	var out [][2]string
	for _, f := range fs {
		if len(gs) == 0 {
			out = append(out, [2]string{f, ""})
		}
		for _, g := range gs {
			out = append(out, [2]string{f, g})
		}
	}
	return out
}

// compoundSurnames are two-character family names; any other name's family
// name is its first character.
var compoundSurnames = []string{
	"남궁", "황보", "제갈", "선우", "독고", "사공", "서문", "동방",
	"欧阳", "歐陽", "司马", "司馬", "诸葛", "諸葛", "上官", "东方", "東方", "皇甫", "尉迟", "尉遲", "公孙", "公孫",
	"慕容", "令狐", "夏侯", "长孙", "長孫", "宇文", "司徒", "澹台",
}

// splitFamily splits a name written without spaces in Chinese characters or
// Hangul into family and given name.
func splitFamily(name string) (family, given string) {
	r := []rune(name)
	if len(r) < 2 || !(isHan(r[0]) || isHangul(r[0])) {
		return name, ""
	}
	if len(r) >= 3 && slices.Contains(compoundSurnames, string(r[:2])) {
		return string(r[:2]), string(r[2:])
	}
	return string(r[:1]), string(r[1:])
}

var pinyinArgs = pinyin.NewArgs() // Normal style: no tones

// hanPinyin returns the pinyin of Chinese characters, without tones and
// without spaces, as the one spelling (nil if none).
func hanPinyin(s string) []string {
	if s == "" {
		return nil
	}
	p := strings.Join(pinyin.LazyPinyin(s, pinyinArgs), "")
	if p == "" {
		return nil
	}
	return []string{p}
}

// PersonTerms returns the search and duplicate-detection terms of a person.
func PersonTerms(p *Person) []SearchTerm {
	set := map[string]int{}
	add := func(term string, w int) {
		if len(term) <= 2 || len(term) > maxTermLength {
			return
		}
		if old, ok := set[term]; !ok || w > old {
			set[term] = w
		}
	}
	addName := func(whole string, w int) {
		if whole == "" {
			return
		}
		add(termName+whole, w)
		if isASCII(whole) {
			add(termLoose+Loose(whole), w-30)
		}
	}
	year := p.BirthYear()
	addDupName := func(whole string) {
		if year != 0 && whole != "" {
			key := whole
			if isASCII(whole) {
				key = Loose(whole)
			}
			add(termDupName+key+":"+strconv.Itoa(year), 0)
		}
	}
	for _, form := range p.Names.All() {
		words := splitName(form)
		whole := NormalizeName(form)
		addName(whole, 100)
		addDupName(whole)
		var norms []string
		for _, w := range words {
			norms = append(norms, NormalizeName(w))
		}
		if len(norms) >= 2 {
			// Given name(s) first: "Xiaoming Wang" finds "Wang Xiaoming".
			rotated := strings.Join(append(slices.Clone(norms[1:]), norms[0]), "")
			addName(rotated, 90)
			addDupName(rotated)
			for _, w := range norms {
				addName(w, 70)
			}
			for i := 1; i < len(norms)-1; i++ {
				addName(strings.Join(norms[i:], ""), 70) // later words together
			}
		} else if f, g := splitFamily(form); g != "" {
			addName(NormalizeName(f), 70)
			addName(NormalizeName(g), 70)
		}
		for _, fg := range romanizations(form) {
			f, g := fg[0], fg[1]
			addName(f+g, 90)
			addName(g+f, 85)
			addName(f, 60)
			addName(g, 60)
			addDupName(f + g)
		}
	}
	if d := PhoneDigits(p.Phone); len(d) >= 5 {
		add(termPhone+reverse(d), 100)
		add(termDupPhone+lastN(d, dupPhoneLen), 0)
	}
	for _, d := range p.Documents {
		if n := NormalizeDocument(d.Number); n != "" {
			add(termDocument+n, 100)
		}
	}
	terms := make([]SearchTerm, 0, len(set))
	for t, w := range set {
		terms = append(terms, SearchTerm{Term: t, Weight: w})
	}
	sort.Slice(terms, func(i, j int) bool { return terms[i].Term < terms[j].Term })
	return terms
}

// fillTerms sets the Terms of each person (nil entries skipped), spread
// over the processors: an import computes them for every row, and the
// romanisations are the larger part of its validation.
func fillTerms(ps []*Person) {
	workers := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	chunk := (len(ps) + workers - 1) / workers
	for start := 0; start < len(ps); start += chunk {
		part := ps[start:min(start+chunk, len(ps))]
		wg.Go(func() {
			for _, p := range part {
				if p != nil {
					p.Terms = PersonTerms(p)
				}
			}
		})
	}
	wg.Wait()
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// QueryTerm is one term a search looks up, by prefix or exactly.
type QueryTerm struct {
	Term   string
	Prefix bool
}

// SearchQuery turns what a user typed into the terms to look up: the name
// as typed (normalised), its romanisations when written in Chinese
// characters or Hangul, its loose form, and, when it looks like one, a phone
// number's ending or a document number.
func SearchQuery(q string) []QueryTerm {
	q = strings.TrimSpace(q)
	var terms []QueryTerm
	seen := map[string]bool{}
	add := func(t string, prefix bool) {
		if len(t) <= 3 || seen[t] {
			return
		}
		seen[t] = true
		terms = append(terms, QueryTerm{t, prefix})
	}
	digits := PhoneDigits(q)
	if len(digits) >= 5 && ValidPhone(q) {
		add(termPhone+reverse(lastN(digits, phoneTermLen)), true)
	}
	if doc := NormalizeDocument(q); len(doc) >= 4 && strings.IndexFunc(doc, unicode.IsDigit) >= 0 {
		add(termDocument+doc, true)
	}
	if len(digits) == len(NormalizeName(q)) && digits != "" {
		return terms // digits only: not a name
	}
	if n := NormalizeName(q); n != "" {
		add(termName+n, true)
		if isASCII(n) {
			add(termLoose+Loose(n), true)
		}
	}
	for _, fg := range romanizations(q) {
		add(termName+fg[0]+fg[1], true)
	}
	return terms
}

// SearchHit is one term of a person that matched a query term.
type SearchHit struct {
	PersonID int64
	Term     string
	Weight   int
}

// SearchResult is one person found, with how well they matched.
type SearchResult struct {
	Person *Person
	Score  int
}

// SearchPersons finds persons of the caller's scope by any form of their
// name, a phone number in any format, or a document number, best matches
// first. The search, and so every record it shows, is audited.
func (s *Service) SearchPersons(ctx context.Context, q string, limit int) ([]*SearchResult, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if err := authorizeAction(a, ActionRegistryView); err != nil {
		return nil, err
	}
	terms := SearchQuery(q)
	if len(terms) == 0 {
		return nil, FieldError("q", "error.search.short", "Type at least two letters or five digits.")
	}
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	var results []*SearchResult
	err = s.store.Update(ctx, func(tx Tx) error {
		prefix, subtree := a.ScopePrefix()
		hits, err := tx.SearchTerms(ctx, SearchFilter{Terms: terms, PathPrefix: prefix, Subtree: subtree, Limit: limit * 4})
		if err != nil {
			return err
		}
		best := map[int64]int{}
		for _, h := range hits {
			score := h.Weight
			for _, t := range terms {
				if h.Term == t.Term {
					score += 20 // the whole term, not only its beginning
				}
			}
			if score > best[h.PersonID] {
				best[h.PersonID] = score
			}
		}
		ids := make([]int64, 0, len(best))
		for id := range best {
			ids = append(ids, id)
		}
		persons, err := tx.FindPersons(ctx, PersonFilter{IDs: ids})
		if err != nil {
			return err
		}
		for _, p := range persons {
			if a.InScope(p.UnitPath) { // the store narrowed already; this is the rule
				results = append(results, &SearchResult{Person: p, Score: best[p.ID]})
			}
		}
		sort.Slice(results, func(i, j int) bool {
			if results[i].Score != results[j].Score {
				return results[i].Score > results[j].Score
			}
			return results[i].Person.ID < results[j].Person.ID
		})
		if len(results) > limit {
			results = results[:limit]
		}
		// The result list shows each person's names: each is a read of
		// their record, so that "who saw this person" finds it.
		if err := s.audit(ctx, tx, a, AuditEvent{Action: "person.search", RecordType: "person", UnitID: a.UnitID,
			Detail: map[string]any{"query": q, "found": len(results)}}); err != nil {
			return err
		}
		for _, r := range results {
			err := s.audit(ctx, tx, a, AuditEvent{Action: "person.search_result", RecordType: "person", RecordID: r.Person.ID, UnitID: r.Person.UnitID})
			if err != nil {
				return err
			}
		}
		return nil
	})
	return results, err
}

// SearchFilter is a search for the store: any of the terms, within a scope.
type SearchFilter struct {
	Terms      []QueryTerm
	PathPrefix string // the scope: units whose path starts with it (Subtree) or equals it
	Subtree    bool
	Limit      int // hits per term at most
}
