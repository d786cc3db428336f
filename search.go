package kinbridge

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"slices"
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
	if n, ok := normalizeHangulHan(s); ok {
		return n
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

// normalizeHangulHan is NormalizeName for a name of ASCII, Hangul
// syllables and the main block of Chinese characters only — most names
// of the registry that are not Latin — without the Unicode transforms:
// NFKD splits a Hangul syllable into letters that NFC joins again, and
// leaves those Chinese characters alone, none of them has a case or an
// accent, and all are letters. It reports false for any other name.
func normalizeHangulHan(s string) (string, bool) {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r >= 'A' && r <= 'Z':
			b.WriteByte(byte(r) + 'a' - 'A')
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteByte(byte(r))
		case r < 0x80:
		case isHangul(r), r >= 0x4E00 && r <= 0x9FFF:
			b.WriteRune(r)
		default:
			return "", false
		}
	}
	return b.String(), true
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
	b := []byte(NormalizeName(s))
	// The rules apply one after the other, each to the whole name, as a
	// chain of strings.ReplaceAll would; none lengthens the name, so each
	// rewrites the buffer in place. Most find nothing in a given name: a
	// rule runs only if its first letter is in the name (has, renewed
	// whenever a rule may have changed the name).
	var has [256]bool
	for _, c := range b {
		has[c] = true
	}
	for _, r := range looseRules {
		if !has[r.from[0]] {
			continue
		}
		n := len(b)
		b = replaceInPlace(b, r.from, r.to)
		if len(b) != n || len(r.from) == len(r.to) {
			has = [256]bool{}
			for _, c := range b {
				has[c] = true
			}
		}
	}
	// Doubled letters are one sound.
	if !isASCII(string(b)) {
		var sb strings.Builder
		var prev rune
		for _, r := range string(b) {
			if r != prev {
				sb.WriteRune(r)
			}
			prev = r
		}
		return sb.String()
	}
	out := b[:0]
	for i, c := range b {
		if i == 0 || c != b[i-1] {
			out = append(out, c)
		}
	}
	return string(out)
}

var looseRules = []struct{ from, to string }{
	{"tch", "c"}, {"eo", "o"}, {"eu", "u"}, {"oo", "u"}, {"ee", "i"}, {"ou", "u"}, {"ae", "e"},
	{"sh", "s"}, {"ch", "c"}, {"zh", "c"}, {"ph", "p"}, {"kh", "k"}, {"th", "t"}, {"rh", "l"},
	{"j", "c"}, {"z", "c"}, {"q", "c"}, {"x", "s"}, {"g", "k"}, {"d", "t"}, {"b", "p"}, {"r", "l"}, {"'", ""},
}

