package demo

import (
	"math/rand/v2"
	"strings"
)

// Made-up names for the demo population, in the scripts a person's names
// come in: Chinese characters with their Hangul reading and pinyin, and
// Hangul with Chinese characters (hanja) and a Latin romanisation. Given
// names are mostly built from two syllables, so that the names are many
// (about 100,000 Chinese and 70,000 Korean ones) and few demo persons share
// a name and a birth year — which the registry flags as possible
// duplicates.

// syllable is one character of a name in three forms.
type syllable struct{ native, second, latin string }

var (
	// Chinese family names: character, Hangul reading, pinyin.
	hanFamilies = []syllable{
		{"王", "왕", "Wang"}, {"李", "이", "Li"}, {"张", "장", "Zhang"}, {"刘", "류", "Liu"}, {"陈", "진", "Chen"},
		{"杨", "양", "Yang"}, {"赵", "조", "Zhao"}, {"黄", "황", "Huang"}, {"周", "주", "Zhou"}, {"吴", "오", "Wu"},
		{"徐", "서", "Xu"}, {"孙", "손", "Sun"}, {"马", "마", "Ma"}, {"朱", "주", "Zhu"}, {"胡", "호", "Hu"},
		{"郭", "곽", "Guo"}, {"何", "하", "He"}, {"高", "고", "Gao"}, {"林", "임", "Lin"}, {"罗", "나", "Luo"},
		{"郑", "정", "Zheng"}, {"梁", "양", "Liang"}, {"谢", "사", "Xie"}, {"宋", "송", "Song"}, {"唐", "당", "Tang"},
		{"许", "허", "Xu"}, {"韩", "한", "Han"}, {"冯", "풍", "Feng"}, {"邓", "등", "Deng"}, {"曹", "조", "Cao"},
	}
	// Chinese given-name characters: character, Hangul reading, pinyin.
	hanGiven = []syllable{
		{"建", "건", "jian"}, {"国", "국", "guo"}, {"华", "화", "hua"}, {"明", "명", "ming"}, {"伟", "위", "wei"},
		{"芳", "방", "fang"}, {"军", "군", "jun"}, {"丽", "려", "li"}, {"强", "강", "qiang"}, {"敏", "민", "min"},
		{"静", "정", "jing"}, {"磊", "뢰", "lei"}, {"洋", "양", "yang"}, {"艳", "염", "yan"}, {"勇", "용", "yong"},
		{"杰", "걸", "jie"}, {"娟", "연", "juan"}, {"涛", "도", "tao"}, {"超", "초", "chao"}, {"秀", "수", "xiu"},
		{"兰", "란", "lan"}, {"霞", "하", "xia"}, {"平", "평", "ping"}, {"刚", "강", "gang"}, {"桂", "계", "gui"},
		{"英", "영", "ying"}, {"文", "문", "wen"}, {"玉", "옥", "yu"}, {"志", "지", "zhi"}, {"海", "해", "hai"},
		{"燕", "연", "yan"}, {"春", "춘", "chun"}, {"梅", "매", "mei"}, {"红", "홍", "hong"}, {"云", "운", "yun"},
		{"德", "덕", "de"}, {"成", "성", "cheng"}, {"光", "광", "guang"}, {"辉", "휘", "hui"}, {"振", "진", "zhen"},
		{"宏", "굉", "hong"}, {"晓", "효", "xiao"}, {"东", "동", "dong"}, {"林", "림", "lin"}, {"凤", "봉", "feng"},
		{"金", "금", "jin"}, {"永", "영", "yong"}, {"福", "복", "fu"}, {"庆", "경", "qing"}, {"荣", "영", "rong"},
		{"淑", "숙", "shu"}, {"珍", "진", "zhen"}, {"慧", "혜", "hui"}, {"佳", "가", "jia"}, {"新", "신", "xin"},
		{"雪", "설", "xue"}, {"宁", "녕", "ning"}, {"松", "송", "song"}, {"梓", "재", "zi"}, {"浩", "호", "hao"},
	}
	// Korean family names: Hangul, hanja, romanisation.
	hangulFamilies = []syllable{
		{"김", "金", "Kim"}, {"이", "李", "Lee"}, {"박", "朴", "Park"}, {"최", "崔", "Choi"}, {"정", "鄭", "Jeong"},
		{"강", "姜", "Kang"}, {"조", "趙", "Cho"}, {"윤", "尹", "Yoon"}, {"장", "張", "Jang"}, {"임", "林", "Lim"},
		{"한", "韓", "Han"}, {"오", "吳", "Oh"}, {"서", "徐", "Seo"}, {"신", "申", "Shin"}, {"권", "權", "Kwon"},
		{"황", "黃", "Hwang"}, {"안", "安", "Ahn"}, {"송", "宋", "Song"}, {"류", "柳", "Ryu"}, {"홍", "洪", "Hong"},
	}
	// Korean given-name syllables: Hangul, hanja, romanisation.
	hangulGiven = []syllable{
		{"민", "敏", "min"}, {"준", "俊", "jun"}, {"서", "瑞", "seo"}, {"연", "妍", "yeon"}, {"지", "智", "ji"},
		{"호", "浩", "ho"}, {"하", "夏", "ha"}, {"은", "恩", "eun"}, {"도", "道", "do"}, {"윤", "允", "yun"},
		{"수", "秀", "su"}, {"빈", "彬", "bin"}, {"현", "賢", "hyun"}, {"우", "宇", "woo"}, {"성", "成", "sung"},
		{"영", "永", "young"}, {"옥", "玉", "ok"}, {"순", "順", "sun"}, {"철", "哲", "chul"}, {"희", "姬", "hee"},
		{"광", "光", "kwang"}, {"금", "今", "kum"}, {"명", "明", "myung"}, {"정", "正", "jung"}, {"훈", "勳", "hoon"},
		{"혜", "惠", "hye"}, {"진", "珍", "jin"}, {"경", "京", "kyung"}, {"미", "美", "mi"}, {"숙", "淑", "sook"},
		{"상", "相", "sang"}, {"용", "龍", "yong"}, {"동", "東", "dong"}, {"석", "錫", "seok"}, {"재", "在", "jae"},
		{"원", "元", "won"}, {"혁", "赫", "hyuk"}, {"주", "周", "ju"}, {"남", "南", "nam"}, {"일", "日", "il"},
		{"태", "泰", "tae"}, {"규", "圭", "kyu"}, {"승", "承", "seung"}, {"환", "煥", "hwan"}, {"나", "娜", "na"},
		{"란", "蘭", "ran"}, {"향", "香", "hyang"}, {"선", "善", "seon"}, {"애", "愛", "ae"}, {"봉", "鳳", "bong"},
	}
)

