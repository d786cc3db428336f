package kinbridge

import "strings"

// Hangul romanisation. There is no well-kept Go library for it, so this is
// the documented table: each syllable is split into its initial consonant,
// vowel and final consonant (Unicode's Hangul syllable arithmetic) and each
// part spelled by the tables below, syllable by syllable, without the sound
// changes between syllables — the rule the Revised Romanization itself
// gives for personal names. Three spellings are made, because residents'
// documents use all three:
//   - Revised Romanization (South Korea, 2000): 김정은 → gim jeongeun
//   - McCune–Reischauer without its diacritics: 김정은 → kim chongun
//   - the North Korean variant of McCune–Reischauer: 김정은 → kim jongun
// Family names have customary spellings of their own (이 → Lee, Yi, Ri, Rhee;
// 박 → Park, Pak, Bak), listed in hangulSurnames.

var (
	rrInitials  = []string{"g", "kk", "n", "d", "tt", "r", "m", "b", "pp", "s", "ss", "", "j", "jj", "ch", "k", "t", "p", "h"}
	mrInitials  = []string{"k", "kk", "n", "t", "tt", "r", "m", "p", "pp", "s", "ss", "", "ch", "tch", "ch", "k", "t", "p", "h"}
	nkInitials  = []string{"k", "kk", "n", "t", "tt", "r", "m", "p", "pp", "s", "ss", "", "j", "jj", "ch", "k", "t", "p", "h"}
	rrVowels    = []string{"a", "ae", "ya", "yae", "eo", "e", "yeo", "ye", "o", "wa", "wae", "oe", "yo", "u", "wo", "we", "wi", "yu", "eu", "ui", "i"}
	mrVowels    = []string{"a", "ae", "ya", "yae", "o", "e", "yo", "ye", "o", "wa", "wae", "oe", "yo", "u", "wo", "we", "wi", "yu", "u", "ui", "i"}
	finalsTable = []string{"", "k", "k", "k", "n", "n", "n", "t", "l", "k", "m", "l", "l", "l", "p", "l", "m", "p", "p", "t", "t", "ng", "t", "t", "k", "t", "p", "t"}
)

// romanizeHangulWith spells Hangul syllables with one initial and vowel
// table; other characters are dropped.
func romanizeHangulWith(s string, initials, vowels []string) string {
	var b strings.Builder
	for _, r := range s {
		if !isHangul(r) {
			continue
		}
		i := int(r - 0xAC00)
		b.WriteString(initials[i/(21*28)])
		b.WriteString(vowels[i%(21*28)/28])
		b.WriteString(finalsTable[i%28])
	}
	return b.String()
}

// romanizeHangul returns the distinct spellings of a Hangul name part.
func romanizeHangul(s string) []string {
	if s == "" {
		return nil
	}
	var out []string
	for _, t := range []struct{ in, v []string }{{rrInitials, rrVowels}, {mrInitials, mrVowels}, {nkInitials, mrVowels}} {
		if r := romanizeHangulWith(s, t.in, t.v); r != "" && !contains(out, r) {
			out = append(out, r)
		}
	}
	return out
}

// hangulSurname returns the spellings of a Hangul family name: the
// customary ones, then the systematic ones.
func hangulSurname(s string) []string {
	out := append([]string(nil), hangulSurnames[s]...)
	for _, r := range romanizeHangul(s) {
		if !contains(out, r) {
			out = append(out, r)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// hangulSurnames are the customary Latin spellings of common family names.
var hangulSurnames = map[string][]string{
	"김": {"kim", "gim"}, "이": {"lee", "yi", "ri", "rhee", "i"}, "박": {"park", "pak", "bak"}, "최": {"choi", "choe"},
	"정": {"jung", "jeong", "chung", "chong", "jong"}, "강": {"kang", "gang"}, "조": {"cho", "jo"}, "윤": {"yoon", "yun"},
	"장": {"jang", "chang"}, "임": {"lim", "im", "rim"}, "한": {"han"}, "오": {"oh", "o"}, "서": {"seo", "suh", "so"},
	"신": {"shin", "sin"}, "권": {"kwon", "gwon"}, "황": {"hwang"}, "안": {"ahn", "an"}, "송": {"song"},
	"류": {"ryu", "yu", "yoo", "ryoo"}, "유": {"yoo", "yu"}, "전": {"jeon", "jun", "chon"}, "홍": {"hong"},
	"고": {"ko", "go"}, "문": {"moon", "mun"}, "양": {"yang", "ryang"}, "손": {"son"}, "배": {"bae", "pae"},
	"백": {"baek", "paek", "paik"}, "허": {"heo", "hur", "ho"}, "남": {"nam"}, "심": {"shim", "sim"},
	"노": {"noh", "roh", "no", "ro"}, "하": {"ha"}, "곽": {"kwak", "gwak"}, "성": {"sung", "seong", "song"},
	"차": {"cha"}, "주": {"joo", "ju", "chu"}, "우": {"woo", "u"}, "구": {"koo", "gu", "ku"}, "민": {"min"},
	"진": {"jin", "chin"}, "나": {"na", "ra"}, "지": {"ji", "chi"}, "엄": {"eom", "um", "om"}, "채": {"chae"},
	"원": {"won"}, "천": {"cheon", "chun", "chon"}, "방": {"bang", "pang"}, "공": {"kong", "gong"},
	"현": {"hyun", "hyon"}, "함": {"ham"}, "변": {"byun", "pyon"}, "염": {"yeom", "yom"}, "여": {"yeo", "yo"},
	"추": {"chu"}, "도": {"do", "to"}, "석": {"seok", "sok"}, "선": {"sun", "seon", "son"}, "설": {"seol", "sol"},
	"마": {"ma"}, "길": {"gil", "kil"}, "연": {"yeon", "yon"}, "위": {"wi"}, "표": {"pyo"}, "명": {"myung", "myong"},
	"기": {"ki", "gi"}, "반": {"ban", "pan"}, "왕": {"wang"}, "금": {"geum", "kum"}, "옥": {"ok"}, "육": {"yuk"},
	"인": {"in"}, "맹": {"maeng"}, "제": {"je", "che"}, "모": {"mo"}, "탁": {"tak"}, "국": {"kook", "guk"},
	"은": {"eun", "un"}, "편": {"pyeon", "pyon"}, "용": {"yong", "ryong"}, "예": {"ye"}, "경": {"kyung", "gyeong"},
	"봉": {"bong", "pong"}, "남궁": {"namgung", "namkung"}, "황보": {"hwangbo"}, "제갈": {"jegal", "chegal"},
	"선우": {"sunwoo", "seonu", "sonu"}, "독고": {"dokgo", "tokko"},
}