// replaceInPlace replaces every non-overlapping from, left to right, by
// to, which is no longer than from, as strings.ReplaceAll does.
func replaceInPlace(b []byte, from, to string) []byte {
	if len(b) < len(from) {
		return b
	}
	w := 0
	for r := 0; r < len(b); {
		if r+len(from) <= len(b) && b[r] == from[0] && string(b[r:r+len(from)]) == from {
			w += copy(b[w:], to)
			r += len(from)
			continue
		}
		b[w] = b[r]
		w++
		r++
	}
	return b[:w]
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
// They are few — some seven a person — because every one is an entry of the
// term index that an import of a million persons writes: each name form is
// stored once as it is written (normalised) and once in its loose form,
// and SearchQuery expands what the user typed instead (its loose form,
// its words in the other order, its romanisations). For each form of the
// name:
//   - "n:" the whole name (weight 100), and each run of its later words
//     ("Briain Smith", "Smith"; 70) — or, for a name of one word in Chinese
//     characters or Hangul, its given name (70) — so that a prefix search
//     finds any word from its start;
//   - "l:" the loose form of a Latin name (70);
//   - for a name in Chinese characters or Hangul, the loose forms of its
//     romanisations, family name first (90) and given name alone (60):
//     Loose folds the spellings of each romanisation (Gim Jeongeun, Kim
//     Chongun, Kim Jongun) into one, so there are one to three, not the
//     dozen spellings themselves;
//   - "k:" the duplicate keys: the loose name (family name first, and given
//     name first for Latin names) with the birth year.
func PersonTerms(p *Person) []SearchTerm {
	terms := make([]SearchTerm, 0, 12)
	add := func(term string, w int) {
		if len(term) <= 2 || len(term) > maxTermLength {
			return
		}
		for i := range terms {
			if terms[i].Term == term {
				terms[i].Weight = max(terms[i].Weight, w)
				return
			}
		}
		terms = append(terms, SearchTerm{Term: term, Weight: w})
	}
	year := p.BirthYear()
	addDupName := func(key string) {
		if year != 0 && key != "" {
			add(termDupName+key+":"+strconv.Itoa(year), 0)
		}
	}
	for _, form := range p.Names.All() {
		norms := normalizedWords(form)
		if len(norms) == 0 {
			continue
		}
		whole := strings.Join(norms, "")
		add(termName+whole, 100)
		for i := 1; i < len(norms); i++ {
			add(termName+strings.Join(norms[i:], ""), 70) // later words together
		}
		if len(norms) == 1 {
			if _, g := splitFamily(form); g != "" {
				add(termName+NormalizeName(g), 70)
			}
		}
		if isASCII(whole) {
			add(termLoose+Loose(whole), 70)
			addDupName(Loose(whole))
			if len(norms) >= 2 {
				// Given name(s) first: "Jong Un Kim" is Kim Jong Un.
				addDupName(Loose(strings.Join(norms[1:], "") + norms[0]))
			}
			continue
		}
		roman := romanizations(form)
		if len(roman) == 0 {
			addDupName(whole)
		}
		for _, fg := range roman {
			fullLoose := Loose(fg[0] + fg[1])
			add(termLoose+fullLoose, 90)
			if fg[1] != "" {
				add(termLoose+Loose(fg[1]), 60)
			}
			addDupName(fullLoose)
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
	slices.SortFunc(terms, func(a, b SearchTerm) int { return strings.Compare(a.Term, b.Term) })
	return terms
}

// normalizedWords returns the words of a name, each normalised, leaving
// out those that normalise to nothing.
func normalizedWords(name string) []string {
	words := splitName(name)
	norms := make([]string, 0, len(words))
	for _, w := range words {
		if n := NormalizeName(w); n != "" {
			norms = append(norms, n)
		}
	}
	return norms
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

// SearchQuery turns what a user typed into the terms to look up, each by
// prefix: the name as typed (normalised) and its loose form; the same with
// the last word first, for a name typed given name first ("Xiaoming Wang");
// the loose forms of its romanisations when written in Chinese characters
// or Hangul; and, when it looks like one, a phone number's ending or a
// document number. PersonTerms stores each name form once and its loose
// form once; the variants are the query's.
func SearchQuery(q string) []QueryTerm {
	q = strings.TrimSpace(q)
	var terms []QueryTerm
	add := func(t string, prefix bool) {
		if len(t) <= 3 || len(t) > maxTermLength {
			return
		}
		for _, x := range terms {
			if x.Term == t {
				return
			}
		}
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
	norms := normalizedWords(q)
	forms := []string{strings.Join(norms, "")}
	if len(norms) >= 2 {
		last := len(norms) - 1
		forms = append(forms, norms[last]+strings.Join(norms[:last], ""))
	}
	for _, n := range forms {
		if n == "" {
			continue
		}
		add(termName+n, true)
		if isASCII(n) {
			add(termLoose+Loose(n), true)
		}
	}
	for _, fg := range romanizations(q) {
		add(termLoose+Loose(fg[0]+fg[1]), true)
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
		ranked := rankHits(hits, terms)
		// Only the page's persons are loaded, in one read: the hits rank
		// them already. A person the store did not return (merged since)
		// or the rule does not allow leaves a place the next ones fill.
		for len(results) < limit && len(ranked) > 0 {
			page := ranked[:min(limit-len(results), len(ranked))]
			ranked = ranked[len(page):]
			ids := make([]int64, len(page))
			for i, r := range page {
				ids[i] = r.id
			}
			persons, err := tx.FindPersons(ctx, PersonFilter{IDs: ids})
			if err != nil {
				return err
			}
			byID := make(map[int64]*Person, len(persons))
			for _, p := range persons {
				byID[p.ID] = p
			}
			for _, r := range page {
				if p := byID[r.id]; p != nil && a.InScope(p.UnitPath) { // the store narrowed already; this is the rule
					results = append(results, &SearchResult{Person: p, Score: r.score})
				}
			}
		}
		// The result list shows each person's names: each is a read of
		// their record, so that "who saw this person" finds it.
		events := make([]AuditEvent, 0, 1+len(results))
		events = append(events, AuditEvent{Action: "person.search", RecordType: "person", UnitID: a.UnitID,
			Detail: map[string]any{"query": q, "found": len(results)}})
		for _, r := range results {
			events = append(events, AuditEvent{Action: "person.search_result", RecordType: "person", RecordID: r.Person.ID, UnitID: r.Person.UnitID})
		}
		return s.auditAll(ctx, tx, a, events)
	})
	return results, err
}

// batchAppender is a Tx that stores entries linked one after the other in
// one step (sqlstore's AppendAuditEntries).
type batchAppender interface {
	AppendAuditEntries(ctx context.Context, es []*AuditEntry) error
}

// auditAll appends an entry for each event, in order, as audit does for
// one — the same entries, in the same chain — but in one step when the
// store can: a search appends one for every person it shows.
func (s *Service) auditAll(ctx context.Context, tx Tx, a *Actor, events []AuditEvent) error {
	b, ok := tx.(batchAppender)
	if !ok || len(events) < 2 {
		for _, ev := range events {
			if err := s.audit(ctx, tx, a, ev); err != nil {
				return err
			}
		}
		return nil
	}
	entries := make([]*AuditEntry, len(events))
	for i, ev := range events {
		detail := "{}"
		if len(ev.Detail) > 0 {
			clean := make(map[string]any, len(ev.Detail))
			for k, v := range ev.Detail {
				if !isSecretKey(k) {
					clean[k] = v
				}
			}
			text, err := json.Marshal(clean) // map keys are sorted: the text is canonical
			if err != nil {
				return fmt.Errorf("audit detail: %w", err)
			}
			detail = string(text)
		}
		entries[i] = &AuditEntry{ActorID: a.UserID, ActorName: a.Username, UnitID: ev.UnitID,
			Action: ev.Action, RecordType: ev.RecordType, RecordID: ev.RecordID, Addr: a.Addr, Detail: detail}
	}
	// As AppendAudit: linked to the head the store gives, and, if another
	// append came first, once more to the head read under its lock.
	for attempt := 1; ; attempt++ {
		head, err := tx.AuditHead(ctx)
		if err != nil {
			return fmt.Errorf("audit head: %w", err)
		}
		for _, e := range entries {
			e.Link(head, tx.Now())
			head = AuditHead{Seq: e.Seq, Hash: e.Hash, At: e.At}
		}
		err = b.AppendAuditEntries(ctx, entries)
		if errors.Is(err, ErrAuditHeadMoved) && attempt == 1 {
			continue
		}
		return err
	}
}

// rankedPerson is a person the hits found, with their best score.
type rankedPerson struct {
	id    int64
	score int
}

// rankHits scores each person found by their best hit — the term's weight,
// and 20 more when the term is the whole query term rather than only begins
// with it — and returns them best first, then by id.
func rankHits(hits []SearchHit, terms []QueryTerm) []rankedPerson {
	best := make(map[int64]int, len(hits))
	for _, h := range hits {
		score := h.Weight
		for _, t := range terms {
			if h.Term == t.Term {
				score += 20 // the whole term, not only its beginning
				break
			}
		}
		if old, ok := best[h.PersonID]; !ok || score > old {
			best[h.PersonID] = score
		}
	}
	ranked := make([]rankedPerson, 0, len(best))
	for id, score := range best {
		ranked = append(ranked, rankedPerson{id, score})
	}
	slices.SortFunc(ranked, func(a, b rankedPerson) int {
		if a.score != b.score {
			return b.score - a.score
		}
		return cmp.Compare(a.id, b.id)
	})
	return ranked
}

// SearchFilter is a search for the store: any of the terms, within a scope.
type SearchFilter struct {
	Terms      []QueryTerm
	PathPrefix string // the scope: units whose path starts with it (Subtree) or equals it
	Subtree    bool
	Limit      int // hits per term at most
}