// nameStyle is how a person's names are written.
type nameStyle int

const (
	styleHan    nameStyle = iota // native in Chinese characters, second in Hangul, Latin in pinyin
	styleHangul                  // native in Hangul, second in hanja, Latin romanised
)

// personName makes a name of the style with the given family name (an
// index into the style's family table): the native form always, the
// second and Latin forms mostly; now and then only the Latin form.
func personName(rng *rand.Rand, style nameStyle, family int) (native, second, latin string) {
	families, given := hanFamilies, hanGiven
	sep := ""
	if style == styleHangul {
		families, given, sep = hangulFamilies, hangulGiven, "-"
	}
	f := families[family%len(families)]
	n := 2
	if style == styleHan && rng.IntN(20) == 0 {
		n = 1 // one-character given names; rarer than in life, so that few demo persons share a name
	}
	var gn, gs, gl []string
	for range n {
		s := given[rng.IntN(len(given))]
		gn, gs, gl = append(gn, s.native), append(gs, s.second), append(gl, s.latin)
	}
	native = f.native + strings.Join(gn, "")
	second = f.second + strings.Join(gs, "")
	g := strings.Join(gl, sep)
	latin = f.latin + " " + strings.ToUpper(g[:1]) + g[1:]
	switch r := rng.IntN(100); {
	case r < 2:
		return "", "", latin // registered from a Latin-script document only
	case r < 12:
		latin = ""
	}
	if style == styleHan && rng.IntN(10) < 4 || style == styleHangul && rng.IntN(10) < 6 {
		second = ""
	}
	return native, second, latin
}

// Addresses, places abroad and contact channels.
var (
	streets = []string{"River Road", "Hill Street", "Lake Lane", "Market Street", "Station Road", "Willow Lane", "Pine Road",
		"School Street", "Bridge Road", "Garden Lane", "Harbour Road", "Mill Street", "Spring Lane", "Temple Road", "Orchard Lane"}
	// abroad are made-up contacts abroad: a city, its country code and the
	// country's dialling code.
	abroad = []struct{ city, country, dial string }{
		{"Shenyang", "CN", "86 24"}, {"Dandong", "CN", "86 415"}, {"Yanji", "CN", "86 433"}, {"Beijing", "CN", "86 10"},
		{"Harbin", "CN", "86 451"}, {"Changchun", "CN", "86 431"}, {"Qingdao", "CN", "86 532"}, {"Shanghai", "CN", "86 21"},
		{"Vladivostok", "RU", "7 423"}, {"Seoul", "KR", "82 2"},
	}
	eventNotes = map[string][]string{
		"moved":        {"Moved in with a daughter.", "New flat assigned.", "Moved closer to work.", ""},
		"left_country": {"Visit to relatives; exit permit granted.", "Medical treatment abroad.", ""},
		"returned":     {"Back after the visit.", "Returned; re-registered.", ""},
		"departed":     {"Left with the first group after the border reopened.", ""},
		"died":         {"", "Death certificate seen by the officer."},
	}
)
