package kinbridge

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/transform"
)

// found reports whether a query would find the person: some query term
// equals, or (for prefix terms) begins, one of the person's terms.
func found(p *Person, q string) bool {
	terms := PersonTerms(p)
	for _, qt := range SearchQuery(q) {
		for _, t := range terms {
			if t.Term == qt.Term || (qt.Prefix && strings.HasPrefix(t.Term, qt.Term)) {
				return true
			}
		}
	}
	return false
}

func TestSearchFindsEveryNameForm(t *testing.T) {
	wang := &Person{Names: PersonNames{Native: "王小明"}, Phone: "+850 2 381 1234", Documents: []Document{{"passport", "E 123-4567"}}}
	kim := &Person{Names: PersonNames{Native: "김정은"}}
	ouyang := &Person{Names: PersonNames{Native: "欧阳娜娜"}}
	latin := &Person{Names: PersonNames{Latin: "Zoë Ó Briain-Smith"}}
	tests := []struct {
		p    *Person
		q    string
		want bool
	}{
		{wang, "Wang Xiaoming", true},
		{wang, "wangxiaoming", true},
		{wang, "Xiaoming Wang", true},
		{wang, "xiao ming", true},
		{wang, "WANG", true},
		{wang, "王小明", true},
		{wang, "小明", true},
		{wang, "02-381-1234", true},   // a phone in another format
		{wang, "3811234", true},       // its ending
		{wang, "e1234567", true},      // a document, spacing and case ignored
		{wang, "Li Wei", false},       // someone else
		{kim, "Kim Jong Un", true},    // North Korean spelling
		{kim, "Gim Jeongeun", true},   // Revised Romanization
		{kim, "kim chong-un", true},   // McCune–Reischauer
		{kim, "Jeong-eun", true},      // the given name alone
		{kim, "김정은", true},            // as written
		{kim, "Park", false},          // someone else
		{ouyang, "Ouyang Nana", true}, // a compound surname
		{ouyang, "nana ouyang", true}, // given name first
		{latin, "zoe o briain", true}, // accents, case and spacing ignored
		{latin, "Briain Smith", true}, // later words
		{latin, "Zoe Smith", false},
	}
	for _, tt := range tests {
		if got := found(tt.p, tt.q); got != tt.want {
			t.Errorf("query %q for %s: found %v, want %v (terms %v; query %v)", tt.q, tt.p.Names.Display(), got, tt.want, PersonTerms(tt.p), SearchQuery(tt.q))
		}
	}
}

func TestRomanizeHangul(t *testing.T) {
	got := romanizeHangul("정은")
	want := []string{"jeongeun", "chongun", "jongun"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("romanizeHangul(정은) = %v, want %v", got, want)
	}
	if got := hangulSurname("이"); got[0] != "lee" || !contains(got, "ri") || !contains(got, "i") {
		t.Errorf("hangulSurname(이) = %v", got)
	}
	if f, g := splitFamily("남궁민수"); f != "남궁" || g != "민수" {
		t.Errorf("splitFamily(남궁민수) = %q, %q", f, g)
	}
}

func TestLoose(t *testing.T) {
	same := [][]string{{"Jong", "Jeong", "Chong"}, {"Kim", "Gim"}, {"Un", "Eun"}, {"Park", "Bark"}, {"Choi", "Tchoi"}}
	for _, group := range same {
		for _, s := range group[1:] {
			if Loose(s) != Loose(group[0]) {
				t.Errorf("Loose(%q) = %q, Loose(%q) = %q; want equal", s, Loose(s), group[0], Loose(group[0]))
			}
		}
	}
	if Loose("Kim") == Loose("Lim") {
		t.Error("Kim and Lim must differ")
	}
}

func TestNormalize(t *testing.T) {
	if got := NormalizeName(" Zoë  O'Brien-Smith "); got != "zoeobriensmith" {
		t.Errorf("NormalizeName = %q", got)
	}
	if got := NormalizeDocument("e 123-45.67"); got != "E1234567" {
		t.Errorf("NormalizeDocument = %q", got)
	}
}

func TestDuplicateKeys(t *testing.T) {
	a := &Person{Names: PersonNames{Native: "김정은"}, BirthDate: "1984-01-08"}
	b := &Person{Names: PersonNames{Latin: "Kim Jong Un"}, BirthDate: "1984"}
	c := &Person{Names: PersonNames{Latin: "Kim Jong Un"}, BirthDate: "1985"}
	a.Terms, b.Terms, c.Terms = PersonTerms(a), PersonTerms(b), PersonTerms(c)
	shared := func(x, y *Person) bool {
		for _, k := range duplicateKeys(x) {
			for _, l := range duplicateKeys(y) {
				if k == l {
					return true
				}
			}
		}
		return false
	}
	if !shared(a, b) {
		t.Errorf("same name in two scripts and birth year: no shared key\n%v\n%v", duplicateKeys(a), duplicateKeys(b))
	}
	if shared(b, c) {
		t.Error("same name, other birth year: must not be a duplicate by name")
	}
	d := &Person{Names: PersonNames{Latin: "Someone Else"}, Phone: "010 1234 5678"}
	e := &Person{Names: PersonNames{Latin: "Another One"}, Phone: "+82 10-1234-5678"}
	d.Terms, e.Terms = PersonTerms(d), PersonTerms(e)
	if !shared(d, e) {
		t.Error("one phone number in two formats: no shared key")
	}
}

// looseByReplacing is Loose as a chain of strings.ReplaceAll, the
// definition that Loose computes in place.
func looseByReplacing(s string) string {
	s = NormalizeName(s)
	for _, r := range looseRules {
		s = strings.ReplaceAll(s, r.from, r.to)
	}
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

func TestLooseInPlace(t *testing.T) {
	for _, s := range []string{"", "a", "Tchoi", "jeongeun", "Kim Jong Un", "Rhee", "Zhang", "tttch", "eoo", "eeo", "xxx", "Ouyang Nana",
		"Zoë Ó Briain-Smith", "nn", "Нина Иванова", "Anna Maria", "shch", "jjj", "ggg", "abbba"} {
		if got, want := Loose(s), looseByReplacing(s); got != want {
			t.Errorf("Loose(%q) = %q, want %q", s, got, want)
		}
	}
}

func FuzzLoose(f *testing.F) {
	for _, s := range []string{"Tchoi", "jeongeun", "Zoë", "rheeeo"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := Loose(s), looseByReplacing(s); got != want {
			t.Errorf("Loose(%q) = %q, want %q", s, got, want)
		}
	})
}

// normalizeByTransform is NormalizeName without its fast paths.
func normalizeByTransform(s string) string {
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

func FuzzNormalizeName(f *testing.F) {
	for _, s := range []string{"김정은", "王小明", "Kim Jong-un", "남궁 민수", "欧阳娜娜", "Zoë", "ｶﾀｶﾅ", "丽-華"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return
		}
		if got, want := NormalizeName(s), normalizeByTransform(s); got != want {
			t.Errorf("NormalizeName(%q) = %q, want %q", s, got, want)
		}
	})
}
